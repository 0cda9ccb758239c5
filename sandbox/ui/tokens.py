"""The Tokens page: mint an access token with the sandbox's Maskinporten for an agency, scope and audience, and
build a ready curl line for the API the token is for (the README's headers). Plain Python: no Flask.

The token comes from `Maskinporten.issue` (as `dsop-sandbox token` does): the issuer signs what it is asked
for, so the entitlement check the token endpoint makes (which scopes the agency may have) is made here first.
A scope that does not fit the audience is minted anyway — the page says which answer the API will give, and that
the token endpoint itself refuses such a pair (invalid_target). So is a
service the agency does not offer: the curl line is built for the service picked (its Legal-Mandate, period and
headers), never quietly for another one, and the page says which agency offers it and that this line will be
refused (403) — the refusal is the lesson; a button mints the same line as the agency that offers it.
"""

from __future__ import annotations

import shlex
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandbox import jwt_segments
from sandbox.client import PeriodNeedsFacts, default_period, encode_mandate
from sandbox.maskinporten.tokens import (
    KNOWN_SCOPES,
    MAX_TTL,
    SCOPE_ACCOUNT_PROVIDER,
    SCOPE_BANK,
    SCOPE_RELATIONS,
    allowed_scopes,
)
from sandbox.profiles import BY_SERVICE, extradition

from .model import current_guardian, find_party


@dataclass
class TokenForm:
    consumer: str = "skatteetaten"
    scope: str = SCOPE_BANK
    audience: str = ""
    ttl: str = "3600"
    service: str = ""
    party: str = "ola-joint"

    @classmethod
    def of(cls, values) -> TokenForm:
        return cls(**{k: (values.get(k) or getattr(cls, k)).strip() for k in
                      ("consumer", "scope", "audience", "ttl", "service", "party")})


@dataclass
class Minted:
    form: TokenForm
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    token: str | None = None
    claims: dict | None = None
    expires_in: int | None = None
    curl: str | None = None
    token_curl: str | None = None
    token_curl_refused: str | None = None  # why the token endpoint would not issue this token
    service: str | None = None  # the service the curl line is built for
    not_offered: str | None = None  # the warning when the agency does not offer that service
    offered_by: list = field(default_factory=list)  # the consumers that do (for "mint it as …" links)


def audiences(services) -> list[dict]:
    issuer, world = services.maskinporten, services.world
    out = [{"value": issuer.register_audience(), "label": "Register (KAR)"}]
    out += [{"value": issuer.bank_audience(b.org_number), "label": f"{b.name} ({b.org_number})"}
            for b in world.banks.values()]
    return out


def default_audience(services) -> str:
    """The first bank: the form's default scope is the banks' bits:kontoinformasjon."""
    return audiences(services)[1]["value"] if len(services.world.banks) else services.maskinporten.register_audience()


def choices(services) -> dict:
    world = services.world
    listed = audiences(services)
    return {"consumers": list(world.consumers.values()), "scopes": KNOWN_SCOPES, "audiences": listed,
            "defaultAudience": default_audience(services),
            "parties": [p for p in world.built_parties() if not p.generated],
            "services": [(k, BY_SERVICE[k].name, offered_by(world, k)) for k in dict.fromkeys(
                k for c in world.consumers.values() for k in c.services if k in BY_SERVICE)]}


def offered_by(world, service: str) -> str:
    """The names of the agencies offering a service, for the form ("Digitaliseringsdirektoratet (OED)" is the
    same agency as "Digitaliseringsdirektoratet")."""
    names = [c.name.split(" (")[0] for c in world.consumers.values() if service in c.services]
    return ", ".join(dict.fromkeys(names))


