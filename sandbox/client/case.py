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

import dataclasses
import time
import urllib.parse
import uuid
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .auth import Maskinporten, load_key
from .result import CaseResult, Refusal
from .services import Service, add_months
from .services import service as find_service
from .transport import Response, RetryPolicy, Transport
from .walk import CallRefused, _refusal, _Walk

SCOPE_REGISTER = "bits:kundeforhold"
SCOPE_ACCOUNT_PROVIDER = "bits:kundeforhold.konto"
DATA_NOT_DELIVERED = "dataNotDelivered"
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
    directory_url: str | None = None  # default {base}/altinn/v1/directharvest/Kontrollinformasjon?envelope=false
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    misbehave: frozenset[str] = frozenset()  # deliberate mistakes (sandbox/client/misbehave.py); none by default

    @classmethod
    def shipped(cls, base_url: str, service_key: str | Service, **more) -> ClientConfig:
        """The shipped consumer of a service (its key, or a Service the client does not ship) with its published
        test key (sandbox/keys/consumer-<orgno>.pem)."""
        svc = service_key if isinstance(service_key, Service) else find_service(service_key)
        return cls(base_url, svc.consumer, svc.org_number, SHIPPED_KEYS / f"consumer-{svc.org_number}.pem", **more)

    @property
    def register(self) -> str:
        return (self.register_url or self.base_url.rstrip("/") + "/kar-ws/api/v2").rstrip("/")

    @property
    def directory(self) -> str:
        return self.directory_url or \
            self.base_url.rstrip("/") + "/altinn/v1/directharvest/Kontrollinformasjon?envelope=false"


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
        self.misbehave = frozenset(config.misbehave)
        if self.misbehave:
            self.transport.misbehave = self.transport.misbehave | self.misbehave
        self.maskinporten = Maskinporten(config.base_url, config.client_id, self.key, self.transport,
                                         reuse="token-per-call" not in self.misbehave)
        self._fixed_cid, self._built = str(uuid.uuid4()), 0
        self.progress: ProgressFn = progress or (lambda message: None)
        if self.transport.on_retry is None:
            self.transport.on_retry = _say_retries(weakref.ref(self))
        self._directory: dict[str, dict] | None = None
        self._timings: dict[str, float] | None = None

    # ---- single calls ---------------------------------------------------------------------------------
    def directory(self) -> dict[str, dict]:
        """orgNo → its entry {"orgNo", "name", "url", "version", "env"} from the API directory (cached).

        Read as real consumers read the real directory: a bare JSON array, only the `v2` entries (`version`
        compared case-insensitively; a `v1` endpoint has no OnlyPrimaryOwner, so a case may not use it)."""
        if self._directory is None:
            r = self.transport.request("GET", self.config.directory, {"Accept": "application/json"})
            if r.status != 200:
                raise CallRefused(_refusal("directory", r))
            body = r.json()
            if not isinstance(body, list):
                raise CallRefused(Refusal("directory", r.status, None,
                                          "the directory did not answer the JSON array of entries it lists"))
            self._directory = {e["orgNo"]: e for e in body
                               if isinstance(e, dict) and str(e.get("version", "")).upper() == "V2"}
        return self._directory

    def token(self, scope: str, audience: str) -> str:
        with self._timed("tokens"):
            return self.maskinporten.token(scope, audience)

    def _headers(self, svc: Service, case_id: str, scope: str, audience: str, *, step: int,
                 requester_id: str | None = None, reference_id: str | None = None, **more) -> Callable[[], dict]:
        bad = self.misbehave

        def build() -> dict:
            self._built += 1
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
            if bad:
                self._misbehave(h, step)
            return h
        return build

    def _misbehave(self, h: dict, step: int) -> None:
        """The header mistakes asked for (sandbox/client/misbehave.py)."""
        bad = self.misbehave
        if "reuse-correlation-id" in bad:
            h["CorrelationID"] = self._fixed_cid
        if "no-correlation-id" in bad:
            del h["CorrelationID"]
        if "new-request-id-per-call" in bad and self._built > 1:
            h["AccountInfoRequestID"] = str(uuid.uuid4())
        if "missing-requester-id" in bad:
            h.pop("RequesterID", None)
        if step == 2:
            if "missing-mandate" in bad:
                del h["Legal-Mandate"]
            if "missing-reference" in bad:
                h.pop("AdditionalReferenceIDType", None)
                h.pop("AdditionalReferenceID", None)
            if "no-jwe" in bad:
                h["Accept"] = "application/json"

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
        if "period-outside-window" in self.misbehave:
            request = dataclasses.replace(request, from_date=add_months(request.from_date, -12))
            case.from_date = request.from_date.isoformat()
        walk = _Walk(self, svc, request, case, only_primary, requester)
        requests0, retries0 = self.transport.requests, self.transport.retries
        self._timings = case.timings
        self._fixed_cid, self._built = str(uuid.uuid4()), 0
        started = time.perf_counter()
        try:
            walk.run()
            if "reuse-request-id" in self.misbehave:  # the same case again, under the same id
                _Walk(self, svc, request, dataclasses.replace(case, banks=[], refusals=[]), only_primary,
                      requester).run()
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


def _say_retries(client: weakref.ref[DsopClient]) -> Callable[[str, int, str, float], None]:
    """The transport's on_retry: a progress line. It holds the client weakly — the client holds the transport, and
    a cycle would keep both (and every answer an observer keeps on the transport) until a cyclic GC pass."""

    def on_retry(url: str, attempt: int, why: str, wait: float) -> None:
        me = client()
        if me is not None:
            me.progress(f"retrying in {wait:.2f} s ({why}): {urllib.parse.urlsplit(url).path}")
    return on_retry
