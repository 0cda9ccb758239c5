"""YAML reading that remembers where every value stood, so errors can name the line.

PyYAML's composer gives nodes with marks; we convert them to plain Python (using the safe constructor's
scalar rules: `2024-01-01` is a date, `yes` a bool) while filling a map from document path to line number.
Duplicate mapping keys are reported rather than silently overwritten (a common copy-paste mistake).
"""

from __future__ import annotations

import yaml

Path = tuple  # a tuple of str keys and int indexes


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


def read_yaml(text: str) -> tuple[object, dict[Path, int], list[tuple[Path, int]]]:
    """Parse one YAML document: (data, line map, duplicate keys). Raises YamlSyntaxError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"not valid YAML: {exc}") from None
    if node is None:
        return None, {}, []
    builder = _Builder()
    try:
        data = builder.build(node, ())
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
