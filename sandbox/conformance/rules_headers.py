"""Checks on what every request carries: CorrelationID, AccountInfoRequestID, Legal-Mandate, RequesterID, the
service's reference headers, Accept (JWE) and the Maskinporten token (reuse, scope, audience)."""

from __future__ import annotations

from collections import Counter

from .checks import FAIL, NOT_APPLICABLE, PASS, CaseLog, arrived, check, seconds, verdict

#: The scope each API endpoint needs (spec/protocol.md §4.1, the `scope` row).
SCOPES = {"customerRelationships": "bits:kundeforhold", "accountServicingProvider": "bits:kundeforhold.konto"}
SCOPE_BANK = "bits:kontoinformasjon"
#: A token replaced while it had longer than this to live was not reused (the reference client renews 15 s early).
RENEW_MARGIN = 30.0


@check("correlation-id-present", "Every request carries a CorrelationID",
       "protocol §3.3: CorrelationID is created by the consumer per technical request (GUID/UUID), follows the "
       "request end to end and is logged by every party",
       "Send a CorrelationID header with a fresh UUID on every call to the register and the banks.")
def correlation_present(log: CaseLog):
    missing = [(r, "no CorrelationID header") for r in log.api_rows if not r.get("correlation_id")]
    return verdict(missing, "{n} request(s) without a CorrelationID", "every request had a CorrelationID",
                   judged=bool(log.api_rows))


@check("correlation-id-unique", "A new CorrelationID per request, retries included",
       "protocol §3.3: CorrelationID is created per technical request; a retry is a new technical request",
       "Generate the CorrelationID when the request is built (uuid4), also for each retry; never keep one per "
       "case, per bank or per session.")
def correlation_unique(log: CaseLog):
    seen: dict[str, dict] = {}
    repeated = []
    for row in log.api_rows:
        cid = row.get("correlation_id")
        if not cid:
            continue
        if cid in seen:
            repeated.append((row, f"CorrelationID already used by request {seen[cid].get('id')}"))
        else:
            seen[cid] = row
    return verdict(repeated, "{n} request(s) reused a CorrelationID", "every CorrelationID was used once",
                   judged=bool(seen))


@check("request-id-per-case", "One AccountInfoRequestID for the whole case",
       "protocol §3.3: AccountInfoRequestID identifies the case; same value on all calls belonging to the case — "
       "across endpoints, across banks",
       "Create the AccountInfoRequestID once when the case starts and send it on the register call and on every "
       "bank call of the case.")
def request_id_per_case(log: CaseLog):
    found_banks = any(r.get("endpoint") == "customerRelationships" and r.get("status") == 200
                      and (r.get("result_count") or 0) > 0 for r in log.register_rows)
    if not found_banks or log.bank_rows:
        judged = found_banks
        return verdict([], "", "the register call and the bank calls share the case's AccountInfoRequestID",
                       judged=judged, na_message="the register named no bank: nothing more to share the id with")
    # The register named banks, yet no bank call carries the case's id: the consumer's calls right after it
    # carry other ids (each used once: one per call, not one per case).
    start = arrived(log.rows[0])
    counts = Counter(r.get("case_id") for r in log.context if r.get("api") in ("bank", "register"))
    split = [(r, f"bank call with another AccountInfoRequestID {r.get('case_id')}") for r in log.context
             if r.get("api") in ("bank", "register") and r.get("consumer") == log.consumer
             and r.get("case_id") != log.case_id and counts[r.get("case_id")] == 1 and seconds(r) >= start]
    if split:
        return FAIL, f"the register named banks but no bank call carries {log.case_id}; {len(split)} call(s) " \
                     "right after it carry an AccountInfoRequestID of their own", split
    return NOT_APPLICABLE, "the register named banks but the case made no bank call (see the other checks)", []


@check("request-id-new-per-case", "A new AccountInfoRequestID for every case",
       "protocol §3.3: AccountInfoRequestID is a UUID identifying the case (logical request); used to detect "
       "abnormal request volume and to prove the legal basis afterwards",
       "Create a new AccountInfoRequestID (uuid4) for each case and map it to your case number; do not run a "
       "second case, or the same case again, under an id already used.")
