"""A consumer written only from the public docs (docs/maskinporten.md, README), with a standard JOSE library
(joserfc) and its own key pair, against a real server (gunicorn, auth on, the shortcut grant switched off).

It generates an RSA key pair, registers only the PUBLIC key in the scenario (`consumers[].key`), discovers the
issuer from its RFC 8414 metadata, obtains every token with the real jwt-bearer grant (one per audience: the
register, each bank from the directory), verifies each token against the published JWKS, then walks a whole
Skatt-Kontroll case: register → directory → each bank's accounts (all pages), details, transactions (all pages),
cards, roles and owners with `Accept: application/jose`, decrypting every body with its private key and comparing
it with the plain JSON body of the same request. Errors are never encrypted; an unsupported Accept is 406.

Nothing from `sandbox` is imported: the client knows only URLs, the docs and its own key.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwe, jwt
from joserfc.jwk import KeySet, RSAKey

from tests.support import SKATT_MANDATE_TEXT, SKATT_ORG

from .server import running_server

ORG = SKATT_ORG  # Skatteetaten
CLIENT_ID = "skatteetaten-e2e-client"
PERIOD = "fromDate=2024-01-01&toDate=2025-06-30"
KARI = "14838533109"  # the case's subject: her (synthetic) person number is in the case file, and in SCENARIO
# Skatt-Kontroll, as the service page prints it, percent-encoded (spec/protocol.md §3.4).
MANDATE = urllib.parse.quote(SKATT_MANDATE_TEXT, safe="")  # encoded as the docs say, not copied
JWE_ALGORITHMS = ["RSA-OAEP-256", "A128CBC-HS256"]  # joserfc leaves RSA-OAEP-256 out of its defaults

SCENARIO = """
version: 1
name: consumer-from-docs
seed: e2e-docs-1
today: 2025-06-30
banks:
  - {id: nordbank, name: NORDBANK ASA, registration_numbers: ["9930"]}
  - {id: vestbank, name: VESTBANK SPAREBANK, registration_numbers: ["9940"]}
  - {id: sorbank, name: SORBANK AS, registration_numbers: ["9950"]}
consumers:
  - id: skatteetaten
    name: Skatteetaten
    org_number: "974761076"
    services: [skatt]
    client_id: skatteetaten-e2e-client
    key: keys/skatteetaten-public.pem
maskinporten:
  token_shortcut: false
people:
  - {id: kari, name: Kari Konsument, national_id: "14838533109"}
  - {id: ola, name: Ola Disponent, national_id: "02917940412"}
accounts:
  - id: kari-salary
    bank: nordbank
    type: salaryAccount
    opened: -3y
    owners: [{party: kari}]
    roles: [{party: ola, permission: rightToSeeOnly, from: -1y}]
    cards: [{id: kari-debit, holder: kari, issued: -2y, expires: +2y}]
    activity: {profile: household, amount: 45000, purchases_per_month: 150}
  - id: kari-savings
    bank: vestbank
    type: savingsAccount
    opened: -5y
    opening_balance: 80000
    owners: [{party: kari}, {party: ola}]
    activity: {profile: savings, amount: 2000}
  - id: ola-salary
    bank: sorbank
    type: salaryAccount
    opened: -2y
    owners: [{party: ola}]
