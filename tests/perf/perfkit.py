"""Plumbing of the benchmarks: servers in subprocesses, plain HTTP, wrk runs, tokens, process memory.

Nothing here knows the DSOP APIs; bench.py decides what to ask.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
CLI = BIN / "dsop-sandbox"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- HTTP ----------------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def fetch(port: int, target: str, headers: dict | None = None, timeout: float = 60) -> Reply:
    """GET http://127.0.0.1:port{target}; the time covers connect, request and reading the whole body."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", target, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, time.perf_counter() - started)
    finally:
        conn.close()


# ---- servers -------------------------------------------------------------------------------------------
class Server:
    """A server in a subprocess (its own process group), ready once `ready_path` answers anything."""

    def __init__(self, name: str, argv: list[str], port: int, ready_path: str, log_dir: Path, timeout: float = 600):
        self.name, self.port = name, port
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = started + timeout
        while True:
            try:
                fetch(port, ready_path, timeout=2)
                break
            except OSError as err:
                if self.proc.poll() is not None or time.perf_counter() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} did not start; its output:\n{self.log_path.read_text()[-3000:]}") from err
                time.sleep(0.1)
        self.startup_seconds = time.perf_counter() - started

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(x) for x in text.split()]

    def memory(self) -> dict:
        """VmRSS and VmHWM (kB) of the master and each worker."""
        out = {"master": proc_status(self.proc.pid)}
        for n, pid in enumerate(self.workers()):
            out[f"worker{n + 1}"] = proc_status(pid)
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def proc_status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                key = line.split(":")[0]
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(line.split()[1])
    except OSError:
        pass
    return out


# ---- CPU accounting: how much of the machine went to something other than the servers and wrk ---------------
TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores; idle and iowait excluded)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def process_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


# ---- the dsop-sandbox command line ------------------------------------------------------------------------
def cli_options(*command: str) -> set[str]:
    """The long options `dsop-sandbox COMMAND --help` lists (empty if the command does not exist)."""
    result = subprocess.run([str(CLI), *command, "--help"], capture_output=True, text=True)
    if result.returncode != 0:
        return set()
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", result.stdout))


def _token_from(stdout: str) -> str | None:
    text = stdout.strip()
    if not text:
        return None
    try:
        doc = json.loads(text)
        if isinstance(doc, dict):
            text = doc.get("access_token") or doc.get("token") or ""
    except ValueError:
        text = text.splitlines()[-1].strip()
        if text.lower().startswith("bearer "):
            text = text[7:]
    return text if text.count(".") == 2 else None


def mint_token(consumer: str, scope: str, audience_args: list[str], scenario: str, public_url: str,
               options: set[str]) -> tuple[str | None, str]:
    """Run `dsop-sandbox token`; (token or None, the command line or its error)."""
    cmd = [str(CLI), "token", "--consumer", consumer, "--scope", scope, "--ttl", "3600", *audience_args]
    if "--scenario" in options:
        cmd += ["--scenario", scenario]
    if "--public-url" in options:
        cmd += ["--public-url", public_url]
    result = subprocess.run(cmd, capture_output=True, text=True)
    shown = " ".join(cmd[1:])
    if result.returncode != 0:
        return None, f"{shown}: exit {result.returncode}: {result.stderr.strip()[-300:]}"
    token = _token_from(result.stdout)
    return token, shown if token else f"{shown}: no token in its output"


# ---- wrk -------------------------------------------------------------------------------------------------
#: wrk's `done` hook of every script here (%-formatted with them, hence `%%`): one WRKJSON line that run_wrk parses.
LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""

LUA = r"""
-- Generated by tests/perf/perfkit.py: one URL, fixed headers, a fresh CorrelationID per request.
local path = [==[%(path)s]==]
local headers = %(headers)s
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

request = function()
  counter = counter + 1
  headers["CorrelationID"] = string.format("%%08x-0000-4000-8000-%%012x", thread_no or 0, counter)
  return wrk.format("GET", path, headers)
end

""" + LUA_DONE


def lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def wrk_script(path: str, headers: dict) -> str:
    table = "{" + ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()) + "}"
    return LUA % {"path": path, "headers": table}


def run_wrk(wrk: str, port: int, path: str, headers: dict, seconds: float, connections: int,
            threads: int, server_pids: list[int] | None = None, script: str | None = None) -> dict:
    """One wrk run; its JSON summary plus requests/s, the load tool's own CPU use and, given the server's
    pids, the server's CPU use and what the rest of the machine used meanwhile (shares of one core). `script`: a
    wrk Lua script of its own (it must print the WRKJSON line), else one URL with fixed headers (wrk_script)."""
    pids = server_pids or []
    machine0, server0 = machine_busy_seconds(), process_cpu_seconds(pids)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script if script is not None else wrk_script(path, headers))
        script = f.name
    try:
        cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", script, f"http://127.0.0.1:{port}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out, err = proc.stdout, proc.stderr
    finally:
        os.unlink(script)
    line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {proc.returncode}): {err.strip()[-500:]}")
    result = json.loads(line[len("WRKJSON "):])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    seconds_run = result["duration_us"] / 1e6
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["tool_cpu_share"] = cpu / seconds_run
    if pids:
        server = process_cpu_seconds(pids) - server0
        result["server_cpu_share"] = server / seconds_run
        result["other_cpu_share"] = max(0.0, machine_busy_seconds() - machine0 - server - cpu) / seconds_run
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median requests/s (the lower middle one of an even count): a real run to show, and never
    the best one, which would flatter whichever side had the quieter spell."""
    ranked = sorted(runs, key=lambda r: r["rps"])
    return ranked[(len(ranked) - 1) // 2]
