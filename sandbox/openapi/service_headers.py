"""What each DSOP service requires of the optional case headers (AdditionalReferenceIDType, AdditionalReferenceID,
RequesterID), written into `/openapi/bank.json` from the profile catalogue (sandbox/profiles/catalog.py), the same
data the banks enforce: a parameter description per header, and one table in the document's description.

A consumer reading only the published document learns, e.g., that Skatt-Kontroll refuses AdditionalReferenceID*
(400 ACC-001) and requires RequesterID; when a profile changes, the document follows.
"""

from __future__ import annotations

from sandbox.bank.params import ADDITIONAL_REFERENCE_CONTENTS
from sandbox.profiles import PROFILES

REFERENCE_HEADERS = ("AdditionalReferenceIDType", "AdditionalReferenceID")


def active_profiles(settings) -> list:
    """The profiles this server serves (a flagged one, e.g. NAV's v1 rules, only with its flag set)."""
    return [p for p in PROFILES if p.flag is None or getattr(settings, p.flag, False)]


def _reference_rule(profile, header: str) -> str:
    if profile.reference_type is None:
        return f"{profile.name}: must be absent (400 ACC-001)"
    if header == "AdditionalReferenceIDType":
        return f"{profile.name}: required, `{profile.reference_type}`"
    return f"{profile.name}: required, {ADDITIONAL_REFERENCE_CONTENTS[profile.reference_type]}"


def _requester_rule(profile) -> str:
    return f"{profile.name}: " + ("required (400 ACC-001 without it)" if profile.requester_required else
                                  "optional, ignored")


def header_rules(settings) -> dict[str, str]:
    """Parameter name → the per-service sentence appended to its description."""
    profiles = active_profiles(settings)
    out = {h: "Per service: " + "; ".join(_reference_rule(p, h) for p in profiles) + "." for h in REFERENCE_HEADERS}
    out["RequesterID"] = "Per service: " + "; ".join(_requester_rule(p) for p in profiles) + "."
    return out


def header_table(settings) -> str:
    """A Markdown table of the three headers per service (for the document's description)."""
    rows = ["| Service | AdditionalReferenceIDType | AdditionalReferenceID | RequesterID |", "|---|---|---|---|"]
    for p in active_profiles(settings):
        kind = f"`{p.reference_type}`" if p.reference_type else "absent"
        content = ADDITIONAL_REFERENCE_CONTENTS[p.reference_type] if p.reference_type else "absent"
        rows.append(f"| {p.name} | {kind} | {content} | {'required' if p.requester_required else '—'} |")
    return ("Case headers per service (a header a service does not take is refused with 400 ACC-001 when it "
            "must be absent; RequesterID is ignored where it is not required):\n\n" + "\n".join(rows))


def describe(parameters: dict, settings) -> None:
    """Append the per-service rules to the descriptions of the parameters in `parameters` (components/parameters)."""
    for name, rule in header_rules(settings).items():
        if name in parameters:
            param = parameters[name]
            param["description"] = " ".join(x for x in (param.get("description", ""), rule) if x)