"""


# ----------------------------------------------------------------------------------------------------------
#  The consumer: HTTP, tokens, decryption
# ----------------------------------------------------------------------------------------------------------
class Consumer:
    def __init__(self, base: str, key_file: Path):
        self.base = base
        self.key = RSAKey.import_key(key_file.read_bytes())
        self.case = str(uuid.uuid4())
        self.seen: list[tuple[str, dict, bytes]] = []  # every response's URL, headers and body
        self.tokens: list[str] = []
        self.metadata = self.get_json(base + "/maskinporten/.well-known/oauth-authorization-server")
        self.jwks = KeySet.import_key_set(self.get_json(self.metadata["jwks_uri"]))

    # HTTP -------------------------------------------------------------------------------------------------
    def request(self, url: str, headers: dict | None = None, data: bytes | None = None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, got, body = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, got, body = e.code, dict(e.headers), e.read()
        self.seen.append((url, got, body))
        return status, got, body

    def get_json(self, url: str) -> dict:
        status, headers, body = self.request(url)
        assert status == 200, (url, status, body[:300])
        return json.loads(body)

    # tokens: the real grant -------------------------------------------------------------------------------
    def token(self, scope: str, resource: str) -> str:
        now = int(time.time())
        assertion = jwt.encode({"alg": "RS256"}, {
            "iss": CLIENT_ID, "aud": self.metadata["issuer"], "iat": now, "exp": now + 60,
            "jti": str(uuid.uuid4()), "scope": scope, "resource": resource}, self.key)
        form = urllib.parse.urlencode({"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                       "assertion": assertion}).encode()
        status, headers, body = self.request(self.metadata["token_endpoint"],
                                             {"Content-Type": "application/x-www-form-urlencoded"}, form)
        assert status == 200, body
        answer = json.loads(body)
        token = answer["access_token"]
        # Verify it as a bank would: signature by the published JWKS, then the claims of spec/protocol.md §4.1.
        claims = jwt.decode(token, self.jwks, algorithms=["RS256"]).claims
        assert claims["iss"] == self.metadata["issuer"]
        assert claims["aud"] == resource
        assert claims["scope"] == scope == answer["scope"]
        assert claims["consumer"] == {"authority": "iso6523-actorid-upis", "ID": f"0192:{ORG}"}
        assert claims["exp"] - claims["iat"] == answer["expires_in"] == 120
        assert claims["jti"]
        self.tokens.append(token)
        return token

    # DSOP calls -------------------------------------------------------------------------------------------
    def headers(self, token: str, accept: str, **more) -> dict:
        return {"Authorization": f"Bearer {token}", "Accept": accept, "AccountInfoRequestID": self.case,
                "CorrelationID": str(uuid.uuid4()), "Legal-Mandate": MANDATE, "RequesterID": "saksbehandler-e2e",
                **more}

    def decrypt(self, body: bytes) -> bytes:
        # docs/maskinporten.md's call, with joserfc's 64 KiB ciphertext limit raised: a page of 1000
        # transactions is a JWE of about 1.2 MB (see tests/bank/test_jwe.py::test_documented_decrypt_call_...).
        registry = jwe.JWERegistry(algorithms=JWE_ALGORITHMS)
        registry.max_ciphertext_length = 64 * 2**20
        result = jwe.decrypt_compact(body, self.key, registry=registry)
        assert result.protected["alg"] == "RSA-OAEP-256" and result.protected["enc"] == "A128CBC-HS256"
        assert result.protected["kid"] == self.key.thumbprint()
        return result.plaintext

    def bank_get(self, url: str, token: str, **more) -> dict:
        """The same request twice: encrypted (decrypted here) and plain; both must say the same."""
        status, headers, encrypted = self.request(url, self.headers(token, "application/jose", **more))
        assert status == 200, (url, status, encrypted[:300])
        assert headers["Content-Type"].startswith("application/jose"), headers["Content-Type"]
        plain_status, plain_headers, plain = self.request(url, self.headers(token, "application/json", **more))
        assert plain_status == 200 and plain_headers["Content-Type"].startswith("application/json")
        decrypted = self.decrypt(encrypted)
        assert json.loads(decrypted) == json.loads(plain), f"{url}: the JWE says something else than the JSON"
        return json.loads(decrypted)

    def pages(self, bank_url: str, first: str, token: str, **more) -> list[dict]:
        out, url = [], bank_url + first
        while url:
            out.append(self.bank_get(url, token, **more))
            nxt = [link["href"] for link in out[-1].get("links", []) if link["rel"] == "next"]
            url = bank_url + nxt[0] if nxt else None
            assert len(out) < 50
        return out


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "client" / "skatteetaten-private.pem"
    public = folder / "scenario" / "keys" / "skatteetaten-public.pem"
    private.parent.mkdir(parents=True)
    public.parent.mkdir(parents=True)
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


# ----------------------------------------------------------------------------------------------------------
#  The test
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_consumer_from_the_docs_gets_tokens_calls_every_endpoint_and_decrypts(tmp_path):
    private, public = write_key_pair(tmp_path)
    assert b"PRIVATE" not in public.read_bytes(), "the sandbox gets only the public half"
    scenario = tmp_path / "scenario" / "consumer-from-docs.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")

    with running_server(scenario) as base:
        me = Consumer(base, private)
        assert me.metadata["issuer"] == base + "/maskinporten/"
        assert "urn:ietf:params:oauth:grant-type:jwt-bearer" in me.metadata["grant_types_supported"]
        assert "client_credentials" not in me.metadata["grant_types_supported"], "the scenario turned it off"

        # 1. The register: which banks has Kari had a relation with?
        register_token = me.token("bits:kundeforhold", base + "/kar-ws/api/v2")
        status, headers, body = me.request(base + "/kar-ws/api/v2/customers/customerRelationships?" + PERIOD,
                                           me.headers(register_token, "application/json", CustomerID=KARI))
        assert status == 200, body
        banks = json.loads(body)["banks"]
        assert len(banks) == 2, banks  # nordbank (salary) and vestbank (savings); not sorbank (Ola's)

        # 2. The directory: each bank's base URL (= the audience of its token).
        directory = {e["orgNo"]: e["url"]
                     for e in me.get_json(base + "/altinn/v1/directharvest/Kontrollinformasjon?envelope=false")
                     if e["version"].upper() == "V2"}

        # 3. Every bank, every account, every endpoint; JWE decrypted and compared with the JSON.
        walked = {"accounts": 0, "details": 0, "transaction pages": 0, "cards": 0, "roles": 0, "owners": 0}
        longest = 0
        for bank in banks:
            bank_url = directory[bank["organizationID"]]
            token = me.token("bits:kontoinformasjon", bank_url)
            pages = me.pages(bank_url, f"/accounts?{PERIOD}&OnlyPrimaryOwner=false", token, PartyID=KARI)
            accounts = [a for page in pages for a in page["accounts"]]
            walked["accounts"] += len(pages)
            assert accounts, f"Kari has accounts at {bank['bankName']}"
            for account in accounts:
                ref, number = account["accountReference"], account["accountIdentifier"]
                details = me.bank_get(f"{bank_url}/accounts/{ref}?{PERIOD}", token)
                assert details["account"]["accountIdentifier"] == number
                transactions = me.pages(bank_url, f"/accounts/{ref}/transactions?{PERIOD}", token)
                longest = max(longest, len(transactions))
                me.bank_get(f"{bank_url}/accounts/{ref}/cards?{PERIOD}", token)
                me.bank_get(f"{bank_url}/accounts/{ref}/roles?{PERIOD}", token)
                assert me.bank_get(f"{bank_url}/accounts/{number}/owners?{PERIOD}", token)["accountOwners"]
                walked["details"] += 1
                walked["transaction pages"] += len(transactions)
                walked["cards"] += 1
                walked["roles"] += 1
                walked["owners"] += 1
        assert all(walked.values()), walked
        assert longest >= 2, "the salary account's transactions should span several pages"

        # 4. Errors are never encrypted; an Accept the bank does not speak is 406 ACC-013; a token for another
        #    audience is 401.
        bank_url = directory[banks[0]["organizationID"]]
        token = me.token("bits:kontoinformasjon", bank_url)
        accounts_url = f"{bank_url}/accounts?{PERIOD}&OnlyPrimaryOwner=false"
        for headers, status, code in [
            (me.headers(token, "application/jose"), 400, "ACC-001"),  # no PartyID
            (me.headers(token, "text/xml", PartyID=KARI), 406, "ACC-013"),
            (me.headers(register_token, "application/jose", PartyID=KARI), 401, "ACC-010"),  # aud: the register
        ]:
            got_status, got_headers, body = me.request(accounts_url, headers)
            assert got_status == status, (got_status, body[:300])
            assert got_headers["Content-Type"].startswith("application/json"), "errors are never encrypted"
            assert json.loads(body)["code"] == code

    # 5. The bearer token never came back in any answer (but the token endpoint's, which hands it out).
    answers = [(h, b) for url, h, b in me.seen if not url.startswith(me.metadata["token_endpoint"])]
    assert len(answers) > 20
    for token in me.tokens:
        for headers, body in answers:
            assert token.encode() not in body
            assert all(token not in str(v) for v in headers.values())
