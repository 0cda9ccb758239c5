"""Issue 14, defect 4: an accountReference is matched exactly as issued.

- `/accounts/{ref}%2Ftransactions` is one path segment, the reference `{ref}/transactions`: never routed as the
  transactions endpoint (the server decodes the path before routing; sandbox/http_refusals.py routes on the raw
  request target). It is 404 ACC-002, an unknown reference.
- An altered copy of a reference — upper-cased, or with its dashes moved — is 404 ACC-002 (README: "an altered
  reference is 404").

The same requests through a real gunicorn server and --dev: tests/e2e/test_path_edges_e2e.py.
"""

from __future__ import annotations

import pytest

from tests.support import TEN_YEARS

Q = {"fromDate": TEN_YEARS[0], "toDate": TEN_YEARS[1]}


@pytest.fixture(scope="module")
def reference(api) -> str:
    return api.accounts("alpha", "ola")["accounts"][0]["accountReference"]


def _not_found(response) -> None:
    assert response.status_code == 404, (response.status_code, response.data[:300])
    assert response.get_json()["code"] == "ACC-002", response.data


def test_the_reference_itself_answers(api, reference):
    assert api.call("alpha", f"/accounts/{reference}/transactions", Q).status_code == 200
    assert api.call("alpha", f"/accounts/{reference}", Q).status_code == 200


@pytest.mark.parametrize("suffix", ["transactions", "cards", "roles", "owners"])
@pytest.mark.parametrize("slash", ["%2F", "%2f"])
def test_an_encoded_slash_is_part_of_the_reference(api, reference, suffix, slash):
    _not_found(api.call("alpha", f"/accounts/{reference}{slash}{suffix}", Q, check=False))


def test_an_encoded_slash_in_a_query_value_is_still_a_slash(api, reference):
    """Only the path is taken raw: a query value's %2F stays a "/" (here a malformed date, so 400 naming it)."""
    response = api.call("alpha", f"/accounts/{reference}?fromDate=2015%2F07%2F01&toDate={TEN_YEARS[1]}", check=False)
    assert response.status_code == 400 and "fromDate" in response.get_json()["message"]


def test_a_percent_encoded_letter_in_the_path_is_still_that_letter(api, reference):
    """Percent-decoding of everything but the slash is unchanged: %61 is `a`."""
    encoded = f"/accounts/{reference}/tr%61nsactions"
    response = api.call("alpha", encoded, Q, check=False)
    assert response.status_code == 200 and "transactions" in response.get_json(), response.data[:300]


@pytest.mark.parametrize("alter", [str.upper, lambda r: r[:7] + "-" + r[7] + r[9:]],
                         ids=["upper-case", "dash-moved"])
def test_an_altered_copy_of_a_reference_is_unknown(api, reference, alter):
    altered = alter(reference)
    assert altered != reference
    _not_found(api.call("alpha", f"/accounts/{altered}", Q, check=False))
    _not_found(api.call("alpha", f"/accounts/{altered}/transactions", Q, check=False))
