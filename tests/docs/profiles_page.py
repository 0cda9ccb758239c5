"""The generated part of docs/profiles.md: every service profile of sandbox/profiles/catalog.py with its full
Legal-Mandate strings, decoded and as sent (encodeURIComponent, spec/protocol.md §3.4).

`python -m tests.docs.profiles_page` prints the block; tests/docs/test_profiles_page.py keeps the page equal to it.
"""

from __future__ import annotations

from urllib.parse import quote

from sandbox.profiles.catalog import ENDPOINTS, PROFILES, REGISTER_ENDPOINTS

BEGIN = "<!-- generated from sandbox/profiles/catalog.py by tests/docs/profiles_page.py: do not edit by hand -->"
END = "<!-- end of generated profiles -->"

PRECONDITIONS = {
    None: "none",
    "bankruptcy": "the party is bankrupt (scenario `bankruptcy_date`)",
    "death": "the party is dead (scenario `death_date` or a death event)",
    "guardianship": "a guardianship of the party by the guardian named in `AdditionalReferenceID`, with the task "
                    "`representasjonDagligbank`",
    "extradition-order": "a valid signed extradition order in `AdditionalReferenceID`",
}


def encoded(text: str) -> str:
    """The header value as the public tables write it: JavaScript's encodeURIComponent of the UTF-8 text."""
    return quote(text, safe="-_.!~*'()")


def _mandate(text: str) -> str:
    return f"`{text}`<br>sent as `{encoded(text)}`"


def render() -> str:
    lines = [BEGIN, ""]
    for p in PROFILES:
        lines.append(f"### {p.name} (`{p.service}`)")
        lines.append("")
        rows = [
            ("consumers (organisation numbers)", ", ".join(p.consumers)),
            ("bank endpoints", ", ".join(e for e in ENDPOINTS if e in p.endpoints)),
            ("register endpoints", ", ".join(e for e in REGISTER_ENDPOINTS if e in p.register_endpoints)),
            ("`OnlyPrimaryOwner`", "true only" if p.only_primary else "true or false"),
            ("`AdditionalReferenceIDType`", f"`{p.reference_type}` (required)" if p.reference_type else "none (refused if sent)"),
            ("`RequesterID`", "required" if p.requester_required else "not needed"),
            ("subject precondition", PRECONDITIONS[p.precondition]),
            ("not delivered", "; ".join(f"{ep}: " + ", ".join(f"`{f}`" for f in paths) for ep, paths in p.withheld)
             or "nothing filtered"),
            ("`Legal-Mandate` at the banks", _mandate(p.canonical)),
        ]
        rows += [("`Legal-Mandate` at the banks, also", _mandate(m)) for m in p.mandates[1:]]
        rows += [("also accepted at the banks (alias)", _mandate(m)) for m in p.aliases]
        if p.step1_mandates is not None:
            rows += [("`Legal-Mandate` at the register", _mandate(m)) for m in p.step1_mandates]
        if p.flag:
            rows.append(("active only", f"with `serve --{p.flag.replace('_', '-')}`"))
        lines += ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows] + [""]
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
