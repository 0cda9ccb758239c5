"""One run of a case (`_Walk`, behind `DsopClient.run_case`): the register, the directory, then per bank its
accounts (every page) and per account the endpoints the service allows, filling the CaseResult. An error answer
is recorded as a Refusal where it happened (`_refusal` reads every API's error format) and the walk goes on.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from .auth import TokenError, read_response
from .result import AccountResult, Balance, BankResult, CaseResult, Partial, Refusal, Transactions
from .services import Service
from .transport import Response, TransportError

if TYPE_CHECKING:
    from .case import CaseRequest, DsopClient

SCOPE_BANK = "bits:kontoinformasjon"
MAX_PAGES = 10_000


class CallRefused(Exception):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(refusal.message)


def _refusal(endpoint: str, r: Response, bank: str | None = None, account: str | None = None) -> Refusal:
    """An error answer in any of the APIs' formats: bank {code, message}, register {errorCode, errorMessage},
    token endpoint {error, error_description}, accountServicingProvider's 401 {statusCode, message}; when the
    transport gave up on it (a Retry-After longer than the client waits), the message says so."""
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        code, message = None, r.body[:300].decode("utf-8", "replace") or f"HTTP {r.status}"
    else:
        code = body.get("code") or body.get("errorCode") or body.get("error")
        message = body.get("message") or body.get("errorMessage") or body.get("error_description") or f"HTTP {r.status}"
    if r.gave_up:
        message = f"{message} — {r.gave_up}"
    return Refusal(endpoint, r.status, None if code is None else str(code), str(message), bank, account,
                   r.retry_after)


class _Walk:
    """One run of the case: keeps the request's fixed values and fills the CaseResult."""

    def __init__(self, client: DsopClient, svc: Service, request: CaseRequest, case: CaseResult,
                 only_primary: bool, requester: str | None):
        self.c, self.svc, self.req, self.case = client, svc, request, case
        self.only_primary, self.requester = only_primary, requester
        wanted = request.endpoints or svc.endpoints
        self.endpoints = tuple(e for e in svc.endpoints if e in wanted)
        self.period = {"fromDate": request.from_date.isoformat(), "toDate": request.to_date.isoformat()}
        self.bad = client.misbehave
        if "shifting-period" in self.bad:
            self.period["fromDate"] = (request.from_date + timedelta(days=1)).isoformat()

    def run(self) -> None:
        case, say = self.case, self.c.progress
        say(f"case {case.case_id}: {self.svc.name} as {self.c.config.client_id} ({case.consumer}), party "
            f"{case.party_id}, {case.from_date}..{case.to_date}, OnlyPrimaryOwner={str(self.only_primary).lower()}")
        try:
            with self.c._timed("register"):
                r = self._register()
        except TokenError as exc:
            case.refusals.append(Refusal("token", exc.status, exc.error, exc.description, retry_after=exc.retry_after))
            say(f"token refused: {exc}")
            return
        except TransportError as exc:
            case.refusals.append(Refusal("customerRelationships", 0, None, str(exc)))
            say(f"register unreachable: {exc}")
            return
        if r.status != 200:
            case.refusals.append(_refusal("customerRelationships", r))
            say(f"register refused: {r.status} {case.refusals[-1].code}: {case.refusals[-1].message}")
            return
        banks = r.json().get("banks", [])
        say(f"register: {len(banks)} bank(s)" + (": " + ", ".join(b.get("bankName", "?") for b in banks) if banks else ""))
        if not banks:
            return
        try:
            with self.c._timed("directory"):
                directory = self._directory(banks)
        except CallRefused as exc:
            case.refusals.append(exc.refusal)
            return
        except TransportError as exc:
            case.refusals.append(Refusal("directory", 0, None, str(exc)))
            return
        for entry in banks:
            org = entry.get("organizationID", "")
            listed = directory.get(org)
            bank = BankResult(org, entry.get("bankName") or (listed or {}).get("name", ""),
                              listed["url"].rstrip("/") if listed else None, entry.get("activeAccount"),
                              entry.get("ownershipType"))
            case.banks.append(bank)
            started = time.perf_counter()
            if listed is None:
                bank.status = "not-in-directory"
                bank.message = "the bank is not in the API directory as a v2 endpoint: ask it by digital letter (Altinn)"
                say(f"{bank.name} ({org}): not in the API directory")
                continue
            try:
                with self.c._timed("banks"):
                    self.bank(bank)
            except TokenError as exc:
                bank.status = "refused"
                bank.refusals.append(Refusal("token", exc.status, exc.error, exc.description, org,
                                             retry_after=exc.retry_after))
            bank.seconds = time.perf_counter() - started

    def _register(self) -> Response:
        """customerRelationships; `skip-register`: the directory's every bank, as if the register had named them."""
        if "skip-register" not in self.bad:
            return self.c.customer_relationships(self.svc, self.case.case_id, self.case.party_id, self.req.from_date,
                                                 self.req.to_date, self.only_primary, self.requester)
        banks = [{"organizationID": org, "bankName": e.get("name")} for org, e in self.c.directory().items()]
        return Response(200, {}, json.dumps({"banks": banks}).encode(), "(skipped)", 0.0)

    def _directory(self, banks: list) -> dict:
        """The directory; `hardcoded-bank-url`: base URLs built from the sandbox's own layout instead."""
        if "hardcoded-bank-url" not in self.bad:
            return self.c.directory()
        base = self.c.config.base_url.rstrip("/")
        return {b.get("organizationID", ""): {"url": f"{base}/banks/{b.get('organizationID', '')}/v2",
                                              "name": b.get("bankName") or ""} for b in banks}

    # ---- one bank ------------------------------------------------------------------------------------
    def get(self, bank: BankResult, endpoint: str, url: str, account: str | None = None, **more):
        """→ the decoded 200 body, or None after recording a Refusal where it belongs."""
        headers = self.c._headers(self.svc, self.case.case_id, SCOPE_BANK, self._audience(bank), step=2,
                                  requester_id=self.requester, reference_id=self.req.additional_reference_id, **more)
        where = bank.refusals if account is None else self._account(bank, account).refusals
        try:
            self.c.token(SCOPE_BANK, self._audience(bank))
            with self.c._timed(endpoint):
                r = self.c.transport.request("GET", url, headers)
        except TransportError as exc:
            where.append(Refusal(endpoint, 0, None, f"no answer: {exc.reason} (after {exc.attempts} attempt(s))",
                                 bank.org_number, account))
            return None
        if r.status != 200:
            where.append(_refusal(endpoint, r, bank.org_number, account))
            self.c.progress(f"{bank.name}{' ' + account if account else ''}: {endpoint} refused "
                            f"({r.status} {where[-1].code}: {where[-1].message})")
            return None
        try:
            return read_response(r, self.c.key)
        except Exception as exc:  # a body we cannot decrypt or parse is an error of that call
            where.append(Refusal(endpoint, r.status, "undecodable", f"{exc.__class__.__name__}: {exc}",
                                 bank.org_number, account))
            return None

    def _audience(self, bank: BankResult) -> str:
        return self.c.config.register if "wrong-audience" in self.bad else bank.base_url

    def _account(self, bank: BankResult, number: str) -> AccountResult:
        return next(a for a in bank.accounts if (a.number or a.reference) == number)

    def _partial(self, target: list, body: dict, endpoint: str, bank: BankResult, account: str | None) -> None:
        details = body.get("responseDetails") or {}
        if details.get("status") == "partial":
            message = details.get("message", "")
            if not any(p.endpoint == endpoint and p.message == message for p in target):
                target.append(Partial(endpoint, message, bank.org_number, account))

    def pages(self, bank: BankResult, endpoint: str, url: str, key: str, account: str | None = None, *,
              sink: Callable[[list], None] | None = None, **more):
        """Every page of a paginated list (links rel=next, relative to the bank's base URL) → (items, pages, ok);
        with a `sink`, each page's items go there instead of into `items`."""
        items, pages, seen, total, first = [], 0, set(), 0, url
        while url and pages < MAX_PAGES and url not in seen:
            seen.add(url)
            body = self.get(bank, endpoint, url, account, **more)
            if body is None:
                return items, pages, False
            pages += 1
            page = body.get(key, [])
            total += len(page)
            if sink is None:
                items.extend(page)
            else:
                sink(page)
            target = bank.partial if account is None else self._account(bank, account).partial
            self._partial(target, body, endpoint, bank, account)
            nxt = next((link["href"] for link in body.get("links", []) if link.get("rel") == "next"), None)
            url = bank.base_url + nxt if nxt else None
            if url and "stop-paging-early" in self.bad:
                url = None
            elif url and "build-page-cursor" in self.bad:
                url = f"{first}&page={pages + 1}"
            if url:
                self.c.progress(f"{bank.name}{' ' + account if account else ''}: {endpoint} page {pages + 1} "
                                f"({total} so far)")
        return items, pages, True

    def bank(self, bank: BankResult) -> None:
        q = urllib.parse.urlencode({**self.period, "OnlyPrimaryOwner": str(self.only_primary).lower()})
        self.c.progress(f"{bank.name} ({bank.org_number}): accounts")
        items, bank.account_pages, ok = self.pages(bank, "accounts", f"{bank.base_url}/accounts?{q}", "accounts",
                                                   PartyID=self.case.party_id)
        if not ok:
            bank.status = "unreachable" if bank.refusals and bank.refusals[-1].status == 0 else "refused"
            return
        bank.message = next((p.message for p in bank.partial if p.endpoint == "accounts"), None)
        for entry in items:
            owner = entry.get("primaryOwner") or {}
            acc = AccountResult(entry.get("accountReference", ""), entry.get("accountIdentifier"), entry.get("type"),
                                entry.get("status"), entry.get("currency"),
                                {"identifier": (owner.get("identifier") or {}).get("value"), "name": owner.get("name")}
                                if owner else None, listed=entry)
            bank.accounts.append(acc)
        self.c.progress(f"{bank.name}: {len(bank.accounts)} account(s)")
        if "foreign-account" in self.bad and bank.accounts:
            ref = bank.accounts[0].reference
            other = ref[:-1] + ("0" if ref[-1:] != "0" else "1")  # an account this bank did not list
            self.get(bank, "details", f"{bank.base_url}/accounts/{other}?{urllib.parse.urlencode(self.period)}")
        for acc in bank.accounts:
            if acc.delivered:
                self.account(bank, acc)
        has_partial = bank.partial or any(a.partial for a in bank.accounts)
        bank.status = "partial" if has_partial else "complete"

    def account(self, bank: BankResult, acc: AccountResult) -> None:
        label = acc.number or acc.reference
        base = f"{bank.base_url}/accounts/{urllib.parse.quote(acc.reference, safe='')}"
        q = urllib.parse.urlencode(self.period)
        done = []
        if "details" in self.endpoints:
            body = self.get(bank, "details", f"{base}?{q}", label)
            if body is not None:
                acc.details = body.get("account", {})
                acc.balances = [Balance.from_wire(b) for b in acc.details.get("balances", [])]
                self._partial(acc.partial, body, "details", bank, label)
                done.append("details")
        if "transactions" in self.endpoints:
            found = Transactions(kept=self.req.transaction_items)
            _, pages, ok = self.pages(bank, "transactions", f"{base}/transactions?{q}", "transactions", label,
                                      sink=found.add)
            if ok:
                found.pages = pages
                acc.transactions = found
                done.append(f"{found.count} transaction(s) in {pages} page(s)")
        for endpoint, key, attr in (("cards", "paymentCards", "cards"), ("roles", "roles", "roles")):
            if endpoint in self.endpoints:
                body = self.get(bank, endpoint, f"{base}/{endpoint}?{q}", label)
                if body is not None:
                    setattr(acc, attr, body.get(key, []))
                    self._partial(acc.partial, body, endpoint, bank, label)
                    done.append(f"{len(body.get(key, []))} {endpoint[:-1]}(s)")
        if "owners" in self.endpoints and acc.number:
            url = f"{bank.base_url}/accounts/{urllib.parse.quote(acc.number, safe='')}/owners?{q}"
            body = self.get(bank, "owners", url, label)
            if body is not None:
                acc.owners = body.get("accountOwners", [])
                self._partial(acc.partial, body, "owners", bank, label)
                done.append(f"{len(acc.owners)} owner(s)")
        self.c.progress(f"{bank.name} {label}: " + (", ".join(done) or "nothing delivered"))
