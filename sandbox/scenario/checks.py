"""Checks that need the whole file: unique ids, references between entities, and the order of dates.

The schema checks each value on its own; these checks see relations (an account owned by an unknown person,
a role that ends before it starts, a closure before the opening). Each problem carries the document path of
the value at fault, so the loader can name its line.
"""

from __future__ import annotations

from datetime import date

from .dates import DateExpr

Path = tuple


class _Checker:
    def __init__(self, data: dict, today: date):
        self.data = data
        self.today = today
        self.problems: list[tuple[Path, str]] = []

    def add(self, path: Path, message: str) -> None:
        self.problems.append((tuple(path), message))

    def d(self, expr: DateExpr | None) -> date | None:
        return expr.resolve(self.today) if expr is not None else None

    def unique(self, kind: str, items: list[dict], key: str, seen: dict | None = None) -> dict:
        seen = {} if seen is None else seen
        for i, item in enumerate(items):
            value = item.get(key)
            if value is None:
                continue
            if key == "id" and str(value).startswith("gen-"):
                self.add((kind, i, key), f"ids starting with 'gen-' are reserved for the generated crowd ('{value}')")
            if value in seen:
                self.add((kind, i, key), f"'{value}' is used twice (first at {seen[value][0]}[{seen[value][1]}])")
            else:
                seen[value] = (kind, i)
        return seen

    def order(self, path: Path, start: DateExpr | None, end: DateExpr | None, what: str) -> None:
        s, e = self.d(start), self.d(end)
        if s and e and e < s:
            self.add(path, f"{what} ends ({e}) before it starts ({s})")

    def ref(self, path: Path, value: str | None, known, kind: str) -> bool:
        if value is not None and value not in known:
            self.add(path, f"unknown {kind} '{value}'")
            return False
        return value is not None

    def run(self) -> list[tuple[Path, str]]:
        data = self.data
        banks = self.unique("banks", data["banks"], "id")
        self.unique("banks", data["banks"], "org_number")
        regs: dict[str, tuple] = {}
        for i, bank in enumerate(data["banks"]):
            for j, reg in enumerate(bank.get("registration_numbers") or []):
                if reg in regs:
                    self.add(("banks", i, "registration_numbers", j), f"registration number {reg} also belongs to bank '{regs[reg]}'")
                regs[reg] = bank["id"]
        self.unique("consumers", data["consumers"], "id")
        parties = self.unique("people", data["people"], "id")
        self.unique("organisations", data["organisations"], "id", seen=parties)
        people = {p["id"] for p in data["people"]}
        self.unique("people", data["people"], "national_id")
        self.unique("organisations", data["organisations"], "org_number")
        for i, person in enumerate(data["people"]):
            self.person(i, person)
        accounts = {}
        self.unique("accounts", data["accounts"], "id", seen=accounts)
        self.unique("accounts", data["accounts"], "number")
        for i, account in enumerate(data["accounts"]):
            self.account(i, account, banks, parties)
        for i, g in enumerate(data["guardianships"]):
            self.ref(("guardianships", i, "guardian"), g["guardian"], people, "person")
            self.ref(("guardianships", i, "ward"), g["ward"], people, "person")
            if g["guardian"] == g["ward"]:
                self.add(("guardianships", i, "guardian"), "a person cannot be their own guardian")
            self.order(("guardianships", i, "to"), g.get("from_"), g.get("to"), "the guardianship")
        self.events(accounts, parties)
        gen = data.get("generate") or {}
        for kind in ("people", "organisations"):
            for j, bank in enumerate((gen.get(kind) or {}).get("banks") or []):
                self.ref(("generate", kind, "banks", j), bank, banks, "bank")
        self.crowd_room(gen)
        self.faults(banks, parties)
        return self.problems

    def crowd_room(self, gen: dict) -> None:
        """The crowd's accounts fit its banks' registration numbers (sandbox/world/numbers.py: 900 000 numbers
        each, 4:1 between people and organisations where both use one; every possible account slot counts)."""
        regs = {b["id"]: b.get("registration_numbers") or ["generated"] for b in self.data["banks"]}
        kinds = {k: gen.get(k) or {} for k in ("people", "organisations")}
        used = {k: {(b, r) for b in (spec.get("banks") or list(regs)) if b in regs for r in regs[b]}
                for k, spec in kinds.items()}
        shared = used["people"] & used["organisations"]
        room = {"people": 900_000 * len(used["people"]) - 180_000 * len(shared),
                "organisations": 900_000 * len(used["organisations"]) - 720_000 * len(shared)}
        for kind, key, high in (("people", "accounts_per_person", 4), ("organisations", "accounts_per_organisation", 5)):
            spec = kinds[kind]
            high = (spec.get(key) or (1, high))[1]
            if spec.get("count", 0) * high > room[kind]:
                self.add(("generate", kind, "count"),
                         f"{spec['count']} {kind} with up to {high} accounts need {spec['count'] * high} account "
                         f"numbers; their banks' registration numbers hold {room[kind]} (900 000 each, shared 4:1 "
                         "between people and organisations): add registration_numbers to the banks")

    def faults(self, banks: dict, parties: dict) -> None:
        """The `faults:` section (sandbox/faults.py): banks and parties exist, outage windows run forwards."""
        for i, fault in enumerate(self.data.get("faults") or []):
            self.ref(("faults", i, "bank"), fault.get("bank"), banks, "bank")
            for j, party in enumerate(fault.get("stale_for") or []):
                self.ref(("faults", i, "stale_for", j), party, parties, "party")
            for j, outage in enumerate(fault.get("outages") or []):
                self.order(("faults", i, "outages", j, "to"), outage.get("from_"), outage.get("to"), "the outage")

    def person(self, i: int, person: dict) -> None:
        birth, death = self.d(person.get("birth_date")), self.d(person.get("death_date"))
        if birth and birth > self.today:
            self.add(("people", i, "birth_date"), f"birth date {birth} is after today ({self.today})")
        if death and death > self.today:
            self.add(("people", i, "death_date"), f"death date {death} is after today ({self.today})")
        if birth and death and death < birth:
            self.add(("people", i, "death_date"), f"death date {death} is before the birth date {birth}")
        if person.get("national_id"):
            from sandbox import ids

            parsed = ids.parse_person_number(person["national_id"])
            if parsed.d_number != person.get("d_number", False):
                expected = "a D-number" if person.get("d_number") else "an ordinary person number"
                self.add(("people", i, "national_id"), f"expected {expected} (d_number is {person.get('d_number', False)})")
            if birth and parsed.birth_date != birth:
                self.add(("people", i, "national_id"), f"encodes birth date {parsed.birth_date}, but birth_date is {birth}")

    def account(self, i: int, acc: dict, banks: dict, parties: dict) -> None:
        base = ("accounts", i)
        if self.ref(base + ("bank",), acc["bank"], banks, "bank") and acc.get("number"):
            bank = self.data["banks"][banks[acc["bank"]][1]]
            regs = bank.get("registration_numbers")
            if regs and acc["number"][:4] not in regs:
                self.add(base + ("number",), f"starts with {acc['number'][:4]}, not a registration number of bank '{bank['id']}' ({', '.join(regs)})")
        self.order(base + ("closed",), acc.get("opened"), acc.get("closed"), "the account")
        opened = self.d(acc.get("opened"))
        closed = self.d(acc.get("closed"))
        if opened and opened > self.today:
            self.add(base + ("opened",), f"opening date {opened} is after today ({self.today})")
        if closed and closed > self.today:
            self.add(base + ("closed",), f"closing date {closed} is after today ({self.today}): close it with a later today")
        for list_name in ("owners", "roles", "co_borrowers", "guarantors"):
            for j, item in enumerate(acc.get(list_name) or []):
                path = base + (list_name, j)
                self.ref(path + ("party",), item["party"], parties, "party")
                self.order(path + ("to",), item.get("from_"), item.get("to"), f"this {list_name[:-1].replace('_', '-')} period")
                start = self.d(item.get("from_"))
                if start and opened and start < opened:
                    self.add(path + ("from",), f"starts ({start}) before the account was opened ({opened})")
                if start and closed and start > closed and not self._reopened(acc):
                    self.add(path + ("from",), f"starts ({start}) after the account was closed ({closed})")
        # Compare every pair of primary periods, whatever order the file lists them in.
        primaries = [(j, self.d(o.get("from_")) or opened or date.min, self.d(o.get("to")) or date.max)
                     for j, o in enumerate(acc["owners"]) if o.get("primary")]
        for n, (j2, start2, end2) in enumerate(primaries):
            for j1, start1, end1 in primaries[:n]:
                if start1 <= end2 and start2 <= end1:
                    self.add(base + ("owners", j2, "primary"), f"two primary owners at once (owners[{j1}] and owners[{j2}] overlap)")
                    break
        cards = set()
        for j, card in enumerate(acc.get("cards") or []):
            if card["id"] in cards:
                self.add(base + ("cards", j, "id"), f"card id '{card['id']}' is used twice on this account")
            cards.add(card["id"])
            self.ref(base + ("cards", j, "holder"), card["holder"], parties, "party")
            self.order(base + ("cards", j, "expires"), card.get("issued"), card.get("expires"), "the card")
        cards |= {ev.get("card") for ev in self.data["events"]
                  if ev["type"] == "issue_card" and ev.get("account") == acc["id"]}  # a card issued by the timeline
        for j, tx in enumerate(acc.get("transactions") or []):
            if tx.get("card") and tx["card"] not in cards:
                self.add(base + ("transactions", j, "card"), f"unknown card '{tx['card']}' on this account")
        for j, part in enumerate(acc.get("partial") or []):
            self.order(base + ("partial", j, "to"), part.get("from_"), part.get("to"), "the partial period")

    def _reopened(self, acc: dict) -> bool:
        return any(e["type"] == "reopen" and e.get("account") == acc["id"] for e in self.data["events"])

    def events(self, accounts: dict, parties: dict) -> None:
        acc_by_id = {a["id"]: a for a in self.data["accounts"]}
        issued = {a["id"]: {c["id"] for c in a.get("cards") or []} for a in self.data["accounts"]}
        order = sorted(range(len(self.data["events"])), key=lambda i: self.d(self.data["events"][i]["date"]))
        for i in order:
            ev = self.data["events"][i]
            path = ("events", i)
            when = self.d(ev["date"])
            if when > self.today:
                self.add(path + ("date",), f"event date {when} is after today ({self.today})")
            ok_acc = self.ref(path + ("account",), ev.get("account"), accounts, "account")
            self.ref(path + ("party",), ev.get("party"), parties, "party")
            self.ref(path + ("holder",), ev.get("holder"), parties, "party")
            if ev["type"] in ("death",) and ev.get("party") in parties and ev["party"] not in {p["id"] for p in self.data["people"]}:
                self.add(path + ("party",), "only a person can die")
            if ok_acc:
                acc = acc_by_id[ev["account"]]
                opened = self.d(acc["opened"])
                if when < opened:
                    self.add(path + ("date",), f"'{ev['type']}' on {when}, before account '{acc['id']}' was opened ({opened})")
                elif when == opened and ev["type"] in ("open", "reopen"):
                    self.add(path + ("date",), f"'{ev['type']}' on {when}, the day account '{acc['id']}' was opened: reopen after a close")
                if ev["type"] == "issue_card":
                    issued[acc["id"]].add(ev["card"])
                if ev["type"] == "block_card" and ev.get("card") not in issued[acc["id"]]:
                    self.add(path + ("card",), f"unknown card '{ev.get('card')}' on account '{acc['id']}' (not issued by then)")


def check(data: dict, today: date) -> list[tuple[Path, str]]:
    """Every cross-entity problem in a schema-valid scenario, as (path, message)."""
    return _Checker(data, today).run()
