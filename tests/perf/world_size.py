"""Child process of the benchmarks: build one scenario's world, print the phases' times and memory as JSON.

`python world_size.py FILE [--no-digest]` (FILE or a shipped scenario's name) → one JSON line: seconds to
load (parse + validate), build and digest the world (the digest is part of `serve`'s start-up), the resident
set after the build and the peak (VmHWM) after the build and after the digest, and the world's counts. Run in a fresh process per scenario so the numbers
belong to that world alone; the parent also reads the child's ru_maxrss from wait4.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main(path: str, digest: bool = True) -> int:
    t0 = time.perf_counter()
    from sandbox.scenario import load_scenario
    from sandbox.scenario.catalog import resolve
    from sandbox.world import build_world, world_digest

    t1 = time.perf_counter()
    spec = load_scenario(resolve(path))
    t2 = time.perf_counter()
    mode = os.environ.get("BENCH_WORLD_MODE", "auto")  # auto: what `serve` does (lazy from LAZY_THRESHOLD)
    world = build_world(spec, mode)
    t3 = time.perf_counter()
    rss_built, hwm_built = _status_kb("VmRSS"), _status_kb("VmHWM")
    if digest:
        world_digest(world)
    t4 = time.perf_counter()
    print(json.dumps({
        "import_s": round(t1 - t0, 3), "load_s": round(t2 - t1, 3), "build_s": round(t3 - t2, 3),
        "digest_s": round(t4 - t3, 3) if digest else None, "load_build_s": round(t3 - t1, 3),
        "startup_s": round(t4 - t1, 3) if digest else None,
        "rss_after_build_kb": rss_built, "hwm_after_build_kb": hwm_built,
        "rss_after_digest_kb": _status_kb("VmRSS") if digest else None,
        "hwm_after_digest_kb": _status_kb("VmHWM") if digest else None,
        "counts": world.counts(), "mode": "lazy" if world.crowd is not None else "eager",
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], digest="--no-digest" not in sys.argv[2:]))
