"""YAML reading that remembers where every value stood, so errors can name the line.

PyYAML's composer gives nodes with marks; we convert them to plain Python (using the safe constructor's
scalar rules: `2024-01-01` is a date, `yes` a bool) while filling a map from document path to line number.
Duplicate mapping keys are reported rather than silently overwritten (a common copy-paste mistake).

Aliases are bounded before anything is built. The composed node graph is as large as the text, but each alias is
built as a full copy of its anchor, so a "billion laughs" bomb (nine levels of nine aliases) would expand to 9^9
nodes, and an alias inside its own anchor (`&a [*a]`) would never end. `_check_aliases` walks the graph once,
sizing each anchor once: a recursive alias, or aliases adding more than MAX_ALIAS_EXPANSION nodes in all, is a
YamlSyntaxError on the line of the collection holding the alias. Nesting too deep for the parser is one too.
"""

from __future__ import annotations

import yaml

Path = tuple  # a tuple of str keys and int indexes

#: How many nodes the aliases of one document may add in all (copies of their anchors). Anchors are for reusing
#: a few lines (a card, a counterparty); a scenario that needs more writes them out or uses the generators.
MAX_ALIAS_EXPANSION = 100_000
#: How deeply collections may nest (a scenario needs about six levels; PyYAML's composer recurses per level).
MAX_DEPTH = 100
_NESTED = f"not valid YAML for a scenario: nested too deeply (more than {MAX_DEPTH} levels)"


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_DEPTH on the line where it goes deeper."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlSyntaxError(self.peek_event().start_mark.line + 1, _NESTED)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class YamlSyntaxError(ValueError):
    def __init__(self, line: int | None, message: str):
        self.line = line
        super().__init__(message)


class _Builder:
    def __init__(self):
        self.lines: dict[Path, int] = {}
        self.duplicates: list[tuple[Path, int]] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path):
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # SafeLoader cannot even construct this key
                    raise YamlSyntaxError(key_node.start_mark.line + 1,
                                          "not valid YAML for a scenario: merge keys (<<) are not supported")
                key = self._constructor.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                if key == "<<":
                    raise YamlSyntaxError(key_node.start_mark.line + 1, "YAML merge keys (<<) are not supported")
                if key in out:
                    self.duplicates.append((path + (key,), key_node.start_mark.line + 1))
                out[key] = self.build(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node, deep=True)
        except ValueError:
            # e.g. `2024-13-01` matches YAML's timestamp pattern but is no date: keep the text, so the schema
            # reports it with the path and what was expected.
            return node.value


class _AliasCheck:
    """Sizes the node graph as the builder would expand it, without expanding it (see the module docstring)."""

    def __init__(self):
        self.sizes: dict[int, int] = {}  # id(node) -> nodes in its expansion, for every node walked
        self.open: set[int] = set()  # nodes being walked (an alias to one of them is recursive)
        self.added = 0  # nodes the aliases add

    def visit(self, node: yaml.Node, line: int) -> int:
        """Nodes in `node`'s expansion; `line`: where the reference to it stands (an alias's own line is lost:
        PyYAML gives the alias the anchor's node, so the line of the collection holding it is used)."""
        key = id(node)
        if key in self.open:
            raise YamlSyntaxError(line, "not valid YAML for a scenario: a recursive alias (an alias inside the "
                                        "anchor it refers to) would never end")
        if key in self.sizes:  # a second reference to a node: an alias, built as a full copy
            self.added += self.sizes[key]
            if self.added > MAX_ALIAS_EXPANSION:
                raise YamlSyntaxError(line, f"not valid YAML for a scenario: the aliases expand to more than "
                                            f"{MAX_ALIAS_EXPANSION} nodes (an alias bomb?); write the values out")
            return self.sizes[key]
        self.open.add(key)
        size = 1
        here = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                at = key_node.start_mark.line + 1 if key_node is not value_node else here
                size += self.visit(key_node, at) + self.visit(value_node, at)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                size += self.visit(child, here)
        self.open.discard(key)
        self.sizes[key] = size
        return size


def read_yaml(text: str) -> tuple[object, dict[Path, int], list[tuple[Path, int]]]:
    """Parse one YAML document: (data, line map, duplicate keys). Raises YamlSyntaxError."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlSyntaxError(None, _NESTED) from None
    if node is None:
        return None, {}, []
    builder = _Builder()
    try:
        _AliasCheck().visit(node, node.start_mark.line + 1)
        data = builder.build(node, ())
    except RecursionError:
        raise YamlSyntaxError(None, _NESTED) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlSyntaxError(mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}") from None
    return data, builder.lines, builder.duplicates


def line_for(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def dotted(path: Path) -> str:
    """`('accounts', 3, 'owners', 0, 'party')` → `accounts[3].owners[0].party`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
