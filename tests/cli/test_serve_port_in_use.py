"""`dsop-sandbox serve` on a port another server holds: one clear line naming the port and the way out
(`--port`, `make run PORT=...`), exit 2, and no banner claiming it serves (issue 15: gunicorn used to print the
banner and then raw "Connection in use" lines)."""

from __future__ import annotations

import socket
import subprocess
import sys


def test_a_busy_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "sandbox.cli", "serve", "--scenario", "small", "--port",
                              str(port), "--state-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in run.stderr and f"--port {port + 1}" in run.stderr
    assert f"make run PORT={port + 1}" in run.stderr
    assert "serving" not in run.stdout and "Traceback" not in run.stderr


def test_a_free_port_is_free():
    from sandbox.cli.serve import port_in_use

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port_in_use("127.0.0.1", port) is None
    assert "cannot serve on" in port_in_use("no-such-host.invalid", port)
