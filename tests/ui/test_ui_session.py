"""The workshop UI's session cookie never carries the admin token itself (issue 14, defect 6): it holds a value
derived from it with a per-server key, checked in constant time; login and logout still work."""

from __future__ import annotations

import pytest

from sandbox.app import build_services, create_app
from sandbox.config import Settings
from sandbox.ui import access

TOKEN = "s3cret-admin-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    settings = Settings(scenario="small", state_dir=str(tmp_path_factory.mktemp("ui-session")), admin_token=TOKEN)
    return create_app(settings, build_services(settings))


def _cookie(response) -> str:
    header = response.headers["Set-Cookie"]
    name, _, rest = header.partition("=")
    assert name == access.COOKIE
    return rest.split(";", 1)[0]


def test_the_cookie_does_not_reveal_the_admin_token(app):
    client = app.test_client()
    response = client.post("/login", data={"token": TOKEN, "next": "/traffic"})
    assert response.status_code == 302 and response.headers["Location"] == "/traffic"
    value = _cookie(response)
    assert value and value != TOKEN and TOKEN not in value
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
    assert client.get("/traffic").status_code == 200  # logged in through the derived value
    client.post("/logout")
    assert client.get("/traffic").status_code == 302  # logged out


def test_the_token_itself_is_not_a_session(app):
    """A cookie holding the raw admin token (what the UI used to set) is no session: only the derived value is."""
    client = app.test_client()
    client.set_cookie(access.COOKIE, TOKEN)
    assert client.get("/traffic").status_code == 302
    client.set_cookie(access.COOKIE, "0" * 64)
    assert client.get("/traffic").status_code == 302


def test_session_value_is_bound_to_the_token_and_the_server_key(app):
    settings = app.extensions["dsop"].settings
    value = access.session_value(settings)
    assert access.allowed(settings, value) and not access.allowed(settings, value[:-1] + "x")
    other = Settings(scenario="small", admin_token=TOKEN + "-other")
    assert access.session_value(other) != value  # another admin token, another session value
    assert access.token_matches(settings, TOKEN) and not access.token_matches(settings, TOKEN + "x")
