"""The request log: every API request, in the order served, across workers (README "Request log").

log.py: the SQLite store and the Flask hook that writes a row per request; journal.py: each worker's append-only
file the hook writes to (no lock on the hot path); row.py: what a row holds, read from the request and the
answer; views.py: the admin API over the log (`/sandbox/v1/requests`, `/sandbox/v1/cases/{id}`)."""
