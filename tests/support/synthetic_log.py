"""Request-log rows of a well-behaved case, built without a server: the conformance grader's unit tests bend them
one way or another, and tests/perf/bench_grade.py grades 100 000 of them.

The mix is what the reference client leaves in the log for a big Skatt-Kontroll case: a token per audience, the
register, the directory, per bank its accounts pages and per account details, every transactions page (with the
`next` cursor each hands out), cards and roles; now and then a 429 with Retry-After waited out.
"""

from __future__ import annotations

import uuid

SKATT = "Skatteforvaltningsloven § 10-2 første ledd, jf. § 10-14, jf. skatteforvaltningsforskriften § 10-2-1"
CONSUMER = "974761076"
PUBLIC = "http://127.0.0.1:8000"
START_NS = 1_750_000_000 * 10**9


class LogBuilder:
    """Rows in served order; `tick` seconds between requests (a request's latency is 1 ms)."""

    def __init__(self, case_id: str = "3f2b8c1e-0000-4000-8000-00000000ca5e", tick: float = 0.01):
        self.case_id, self.tick = case_id, tick
        self.rows: list[dict] = []
        self.context: list[dict] = []
        self.now_ns = START_NS
        self.tokens: dict[str, tuple[str, int]] = {}

    def _row(self, **values) -> dict:
        self.now_ns += int(self.tick * 1e9)
        row = {"id": len(self.rows) + len(self.context) + 1, "seq": self.now_ns, "time": None,
               "sandbox_date": "2025-06-30", "method": "GET", "status": 200, "consumer": CONSUMER,
               "latency_ms": 1.0, "error_code": None, "page": None, "next_page": None, "retry_after": None,
               "result_count": None, "account_reference": None, "party": None, "bank": None,
               "additional_reference_id_type": None, "additional_reference_id": None, **values}
        return row

    def token(self, audience: str, scope: str) -> str:
        """A token for the audience (one per audience, as a well-behaved client asks)."""
        if audience not in self.tokens:
            name = uuid.uuid4().hex[:16]
            exp = self.now_ns // 10**9 + 120
            self.tokens[audience] = (name, exp)
            self.context.append(self._row(api="maskinporten", endpoint="token", method="POST",
                                          path="/maskinporten/token", scope=scope, audience=audience, token_id=name,
                                          token_exp=exp, case_id=None, correlation_id=None))
        return audience

    def call(self, api: str, endpoint: str, path: str, *, bank: str | None = None, **values) -> dict:
        if api == "register":
            aud, scope = f"{PUBLIC}/kar-ws/api/v2", "bits:kundeforhold"
        else:
            aud, scope = f"{PUBLIC}/banks/{bank}/v2", "bits:kontoinformasjon"
        self.token(aud, scope)
        name, exp = self.tokens[aud]
        row = self._row(api=api, endpoint=endpoint, path=path, bank=bank, scope=scope, audience=aud, token_id=name,
                        token_exp=exp, service="skatt", case_id=self.case_id, correlation_id=str(uuid.uuid4()),
                        legal_mandate=SKATT, requester_id="saksbehandler-7", from_date="2015-06-30",
                        to_date="2025-06-30", accept="application/jose" if api == "bank" else "application/json",
                        **values)
        self.rows.append(row)
        return row

    def directory(self) -> None:
        self.context.append(self._row(api="directory", endpoint="directory", path="/altinn/v1/directharvest/x",
                                      consumer=None, case_id=None, correlation_id=None))

    def case(self, banks: int = 2, accounts: int = 3, pages: int = 3, throttled_every: int = 0) -> LogBuilder:
        """A whole case: register (naming `banks` banks), directory, then every bank's accounts and per account
        details, `pages` pages of transactions, cards and roles; every `throttled_every`-th transactions page
        is first answered 429 with Retry-After: 1 and asked again 1.1 s later."""
        self.call("register", "customerRelationships", "/kar-ws/api/v2/customers/customerRelationships",
                  party="20907245528", result_count=banks)
        self.directory()
        n = 0
        for b in range(banks):
            org = f"9{b:08d}"
            self.call("bank", "accounts", f"/banks/{org}/v2/accounts", bank=org, party="20907245528",
                      result_count=accounts)
            for a in range(accounts):
                ref = str(uuid.UUID(int=b * 10_000 + a))
                base = f"/banks/{org}/v2/accounts/{ref}"
                self.call("bank", "details", base, bank=org, account_reference=ref, result_count=1)
                cursor = None
                for p in range(pages):
                    nxt = f"c{b}-{a}-{p}" if p < pages - 1 else None
                    n += 1
                    if throttled_every and n % throttled_every == 0:
                        self.call("bank", "transactions", base + "/transactions", bank=org, account_reference=ref,
                                  page=cursor, status=429, error_code="ACC-022", retry_after="1")
                        self.now_ns += int(1.1e9)
                    self.call("bank", "transactions", base + "/transactions", bank=org, account_reference=ref,
                              page=cursor, next_page=nxt, result_count=1000)
                    cursor = nxt
                self.call("bank", "cards", base + "/cards", bank=org, account_reference=ref, result_count=1)
                self.call("bank", "roles", base + "/roles", bank=org, account_reference=ref, result_count=2)
        return self
