"""Server settings: one frozen object built by the CLI (or tests) and handed to create_app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date


def bank_base_url(public_url: str, org_number: str) -> str:
    """A bank's base URL: what the directory lists and what its tokens carry as `aud` (one spelling for both)."""
    return f"{public_url.rstrip('/')}/banks/{org_number}/v2"


def default_state_dir() -> str:
    """Where `serve` keeps its state (audit log, clock, used jti): $XDG_STATE_HOME/dsop-sandbox, else
    ~/.local/state/dsop-sandbox."""
    return os.path.join(os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "dsop-sandbox")


@dataclass(frozen=True)
class Settings:
    scenario: str = "default"  # a file path or a shipped scenario's name
    seed: str | None = None
    today: date | None = None
    public_url: str = "http://127.0.0.1:8000"
    lenient: bool = False  # D8: default missing fromDate/toDate to today
    page_size: int = 1000  # D6
    body_cache_mb: int = 64  # per worker: rendered bank bodies kept for repeated requests (sandbox/bank/body_cache.py)
    nav_v1: bool = False  # spec/services.md Q20: accept NAV's v1 mandate (all five endpoints); NAV has no v2 rules
    auth: bool = True  # D11: token checks on; `--auth off` for beginners (responses then say `Sandbox-Auth: off`)
    state_dir: str | None = None  # shared run-time state (used jti, ...); None = a fresh temporary directory
    audit: bool = True  # log every API request in the state store (sandbox/audit.py); --no-audit turns it off
    audit_keep: int = 500_000  # rows the request log keeps, the oldest dropped first (~0.5 kB each); 0 = all
    admin_token: str | None = None  # when set, /sandbox/v1/* needs it (sandbox/admin/guard.py)
    allow_fault_headers: bool = False  # honour Sandbox-Fault / Sandbox-Delay request headers (sandbox/faults.py)
    maskinporten_aliases: tuple[str, ...] = ()  # more accepted client-assertion `aud` values (--maskinporten-alias)
    token_shortcut: str | None = None  # "on"/"off" (--token-shortcut); None: on unless admin_token is set