def mint(services, form: TokenForm) -> Minted:
    world, issuer = services.world, services.maskinporten
    out = Minted(form)
    consumer = world.consumers.get(form.consumer)
    if consumer is None:
        out.errors.append(f"unknown agency {form.consumer!r}")
        return out
    allowed = allowed_scopes(consumer)
    if form.scope not in KNOWN_SCOPES:
        out.errors.append(f"unknown scope {form.scope!r}")
    elif form.scope not in allowed:
        out.errors.append(f"{consumer.name} may not have scope {form.scope} (allowed: {' '.join(sorted(allowed))}); "
                          "the token endpoint answers invalid_scope")
    audience = form.audience or default_audience(services)
    if audience not in {a["value"] for a in audiences(services)}:
        out.errors.append(f"unknown audience {audience!r}: the register or a bank's base URL")
    if not form.ttl.isdigit() or not 1 <= int(form.ttl) <= MAX_TTL:
        out.errors.append(f"lifetime must be 1–{MAX_TTL} seconds")
    if form.service and form.service not in BY_SERVICE:
        out.errors.append(f"unknown service {form.service!r}")
    if out.errors:
        return out
    answer = issuer.issue(consumer, [form.scope], audience, int(form.ttl), amr="sandbox_shortcut")
    out.token, out.expires_in = answer["access_token"], answer["expires_in"]
    out.claims = jwt_segments.payload(out.token)
    service = form.service or next(
        (k for k in consumer.services if k in BY_SERVICE and not BY_SERVICE[k].flag), consumer.services[0])
    out.service = service
    on_register = audience == issuer.register_audience()
    refused = "403 (ERR-001)" if on_register else "403 (ACC-011)"
    wanted = (SCOPE_ACCOUNT_PROVIDER if form.scope == SCOPE_ACCOUNT_PROVIDER else SCOPE_RELATIONS) if on_register \
        else SCOPE_BANK
    if form.scope != wanted:
        out.warnings.append(f"this token carries {form.scope}, but the API below needs {wanted}: it will answer "
                            f"{refused}")
        out.token_curl_refused = (f"The token endpoint does not issue this pair: {audience} does not accept scope "
                                  f"{form.scope}, so it answers 400 invalid_target. This page mints it anyway, to "
                                  "show what the API does with such a token.")
    if service not in consumer.services:
        name = BY_SERVICE[service].name
        out.offered_by = [c for c in world.consumers.values() if service in c.services]
        by = " or ".join(c.name for c in out.offered_by) or "no agency of this scenario"
        out.not_offered = (f"{consumer.name} does not offer {name}: {by} does. The curl line below is built for "
                           f"{name} anyway (its Legal-Mandate, period and headers) with {consumer.name}'s token, so "
                           f"the API will refuse it with {refused} — the agency may not use this service.")
    if BY_SERVICE[service].flag and not getattr(services.settings, BY_SERVICE[service].flag, False):
        out.warnings.append(f"{BY_SERVICE[service].name} is off on this server (start it with --nav-v1): its mandate "
                            "is refused with 403")
    out.curl = curl_line(services, out.token, audience, form.scope, service, form.party)
    if not issuer.shortcut:  # the line below uses the shortcut grant: say when this server refuses it
        out.token_curl_refused = " ".join(filter(None, (out.token_curl_refused, (
            f"This server does not take the sandbox shortcut grant ({issuer.shortcut_off}): the token endpoint "
            "answers that line 400 unsupported_grant_type. Get the token with the jwt-bearer grant and the "
            "agency's key (docs/maskinporten.md); this page mints it anyway."))))
    out.token_curl = " ".join(["curl -s", *(f"-d {shlex.quote(f'{k}={v}')}" for k, v in (
        ("grant_type", "client_credentials"), ("client_id", consumer.client_id), ("scope", form.scope),
        ("resource", audience), ("ttl", form.ttl))), shlex.quote(issuer.issuer + "token")])
    return out


def _period(service: str, today: date, party) -> tuple[date, date]:
    try:
        return default_period(service, today, death_date=getattr(party, "death_date", None),
                              ruling_date=getattr(party, "bankruptcy_date", None))
    except (PeriodNeedsFacts, ValueError):
        return today - timedelta(days=365), today


def curl_line(services, token: str, audience: str, scope: str, service: str, party_key: str) -> str:
    """A curl command for the API of `audience` with every header the service needs."""
    world, issuer = services.world, services.maskinporten
    profile = BY_SERVICE[service]
    party = find_party(world, party_key) or next(p for p in world.built_parties() if not p.generated)
    start, end = _period(service, world.today, party)
    on_register = audience == issuer.register_audience()
    mandate = profile.register_mandates[0] if on_register else profile.canonical
    headers = [("Authorization", f"Bearer {token}"), ("AccountInfoRequestID", str(uuid.uuid4())),
               ("CorrelationID", str(uuid.uuid4())), ("Legal-Mandate", encode_mandate(mandate))]
    if profile.requester_required:
        headers.append(("RequesterID", "caseworker-42"))
    only_primary = "true" if profile.only_primary else "false"
    period = f"fromDate={start}&toDate={end}"
    if on_register and scope == SCOPE_ACCOUNT_PROVIDER:
        number = next((world.accounts[r.account_id].number for r in world.relations_by_party[party.id]), "99101785188")
        headers.append(("AccountID", number))
        url = f"{audience}/customers/accountServicingProvider"
    elif on_register:
        headers.append(("CustomerID", party.identifier))
        url = f"{audience}/customers/customerRelationships?{period}&onlyPrimaryOwner={only_primary}"
    else:
        headers.append(("PartyID", party.identifier))
        if profile.reference_type == "srf":
            guardian = current_guardian(world, party)
            headers += [("AdditionalReferenceIDType", "srf"),
                        ("AdditionalReferenceID", guardian.identifier if guardian else "GUARDIAN-NUMBER")]
        elif profile.reference_type == "pol1":
            claims = extradition.order_claims(world.today, party_id=party.identifier, mandate="criminal",
                                              from_date=start, to_date=end)
            headers += [("AdditionalReferenceIDType", "pol1"),
                        ("AdditionalReferenceID", extradition.police_key().sign(claims))]
        url = f"{audience}/accounts?{period}&OnlyPrimaryOwner={only_primary}"
    parts = ["curl -s -w '\\n'"] + [f"-H {shlex.quote(f'{k}: {v}')}" for k, v in headers] + [shlex.quote(url)]
    return " \\\n  ".join(parts)
