"""Real consumers' request flows, recorded request for request from their public code, replayed against a real
server by tests/e2e (DESIGN D22: real consumer code must complete a whole case unmodified under `production`)."""
