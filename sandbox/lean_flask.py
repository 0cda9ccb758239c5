"""Flask minus the per-request work the sandbox never needs (issue 19, the per-request floor).

The stack itself (gunicorn, werkzeug, Flask) is the ceiling `make bench` measures the sandbox against, so what
Flask does per request counts twice. Three of its per-request steps give the same answer every time in this app,
so they are done once and kept (together a fifth of a details request's instructions, docs/performance.md):

- `ensure_sync`: Flask asks `inspect.iscoroutinefunction` about every hook and view on every request; the sandbox
  has no async functions and a function's answer never changes.
- Routing: Flask binds the URL map to each request's environ (host, script name, path, query) and walks werkzeug's
  state machine. In this app a successful match depends only on the method and the path: no host matching, no
  subdomains, only string converters. `RouteCache` keeps successful matches by (method, SCRIPT_NAME, PATH_INFO),
  bounded; a miss, and everything that is not a plain match (404, 405, redirects) go through werkzeug's own
  adapter, bound lazily, so every answer stays werkzeug's.
- Sessions: the sandbox has no secret key and no session; Flask's cookie session interface would parse nothing and
  hand out a new null session per request. `NullSessions` hands out the null session straight away.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import NullSession, SecureCookieSessionInterface

#: Distinct (method, path) matches kept per worker: the bank paths carry an account reference, so a crowd walk
#: keeps adding paths; past the limit the oldest half is dropped (a miss only costs werkzeug's own match).
ROUTE_CACHE_SIZE = 8192


class RouteCache:
    """Successful route matches by (method, SCRIPT_NAME, PATH_INFO): (rule, view_args)."""

    __slots__ = ("matches", "limit")

    def __init__(self, limit: int = ROUTE_CACHE_SIZE):
        self.matches: dict = {}
        self.limit = limit

    def get(self, key):
        return self.matches.get(key)

    def put(self, key, match) -> None:
        matches = self.matches
        if len(matches) >= self.limit:
            for old in list(matches)[: self.limit // 2]:
                del matches[old]
        matches[key] = match


class _LazyAdapter:
    """What Flask keeps as `ctx.url_adapter`: `match` answers from the route cache; anything else (a miss, url_for's
    `build`) binds werkzeug's adapter to the request first, exactly as Flask would have."""

    __slots__ = ("_app", "_request", "_bound")

    def __init__(self, app: SandboxFlask, request):
        self._app = app
        self._request = request
        self._bound = None

    def _real(self):
        if self._bound is None:
            self._bound = Flask.create_url_adapter(self._app, self._request)
        return self._bound

    def match(self, *args, return_rule: bool = False, **kwargs):
        if args or kwargs or not return_rule:  # not Flask's own call: no shortcut
            return self._real().match(*args, return_rule=return_rule, **kwargs)
        environ = self._request.environ
        key = (environ.get("REQUEST_METHOD"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"))
        routes = self._app.route_cache
        hit = routes.get(key)
        if hit is not None:
            rule, view_args = hit
            return rule, dict(view_args)  # a fresh dict: url value preprocessors may change it
        rule, view_args = self._real().match(return_rule=True)  # raises the 404/405/redirect as werkzeug does
        routes.put(key, (rule, dict(view_args)))
        return rule, view_args

    def __getattr__(self, name):
        return getattr(self._real(), name)


class NullSessions(SecureCookieSessionInterface):
    """No secret key, no session: one shared null session (it refuses every write, like Flask's)."""

    null = NullSession()

    def open_session(self, app, request):
        return None

    def make_null_session(self, app):
        return self.null


class SandboxFlask(Flask):
    """Flask with the route cache, the null sessions and `ensure_sync` asked once per function."""

    session_interface = NullSessions()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_of: dict = {}
        self.route_cache = RouteCache()

    def ensure_sync(self, func):
        try:
            return self._sync_of[func]
        except KeyError:
            sync = self._sync_of[func] = super().ensure_sync(func)
            return sync
        except TypeError:  # an unhashable callable: ask every time, as Flask does
            return super().ensure_sync(func)

    def create_url_adapter(self, request):
        if request is None or self.url_map.host_matching or self.subdomain_matching \
                or self.config["TRUSTED_HOSTS"] is not None:
            return super().create_url_adapter(request)
        return _LazyAdapter(self, request)
