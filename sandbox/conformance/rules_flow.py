"""Checks on the walk of a case: register before banks, base URLs from the directory, the period, paging,
retries (Retry-After, storms, 4xx) and only the accounts the party was given."""

from __future__ import annotations

from datetime import date

from sandbox.profiles.windows import limits

from .checks import FAIL, NOT_APPLICABLE, PASS, CaseLog, arrived, check, same_request, seconds, verdict

#: Answers a consumer may retry (protocol §3.7.1: 5xx; 429 ACC-022 "slow down"); 0 = no answer (dropped).
RETRYABLE = frozenset({0, 429, 500, 502, 503, 504})
#: More attempts than this at one call, each answered with an error, is a storm (the reference client: 4).
MAX_ATTEMPTS = 5
#: Leeway for clocks and for the request's own travel time when judging a Retry-After wait.
LEEWAY = 0.2
#: A directory read older than this before the case's first bank call is a stale cache.
DIRECTORY_MAX_AGE = 24 * 3600


@check("register-before-banks", "The register first, then the banks it names",
       "services §4 (typical flow): step 1 asks the register (customerRelationships) which banks know the party; "
       "step 2 asks those banks",
       "Ask customerRelationships first and call only the banks it returns; never walk every bank of the "
       "directory.")
def register_first(log: CaseLog):
    first_ok = next((seconds(r) for r in log.register_rows
                     if r.get("endpoint") == "customerRelationships" and r.get("status") == 200), None)
    early = [(r, "bank call before any answered customerRelationships call of the case") for r in log.bank_rows
             if first_ok is None or arrived(r) < first_ok]
    return verdict(early, "{n} bank call(s) came before the register's answer", "the register came first",
                   judged=bool(log.bank_rows), na_message="no bank call in this case")


@check("directory-used", "Bank base URLs from the API directory",
       "protocol §1 / §4.1: the bank's base URL is the one registered in the API directory (Altinn "
       "Kontrollinformasjon), and it is also the token's audience",
       "Read the directory (GET …/directharvest/Kontrollinformasjon) before the bank calls, cache it at most a "
       "day, and take each bank's base URL from its v2 entry; never hard-code bank URLs.")
def directory_used(log: CaseLog):
    if not log.bank_rows:
        return NOT_APPLICABLE, "no bank call in this case", []
    first_bank = arrived(log.bank_rows[0])
    reads = [seconds(r) for r in log.context if r.get("api") == "directory" and r.get("status") == 200
             and seconds(r) <= first_bank]
    start = arrived(log.rows[0])
    if any(t >= start - 1 for t in reads):
        return PASS, "the directory was read during the case, before its bank calls", []
    if any(first_bank - t <= DIRECTORY_MAX_AGE for t in reads):
        return "warn", "no directory read during the case; an earlier one (within a day) may be a cached copy", []
    return FAIL, "no directory read before the bank calls: their base URLs were not looked up", \
        [(log.bank_rows[0], "first bank call, without a directory read before it")]


def _day(text) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@check("period-in-window", "The period inside the service's window",
       "services §3 (fromDate lower bound / toDate rows): skatt and politi at most 10 years back; verge the last "
       "calendar year; fi-utlegg today; konkurs and oed up to today; protocol §3.9 (inclusive dates)",
       "Compute fromDate/toDate from the service's window on the day of the request (and the subject's facts: "
       "ruling, death, guardianship); never ask for more than the mandate covers.")
def period_in_window(log: CaseLog):
    if log.service is None or log.today is None:
        return NOT_APPLICABLE, "unknown service or date", []
    rules = limits(log.service.service, log.today)
    judged_pairs: dict[tuple, str | None] = {}  # (fromDate, toDate) → why it is outside, None when inside
    outside = []
    for row in log.api_rows:
        pair = (row.get("from_date"), row.get("to_date"))
        if pair not in judged_pairs:
            judged_pairs[pair] = _outside(pair, rules, log.today)
        why = judged_pairs[pair]
        if why is not None:
            outside.append((row, why))
    judged = any(p[0] and p[1] for p in judged_pairs)
    return verdict(outside, "{n} call(s) asked for a period outside the window",
                   f"every period lay inside {log.service.name}'s window", judged=judged)


