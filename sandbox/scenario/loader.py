"""Load a scenario file: YAML → schema → cross-checks → ScenarioSpec, or a ScenarioError listing every problem.

A server never starts half-built: either the whole file is valid, or nothing is built and each problem is
reported as `FILE:LINE: path.to.field: what was expected`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from marshmallow import ValidationError

from .checks import check
from .dates import DateExpr
from .errors import Problem, ScenarioError
from .fields import TODAY_REAL
from .schema import ScenarioSchema
from .yamlsource import YamlSyntaxError, dotted, line_for, read_yaml


@dataclass(frozen=True)
class ScenarioSpec:
    """A validated scenario with its `today` and `seed` fixed. `data` follows schema.py (snake_case keys)."""

    name: str
    source: str
    data: dict = field(repr=False)
    today: date
    seed: str
    text_sha256: str = ""
    follows_real: bool = False  # `today: real` / `--today real` / no today: the running clock follows the real date

    def date(self, expr: DateExpr | None) -> date | None:
        return expr.resolve(self.today) if expr is not None else None


def _flatten(messages, path=()):
    """marshmallow's nested error dict → [(path, message)]."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, path + (key,))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                yield from _flatten(item, path)
            else:
                yield path, str(item)
    else:
        yield path, str(messages)


def _message(msg: str) -> str:
    if msg == "Unknown field.":
        return "unknown key (check its spelling against scenarios/README.md)"
    if msg == "Missing data for required field.":
        return "required, but missing"
    return msg


def _key_files(data: dict, base_dir: Path):
    """Resolve the key files a scenario names against its folder; yield (path, message) for unusable ones."""
    from sandbox.keys import KeyFileError, load_rsa_key

    named = [(("maskinporten", "signing_key"), data["maskinporten"], "signing_key", True)]
    named += [(("consumers", i, "key"), c, "key", False) for i, c in enumerate(data["consumers"])]
    named += [(("consumers", i, "keys", j, "key"), k, "key", False)
              for i, c in enumerate(data["consumers"]) for j, k in enumerate(c.get("keys", []))]
    for path, holder, key, needs_private in named:
        if not holder.get(key):
            continue
        resolved = (base_dir / holder[key]).resolve()
        try:
            loaded = load_rsa_key(str(resolved))
        except KeyFileError as exc:
            yield path, f"{exc} ({resolved})"
            continue
        if needs_private and not loaded.is_private:
            yield path, f"the signing key must be a private key (BEGIN PRIVATE KEY), not a public one ({resolved})"
        holder[key] = str(resolved)


#: What a scenario without agencies is told: it would build, and then every token request fail with invalid_client.
NO_CONSUMERS = ("no consumers: list at least one agency that calls the sandbox, e.g. consumers: [{id: skatteetaten, "
                "name: Skatteetaten, org_number: \"974761076\", services: [skatt]}] (scenarios/README.md); without one "
                "every token request fails with invalid_client")


def load_scenario_text(text: str, source: str = "<scenario>", *, today: date | str | None = None,
                       seed: str | None = None, real_today: date | None = None,
                       base_dir: Path | None = None, require_consumers: bool = False) -> ScenarioSpec:
    """Validate scenario text. `today` (a date or "real") and `seed` override the file; `real_today` is the real
    date (default: the clock's) used for "real" or when neither gives one.

    `real_today` comes from the caller (the CLI and create_app pass `sandbox.clock.real_today()`): the scenario
    layer never reads the wall clock and imports nothing of the server (DESIGN §2, issue 14). A scenario that
    fixes no date, loaded without `today` or `real_today`, is a problem like any other.

    Key files named in the scenario are resolved against `base_dir` (the scenario's folder; default cwd).

    `require_consumers`: a scenario someone serves needs at least one agency (consumers); load_scenario, the path
    of every file a user gives, asks for it. Worlds built in-process for the world's own tests need none."""
    import hashlib

    try:
        raw, lines, duplicates = read_yaml(text)
    except YamlSyntaxError as exc:
        raise ScenarioError([Problem(source, exc.line, "", str(exc))]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(source, 1, "", "expected a mapping at the top (version, name, banks, ...)")])
    problems = [Problem(source, line, dotted(path), "key given twice") for path, line in duplicates]
    try:
        data = ScenarioSchema().load(raw)
    except ValidationError as exc:
        for path, msg in _flatten(exc.messages):
            problems.append(Problem(source, line_for(lines, path), dotted(path), _message(msg)))
        raise ScenarioError(problems) from None
    # `today` (a date, or "real") wins over the file's; "real" or none at all: the real date (from the caller),
    # followed at run time.
    file_today = data.get("today")
    chosen = today if today is not None else (file_today.absolute if isinstance(file_today, DateExpr) else file_today)
    follows_real = chosen is None or chosen == TODAY_REAL
    resolved_today = real_today if follows_real else chosen
    if resolved_today is None:
        raise ScenarioError([Problem(source, None, "today",
                                     "the scenario fixes no date (no today, or today: real) and none was given (--today, or the real date)")])
    for path, msg in check(data, resolved_today):
        problems.append(Problem(source, line_for(lines, path), dotted(path), msg))
    if require_consumers and not data["consumers"]:
        problems.append(Problem(source, line_for(lines, ("consumers",)) if "consumers" in raw else None,
                                "consumers", NO_CONSUMERS))
    for path, msg in _key_files(data, base_dir or Path.cwd()):
        problems.append(Problem(source, line_for(lines, path), dotted(path), msg))
    if problems:
        raise ScenarioError(problems)
    return ScenarioSpec(
        name=data["name"], source=source, data=data, today=resolved_today,
        seed=str(seed) if seed is not None else data["seed"],
        text_sha256=hashlib.sha256(text.encode()).hexdigest(), follows_real=follows_real,
    )


def load_scenario(path: str | Path, *, require_consumers: bool = True, **kwargs) -> ScenarioSpec:
    """Load and validate a scenario file (see load_scenario_text for the keyword arguments): a file is what a user
    serves, so it must name at least one consumer."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "no such file")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(str(path), None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), None, "", f"cannot read: {exc.strerror}")]) from None
    return load_scenario_text(text, str(path), base_dir=path.parent, require_consumers=require_consumers, **kwargs)
