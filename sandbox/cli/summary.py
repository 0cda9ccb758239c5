"""The one-screen summary printed by `dsop-sandbox validate` (and by `serve` when it starts), and the party table
`validate` prints after it: a scenario author needs the generated identity numbers to make a first call."""

from __future__ import annotations

from sandbox.world import world_digest


def summary_lines(spec, world, build_seconds: float | None = None) -> list[str]:
    counts = world.counts()
    span = world.date_range()
    lines = [
        f"scenario      {spec.name} ({spec.source})",
        f"seed          {spec.seed}",
        f"today         {world.today.isoformat()}",
        f"date range    {span.start.isoformat()} .. {span.end.isoformat()}",
        "entities      " + ", ".join(f"{n} {k}" for k, n in counts.items()),
        "banks         " + ", ".join(f"{b.name} ({b.org_number}, {b.register.upper()})" for b in world.banks.values()),
        "personas      " + str(sum(1 for p in world.built_parties() if not p.generated)) + " named, "
        + str(sum(world.crowd_size)) + " generated" + (" (on demand)" if world.crowd is not None else ""),
    ]
    if build_seconds is not None:
        lines.append(f"build time    {build_seconds:.2f} s")
    lines.append(f"world digest  {world_digest(world)}")
    return lines


def _kind(party) -> str:
    kind = "D-number" if party.d_number else party.kind
    notes = [n for n, on in (("shielded", party.shielded),
                             (f"died {party.death_date}", party.death_date),
                             (f"bankrupt {party.bankruptcy_date}", party.bankruptcy_date)) if on]
    return ", ".join([kind, *notes])


def party_lines(world, *, generated: bool = False) -> list[str]:
    """One line per party: id, name, identity number, kind, and the banks it has (had) any relation with.

    The named personas always; the generated crowd only when asked (`validate --parties`), as it runs to thousands.
    """
    parties = [p for p in (world.parties.values() if generated else world.built_parties()) if generated or not p.generated]
    crowd = sum(world.crowd_size)
    title = "parties (named and generated)" if generated else "named parties"
    lines = [f"{title}: id, name, identity number, kind, banks"]
    if not parties:
        lines.append("  (none)")
    rows = []
    for party in parties:
        bank_ids = {world.accounts[r.account_id].bank_id for r in world.relations_by_party.get(party.id, ())}
        banks = ", ".join(b.id for b in world.banks.values() if b.id in bank_ids) or "-"
        rows.append((party.id, party.name, party.identifier, _kind(party), banks))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    if crowd and not generated:
        lines.append(f"  ... and {crowd} generated (validate --parties lists them)")
    return lines
