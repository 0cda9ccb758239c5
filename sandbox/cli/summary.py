"""The one-screen summary printed by `dsop-sandbox validate` (and by `serve` when it starts)."""

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
        "personas      " + str(sum(1 for p in world.parties.values() if not p.generated)) + " named, "
        + str(sum(1 for p in world.parties.values() if p.generated)) + " generated",
    ]
    if build_seconds is not None:
        lines.append(f"build time    {build_seconds:.2f} s")
    lines.append(f"world digest  {world_digest(world)}")
    return lines
