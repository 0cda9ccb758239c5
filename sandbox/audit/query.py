"""Reading the request log: one implementation of its queries for both state stores (sandbox/state.py).

The SQLite log (sandbox/audit/log.py) and the PostgreSQL log (sandbox/audit/postgres.py) differ in how a row gets
into the `audit_log` table and in how "the order served" is spelled (SQLite: the row's `seq`, nanoseconds when it
was written, then `id`; PostgreSQL: `id`, drawn from one database sequence by every replica). Everything a reader
asks — filters, cursors, a case's rows, counts — is written once here against those two knobs, so the admin API
and the UI answer the same on either store.
"""

from __future__ import annotations

#: Query filter → column (the admin API's /sandbox/v1/requests parameters).
FILTERS = {"case": "case_id", "correlation_id": "correlation_id", "consumer": "consumer", "bank": "bank",
           "api": "api", "endpoint": "endpoint", "room": "room"}


def status_range(text: str) -> tuple[int, int]:
    """`500` → (500, 500); `5xx` → (500, 599); `error` → (400, 599); `ok` → (100, 399); `dropped` → (0, 0)."""
    text = text.strip().lower()
    named = {"error": (400, 599), "ok": (100, 399), "dropped": (0, 0)}
    if text in named:
        return named[text]
    if len(text) == 3 and text[0] in "12345" and text[1:] == "xx":
        return int(text[0]) * 100, int(text[0]) * 100 + 99
    if text.isdigit() and len(text) == 3:
        return int(text), int(text)
    raise ValueError("status must be a code (500), a class (5xx), error, ok or dropped")


class LogQueries:
    """The read side of the request log. A backend sets `mark` (its DB-API placeholder), `order` (the columns
    that sort rows in the order served), `select` (what a row is), and implements `sync()` (make every row
    written so far visible) and `_execute(sql, args)` (a cursor)."""

    mark = "?"
    order: tuple[str, ...] = ("seq", "id")
    select = "*"

    def sync(self, wait: bool = True) -> int:  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def _execute(self, sql: str, args):  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def _sorted(self, descending: bool = False) -> str:
        return ", ".join(f"{c}{' DESC' if descending else ''}" for c in self.order)

    def query(self, *, limit: int = 50, before: int | None = None, status: str | None = None, **filters) -> list[dict]:
        """Rows matching every filter, newest first; `before` (a row id) is the cursor of the next page."""
        where, args = self._where(filters, status)
        if before is not None and not self._cursor(where, args, "<", before):
            return []
        sql = f"SELECT {self.select} FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
        return self._rows(f"{sql} ORDER BY {self._sorted(True)} LIMIT {self.mark}", args + [limit])

    def case(self, case_id: str, *, limit: int = 1000, after: int | None = None) -> list[dict]:
        """Every request of one case (AccountInfoRequestID), across register and banks, in the order served."""
        where, args = [f"case_id = {self.mark}"], [case_id]
        if after is not None and not self._cursor(where, args, ">", after):
            return []
        sql = f"SELECT {self.select} FROM audit_log WHERE " + " AND ".join(where)
        return self._rows(f"{sql} ORDER BY {self._sorted()} LIMIT {self.mark}", args + [limit])

    def around(self, first_seq: int, last_seq: int, consumers: list[str], *, but_case: str | None = None,
               limit: int = 100_000) -> list[dict]:
        """Rows served between two `seq` values that are these consumers' (any API) or directory reads (which
        name no consumer), in served order, leaving out case `but_case`'s own: the context the conformance
        grader reads around a case."""
        m = self.mark
        who = (f"api = 'directory' OR consumer IN ({', '.join([m] * len(consumers))})" if consumers
               else "api = 'directory'")
        sql = (f"SELECT {self.select} FROM audit_log WHERE {self.order[0]} BETWEEN {m} AND {m} AND ({who}) "
               f"AND (case_id IS NULL OR case_id != {m}) ORDER BY {self._sorted()} LIMIT {m}")
        return self._rows(sql, [first_seq, last_seq, *consumers, but_case or "", limit])

    def by_room(self) -> dict[str, dict]:
        """Per workshop room (sandbox/rooms.py): requests, errors (4xx/5xx, dropped), cases, and the last request
        (the presenter board)."""
        self.sync()
        out = {room: {"requests": n, "errors": errors or 0, "cases": cases} for room, n, errors, cases in self._execute(
            "SELECT room, count(*), sum(CASE WHEN status >= 400 OR status = 0 THEN 1 ELSE 0 END), "
            "count(DISTINCT case_id) FROM audit_log WHERE room IS NOT NULL GROUP BY room", ()).fetchall()}
        for room, summary in out.items():
            last = self._rows(f"SELECT {self.select} FROM audit_log WHERE room = {self.mark} "
                              f"ORDER BY {self._sorted(True)} LIMIT 1", [room])
            summary["last"] = last[0] if last else None
        return out

    def _cursor(self, where: list, args: list, op: str, row_id: int) -> bool:
        """Rows before/after the row `row_id` in served order; False if that row is not in the log."""
        columns = ", ".join(self.order)
        found = self._execute(f"SELECT {columns} FROM audit_log WHERE id = {self.mark}", (row_id,)).fetchone()
        if found is None:
            return False
        where.append(f"({columns}) {op} ({', '.join([self.mark] * len(self.order))})")
        args.extend(found)
        return True

    def last_id(self) -> int:
        """The id of the row written (imported) last: it changes whenever the log got new rows."""
        self.sync()
        return self._execute("SELECT coalesce(max(id), 0) FROM audit_log", ()).fetchone()[0]

    def get(self, row_id: int) -> dict | None:
        rows = self._rows(f"SELECT {self.select} FROM audit_log WHERE id = {self.mark}", [row_id])
        return rows[0] if rows else None

    def count(self) -> int:
        self.sync()
        return self._execute("SELECT count(*) FROM audit_log", ()).fetchone()[0]

    def clear(self) -> int:
        self.sync()
        return self._execute("DELETE FROM audit_log", ()).rowcount

    def _where(self, filters: dict, status: str | None) -> tuple[list[str], list]:
        where, args = [], []
        for key, value in filters.items():
            if value is None:
                continue
            if key not in FILTERS:
                raise ValueError(f"unknown filter {key}")
            values = value if isinstance(value, (list, tuple)) else [value]
            where.append(f"{FILTERS[key]} IN ({', '.join([self.mark] * len(values))})")
            args.extend(values)
        if status:
            low, high = status_range(status)
            where.append(f"status BETWEEN {self.mark} AND {self.mark}")
            args += [low, high]
        return where, args

    def _rows(self, sql: str, args: list) -> list[dict]:
        self.sync()
        cur = self._execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
