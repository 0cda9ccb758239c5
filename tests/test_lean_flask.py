"""sandbox/lean_flask.py: the route cache answers exactly what werkzeug's own match answers, misses and refusals go
through werkzeug, url_for still builds, and the cache stays bounded."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.test import EnvironBuilder

from sandbox.lean_flask import RouteCache, SandboxFlask


def _app(cls=SandboxFlask) -> Flask:
    app = cls("lean-test")
    app.url_map.merge_slashes = False

    @app.get("/banks/<orgnr>/v2/accounts/<reference>")
    def show(orgnr, reference):
        return {"orgnr": orgnr, "reference": reference, "self": url_for("show", orgnr=orgnr, reference=reference)}

    @app.route("/things/", methods=["GET", "POST"])
    def things():
        return {"ok": True}

    return app


PATHS = ["/banks/320907063/v2/accounts/abc", "/banks/320907063/v2/accounts/abc%2Fdef", "/banks/x/v2/accounts/",
         "/things/", "/things", "/nothing", "/banks//v2/accounts/abc", "/banks/1/v2/accounts/%C3%B8"]


def _outcome(app: Flask, method: str, path: str):
    environ = EnvironBuilder(path=path, method=method).get_environ()
    with app.request_context(environ):
        adapter = app.create_url_adapter(app.request_class(environ))
        try:
            rule, args = adapter.match(return_rule=True)
            return "match", rule.rule, rule.endpoint, args
        except Exception as exc:  # noqa: BLE001 - the refusal is the outcome compared
            return type(exc).__name__, getattr(exc, "code", None), sorted(getattr(exc, "valid_methods", None) or [])


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "HEAD"])
def test_cached_matches_and_refusals_are_werkzeugs(method):
    lean, plain = _app(), _app(Flask)
    for _ in range(2):  # the second round answers the matches from the cache
        for path in PATHS:
            assert _outcome(lean, method, path) == _outcome(plain, method, path), (method, path)
    cached = set(lean.route_cache.matches)
    assert all(key[0] == method for key in cached), "only successful matches are kept"
    assert bool(cached) == (method != "DELETE"), "DELETE matches no route: nothing to keep"
    assert ("GET", "", "/nothing") not in cached


def test_whole_requests_answer_the_same_through_the_cache():
    lean, plain = _app().test_client(), _app(Flask).test_client()
    for _ in range(2):
        for path in PATHS:
            for method in ("GET", "POST"):
                a, b = lean.open(path, method=method), plain.open(path, method=method)
                assert (a.status_code, a.data, a.headers.get("Location"), a.headers.get("Allow")) == \
                       (b.status_code, b.data, b.headers.get("Location"), b.headers.get("Allow")), (method, path)


def test_view_args_are_a_fresh_dict_per_request():
    app = _app()

    @app.url_value_preprocessor
    def take_orgnr(endpoint, values):
        if values:
            values.pop("orgnr", None)  # a preprocessor that changes view_args must not change the cache

    client = app.test_client()
    app.view_functions["show"] = lambda reference, orgnr="gone": {"orgnr": orgnr, "reference": reference}
    for _ in range(3):
        assert client.get("/banks/1/v2/accounts/r").json == {"orgnr": "gone", "reference": "r"}
    (_, args), = app.route_cache.matches.values()
    assert args == {"orgnr": "1", "reference": "r"}


def test_the_cache_is_bounded_and_keeps_the_newest():
    cache = RouteCache(limit=10)
    for i in range(25):
        cache.put(("GET", "", f"/p{i}"), (None, {}))
        assert len(cache.matches) <= 10
    assert cache.get(("GET", "", "/p24")) is not None and cache.get(("GET", "", "/p0")) is None


def test_sessions_are_null_and_refuse_writes():
    app = _app()

    @app.get("/write")
    def write():
        from flask import session

        session["x"] = 1
        return {}

    assert app.test_client().get("/write").status_code == 500  # Flask's own refusal: no secret key


def test_a_sandbox_app_routes_every_api_path_as_before(make_app):
    app = make_app()
    client = app.test_client()
    for path, status in (("/banks/999999999/v2/accounts", 404), ("/health", 200), ("/nothing/here", 404)):
        for _ in range(2):
            assert client.get(path).status_code == status, path
    assert client.post("/health").status_code == 405