def request_id_new(log: CaseLog):
    repeated, banks_seen = [], False
    for row in log.api_rows:
        if row.get("api") == "bank":
            banks_seen = True
        elif row.get("endpoint") == "customerRelationships" and banks_seen:
            repeated.append((row, "the register asked again after the case's bank calls: a second case under "
                                  "the same AccountInfoRequestID"))
    return verdict(repeated, "the case's id was used for {n} more case run(s)",
                   "the AccountInfoRequestID was used for one case", judged=bool(log.api_rows))


def _mandates(log: CaseLog, row: dict) -> tuple[str, ...]:
    profile = log.service
    if profile is None:
        return ()
    return profile.register_mandates if row.get("api") == "register" else profile.bank_mandates


@check("legal-mandate", "The service's Legal-Mandate on every call",
       "protocol §3.3/§3.4: Legal-Mandate is the exact legal-basis string defined per service, URL-encoded "
       "(encodeURIComponent); services §1 (step 1 for the register, step 2 for the banks)",
       "Send the service's mandate text for the step (register: step 1, banks: step 2) percent-encoded as UTF-8 "
       "on every call, retries included.")
def legal_mandate(log: CaseLog):
    wrong = []
    for row in log.api_rows:
        mandate = row.get("legal_mandate")
        if not mandate:
            wrong.append((row, "no Legal-Mandate header"))
        elif log.service is None:
            wrong.append((row, f"mandate {mandate[:80]!r} is no DSOP service's"))
        elif mandate not in _mandates(log, row):
            wrong.append((row, f"mandate {mandate[:80]!r} is not {log.service.name}'s for this step"))
    return verdict(wrong, "{n} call(s) without the service's Legal-Mandate", "every call had the service's mandate",
                   judged=bool(log.api_rows))


@check("requester-id", "RequesterID where the service needs it, one per case",
       "protocol §3.3: RequesterID identifies the end user; technically optional but logically mandatory for "
       "Skatt-Kontroll and Politi-Utlevering; stable per user",
       "Send RequesterID (the caseworker, pseudonymised if you must) on the register and every bank call of "
       "Skatt-Kontroll and Politi-Utlevering cases.")
def requester_id(log: CaseLog):
    if log.service is None or not log.service.requester_required:
        return NOT_APPLICABLE, "the service does not need a RequesterID", []
    missing = [(r, "no RequesterID header") for r in log.api_rows if not r.get("requester_id")]
    if missing:
        return FAIL, f"{len(missing)} call(s) of a {log.service.name} case without a RequesterID", missing
    ids = {r["requester_id"] for r in log.api_rows}
    if len(ids) > 1:
        return "warn", f"{len(ids)} different RequesterIDs in one case: one caseworker runs a case", []
    return PASS, "every call named the requester", []


@check("reference-headers", "The service's AdditionalReferenceIDType and AdditionalReferenceID on the banks",
       "protocol §3.3: AdditionalReferenceIDType/-ID are required by some services: srf (Vergekontroll: the "
       "guardian's number), pol1 (Politi-Utlevering: the signed extradition order); services §2.2, §2.5",
       "Politi-Utlevering: send AdditionalReferenceIDType: pol1 and the extradition order (JWS) on every bank "
       "call; Vergekontroll: srf and the guardian's number; other services: neither header.")
def reference_headers(log: CaseLog):
    if log.service is None or not log.bank_rows:
        return NOT_APPLICABLE, "no bank call of a known service", []
    wanted = log.service.reference_type
    wrong = []
    for row in log.bank_rows:
        kind = (row.get("additional_reference_id_type") or "").strip().lower() or None
        if kind != wanted:
            wrong.append((row, f"AdditionalReferenceIDType {kind or 'missing'}, {log.service.name} needs "
                               f"{wanted or 'none'}"))
        elif wanted == "pol1" and not row.get("additional_reference_id"):
            wrong.append((row, "pol1 without an extradition order in AdditionalReferenceID"))
    return verdict(wrong, "{n} bank call(s) without the service's reference headers",
                   "every bank call had the service's reference headers")


@check("jwe-requested", "Bank answers asked for as JWE",
       "protocol §3.5: 200 responses are JWE (application/jose); Accept: application/json is for test "
       "environments only and must be impossible in production",
       "Send Accept: application/jose to the banks and decrypt the compact JWE with your enterprise key.")
