"""Response encryption (DESIGN D7; spec/protocol.md §3.5; docs/maskinporten.md "Encrypted answers").

`Accept: application/jose` → a compact JWE (RSA-OAEP-256 + A128CBC-HS256) to the calling consumer's registered
key, whose plaintext is exactly the JSON body of the same request with `Accept: application/json`; errors are
never encrypted; any other Accept → 406 ACC-013. The consumer here is the scenario's Skatteetaten, whose key is
the sandbox's published test key for 974761076 (sandbox/keys/).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from sandbox.keys import shipped
from tests.support import (
    BANK,
    BANK_ENDPOINTS,
    BANK_ERROR_SCHEMA,
    PERIOD,
    VALID_HEADERS,
    BankApi,
    Refs,
    assert_valid,
    bank_request,
    bearer,
    call_bank,
    call_register,
    link,
)

ALGORITHMS = ["RSA-OAEP-256", "A128CBC-HS256"]  # joserfc leaves RSA-OAEP-256 out of its defaults
JOSE = {"Accept": "application/jose"}


@pytest.fixture(scope="module")
def consumer_key() -> RSAKey:
    """Skatteetaten's private key, as the agency holds it."""
    return RSAKey.import_key(Path(shipped("consumer-974761076")).read_bytes())


@pytest.fixture(scope="module")
def token(forge, targets) -> str:
    return bearer(forge.token(targets["bank"]))


def registry() -> jwe.JWERegistry:
    """joserfc refuses ciphertexts over 64 KiB by default (JWERegistry.max_ciphertext_length); a page of 1000
    transactions is larger, so a consumer must raise the limit (see test_documented_decrypt_call_reads_a_full_page)."""
    reg = jwe.JWERegistry(algorithms=ALGORITHMS)
    reg.max_ciphertext_length = 64 * 2**20
    return reg


def decrypt(body: bytes, key: RSAKey):
    return jwe.decrypt_compact(body, key, registry=registry())


def test_the_scenario_consumer_uses_the_published_key(auth_app):
    consumer = auth_app.extensions["dsop"].world.consumers["skatteetaten"]
    assert Path(consumer.key_path) == Path(shipped("consumer-974761076"))


@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_jose_body_decrypts_to_the_json_body(auth_api, refs, token, consumer_key, endpoint):
    plain = call_bank(auth_api, refs, endpoint, token)
    assert plain.status_code == 200, plain.data
    encrypted = call_bank(auth_api, refs, endpoint, token, check=False, **JOSE)
    assert encrypted.status_code == 200, encrypted.data
    assert encrypted.mimetype == "application/jose"
    assert encrypted.headers["CorrelationID"] == VALID_HEADERS["CorrelationID"]
    compact = encrypted.get_data()
    assert compact.count(b".") == 4 and b"{" not in compact, "expected a compact JWE (five base64url parts)"
    assert decrypt(compact, consumer_key).plaintext == plain.get_data()


def test_jwe_header_names_the_algorithms_and_the_recipient_key(auth_api, refs, token, consumer_key):
    response = call_bank(auth_api, refs, "details", token, check=False, **JOSE)
    header = decrypt(response.get_data(), consumer_key).protected
    assert header["alg"] == "RSA-OAEP-256"
    assert header["enc"] == "A128CBC-HS256"
    assert header["kid"] == consumer_key.thumbprint(), "kid must be the RFC 7638 thumbprint of the consumer's key"


def test_jwe_cannot_be_read_with_another_key(auth_api, refs, token):
    response = call_bank(auth_api, refs, "details", token, check=False, **JOSE)
    with pytest.raises((JoseError, ValueError)):
        decrypt(response.get_data(), RSAKey.generate_key(2048))


def test_every_transactions_page_decrypts_and_links_to_the_next(auth_api, forge, targets, token, consumer_key):
    """Lars has > 1000 transactions a year: the walk over `links` works on the decrypted pages too (D6)."""
    party = auth_api.pid("lars")
    path, query, extra = bank_request("accounts", Refs(party, "", ""))
    listed = auth_api.ok(auth_api.call(BANK, path, query, {**VALID_HEADERS, **extra, "Authorization": token}))
    ref = {a["accountIdentifier"]: a["accountReference"] for a in listed["accounts"]}[auth_api.number("lars-salary")]
    href = f"/accounts/{ref}/transactions?fromDate={PERIOD['fromDate']}&toDate={PERIOD['toDate']}"
    pages = 0
    while href is not None:
        headers = {**VALID_HEADERS, "Authorization": token}
        plain = auth_api.call(BANK, href, headers=headers)
        encrypted = auth_api.call(BANK, href, headers={**headers, **JOSE}, check=False)
        assert encrypted.mimetype == "application/jose"
        body = json.loads(decrypt(encrypted.get_data(), consumer_key).plaintext)
        assert body == plain.get_json()
        href = link(body, "next")
        pages += 1
        assert pages < 20
    assert pages >= 2, "the walk should span several pages"


