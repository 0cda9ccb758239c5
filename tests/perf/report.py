"""The benchmark's printed report: the tables and the targets of issues 8 and 19, each met or missed by how much."""

from __future__ import annotations

import statistics

MB = 1024  # kB per MB (the /proc and ru_maxrss figures are in kB)
LIMITED = ("register", "accounts", "details", "roles")  # p99 < 25 ms; full transaction pages are exempt
#: Throughput floors against the bare-Flask ceiling: issue 19 for accounts and details, issue 8 for a repeated page.
FLOORS = (("accounts", 0.80), ("details", 0.80), ("transactions", 0.5))
DISTINCT_FLOOR = 0.5  # issue 19: a load of different transactions pages, against the ceiling for that body size
RENDER_LIMIT_MS = 3.0  # issue 19: the first render of a 1000-item page


def render_median(render: dict, key: str) -> float:
    """The median of one first_render.py figure (render_ms, generate_ms, cold_ms) over its pages."""
    return statistics.median(row[key] for row in render["rows"])


def ratio_of(row: dict) -> float:
    """The sandbox/ceiling ratio of one endpoint: the median of the per-alternation ratios when the run was repeated
    (BENCH_REPEAT), else the one run's."""
    ratios = row.get("ratios")
    if ratios:
        return statistics.median(ratios)
    return row["sandbox"]["rps"] / row["ceiling"]["rps"]


def cpu_ratios(row: dict) -> list[float]:
    """Per alternation: ceiling CPU ms per request / sandbox CPU ms per request. Other processes on the machine move
    requests/s a lot and CPU time per request much less, so this is the steadier reading of the same A/B."""
    runs = row.get("all_runs") or {"sandbox": [row["sandbox"]], "ceiling": [row["ceiling"]]}
    out = []
    for a, c in zip(runs["sandbox"], runs["ceiling"], strict=True):
        if cpu_ms(a) and cpu_ms(c):
            out.append(cpu_ms(c) / cpu_ms(a))
    return out


def _ms(us) -> float:
    return us / 1000


def _pct(run: dict) -> str:
    share = run.get("other_cpu_share")
    return "?" if share is None else f"{100 * share:.0f}%"


def cpu_ms(run: dict) -> float | None:
    """Server CPU time per request (ms): unlike requests/s, barely moved by other processes on the machine."""
    share = run.get("server_cpu_share")
    return None if share is None or not run["rps"] else 1000 * share / run["rps"]


def _opt(value, fmt: str, scale: float = 1) -> str:
    return "-" if value is None else format(value / scale, fmt)


def _verdict(name: str, value, ok: bool, miss: str, shown: str) -> dict:
    return {"target": name, "value": value, "met": ok, "shown": shown, "missed_by": None if ok else miss}


def _at_least(name: str, value: float, limit: float) -> dict:
    return _verdict(name, round(value, 3), value >= limit,
                    f"{limit - value:.2f} below (needs {limit / value:.2f}x the throughput)" if value else "no value",
                    f"{value:.2f}")


def _under(name: str, value: float, limit: float, unit: str, inclusive: bool = False) -> dict:
    return _verdict(name, round(value, 3), value <= limit if inclusive else value < limit,
                    f"{value - limit:.1f} {unit} over ({value / limit:.1f}x the limit)", f"{value:.1f} {unit}")


#: Issue 19: a national-scale world starts within NATIONAL_START_S with a PSS under NATIONAL_PSS_MB per worker.
NATIONAL_START_S = 5
NATIONAL_PSS_MB = 500


def national_targets(national: dict | None) -> list[dict]:
    if not national:
        return [{"target": "national-scale world", "met": None, "shown": "not measured (BENCH_NATIONAL)",
                 "missed_by": None}]
    start, same = national.get("start", {}), national.get("identity", {})
    out = []
    if "skipped" in start:
        out.append({"target": "national-scale world", "met": False, "shown": start["skipped"], "missed_by": None})
    else:
        who = f"{start['people']:,} people + {start['organisations']:,} orgs".replace(",", " ")
        out.append(_under(f"national world ({who}): serve start-up < {NATIONAL_START_S} s",
                          start["startup_s"], NATIONAL_START_S, "s"))
        out.append(_under(f"national world: PSS per worker < {NATIONAL_PSS_MB} MB (after 40 members' requests)",
                          start["pss_after_requests_kb"] / MB, NATIONAL_PSS_MB, "MB"))
    if "skipped" in same or not same:
        out.append({"target": "lazy == eager", "met": False, "shown": same.get("skipped", "not measured"),
                    "missed_by": None})
    else:
        out.append({"target": f"lazy == eager on {same['people']} people + {same['organisations']} orgs (every "
                              f"entity, lookup, digest, {same['requests']} HTTP bodies byte for byte)",
                    "met": bool(same["identical"]), "shown": "identical" if same["identical"] else
                    f"differ: {same['entities_differ'] or same['bodies_differ']}", "missed_by": None})
    return out


