"""The request log's columns: one home for the SQLite store (sandbox/audit/log.py), the PostgreSQL store
(postgres.py) and the row (row.py), which starts from `BLANK_ROW` so that every row holds every column."""

from __future__ import annotations

from operator import itemgetter

#: The request log's columns and their SQLite types, in the order of a journal line. Adding a column is one line
#: here: both stores' tables (sandbox/audit/log.py's and postgres.py's), the journal and the import follow, and
#: a table an earlier version made gets the column when the server starts (`_add_missing_columns`).
FIELDS = (
    ("time", "TEXT NOT NULL"), ("sandbox_date", "TEXT"), ("api", "TEXT NOT NULL"), ("bank", "TEXT"),
    ("method", "TEXT NOT NULL"), ("endpoint", "TEXT"), ("path", "TEXT NOT NULL"), ("status", "INTEGER NOT NULL"),
    ("error_code", "TEXT"), ("consumer", "TEXT"), ("supplier", "TEXT"), ("scope", "TEXT"), ("service", "TEXT"),
    ("correlation_id", "TEXT"), ("case_id", "TEXT"), ("legal_mandate", "TEXT"),
    ("additional_reference_id_type", "TEXT"), ("additional_reference_id", "TEXT"), ("requester_id", "TEXT"),
    ("party", "TEXT"), ("account_reference", "TEXT"), ("from_date", "TEXT"), ("to_date", "TEXT"), ("page", "TEXT"),
    ("result_count", "INTEGER"), ("response_status", "TEXT"), ("fault", "TEXT"), ("latency_ms", "REAL NOT NULL"),
    ("worker", "INTEGER"),
    # added later (an older journal line, without them, is imported with them empty): the conformance grader's
    # (sandbox/conformance) and the workshop room (sandbox/rooms.py)
    ("token_id", "TEXT"), ("token_exp", "INTEGER"), ("audience", "TEXT"), ("accept", "TEXT"),
    ("retry_after", "TEXT"), ("next_page", "TEXT"), ("room", "TEXT"),
)
COLUMNS = tuple(name for name, _ in FIELDS)
BASE_WIDTH = 30  # a journal line of the first release: seq + its 29 columns
ADDED = dict(FIELDS[BASE_WIDTH - 1:])  # the columns added since, which older journal lines and tables lack

#: A row with every column empty: build_row starts from it (so `row_values` finds every key).
BLANK_ROW = dict.fromkeys(COLUMNS)
_VALUES = itemgetter(*COLUMNS)


def row_values(row: dict) -> tuple:
    """The row's values in COLUMNS order (None for a column it lacks): one itemgetter call in C for a row of
    build_row's, which holds every column; a row built elsewhere (a test, a tool) may lack some."""
    try:
        return _VALUES(row)
    except KeyError:
        return tuple(map(row.get, COLUMNS))
