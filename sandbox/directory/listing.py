"""What the API directory lists, in the real directory's format (DESIGN D23), and how a consumer reads it.

The real directory (data.altinn.no dataset "Kontrollinformasjon", served by data-altinn-no/plugin-bits) answers
`GET /v1/directharvest/Kontrollinformasjon/?envelope=false` with a bare JSON array of
`{"orgNo", "name", "url", "version", "env"}`: `version` is `v1` or `v2` (which API version the bank's endpoint
speaks), `env` is `test` or `prod` (plugin-bits MemoryCacheProvider.MapToExternal: `UseTestEndpoints ? "test" :
"prod"`). Consumers keep only the `v2` entries, compared case-insensitively (plugin-banking Plugin.cs:
`item.Version.ToUpper() == "V2"`; `RemoveAll(p => p.Version.ToUpper() == "V1")`: only v2 has OnlyPrimaryOwner).

Every sandbox bank speaks v2; whether a bank also serves the v2.1 Owners endpoint is a property of the bank
(every sandbox bank does), never a version string here. Plain Python: no Flask.
"""

from __future__ import annotations

from sandbox.config import bank_base_url

#: The `version` of every sandbox bank's endpoint, spelled as the real directory spells it.
VERSION = "v2"
#: The sandbox is a test environment: the real test directory's `env` value.
ENV = "test"


def entries(world, public_url: str) -> list[dict]:
    """The directory's entries, one per bank, in the scenario's bank order (the real format's keys)."""
    return [{"orgNo": b.org_number, "name": b.name, "url": bank_base_url(public_url, b.org_number),
             "version": VERSION, "env": ENV}
            for b in world.banks.values()]


def legacy_object(items: list[dict]) -> dict:
    """The older documented shape, `{"endpoints": [{orgNo, name, url, version}], "total": n}` (plugin-banking's
    EndpointsList), for consumers written against it; kept only on explicit request (`?format=object`)."""
    return {"endpoints": [{k: e[k] for k in ("orgNo", "name", "url", "version")} for e in items],
            "total": len(items)}


def v2_urls(body) -> dict[str, str]:
    """Org. number → base URL of every v2 entry of a directory answer, read the way real consumers read it:
    a bare array of entries, `version` compared case-insensitively with `V2`. Anything else raises ValueError."""
    if not isinstance(body, list):
        raise ValueError(f"the directory answered {type(body).__name__}, not the JSON array of entries it lists")
    urls = {}
    for entry in body:
        if not (isinstance(entry, dict) and isinstance(entry.get("orgNo"), str) and isinstance(entry.get("url"), str)):
            raise ValueError(f"not a directory entry (orgNo, name, url, version, env): {entry!r}")
        if str(entry.get("version", "")).upper() == "V2":
            urls[entry["orgNo"]] = entry["url"]
    return urls