def targets(results: dict) -> list[dict]:
    out = []
    load = results.get("load", {})

    def ratio(ep):
        return ratio_of(load[ep])

    for ep, limit in FLOORS:
        if ep in load:
            out.append(_at_least(f"throughput sandbox/ceiling, {ep} >= {limit:.2f}", ratio(ep), limit))
    many = results.get("distinct") or {}
    if "sandbox" in many:
        out.append(_at_least(f"throughput sandbox/ceiling, transactions, distinct pages >= {DISTINCT_FLOOR:.2f}",
                             ratio_of(many), DISTINCT_FLOOR))
    render = results.get("first_render") or {}
    if render.get("rows"):
        out.append(_under(f"first render of a 1000-item transactions page (median of {render['pages']}) "
                          f"<= {RENDER_LIMIT_MS:g} ms", render_median(render, "render_ms"), RENDER_LIMIT_MS, "ms",
                          inclusive=True))
    for ep in LIMITED:
        if ep in load:
            out.append(_under(f"p99 at {results['settings']['connections']} connections, {ep} < 25 ms",
                              _ms(load[ep]["sandbox"]["p99_us"]), 25, "ms"))
    worlds = results.get("worlds", {})
    big = worlds.get("100000 people")
    if big:
        mode = big.get("mode", "eager")
        out.append(_under(f"100k people ({mode}, as serve --world auto builds it): world loaded and built < 30 s",
                          big["load_build_s"], 30, "s"))
        if big["startup_s"] is not None:
            out.append(_under("100k people: serve start-up (build + world digest) < 30 s [stricter reading]",
                              big["startup_s"], 30, "s"))
            out.append(_under("100k people: RSS per worker < 1.5 GB (master RSS at fork, after the digest)",
                              big["rss_after_digest_kb"] / MB, 1536, "MB"))
        else:
            out.append(_under("100k people: RSS per worker < 1.5 GB (RSS after the build; digest not run)",
                              big["rss_after_build_kb"] / MB, 1536, "MB"))
        out.append(_under("100k people: peak RSS of the building process < 1.5 GB [stricter reading]",
                          big["ru_maxrss_kb"] / MB, 1536, "MB"))
    else:
        out.append({"target": "100k people world", "met": None, "shown": "not measured (BENCH_SIZES)", "missed_by": None})
    out += national_targets(results.get("national"))
    default = worlds.get(results["settings"]["scenario"])
    if default:
        out.append(_under("default world loaded and built < 1 s", default["load_build_s"], 1, "s"))
        if default["startup_s"] is not None:
            out.append(_under("default world: serve start-up (build + digest) < 1 s [stricter reading]",
                              default["startup_s"], 1, "s"))
    w10 = results.get("windows", {}).get("10 years")
    if w10:
        out.append(_under("10-year window, first page, first request (cold) < 100 ms", w10["first_ms"], 100, "ms"))
        out.append(_under("10-year window, first page, median (warm) < 100 ms", w10["median_ms"], 100, "ms"))
    return out


