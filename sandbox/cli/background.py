"""A real sandbox server in a background thread of this process, on a free port (for `flow --scenario`, `export`
checks and the pytest plugin).

The socket is bound first (port 0: the OS picks a free port, no race), then the world is built with that base URL
as its public URL (the directory's URLs and every token audience depend on it), then werkzeug's threaded WSGI
server answers in a daemon thread. Clients talk plain HTTP to it, exactly as to `dsop-sandbox serve`. The
run-time state (used jti, request log, clock) lives in a temporary directory that `stop()` removes.

    with BackgroundServer("default") as server:
        print(server.base_url, server.world.today)
"""

from __future__ import annotations

import tempfile
import threading
from datetime import date

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no access log on stderr
        pass


def _not_ready(environ, start_response):  # pragma: no cover - replaced before serving starts
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class BackgroundServer:
    def __init__(self, scenario: str = "default", *, seed: str | None = None, today: date | None = None,
                 auth: bool = True, audit: bool = True, lenient: bool = False, allow_fault_headers: bool = False,
                 host: str = "127.0.0.1", profile: str | None = None):
        self.scenario, self.seed, self.today, self.host = scenario, seed, today, host
        self.options = {"auth": auth, "audit": audit, "lenient": lenient, "allow_fault_headers": allow_fault_headers,
                        "profile": profile}  # profile: strict|production for all (docs/compatibility.md)
        self.services = None
        self.base_url: str | None = None
        self.app = None
        self._server = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # ---- life cycle ------------------------------------------------------------------------------------
    def start(self) -> BackgroundServer:
        from sandbox.app import build_services, create_app
        from sandbox.config import Settings

        if self._server is not None:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="dsop-sandbox-")
        try:
            self._server = make_server(self.host, 0, _not_ready, threaded=True, request_handler=_QuietHandler)
            self.base_url = f"http://{self.host}:{self._server.server_port}"
            settings = Settings(scenario=self.scenario, seed=self.seed, today=self.today, public_url=self.base_url,
                                state_dir=self._tmp.name, **self.options)
            self.services = build_services(settings)
            self.app = create_app(settings, self.services)
            self._server.app = self.app
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=f"dsop-sandbox {self.base_url}", daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=10)
            self._server.server_close()
        self._server, self._thread = None, None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def state_dir(self) -> str | None:
        return self._tmp.name if self._tmp is not None else None

    # ---- what it serves ----------------------------------------------------------------------------------
    @property
    def world(self):
        return self.services.world

    @property
    def digest(self) -> str:
        return self.services.digest
