"""What the `production` profile accepts that `strict` refuses, and the knobs a production bank may turn: one
table each, as data, every row with its source (DESIGN D22, docs/compatibility.md). Plain Python.

The reference consumer is the data.altinn.no banking plugin (GitHub data-altinn-no/plugin-banking, MIT), the
code that runs Digitalt dødsbo (OED) in production. Each accepted variant below is something that code sends
and a real participant answers, read from the file named in its `source`; nothing is accepted on a guess.
`strict` stays the standard to the letter (DESIGN D4, D10, D11, D12) and refuses every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The `aud` real Maskinporten writes into a token asked for without `resource` (RFC 8707): a client that names
#: no audience gets this literal string, and KAR accepts it.
AUDIENCE_UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class Deviation:
    key: str  # a short name, used in the docs and the request log
    api: str  # "register" | "bank"
    accepts: str  # what `production` accepts
    strict: str  # what `strict` answers instead
    source: str  # where the reference consumer does it (file: what the code does)


#: The register (KAR) in `production`.
REGISTER: tuple[Deviation, ...] = (
    Deviation(
        "bare-token", "register", "`Authorization: <jwt>` without the `Bearer` scheme",
        "401 ERR-001 'Authorization must be Bearer <access token>'",
        "Clients/KAR.cs: Get() sets the HttpClient's DefaultRequestHeaders.Authorization to `Bearer <token>`, then "
        "passes header.Parameter (the bare token) as `authorization` to the NSwag client; Clients/KARClient.cs "
        "(GetCustomerRelationAsync) adds it with Headers.TryAddWithoutValidation(\"Authorization\", authorization). "
        ".NET's HttpClient adds a default header only when the request has none, so the wire carries "
        "`Authorization: <jwt>`."),
    Deviation(
        "aud-unspecified", "register", f"a token whose `aud` is `{AUDIENCE_UNSPECIFIED}`",
        "401 ERR-001 'access token aud must be <the register's audience>'",
        "Services/KARService.cs: GetBanksForCustomer asks Maskinporten for scope `bits:kundeforhold` with audience "
        "null (GetToken(jwk, env, clientId, \"bits:kundeforhold\", null)): no `resource`, so real Maskinporten "
        f"issues `aud: \"{AUDIENCE_UNSPECIFIED}\"`, and KAR answers it."),
    Deviation(
        "mandate-prosjekt-oed", "register", "`Legal-Mandate: Prosjekt OED` as the mandate of Oppgjør etter dødsfall",
        "403 ERR-001 'Legal-Mandate is not the mandate of any DSOP service'",
        "Clients/KAR.cs: Get() passes the literal \"Prosjekt OED\" as legal_Mandate to GetCustomerRelationAsync, "
        "which sends it unencoded as the Legal-Mandate header (Clients/KARClient.cs). Real KAR does not check the "
        "mandate text (spec/services.md Q22)."),
)

#: The banks in `production`.
BANK: tuple[Deviation, ...] = (
    Deviation(
        "mandate-oed", "bank", "`Legal-Mandate: OED` as the mandate of Oppgjør etter dødsfall",
        "403 ACC-011 'Legal-Mandate is not the mandate of any DSOP service'",
        "Services/BankService.cs: InvokeBank and GetAccountDetailsV2 call ListAccountsAsync, ShowAccountByIdAsync "
        "and ListTransactionsAsync with legal_Mandate \"OED\"; Clients/V2/BankClient_v2.cs adds it as the "
        "Legal-Mandate header (spec/services.md Q21)."),
)

#: Mandate texts a production participant takes for a service: (text as sent, service).
REGISTER_MANDATES: tuple[tuple[str, str], ...] = (("Prosjekt OED", "oed"),)
BANK_MANDATES: tuple[tuple[str, str], ...] = (("OED", "oed"),)


@dataclass(frozen=True)
class Knob:
    key: str  # the scenario key under banks[].deviations
    does: str
    source: str


#: The per-bank knobs of a production bank (scenario `banks[].deviations`, sandbox/compat/knobs.py).
KNOBS: tuple[Knob, ...] = (
    Knob("latency", "delays each answer by a draw from a fixed, uniform or lognormal distribution (up to 60 s)",
         "Services/BankService.cs and Services/KARService.cs give each call 30 s (TransactionRequestTimeoutSecs, "
         "AccountDetailsRequestTimeoutSecs, AccountListRequestTimeoutSecs, KarRequestTimeoutSecs): real banks "
         "answer in seconds, and a consumer must budget for it."),
    Knob("omit_optional", "leaves out fields the OpenAPI does not require (names, owner, start date, optional "
                          "balance and transaction fields); the body still validates against Bank_v2.yaml",
         "reference/Bank_v2.yaml requires only the identifiers (Account, AccountDetail: accountIdentifier and "
         "accountReference; Transaction: transactionIdentifier); Services/BankService.cs reads "
         "PrimaryOwner?.Identifier?.Value null-safely."),
    Knob("error_200", "answers `200 OK` with an error text `{\"code\": \"ACC-100\", \"message\": ...}` instead of "
                      "the body",
         "Clients/V2/BankClient_v2.cs deserialises any 200 as the success type: a 200 error body gives an object "
         "whose lists are null, which Services/BankService.cs must survive (it catches per bank and sets HasErrors)."),
    Knob("empty_links", "answers the last (or only) page of accounts or transactions with `links: []` instead of "
                        "a self link (a page with a next link keeps its links: dropping it would lose data)",
         "reference/Bank_v2.yaml: `links` is optional; Services/BankService.cs never reads links (one page)."),
    Knob("slow_pages", "delays every page from `from_page` on of a paginated walk by `delay_ms`",
         "Services/BankService.cs: one 30 s CancellationTokenSource per call; a slow second page is where a "
         "paging consumer's budget runs out."),
    Knob("empty_details", "answers account details with only `{\"responseDetails\": {\"status\": \"complete\"}}` "
                          "(no `account`)",
         "Services/BankService.cs (GetAccountDetailsV2): \"Some test accounts come up with an empty response from "
         "the bank here (just '{ \"responseStatus\": \"complete\" }'. We skip those\" — it checks "
         "details.Account == null. The sandbox sends the OpenAPI's spelling (responseDetails.status), which "
         "validates: `account` is optional in AccountDetails."),
)
