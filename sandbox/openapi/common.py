"""Shared machinery of the two OpenAPI documents: apispec with the marshmallow plugin, paths taken from the
app's URL map, summaries from the views' docstrings (DESIGN §5), parameters from the request schemas."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

OPENAPI_VERSION = "3.0.3"
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    """What the URL map and the views do not say about one GET endpoint."""

    operation_id: str
    tag: str
    response: type  # the 200 body's schema
    example_key: str  # key into Examples.responses
    parameters: tuple[tuple[type, str], ...]  # (request schema, location), in display order
    errors: dict[int, str]  # status -> description (which codes, when)
    description: str = ""
    extensions: dict = field(default_factory=dict)
    error_schemas: dict[int, type] = field(default_factory=dict)  # a status whose body is not the API's error


def component_name(schema: type) -> str:
    return schema.__name__.removesuffix("Schema")


def docstring(obj) -> str:
    return " ".join((inspect.getdoc(obj) or "").split())


def summary_and_details(view) -> tuple[str, str]:
    """The view's first docstring line is the summary; the rest (if any) opens the description."""
    lines = (inspect.getdoc(view) or "").strip().splitlines()
    if not lines:
        return view.__name__.replace("_", " "), ""
    return lines[0].strip(), " ".join(" ".join(lines[1:]).split())


def new_spec(*, title: str, version: str, description: str, servers: list, tags: list) -> tuple[APISpec, MarshmallowPlugin]:
    plugin = MarshmallowPlugin()
    spec = APISpec(title=title, version=version, openapi_version=OPENAPI_VERSION, plugins=[plugin],
                   info={"description": description}, servers=servers, tags=tags)
    return spec, plugin


def register_schemas(spec: APISpec, schemas) -> None:
    """Name every response schema up front (in the given order) with its docstring as description."""
    for schema in schemas:
        name = component_name(schema)
        if name in spec.components.schemas:  # already registered as another schema's nested field
            spec.components.schemas[name].setdefault("description", docstring(schema))
        else:
            spec.components.schema(name, {"description": docstring(schema)}, schema=schema)


def blueprint_rules(app, blueprint: str):
    """(endpoint, rule text) of every route of a blueprint, in registration order."""
    return [(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(f"{blueprint}.")]


def openapi_path(rule: str, prefix: str, renames: dict[str, str]) -> str:
    """`/banks/<orgnr>/v2/accounts/<reference>` with prefix `/banks/<orgnr>/v2` → `/accounts/{accountReference}`."""
    if not rule.startswith(prefix):
        raise ValueError(f"route {rule} is not under {prefix}")
    return _RULE_ARG.sub(lambda m: "{" + renames.get(m.group(1), m.group(1)) + "}", rule[len(prefix):])


def parameters(spec: APISpec, plugin: MarshmallowPlugin, op: Operation, examples: dict,
               optional: frozenset = frozenset(), overrides: dict | None = None) -> list:
    """The operation's parameters from its request schemas, as references to components/parameters (each
    defined once, with the world's example); `optional` names parameters a lenient server may go without;
    a parameter whose example this operation `overrides` is written out in the operation instead."""
    out: list = []
    overrides = overrides or {}
    for schema, location in op.parameters:
        for param in plugin.converter.schema2parameters(schema, location=location):
            name = param["name"]
            if name in optional:
                param["required"] = False
            if name in examples or name in overrides:
                param["example"] = overrides.get(name, examples.get(name))
            if name in overrides:
                out.append(param)
                continue
            if name not in spec.components.parameters:
                spec.components.parameter(name, location, param)
            elif spec.components.parameters[name] != param:
                raise ValueError(f"parameter {name} is defined twice, differently")
            out.append(name)
    return out


_REFS = re.compile(r" ?\((?:[^()]*?, )?(?:[DRQ]-?[0-9]+(?:…[DRQ]-?[0-9]+)?(?:, )?)+\)")


def without_design_refs(node):
    """Drop the code's citations of the design and data model, e.g. "(D14)" or "(R-06, D17)", from every
    description: the published document stands on its own. Examples are left alone."""
    if isinstance(node, dict):
        return {k: (_REFS.sub("", v) if k == "description" and isinstance(v, str) else
                    v if k in ("example", "examples") else without_design_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [without_design_refs(v) for v in node]
    return node


def json_content(schema, examples: dict | None) -> dict:
    content: dict = {"schema": schema}
    if examples:
        content["examples"] = examples
    return {"application/json": content}


def auth_sentence(settings) -> str:
    """The line of a document's description that says whether this server checks tokens."""
    return ("This server checks tokens." if settings.auth else
            "This server runs with auth off: the Authorization header is not checked, and every response "
            "carries `Sandbox-Auth: off`.")