def test_documented_decrypt_call_reads_a_full_page(auth_api, refs, token, consumer_key):
    """The exact call of docs/maskinporten.md on a full Transactions page (1000 transactions)."""
    party = auth_api.pid("lars")
    path, query, extra = bank_request("accounts", Refs(party, "", ""))
    listed = auth_api.ok(auth_api.call(BANK, path, query, {**VALID_HEADERS, **extra, "Authorization": token}))
    ref = {a["accountIdentifier"]: a["accountReference"] for a in listed["accounts"]}[auth_api.number("lars-salary")]
    response = auth_api.call(BANK, f"/accounts/{ref}/transactions", PERIOD,
                             {**VALID_HEADERS, **JOSE, "Authorization": token}, check=False)
    assert response.status_code == 200
    docs = (Path(__file__).resolve().parents[2] / "docs" / "maskinporten.md").read_text(encoding="utf-8")
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", docs, re.S) if "decrypt_compact" in block)
    scope = {"body": response.get_data(), "key": consumer_key}
    exec(snippet, scope)  # noqa: S102 - the documented snippet, run as a consumer would paste it
    assert len(json.loads(scope["plain"])["transactions"]) == 1000


@pytest.fixture(scope="module")
def error_requests(forge, targets):
    """Requests that fail at each layer, all with Accept: application/jose."""
    good = bearer(forge.token(targets["bank"]))
    return {
        "400-missing-PartyID": ("accounts", good, {"PartyID": ""}, 400, "ACC-001"),
        "401-no-token": ("accounts", None, {}, 401, "ACC-010"),
        "403-wrong-scope": ("details", bearer(forge.token(targets["bank"], scope="bits:kundeforhold")), {}, 403,
                            "ACC-011"),
        "404-forged-reference": ("forged", good, {}, 404, "ACC-002"),
    }


@pytest.mark.parametrize("case", ["400-missing-PartyID", "401-no-token", "403-wrong-scope", "404-forged-reference"])
def test_errors_are_never_encrypted(auth_api, refs, error_requests, case):
    endpoint, authorization, more, status, code = error_requests[case]
    if endpoint == "forged":
        headers = {**VALID_HEADERS, **JOSE, "Authorization": authorization}
        response = auth_api.call(BANK, f"/accounts/{refs.reference[:-4]}AAAA", PERIOD, headers, check=False)
    else:
        response = call_bank(auth_api, refs, endpoint, authorization, check=False, **JOSE, **more)
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json", "errors are plain JSON, never JWE (D4, D7)"
    body = response.get_json()
    assert_valid(BANK_ERROR_SCHEMA, body, f"{case} body")
    assert body["code"] in (code, "ACC-003") if status == 404 else body["code"] == code


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_405_is_never_encrypted(auth_api, refs, token, method):
    path, query, extra = bank_request("accounts", refs)
    response = auth_api.call(BANK, path, query, {**VALID_HEADERS, **extra, **JOSE, "Authorization": token},
                             method=method, check=False)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == "ACC-012"


@pytest.mark.parametrize("accept", ["text/xml", "application/xml", "text/html", "application/jwt"])
@pytest.mark.parametrize("endpoint", BANK_ENDPOINTS)
def test_unsupported_accept_with_a_valid_token_406_ACC_013(auth_api, refs, token, endpoint, accept):
    response = call_bank(auth_api, refs, endpoint, token, Accept=accept)  # validates the error body
    assert response.status_code == 406, response.data
    assert response.get_json()["code"] == "ACC-013"


@pytest.mark.parametrize("accept,encrypted", [
    ("application/jose", True),
    ("application/jose; charset=utf-8", True),
    ("application/json, application/jose", True),
    ("APPLICATION/JOSE", True),
    ("application/json", False),
    (None, False),
    ("*/*", False),
    ("text/xml, application/json", False),
], ids=lambda v: str(v))
def test_accept_chooses_jwe_or_json(auth_api, refs, token, accept, encrypted):
    path, query, _ = bank_request("details", refs)
    headers = {**VALID_HEADERS, "Authorization": token, **({"Accept": accept} if accept else {})}
    response = auth_api.call(BANK, path, query, headers, drop=() if accept else ("Accept",), check=False)
    assert response.status_code == 200, response.data
    assert response.mimetype == ("application/jose" if encrypted else "application/json")


def test_accept_with_jose_refused_by_q0_gives_json(auth_api, refs, token):
    response = call_bank(auth_api, refs, "details", token, check=False, Accept="application/jose;q=0, application/json")
    assert response.mimetype == "application/json"


def test_auth_off_encrypts_to_the_consumer_of_the_mandates_service(open_app, contract, refs, consumer_key):
    """With --auth off there is no token: the recipient is the scenario's consumer of the service (Skatt)."""
    api = BankApi(open_app.test_client(), open_app.extensions["dsop"].world, contract)
    plain = call_bank(api, refs, "details", None)
    encrypted = call_bank(api, refs, "details", None, check=False, **JOSE)
    assert encrypted.status_code == 200, encrypted.data
    assert encrypted.mimetype == "application/jose"
    assert decrypt(encrypted.get_data(), consumer_key).plaintext == plain.get_data()


def test_register_answers_are_plain_json_even_when_jose_is_asked_for(auth_app, forge, targets, refs):
    """KAR responses are plain JSON (spec/protocol.md §3.5, [OAS1])."""
    authorization = bearer(forge.token(targets["customerRelationships"]))
    response = call_register(auth_app.test_client(), refs, "customerRelationships", authorization, **JOSE)
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/json"
    assert "banks" in response.get_json()