def _outside(pair: tuple, rules: list, today: date) -> str | None:
    start, end = _day(pair[0]), _day(pair[1])
    if start is None or end is None:
        return "no fromDate/toDate (the bank would use today, not the case's period)"
    if end > today:
        return f"toDate {end} is after today {today}"
    for rule in rules:
        value = start if rule.field == "fromDate" else end
        if not rule.holds(value):
            return rule.message(value)
    return None


@check("period-constant", "The same period on every call of the case",
       "services §4 step 5: per account, the same period and headers as the accounts call; protocol §3.3 (one "
       "case, one legal basis)",
       "Fix fromDate and toDate when the case starts and send them unchanged to the register and every bank "
       "call, including the pages of a list.")
def period_constant(log: CaseLog):
    first, drift = None, []
    for row in log.api_rows:
        start, end = row.get("from_date"), row.get("to_date")
        if start is None:
            continue
        if first is None:
            first = (start, end)
        elif start != first[0] or end != first[1]:
            drift.append((row, f"period {start}..{end}, the case began with {first[0]}..{first[1]}"))
    if first is None:
        return NOT_APPLICABLE, "no call with a period", []
    return verdict(drift, "{n} call(s) changed the case's period", f"one period for the case: {first[0]}..{first[1]}")


@check("next-link-verbatim", "Next pages through the bank's `next` link, as given",
       "protocol §3.8: a `links` array with rel `next` (its absence means the last page); hrefs are relative "
       "URLs; the cursor is opaque",
       "Follow the `next` href verbatim (base URL + href); never build or change the page parameter yourself.")
def next_verbatim(log: CaseLog):
    issued: dict[tuple, set] = {}
    built, judged = [], False
    for row in log.bank_rows:
        page, nxt = row.get("page"), row.get("next_page")
        if page is None and not nxt:
            continue
        where = (row.get("bank"), row.get("path"))
        if page is not None:
            judged = True
            if page not in issued.get(where, ()):
                built.append((row, f"page={page[:40]} was never handed out in a next link for this list"))
        if nxt:
            issued.setdefault(where, set()).add(nxt)
    return verdict(built, "{n} page request(s) used a cursor the bank did not hand out",
                   "every next page was the bank's own link", judged=judged,
                   na_message="no list had a second page")


@check("paging-complete", "Every page of a list fetched",
       "protocol §3.8: large results are split with links; `next` is mandatory when another page exists; "
       "partial is not a pagination signal",
       "Keep following `next` until an answer has none; a list is complete only then.")
def paging_complete(log: CaseLog):
    wanted: dict[tuple, dict] = {}
    fetched = set()
    for row in log.bank_rows:
        page, nxt = row.get("page"), row.get("next_page")
        if (page is None and not nxt) or row.get("status") != 200:
            continue
        where = (row.get("bank"), row.get("path"))
        if page is not None:
            fetched.add((where, page))
        if nxt:
            wanted[(where, nxt)] = row
    missing = [(row, "its next page was never fetched (no answered request for the cursor it handed out)")
               for key, row in wanted.items() if key not in fetched]
    return verdict(missing, "{n} list(s) left with pages not fetched", "every list was followed to its last page",
                   judged=bool(wanted), na_message="no list had a second page")


def _retry_after(text) -> float | None:
    if text is None:
        return None
    text = str(text).strip()
    return float(text) if text.isdigit() else None


def _attempts(log: CaseLog) -> list[list[dict]]:
    """Runs of consecutive attempts at one call: a retryable answer followed by the same request again (only
    runs of two or more attempts; computed once per case)."""
    if "attempts" not in log.memo:
        log.memo["attempts"] = [run for run in _runs(log) if len(run) > 1]
    return log.memo["attempts"]


def _runs(log: CaseLog) -> list[list[dict]]:
    runs, open_runs = [], {}
    for row in log.api_rows:
        key = same_request(row)
        run = open_runs.pop(key, None)
        if run is not None:
            run.append(row)
        if row.get("status") in RETRYABLE:
            if run is None:
                run = [row]
                runs.append(run)
            open_runs[key] = run
    return runs


