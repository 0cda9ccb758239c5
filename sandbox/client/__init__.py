"""The reference DSOP consumer: what an agency writes from the public docs (README, docs/maskinporten.md,
/openapi/bank.json, /openapi/kar.json, spec/services.md) — usable as a library.

    from datetime import date
    from sandbox.client import CaseRequest, ClientConfig, DsopClient

    client = DsopClient(ClientConfig.shipped("http://127.0.0.1:8000", "skatt"))
    case = client.run_case(CaseRequest("20907245528", "skatt", date(2024, 1, 1), date(2025, 6, 30)))
    for bank in case.banks:
        for account in bank.accounts:
            print(bank.name, account.number, account.balance(), account.transactions.count)
    print(case.to_json(deterministic=True))

Every answer is decrypted and parsed once and stays on its Response (`plaintext`, `json()`): an observer,
`Transport(on_response=…)`, sees each one as the client read it (the workshop UI's step list is made that way).
`run_case(request, service=Service(…))` runs a service the client does not ship; `CaseRequest(…,
transaction_items=False)` counts every page's transactions without keeping them. The consumer's key is imported
once per key file (`load_key`).

`ClientConfig(…, misbehave=frozenset({"reuse-correlation-id"}))` makes deliberate mistakes (sandbox/client/
misbehave.py: the "wrong consumer" corpus the conformance grader is tested with); none by default.

It imports nothing from the rest of the sandbox: only the standard library and joserfc.
"""

from .auth import Maskinporten, TokenError, decrypt, load_key, read_response
from .case import CaseRequest, ClientConfig, DsopClient
from .result import AccountResult, Balance, BankResult, CaseResult, Partial, Refusal, Transactions
from .services import (
    BANK_ENDPOINTS,
    SERVICES,
    PeriodNeedsFacts,
    Service,
    add_months,
    complete_period,
    default_period,
    earliest_from,
    encode_mandate,
    latest_to,
    service,
)
from .transport import Response, RetryPolicy, Transport, TransportError, retry_after_seconds

__all__ = [
    "AccountResult", "BANK_ENDPOINTS", "Balance", "BankResult", "CaseRequest", "CaseResult", "ClientConfig",
    "DsopClient", "Maskinporten", "Partial", "PeriodNeedsFacts", "Refusal", "Response", "RetryPolicy", "SERVICES",
    "Service", "TokenError", "Transactions", "Transport", "TransportError", "add_months", "complete_period", "decrypt",
    "default_period", "earliest_from", "encode_mandate", "latest_to", "load_key", "read_response",
    "retry_after_seconds", "service",
]
