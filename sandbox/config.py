"""Server settings: one frozen object built by the CLI (or tests) and handed to create_app."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date


def bank_base_url(public_url: str, org_number: str) -> str:
    """A bank's base URL: what the directory lists and what its tokens carry as `aud` (one spelling for both)."""
    return f"{public_url.rstrip('/')}/banks/{org_number}/v2"


def default_state_dir(scenario: str = "default", seed: str | None = None, port: int | None = None) -> str:
    """Where `serve` keeps its state (request log, clock, used jti) when no --state-dir is given: one directory per
    scenario, seed and port under $XDG_STATE_HOME/dsop-sandbox (else ~/.local/state/dsop-sandbox), so two servers
    started side by side never share a request log or a clock, and a restarted server finds its own again."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", os.path.splitext(os.path.basename(str(scenario)))[0]).strip("-.") or "scenario"
    parts = [stem] + ([f"seed-{re.sub(r'[^A-Za-z0-9_.-]+', '-', str(seed))[:40]}"] if seed is not None else []) \
        + ([f"port-{port}"] if port is not None else [])
    home = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(home, "dsop-sandbox", "-".join(parts))


@dataclass(frozen=True)
class Settings:
    scenario: str = "default"  # a file path or a shipped scenario's name
    seed: str | None = None
    today: date | str | None = None  # a date, or "real" (sandbox/clock.py: the real date, followed); None: the scenario's
    public_url: str = "http://127.0.0.1:8000"
    lenient: bool = False  # D8: default missing fromDate/toDate to today
    page_size: int = 1000  # D6
    body_cache_mb: int = 64  # per worker: rendered bank bodies kept for repeated requests (sandbox/bank/body_cache.py)
    nav_v1: bool = False  # spec/services.md Q20: accept NAV's v1 mandate (all five endpoints); NAV has no v2 rules
    auth: bool = True  # D11: token checks on; `--auth off` for beginners (responses then say `Sandbox-Auth: off`)
    state_dir: str | None = None  # shared run-time state (used jti, ...); None = a fresh temporary directory
    state_url: str | None = None  # postgresql://... for replicas sharing one database (sandbox/stores.py); wins over state_dir
    audit: bool = True  # log every API request in the state store (sandbox/audit/log.py); --no-audit turns it off
    audit_keep: int = 500_000  # rows the request log keeps, the oldest dropped first (~0.5 kB each); 0 = all
    admin_token: str | None = None  # when set, /sandbox/v1/* needs it (sandbox/admin/guard.py)
    allow_fault_headers: bool = False  # honour Sandbox-Fault / Sandbox-Delay request headers (sandbox/faults.py)
    profile: str | None = None  # strict|production for the register and every bank (D22); None: the scenario's
    maskinporten_aliases: tuple[str, ...] = ()  # more accepted client-assertion `aud` values (--maskinporten-alias)
    token_shortcut: str | None = None  # "on"/"off" (--token-shortcut); None: on unless admin_token is set
    world_mode: str = "auto"  # the crowd eager/lazy/auto (--world; sandbox/world/lazy.py): auto = lazy from 200k members
