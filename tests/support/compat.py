"""The compatibility-profile world (DESIGN D22, docs/compatibility.md) and `Plugin`, requests shaped as the
data.altinn.no banking plugin sends them: a small OED world with one strict bank (`std`), one production bank
without knobs (`prod`) and one production bank whose knobs always fire (`wild`), and a register in production;
tokens come from the app's own Maskinporten. Fixtures: tests/compat/conftest.py."""

from __future__ import annotations

import uuid

from .constants import OED_ORG

FROM, TO = "2025-04-01", "2025-06-30"

COMPAT_SCENARIO = """
version: 1
name: compat-tests
seed: "22"
today: 2025-06-30
register: {profile: production}
banks:
  - id: std
    name: STANDARD TESTBANK
    registration_numbers: ["9950"]
  - id: prod
    name: PRODUKSJON TESTBANK
    registration_numbers: ["9960"]
    profile: production
  - id: wild
    name: AVVIK TESTBANK
    registration_numbers: ["9970"]
    profile: production
    deviations:
      omit_optional: 1
      empty_links: 1
      empty_details: 1
consumers:
  - id: digdir-oed
    name: DIGDIR OED
    org_number: "991825827"
    services: [oed]
people:
  - id: arne
    name: Arne Arvesen
    birth_date: 1946-02-11
    death_date: 2025-06-09
accounts:
  - id: arne-std
    bank: std
    type: salaryAccount
    name: Pensjonskonto
    opened: -30y
    opening_balance: 1000
    owners: [{party: arne}]
    activity: household
  - id: arne-prod
    bank: prod
    type: savingsAccount
    name: Sparekonto
    opened: -10y
    opening_balance: 5000
    owners: [{party: arne}]
    activity: household
  - id: arne-wild
    bank: wild
    type: salaryAccount
    name: Brukskonto
    opened: -10y
    opening_balance: 700
    owners: [{party: arne}]
    activity: household
"""


class Plugin:
    """Requests shaped as the data.altinn.no banking plugin sends them (Clients/KARClient.cs, BankClient_v2.cs),
    with knobs to put each one back to the standard's form."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()
        services = app.extensions["dsop"]
        self.world, self.issuer = services.world, services.maskinporten
        self.consumer = next(c for c in self.world.consumers.values() if c.org_number == OED_ORG)
        self.arne = self.world.parties["arne"].identifier

    def token(self, scope: str, audience: str) -> str:
        return self.issuer.issue(self.consumer, [scope], audience)["access_token"]

    def bank_url(self, bank_id: str) -> str:
        return f"/banks/{self.world.banks[bank_id].org_number}/v2"

    def kar(self, *, authorization: str | None = None, mandate: str = "Prosjekt OED", aud: str = "unspecified",
            bare: bool = True, correlation: str | None = None):
        token = self.token("bits:kundeforhold", aud)
        headers = {"Authorization": authorization or (token if bare else f"Bearer {token}"), "CustomerID": self.arne,
                   "CorrelationID": correlation or str(uuid.uuid4()), "Legal-Mandate": mandate,
                   "AccountInfoRequestID": str(uuid.uuid4()), "Accept": "application/json"}
        return self.client.get(f"/kar-ws/api/v2/customers/customerRelationships?fromDate={FROM}&toDate={TO}"
                               "&onlyPrimaryOwner=true", headers=headers)

    def bank(self, bank_id: str, path: str, *, mandate: str = "OED", correlation: str | None = None, **more):
        url = self.bank_url(bank_id)
        token = self.token("bits:kontoinformasjon", self.issuer.bank_audience(self.world.banks[bank_id].org_number))
        headers = {"Authorization": f"Bearer {token}", "AccountInfoRequestID": str(uuid.uuid4()),
                   "CorrelationID": correlation or str(uuid.uuid4()), "Legal-Mandate": mandate,
                   "Accept": "application/json", **more}
        sep = "&" if "?" in path else "?"
        return self.client.get(f"{url}{path}{sep}fromDate={FROM}&toDate={TO}", headers=headers)

    def accounts(self, bank_id: str, **kw):
        return self.bank(bank_id, "/accounts?OnlyPrimaryOwner=true", PartyID=self.arne, **kw)
