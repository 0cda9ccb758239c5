"""`dsop-sandbox serve` says at start which profile the register and each bank answer with, and whether today
follows the real date (README "Strict and production", "--today real")."""

from __future__ import annotations

import gc

from flask import Flask

from sandbox.cli.main import build_parser
from sandbox.cli.serve import serve


def _banner(argv, capsys) -> list[str]:
    assert serve(build_parser().parse_args(["serve", "--scenario", "default", "--dev", *argv])) == 0
    return capsys.readouterr().out.splitlines()


def test_the_banner_names_the_profiles_and_a_following_today(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)  # --dev would serve here; the banner comes first
    monkeypatch.setattr(gc, "freeze", lambda: None)
    lines = _banner(["--state-dir", str(tmp_path / "a")], capsys)
    assert [line for line in lines if line.startswith("profiles")] == [
        "profiles      register strict, banks production: nordlys, others strict  (docs/compatibility.md)"]
    assert not any("follows the real date" in line for line in lines)
    lines = _banner(["--state-dir", str(tmp_path / "b"), "--profile", "production", "--today", "real"], capsys)
    assert any(line.startswith("profiles      register production, banks all production") for line in lines)
    assert "today         follows the real date while the server runs (--today real)" in lines
