"""The workshop UI at `/` (issue 7): views.py (the blueprint), model.py, timeline.py, runner.py, traffic.py,
tokens.py and access.py (plain Python), templates/ and static/ (no build step, no CDN)."""