def print_report(results: dict) -> list[dict]:
    s = results["settings"]
    print()
    print(f"DSOP sandbox benchmark | auth: {'ON' if results.get('auth') else 'off'} | audit: {results.get('audit')} | "
          f"gunicorn {s['workers']} sync workers | wrk {s['threads']} threads x {s['connections']} connections, "
          f"{s['seconds']:g} s (+{s['warmup']:g} s warm-up) per run"
          + (f", median of {s['repeat']} alternations" if s.get("repeat", 1) > 1 else "") + f" | {results['machine']['cpus']} CPUs")
    code = results.get("code", {})
    print(f"code: {code.get('ref')} @ {code.get('commit')}"
          + (f" ({code['dirty_files']} files of sandbox/ and scenarios/ changed since)" if code.get("dirty_files") else ""))
    for note in results.get("notes", []):
        print(f"note: {note}")
    load = results.get("load", {})
    if load:
        print()
        print(f"{'endpoint':<13}{'bytes':>8} | {'sandbox req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | "
              f"{'ceiling req/s':>13} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>5} | {'cpu ms/req':>11} {'ratio':>5} | "
              f"{'errors':>6} {'wrk cpu':>7} {'other cpu':>9}")
        for ep, r in load.items():
            a, c = r["sandbox"], r["ceiling"]
            print(f"{ep:<13}{r['bytes']:>8} | {a['rps']:>13.1f} {_ms(a['p50_us']):>7.2f} {_ms(a['p99_us']):>7.2f} | "
                  f"{c['rps']:>13.1f} {_ms(c['p50_us']):>7.2f} {_ms(c['p99_us']):>7.2f} | {ratio_of(r):>5.2f} | "
                  f"{_opt(cpu_ms(a), '.2f'):>5}/{_opt(cpu_ms(c), '.2f'):<5} "
                  f"{_opt(cpu_ms(c) / cpu_ms(a) if cpu_ms(a) and cpu_ms(c) else None, '.2f'):>5} | "
                  f"{a['errors'] + c['errors']:>6} {100 * a.get('tool_cpu_share', 0):>6.0f}% "
                  f"{_pct(a):>4}/{_pct(c):<4}")
        many = results.get("distinct") or {}
        if "sandbox" in many:
            a, c = many["sandbox"], many["ceiling"]
            print(f"{'distinct tx':<13}{many['bytes']:>8} | {a['rps']:>13.1f} {_ms(a['p50_us']):>7.2f} "
                  f"{_ms(a['p99_us']):>7.2f} | {c['rps']:>13.1f} {_ms(c['p50_us']):>7.2f} {_ms(c['p99_us']):>7.2f} | "
                  f"{ratio_of(many):>5.2f} | {_opt(cpu_ms(a), '.2f'):>5}/{_opt(cpu_ms(c), '.2f'):<5} "
                  f"{_opt(cpu_ms(c) / cpu_ms(a) if cpu_ms(a) and cpu_ms(c) else None, '.2f'):>5} | "
                  f"{a['errors'] + c['errors']:>6} {100 * a.get('tool_cpu_share', 0):>6.0f}% {_pct(a):>4}/{_pct(c):<4}")
            print(f"  distinct tx: every request a page not asked for before ({many['urls']} URLs over "
                  f"{many['accounts']} accounts, {many['per_run']} per run; bodies {many['bytes_range'][0]}-"
                  f"{many['bytes_range'][1]} bytes, the ceiling answers {many['bytes']})"
                  + ("; WARNING: a run wrapped around its URLs (some pages asked twice)"
                     if any(r.get("wrapped") for r in many["all_runs"]["sandbox"]) else ""))
        spread = {ep: r["ratios"] for ep, r in list(load.items()) + [("distinct tx", many)]
                  if len(r.get("ratios") or ()) > 1}
        if spread:
            print("ratio = median of the alternations; spread (min-max): " + "; ".join(
                f"{ep} {min(v):.2f}-{max(v):.2f} (n={len(v)})" for ep, v in spread.items()))
        steady = {ep: cpu_ratios(r) for ep, r in list(load.items()) + [("distinct tx", many)] if "sandbox" in r}
        print("cpu-time ratio (ceiling cpu ms/req over sandbox cpu ms/req), median (min-max) of the alternations: "
              + "; ".join(f"{ep} {statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"
                          for ep, v in steady.items() if v))
        busy = [ep for ep, r in load.items() for side in ("sandbox", "ceiling")
                if r[side].get("other_cpu_share", 0) > 0.15]
        if busy:
            print(f"WARNING: other processes used more than 15% of a core during {sorted(set(busy))}: the machine "
                  "was not quiet, so requests/s and latencies are not reliable (other cpu = sandbox run/ceiling run, "
                  "% of a core); the CPU-time ratio (ceiling cpu ms/req / sandbox cpu ms/req) holds up better")
        subj = results["subjects"]
        print("subjects: " + "; ".join(
            f"{ep} = {subj[ep]['persona']}" + (f" acct {subj[ep]['account']}" if "account" in subj[ep] else "")
            for ep in load))
    windows = results.get("windows", {})
    if windows and "skipped" not in windows:
        long = results["subjects"]["long"]
        print()
        print(f"transactions, first page, account {long['account']} ({long['persona']}, opened {long['startDate']})")
        print(f"{'window':<10}{'items':>6}{'bytes':>9}{'next?':>7} | {'first request ms':>16} | "
              f"{'median ms':>9} {'p90 ms':>7} (n={windows['10 years']['n']})")
        for name, w in windows.items():
            print(f"{name:<10}{w['items']:>6}{w['bytes']:>9}{'yes' if w['has_next'] else 'no':>7} | "
                  f"{w['first_ms']:>16.1f} | {w['median_ms']:>9.1f} {w['p90_ms']:>7.1f}")
    elif windows:
        print(f"\ntransaction windows: {windows['skipped']}")
    render = results.get("first_render") or {}
    if render.get("rows"):
        print()
        print(f"first render of a 1000-item transactions page, in-process, {render['pages']} accounts (10-year window; "
              "median, min-max):")
        for key, what in (("render_ms", "render (paging, items written, body), months generated already"),
                          ("generate_ms", "generating the window's months (world/ledger.py, activity.py)"),
                          ("cold_ms", "both: the very first request of that window")):
            values = [row[key] for row in render["rows"]]
            print(f"  {what:<62} {render_median(render, key):>7.2f} ms ({min(values):.2f}-{max(values):.2f})"
                  + (f"  limit {RENDER_LIMIT_MS:g} ms: {render_median(render, key) / RENDER_LIMIT_MS:.2f}x"
                     if key == "render_ms" else ""))
    elif render:
        print(f"\nfirst render: {render.get('skipped', 'no account with a full 1000-item page')}")
    worlds = results.get("worlds", {})
    if worlds:
        print()
        print(f"{'world':<14}{'people':>8}{'orgs':>7}{'accounts':>9} | {'load+build s':>12} {'digest s':>8} "
              f"{'start-up s':>10} | {'RSS built MB':>12} {'RSS start MB':>12} {'peak MB':>8}")
        for name, w in worlds.items():
            c = w["counts"]
            print(f"{name:<14}{c['people']:>8}{c['organisations']:>7}{c['accounts']:>9} | {w['load_build_s']:>12.2f} "
                  f"{_opt(w['digest_s'], '.2f'):>8} {_opt(w['startup_s'], '.2f'):>10} | "
                  f"{w['rss_after_build_kb'] / MB:>12.0f} {_opt(w['rss_after_digest_kb'], '.0f', MB):>12} "
                  f"{w['ru_maxrss_kb'] / MB:>8.0f}")
        if any(w["digest_s"] is None for w in worlds.values()):
            print(f"  (-: the world digest was not run: only up to BENCH_DIGEST_MAX={s.get('digest_max')} people)")
    nat = (results.get("national") or {}).get("start")
    if nat and "skipped" not in nat:
        print(f"national world: {nat['people']} people, {nat['organisations']} organisations, lazy={nat['lazy']}: "
              f"start-up {nat['startup_s']:.2f} s (runs {nat.get('startup_runs_s')}), PSS {nat['pss_started_kb'] / MB:.0f} MB "
              f"started, {nat['pss_after_requests_kb'] / MB:.0f} MB after {nat['requests']} requests "
              f"(slowest {nat['slowest_request_ms']:.0f} ms)")
    mem = results.get("sandbox_memory_kb")
    if mem:
        print("sandbox RSS after the load (default world): " + ", ".join(
            f"{k} {v.get('VmRSS', 0) / MB:.0f} MB" for k, v in mem.items()))
    verdicts = targets(results)
    print("\ntargets (issues 8 and 19)")
    for v in verdicts:
        mark = "n/a " if v["met"] is None else ("MET " if v["met"] else "MISS")
        tail = f"  -- missed by {v['missed_by']}" if v.get("missed_by") else ""
        print(f"  [{mark}] {v['target']}: {v['shown']}{tail}")
    for ep, r in load.items():
        prof = r.get("profile")
        if prof:
            print(f"\nprofile {ep} ({prof['samples']} samples, py-spy, one worker): hottest self frames")
            for pct, frame in prof["self"][:8]:
                print(f"  {pct:5.1f}%  {frame}")
            print("  inclusive, sandbox code:")
            for pct, frame in prof["inclusive_sandbox"][:8]:
                print(f"  {pct:5.1f}%  {frame}")
    return verdicts
