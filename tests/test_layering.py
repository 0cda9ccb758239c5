"""Layering (DESIGN §2) checked mechanically: the domain packages import no Flask, and the sandbox's modules
import each other without a cycle.

How the import graph is built (with `ast`, without importing anything):

- An edge A → B means module A names module B in an `import` statement that runs when A is imported: a
  statement at module level, including inside `try`/`if` blocks, but not under `if TYPE_CHECKING:`.
- Imports inside a function or method body are *lazy edges*, collected separately. A lazy import is fine
  for load time (the CLI and create_app import a service only when it is used) but it must still point
  *down* the layers: the cycle issue 14 found (scenario.loader → clock ⇢ admin.clock → web ⇢ bank.errors ⇢
  bank.schemas → bank.params → world → scenario) had no cycle at module level at all; three lazy imports
  hid it. So the acyclic check runs over eager and lazy edges together; a new cycle is printed with each
  lazy edge marked `⇢`. The graph of eager edges alone is acyclic a fortiori.
- `from P import name` is an edge to `P.name` when that is a module of ours, else to `P`. `import P.Q` is an
  edge to `P.Q`. Implicit edges to parent packages (`import P.Q` also runs `P/__init__`) are not drawn:
  they would turn every package whose `__init__` re-exports its submodules into a cycle with itself, which
  Python handles (the package object exists before its `__init__` finishes).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sandbox"

#: Plain-Python packages and modules (DESIGN §2): no Flask, not even lazily.
DOMAIN_PACKAGES = ("sandbox.world", "sandbox.scenario", "sandbox.dsop", "sandbox.conformance")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def domain_modules(modules: dict[str, Path]) -> list[str]:
    return sorted(name for name in modules
                  if name.startswith(tuple(p + "." for p in DOMAIN_PACKAGES)) or name in DOMAIN_PACKAGES
                  or name.endswith(".rules"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module):
    """(import node, lazy?) for every import in the module; TYPE_CHECKING-only imports are left out."""
    def walk(node, lazy):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, lazy
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for sub in child.orelse:
                    yield from walk(ast.Module(body=[sub], type_ignores=[]), lazy)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(child, True)
            else:
                yield from walk(child, lazy)
    yield from walk(tree, False)


def _targets(node, importer: str, is_package: bool, modules) -> list[str]:
    """The modules an import statement names (any package, ours or not)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    out = []
    for alias in node.names:
        sub = f"{prefix}.{alias.name}"
        out.append(sub if sub in modules else prefix)
    return out


def import_graph():
    """(eager edges, lazy edges, external imports) of every sandbox module; each a dict module → set."""
    modules = all_modules()
    eager, lazy, external = {}, {}, {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        eager[name], lazy[name], external[name] = set(), set(), set()
        for node, is_lazy in _imports(tree):
            for target in _targets(node, name, path.name == "__init__.py", modules):
                if target in modules:
                    if target != name:
                        (lazy if is_lazy else eager)[name].add(target)
                else:
                    external[name].add((target.split(".")[0], is_lazy))
    return eager, lazy, external


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None (iterative DFS, deterministic order)."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    for start in sorted(graph):
        if colour[start] != WHITE:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        colour[start] = GREY
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour.get(child, BLACK) == GREY:
                    path = [n for n, _ in stack]
                    return path[path.index(child):] + [child]
                if colour.get(child) == WHITE:
                    colour[child] = GREY
                    stack.append((child, iter(sorted(graph[child]))))
                    break
            else:
                colour[node] = BLACK
                stack.pop()
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert tangle({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}}, "a") == ["a", "b"]


def test_graph_builder_sees_lazy_and_relative_imports():
    """The builder itself: a known lazy edge and a known relative edge of the current tree."""
    eager, lazy, _ = import_graph()
    assert "sandbox.scenario.schema" in eager["sandbox.scenario.loader"]  # `from .schema import ...`
    assert "sandbox.keys" in lazy["sandbox.scenario.loader"]              # inside _key_files()


def test_no_import_cycle_among_sandbox_modules():
    eager, lazy, _ = import_graph()
    graph = {m: eager[m] | lazy[m] for m in eager}
    cycle = find_cycle(graph)
    assert cycle is None, ("import cycle (⇢ = an import inside a function): " + describe(cycle, eager)
                           + "\nevery module on a cycle with it: " + ", ".join(tangle(graph, cycle[0])))


def tangle(graph: dict[str, set[str]], start: str) -> list[str]:
    """The modules on some cycle through `start` (its strongly connected component), to show the whole knot."""
    def reach(edges):
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen
    backward: dict[str, set[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            backward.setdefault(target, set()).add(module)
    return sorted(reach(graph) & reach(backward))


def test_no_module_level_import_cycle():
    """Implied by the test above; kept apart so a failure says which kind of cycle it is."""
    eager, _, _ = import_graph()
    cycle = find_cycle(eager)
    assert cycle is None, "module-level import cycle: " + describe(cycle, eager)


def describe(cycle: list[str], eager: dict[str, set[str]]) -> str:
    out = cycle[0]
    for a, b in zip(cycle, cycle[1:], strict=False):
        out += (" → " if b in eager[a] else " ⇢ ") + b
    return out


def test_domain_modules_name_no_flask():
    """Static: no domain module (world, scenario, dsop, every rules.py) imports flask/werkzeug, eagerly or lazily,
    nor any sandbox module that does so at module level."""
    eager, lazy, external = import_graph()
    web = {m for m, ext in external.items() if any(pkg in ("flask", "werkzeug") and not is_lazy
                                                  for pkg, is_lazy in ext)}
    # modules that pull Flask in when imported (eager closure)
    reaches = set(web)
    changed = True
    while changed:
        changed = False
        for module, targets in eager.items():
            if module not in reaches and targets & reaches:
                reaches.add(module)
                changed = True
    offenders = []
    for module in domain_modules(all_modules()):
        direct = sorted(pkg for pkg, _ in external[module] if pkg in ("flask", "werkzeug"))
        via = sorted((eager[module] | lazy[module]) & reaches)
        if direct or via:
            offenders.append(f"{module}: {', '.join(direct + via)}")
    assert not offenders, "domain modules reaching Flask:\n" + "\n".join(offenders)


def test_domain_modules_load_without_flask():
    """Dynamic: importing every domain module in a fresh interpreter leaves flask out of sys.modules."""
    names = domain_modules(all_modules())
    assert "sandbox.world" in names and "sandbox.bank.rules" in names and "sandbox.scenario.loader" in names
    code = ("import importlib, json, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("module", ["sandbox.scenario.loader", "sandbox.world.build", "sandbox.bank.rules",
                                    "sandbox.register.rules"])
def test_scenario_and_world_do_not_reach_the_web_layer(module):
    """The chain issue 14 named (loader → clock → admin.clock → web → …) must stay broken, lazily too: nothing a
    domain module imports, directly or through other sandbox modules, is a Flask-facing module."""
    eager, lazy, _ = import_graph()
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        for target in eager[current] | lazy[current]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    web_layer = {m for m in seen if m.endswith((".views", ".web", ".app")) or m.startswith("sandbox.admin")}
    assert not web_layer, f"{module} reaches {sorted(web_layer)}"