def jwe_requested(log: CaseLog):
    plain = [(r, f"Accept: {r.get('accept') or '(none)'}") for r in log.bank_rows
             if "application/jose" not in (r.get("accept") or "").lower()]
    return verdict(plain, "{n} bank call(s) did not ask for JWE", "every bank call asked for application/jose",
                   judged=bool(log.bank_rows))


@check("token-reuse", "Access tokens reused while they are valid",
       "protocol §4.1: tokens may be reused for several requests while valid (lifetime 120 s); Maskinporten "
       "limits token requests",
       "Cache the token per scope and audience and reuse it until shortly before `expires_in` runs out; ask "
       "Maskinporten again only then.")
def token_reuse(log: CaseLog):
    current: dict[str, dict] = {}
    wasted = []
    for row in log.api_rows:
        token, aud = row.get("token_id"), row.get("audience")
        if not token or not aud:
            continue
        before = current.get(aud)
        if before is not None and before["token_id"] != token and before.get("token_exp") \
                and before["token_exp"] - arrived(row) > RENEW_MARGIN:
            left = before["token_exp"] - arrived(row)
            wasted.append((row, f"a new token while the previous one for this audience had {left:.0f} s left"))
        current[aud] = row
    return verdict(wasted, "{n} call(s) used a new token where the previous one was still valid",
                   "one token per audience, reused while valid", judged=bool(current),
                   na_message="no token in this case (the server runs with auth off)")


def _token_fault(row: dict) -> str | None:
    need = SCOPE_BANK if row.get("api") == "bank" else SCOPES.get(row.get("endpoint") or "", "bits:kundeforhold")
    if need not in (row.get("scope") or "").split():
        return f"scope {row.get('scope')!r} lacks {need}"
    if not _audience_fits(row):
        return f"audience {row.get('audience')} is not this API's base URL"
    return None


def _audience_fits(row: dict) -> bool:
    aud = (row.get("audience") or "").rstrip("/")
    if row.get("api") == "bank":
        return aud.endswith(f"/banks/{row.get('bank')}/v2")
    return aud.endswith("/kar-ws/api/v2")


@check("token-scope-audience", "The right scope and audience for each API",
       "protocol §4.1: aud is the base URL registered for the bank's endpoint in the API directory; scope "
       "bits:kundeforhold (customerRelationships), bits:kundeforhold.konto (accountServicingProvider), "
       "bits:kontoinformasjon (the bank endpoints)",
       "Ask for one token per API: the register's with its scope, each bank's with resource = that bank's base "
       "URL from the directory and scope bits:kontoinformasjon.")
def token_scope_audience(log: CaseLog):
    wrong, judged = [], False
    seen: dict[tuple, str | None] = {}  # (api, endpoint, bank, scope, audience) → what is wrong, None: fine
    for row in log.api_rows:
        if not row.get("token_id"):
            if row.get("status") == 401:
                wrong.append((row, "no access token of this sandbox's Maskinporten"))
            continue
        judged = True
        key = (row.get("api"), row.get("endpoint"), row.get("bank"), row.get("scope"), row.get("audience"))
        if key not in seen:
            seen[key] = _token_fault(row)
        if seen[key] is not None:
            wrong.append((row, seen[key]))
    # A refused token request names no case: it is this case's when it came after the case's first call and
    # before the consumer's next call of another case (or a few seconds after this case's last call).
    start, end = log.span
    cutoff = min([end + 5.0] + [arrived(r) for r in log.context if r.get("api") in ("bank", "register")
                                and r.get("consumer") == log.consumer and arrived(r) > start])
    for row in log.context:
        if row.get("api") == "maskinporten" and row.get("endpoint") == "token" and (row.get("status") or 0) >= 400 \
                and row.get("consumer") == log.consumer and start <= seconds(row) <= cutoff:
            wrong.append((row, f"token request refused ({row.get('error_code')}): scope {row.get('scope')!r}, "
                               f"resource {row.get('audience')}"))
    return verdict(wrong, "{n} call(s) with a token for another scope or audience",
                   "every token had the API's scope and audience", judged=judged or bool(wrong),
                   na_message="no token in this case (the server runs with auth off)")