@check("retry-after-respected", "Retry-After waited out after 429 and 503",
       "protocol §5 (rate limiting: 429 ACC-022), §3.7.1 (5xx may be retried); RFC 9110 §10.2.3 Retry-After",
       "After a 429 or 503, wait at least the Retry-After it names before the next attempt; when it asks for "
       "longer than your case can wait (a scheduled outage), give up and report the bank as unavailable.")
def retry_after(log: CaseLog):
    early = []
    judged = any(_retry_after(r.get("retry_after")) is not None for r in log.api_rows)
    for run in _attempts(log):
        for before, after in zip(run, run[1:], strict=False):
            wait = _retry_after(before.get("retry_after"))
            if wait is None:
                continue
            gap = arrived(after) - seconds(before)
            if gap + LEEWAY < wait:
                early.append((after, f"retried {max(gap, 0):.2f} s after a {before.get('status')} that asked for "
                                     f"Retry-After {wait:g} s"))
    return verdict(early, "{n} retry(ies) came before the Retry-After", "every Retry-After was waited out",
                   judged=judged, na_message="no 429/503 with a Retry-After in this case")


@check("no-retry-storm", "Give up after a few attempts",
       "protocol §3.7.1 (clients may retry 5xx), §5 (429: slow down); services §7 (test environments are "
       "shared): an outage is not fixed by retrying",
       f"Retry a 5xx/429 or a dropped call a few times (at most {MAX_ATTEMPTS - 1} retries) with a growing "
       "backoff, then give up and record the call as failed.")
def retry_storm(log: CaseLog):
    storms, judged = [], False
    judged = any(r.get("status") in RETRYABLE for r in log.api_rows)
    for run in _attempts(log):
        errors = [r for r in run if r.get("status") in RETRYABLE]
        if len(errors) > MAX_ATTEMPTS:
            storms.append((run[-1], f"{len(run)} attempts at one call, {len(errors)} answered with an error"))
    return verdict(storms, "{n} call(s) were retried more than a few times", "retries stayed within a few attempts",
                   judged=judged, na_message="no call needed a retry in this case")


#: Answers about an account the caller may not see (spec/protocol.md §3.7.3: ACC-002 unknown account).
FOREIGN_CODES = frozenset({"ACC-002", "ACC-003"})


@check("own-accounts-only", "Only the accounts the bank listed for the party",
       "services §4 step 5: per account the bank delivered in the accounts list; protocol §3.7.3 (ACC-002 "
       "unknown account)",
       "Ask details, transactions, cards and roles only for the accountReference values the bank's /accounts "
       "answer gave in this case.")
def own_accounts(log: CaseLog):
    listed, foreign, judged = set(), [], False
    for row in log.bank_rows:
        if row.get("endpoint") == "accounts" and row.get("status") == 200:
            listed.add(row.get("bank"))
        elif row.get("account_reference") and row.get("endpoint") != "owners":
            judged = True
            if row.get("bank") not in listed:
                foreign.append((row, "account asked before this bank listed the party's accounts"))
            elif row.get("status") == 404 or row.get("error_code") in FOREIGN_CODES:
                foreign.append((row, f"the bank does not know this account for the case ({row.get('error_code')})"))
    return verdict(foreign, "{n} call(s) asked for accounts the party was not given",
                   "every account asked for came from the bank's list", judged=judged)


@check("no-4xx-retry", "A 4xx answer not sent again unchanged",
       "protocol §3.7.1/§3.7.3: 4xx codes name a fault of the request (bad header, period, mandate, unknown "
       "account); only 5xx and 429 may be retried",
       "Read the 4xx code and message, fix the request (or record the refusal) instead of sending it again "
       "unchanged; only 429 and 5xx are retried.")
def no_4xx_retry(log: CaseLog):
    refused: dict[tuple, dict] = {}
    repeats, judged = [], False
    for row in log.api_rows:
        key = same_request(row) + (row.get("legal_mandate"), row.get("requester_id"), row.get("token_id"))
        if key in refused:
            repeats.append((row, f"same request again after its {refused[key].get('status')} "
                                 f"{refused[key].get('error_code') or ''}".rstrip()))
        status = row.get("status") or 0
        if 400 <= status < 500 and status != 429:
            judged = True
            refused[key] = row
    return verdict(repeats, "{n} refused request(s) were sent again unchanged", "no 4xx was retried unchanged",
                   judged=judged, na_message="no 4xx answer in this case")

