"""DsopClient: run one DSOP case the way spec/services.md §4 describes it, written from the public docs only.

1. one AccountInfoRequestID for the whole case (a fresh CorrelationID on every request, retries included);
2. a token for the register (`bits:kundeforhold`), then `customerRelationships` → the banks;
3. the directory → each bank's base URL (= the audience of its token);
4. per bank: a token (`bits:kontoinformasjon`, resource = base URL), `/accounts` with every page (links rel=next);
5. per account the service allows and the bank delivers (not `dataNotDelivered`): details (balances), every page
   of transactions, cards, roles and the v2.1 owners (by account number), with the same period and headers;
6. answers come as JWE (`Accept: application/jose`) and are decrypted with the consumer's key.

An error answer does not stop the case: it is recorded as a Refusal where it happened and the walk goes on.
Every answer is decrypted and parsed once; what was read stays on its Response (`plaintext`, `json()`), which an
observer (`Transport(on_response=…)`) can show afterwards. `run_case(request, service=Service(…))` runs a service
the client does not ship (its mandate, endpoints and rules from its own service page).
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from .auth import Maskinporten, TokenError, load_key, read_response
from .result import AccountResult, Balance, BankResult, CaseResult, Partial, Refusal, Transactions
from .services import Service
from .services import service as find_service
from .transport import Response, RetryPolicy, Transport, TransportError

SCOPE_REGISTER = "bits:kundeforhold"
SCOPE_ACCOUNT_PROVIDER = "bits:kundeforhold.konto"
SCOPE_BANK = "bits:kontoinformasjon"
DATA_NOT_DELIVERED = "dataNotDelivered"
MAX_PAGES = 10_000
#: The published, non-secret test keys of the shipped agencies (docs/maskinporten.md, "Keys").
SHIPPED_KEYS = Path(__file__).resolve().parent.parent / "keys"


@dataclass
class ClientConfig:
    base_url: str  # the sandbox, e.g. http://127.0.0.1:8000
    client_id: str  # Maskinporten client id (the scenario's consumers[].client_id, default its id)
    org_number: str  # the consumer's organisation number
    key_file: str | Path  # its RSA private key (PEM)
    accept: str = "application/jose"  # or application/json (test environments only)
    register_url: str | None = None  # default {base}/kar-ws/api/v2
    directory_url: str | None = None  # default {base}/altinn/v1/directharvest/Kontrollinformasjon
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @classmethod
    def shipped(cls, base_url: str, service_key: str | Service, **more) -> "ClientConfig":
        """The shipped consumer of a service (its key, or a Service the client does not ship) with its published
        test key (sandbox/keys/consumer-<orgno>.pem)."""
        svc = service_key if isinstance(service_key, Service) else find_service(service_key)
        return cls(base_url, svc.consumer, svc.org_number, SHIPPED_KEYS / f"consumer-{svc.org_number}.pem", **more)

    @property
    def register(self) -> str:
        return (self.register_url or self.base_url.rstrip("/") + "/kar-ws/api/v2").rstrip("/")

    @property
    def directory(self) -> str:
        return self.directory_url or self.base_url.rstrip("/") + "/altinn/v1/directharvest/Kontrollinformasjon"


@dataclass
class CaseRequest:
    party_id: str  # the control object: person number, D-number or organisation number
    service: str  # skatt | politi | konkurs | oed | verge | fi-utlegg
    from_date: date
    to_date: date
    only_primary_owner: bool | None = None  # None: TRUE where the service demands it, else FALSE (the full list)
    requester_id: str | None = None  # the caseworker; a default is sent where the service needs one
    additional_reference_id: str | None = None  # pol1: the extradition order (JWS); srf: the guardian's number
    case_id: str | None = None  # AccountInfoRequestID; a new UUID when not given
    endpoints: tuple[str, ...] | None = None  # a subset of the service's bank endpoints to walk
    transaction_items: bool = True  # False: every page is fetched and counted (by status), no transaction kept


ProgressFn = Callable[[str], None]


class DsopClient:
    """A DSOP consumer. `run_case(CaseRequest)` → CaseResult; the single calls are public too."""

    def __init__(self, config: ClientConfig, *, progress: ProgressFn | None = None,
                 transport: Transport | None = None):
        self.config = config
        self.key = load_key(config.key_file)
        self.transport = transport or Transport(timeout=config.timeout, retry=config.retry)
        self.maskinporten = Maskinporten(config.base_url, config.client_id, self.key, self.transport)
        self.progress: ProgressFn = progress or (lambda message: None)
        if self.transport.on_retry is None:
            self.transport.on_retry = _say_retries(weakref.ref(self))
        self._directory: dict[str, dict] | None = None
        self._timings: dict[str, float] | None = None

    # ---- single calls ---------------------------------------------------------------------------------
    def directory(self) -> dict[str, dict]:
        """orgNo → {"name", "url", "version"} from the API directory (cached)."""
        if self._directory is None:
            r = self.transport.request("GET", self.config.directory, {"Accept": "application/json"})
            if r.status != 200:
                raise CallRefused(_refusal("directory", r))
            self._directory = {e["orgNo"]: e for e in r.json().get("endpoints", [])}
        return self._directory

    def token(self, scope: str, audience: str) -> str:
        with self._timed("tokens"):
            return self.maskinporten.token(scope, audience)

    def _headers(self, svc: Service, case_id: str, scope: str, audience: str, *, step: int,
                 requester_id: str | None = None, reference_id: str | None = None, **more) -> Callable[[], dict]:
        def build() -> dict:
            h = {"Authorization": f"Bearer {self.maskinporten.token(scope, audience)}",
                 "AccountInfoRequestID": case_id, "CorrelationID": str(uuid.uuid4()),
                 "Legal-Mandate": svc.register_header if step == 1 else svc.bank_header,
                 "Accept": "application/json" if step == 1 else self.config.accept}
            if requester_id and svc.requester_id:
                h["RequesterID"] = requester_id
            if step == 2 and svc.reference_type and reference_id:
                h["AdditionalReferenceIDType"] = svc.reference_type
                h["AdditionalReferenceID"] = urllib.parse.quote(reference_id, safe="-_.!~*'()")
            h.update(more)
            return h
        return build

    def customer_relationships(self, svc: Service, case_id: str, party_id: str, from_date: date, to_date: date,
                               only_primary_owner: bool, requester_id: str | None = None) -> Response:
        """Step 1 (register): the banks that knew the party in the period."""
        self.token(SCOPE_REGISTER, self.config.register)
        query = urllib.parse.urlencode({"fromDate": from_date.isoformat(), "toDate": to_date.isoformat(),
                                        "onlyPrimaryOwner": str(only_primary_owner).lower()})
        headers = self._headers(svc, case_id, SCOPE_REGISTER, self.config.register, step=1,
                                requester_id=requester_id, CustomerID=party_id)
        return self.transport.request("GET", f"{self.config.register}/customers/customerRelationships?{query}", headers)

    def account_servicing_provider(self, svc: Service, case_id: str, account_number: str) -> Response:
        """Which bank services an account number (Politi-Utlevering only; scope bits:kundeforhold.konto)."""
        self.token(SCOPE_ACCOUNT_PROVIDER, self.config.register)
        headers = self._headers(svc, case_id, SCOPE_ACCOUNT_PROVIDER, self.config.register, step=1,
                                AccountID=account_number)
        return self.transport.request("GET", f"{self.config.register}/customers/accountServicingProvider", headers)

    # ---- the case ---------------------------------------------------------------------------------------
    def run_case(self, request: CaseRequest, *, service: Service | None = None) -> CaseResult:
        """The whole case (see the module docstring). `service`: run this Service instead of the shipped one
        named by `request.service` — a service the client does not ship, described from its own service page
        (mandates, bank endpoints, rules); its key must be `request.service`."""
        if service is not None and service.key != request.service:
            raise ValueError(f"the request is for {request.service!r}, the service given is {service.key!r}")
        svc = service if service is not None else find_service(request.service)
        only_primary = True if svc.forced_primary_owner else bool(request.only_primary_owner)
        requester = (request.requester_id or "dsop-reference-client") if svc.requester_id else None
        case = CaseResult(request.case_id or str(uuid.uuid4()), svc.key, svc.name, self.config.org_number,
                          request.party_id, request.from_date.isoformat(), request.to_date.isoformat(), only_primary,
                          requester_id=requester, reference_type=svc.reference_type)
        walk = _Walk(self, svc, request, case, only_primary, requester)
        requests0, retries0 = self.transport.requests, self.transport.retries
        self._timings = case.timings
        started = time.perf_counter()
        try:
            walk.run()
        finally:
            case.timings["total"] = time.perf_counter() - started
            case.requests = self.transport.requests - requests0
            case.retries = self.transport.retries - retries0
            self._timings = None
        return case

    @contextmanager
    def _timed(self, key: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            if self._timings is not None:
                self._timings[key] = self._timings.get(key, 0.0) + time.perf_counter() - started


def _say_retries(client: "weakref.ref[DsopClient]") -> Callable[[str, int, str, float], None]:
    """The transport's on_retry: a progress line. It holds the client weakly — the client holds the transport, and
    a cycle would keep both (and every answer an observer keeps on the transport) until a cyclic GC pass."""

    def on_retry(url: str, attempt: int, why: str, wait: float) -> None:
        me = client()
        if me is not None:
            me.progress(f"retrying in {wait:.2f} s ({why}): {urllib.parse.urlsplit(url).path}")
    return on_retry


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

    def run(self) -> None:
        case, say = self.case, self.c.progress
        say(f"case {case.case_id}: {self.svc.name} as {self.c.config.client_id} ({case.consumer}), party "
            f"{case.party_id}, {case.from_date}..{case.to_date}, OnlyPrimaryOwner={str(self.only_primary).lower()}")
        try:
            with self.c._timed("register"):
                r = self.c.customer_relationships(self.svc, case.case_id, case.party_id, self.req.from_date,
                                                  self.req.to_date, self.only_primary, self.requester)
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
                directory = self.c.directory()
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
                bank.message = "the bank is not in the API directory: ask it by digital letter (Altinn)"
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

    # ---- one bank ------------------------------------------------------------------------------------
    def get(self, bank: BankResult, endpoint: str, url: str, account: str | None = None, **more):
        """→ the decoded 200 body, or None after recording a Refusal where it belongs."""
        headers = self.c._headers(self.svc, self.case.case_id, SCOPE_BANK, bank.base_url, step=2,
                                  requester_id=self.requester, reference_id=self.req.additional_reference_id, **more)
        where = bank.refusals if account is None else self._account(bank, account).refusals
        try:
            self.c.token(SCOPE_BANK, bank.base_url)
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
        items, pages, seen, total = [], 0, set(), 0
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
