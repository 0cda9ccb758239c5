"""What a fake bank answers (spec/data-model.md §2.3–2.8 and §4). Plain Python: no Flask here.

Each public method takes parsed parameters and returns the response body as a dict, or raises a BankError.
Each also takes the request's service Grant (sandbox/profiles; None = no service profile, as in plain-Python
use): the rules bind it to the control object (subject preconditions → ProfileError), keep only the accounts the
service delivers, and withhold the fields it does not deliver.

The bodies of /accounts and of the calls about one accountReference are pure functions of the world, today and
the request, so they come from a bounded cache of rendered bodies that also holds their JSON bytes
(body_cache.py, issue 8): read them, never change what is inside.
"""

from __future__ import annotations

from datetime import date
from itertools import chain

from sandbox.dsop import wire as dsop_wire
from sandbox.dsop.wire import JsonItems
from sandbox.world import Period, World
from sandbox.world.ledger import month_end

from . import wire
from .body_cache import BodyCache, ItemCache
from .errors import NotForThisParty, UnknownAccount
from .item_json import CounterpartyTexts, TransactionWriter
from .pagination import PageCursors, href, page_links, page_parts, paginate
from .privacy import Shield
from .references import DATA_NOT_DELIVERED, ReferenceCodec

COMPLETE = {"status": "complete"}


#: The default bound of the rendered-body cache of one process (Settings.body_cache_mb).
BODY_CACHE_BYTES = 64 * 2**20
#: Written transactions kept per process for other pages that list them (body_cache.ItemCache; about 1 kB each).
ITEM_CACHE_ITEMS = 50_000


class BankRules:
    def __init__(self, world: World, page_size: int = 1000, cache_bytes: int = BODY_CACHE_BYTES,
                 cache_items: int | None = None):
        self.world = world
        self.page_size = page_size
        self.codec = ReferenceCodec(world.seed, (a.id for a in world.built_accounts()),
                                    (p.id for p in world.built_parties()), accounts=world.accounts, parties=world.parties)
        self.cursors = PageCursors(world.seed)  # the `page` cursors of links (pagination.py)
        self.cache = BodyCache(cache_bytes)
        self.shield = Shield(world)  # who may not be named (R-30 extended, docs/privacy.md)
        self.counterparties = CounterpartyTexts()  # the counterParties parts written, for every page (this shield)
        # no body cache, no item cache either (unless asked): "cache nothing" stays what it says
        self.items = ItemCache((ITEM_CACHE_ITEMS if cache_bytes else 0) if cache_items is None else cache_items)

    @property
    def today(self) -> date:
        return self.world.today

    # ---- helpers ------------------------------------------------------------------------------------
    def _details(self, account, window: Period, endpoint: str) -> dict:
        """responseDetails: partial with the scenario's message(s) where data exists offline (R-06, D17)."""
        messages = [p.message for p in account.partial if endpoint in p.endpoints and p.period.overlaps(window)]
        if messages:
            return {"status": "partial", "message": " ".join(dict.fromkeys(messages))[:500]}
        return dict(COMPLETE)

    def _party_span(self, account, party_id: str, window: Period) -> Period | None:
        """Q-34: the part of the window in which the party had a relation (owner or role) with the account."""
        spans = [r.period for r in self.world.relations(party_id, window, kinds=("owner", "role"))
                 if r.account_id == account.id]
        if not spans:
            return None
        start = max(window.start, min(s.start for s in spans))
        ends = [s.end for s in spans]
        end = window.end if any(e is None for e in ends) else min(window.end, max(ends))
        return Period(start, end)

    def _entry(self, account, bank, reference: str, span: Period) -> dict:
        """An Accounts entry as the party sees it at the end of its span: R-31 primaryOwner is the primary owner then
        (capped at the end of the party's relation), and the type is that owner's type for its period (R-62, seed
        003: the type belongs to each owner's period), so Accounts, Details and Owners agree after a transfer. A
        shielded primary owner is not named (R-30 extended: bank/privacy.py, docs/privacy.md)."""
        owner = self.world.primary_owner_on(account, span.end)
        shown = None
        if owner is not None and not self.shield.hides(owner.party_id):
            party = self.world.parties[owner.party_id]
            shown = wire.party_role(party, "rightToUseAlone", owner.period.start, owner.period.end, self.today)
        return wire.account_entry(account, bank, self.world.status(account), reference, shown,
                                  owner.account_type if owner is not None else None)

    def _reference(self, account, party_id: str) -> str:
        return DATA_NOT_DELIVERED if account.data_not_delivered else self.codec.encode(account.id, party_id)

    def resolve(self, bank, reference: str, window: Period, grant=None):
        """accountReference → (account, party, span, bound grant) or 404 (D4, D14); with a grant, the subject
        precondition (403) comes before the relation check, and an account outside the service's answer is 404
        ACC-003."""
        if reference == DATA_NOT_DELIVERED:
            raise UnknownAccount("accountReference dataNotDelivered: this bank delivers no data for that account (R-35)")
        decoded = self.codec.decode(reference)
        if decoded is None:
            raise UnknownAccount("unknown accountReference: use a reference from this bank's /accounts response")
        account_id, party_id = decoded
        account = self.world.accounts[account_id]
        if account.bank_id != bank.id:
            raise UnknownAccount("unknown accountReference: it was not issued by this bank")
        party = self.world.parties[party_id]
        if party.shielded:  # R-30: /accounts never issues her a reference; one from elsewhere finds nothing either
            raise UnknownAccount("unknown accountReference: use a reference from this bank's /accounts response")
        bound = grant.bind(self.world, party, party.identifier) if grant is not None else None
        span = self._party_span(account, party_id, window)
        if span is None:
            raise NotForThisParty(
                "accountReference is not valid for this period: the party it was issued for had no relation "
                "with the account between fromDate and toDate")
        if bound is not None:
            bound.check_account(account)
        return account, party, span, bound

    @staticmethod
    def _out(body: dict, grant) -> dict:
        return grant.withhold(body) if grant is not None else body

    def _remembered(self, endpoint: str, bank, reference: str, window: Period, grant, render, *more) -> dict:
        """The body of a call about one accountReference, from the body cache (body_cache.py). After resolve()
        the body is a pure function of the reference as sent (account, party, and the reference echoed in the
        body and links), the period, today, the fields the service withholds, and `more` (page, links)."""
        key = (endpoint, bank.id, reference, window.start, window.end, self.today,
               grant.withheld if grant is not None else None, *more)
        return self.cache.get_or_render(key, render)

    # ---- endpoints ----------------------------------------------------------------------------------
    def list_accounts(self, bank, party_identifier: str, window: Period, only_primary: bool,
                      page: str | None = None, base_path: str = "/accounts", query: dict | None = None,
                      grant=None) -> dict:
        """GET /accounts (R-26…R-37), limited to the accounts the service delivers for the party."""
        # A cursor is checked first (a bad one is a 400 whoever the party is), against the bank, path, query and
        # PartyID as sent: a cursor of another party's, period's or bank's walk is refused too.
        paging = self.cursors.paging(page, base_path, query, bank.id, party_identifier)
        party = self.world.party_by_identifier.get(party_identifier)
        bound = grant.bind(self.world, party, party_identifier) if grant is not None else None
        if party is None or party.shielded:  # no customer, or R-30 shielded: empty and complete
            return {"responseDetails": dict(COMPLETE), "accounts": [],
                    "links": [{"rel": "self", "href": href(base_path, query or {}, None)}]}
        # What the bound grant changes: which accounts it sees, the disposed-accounts notice, withheld fields.
        shaped_by = None if bound is None else (bound.window, bound.owner_only, bound.guardianship,
                                                bound.signals_disposed_accounts, bound.withheld)
        # paging.scope is the bank, path, query (but `page`) and PartyID; with paging.number it fixes the links.
        key = ("accounts", party.id, window.start, window.end, only_primary, self.today, paging.number, paging.scope,
               shaped_by)
        return self.cache.get_or_render(
            key, lambda: self._list_accounts(bank, party, window, only_primary, paging, grant, bound))

    def _list_accounts(self, bank, party, window: Period, only_primary: bool, paging, grant, bound) -> dict:
        kinds = ("owner",) if only_primary else ("owner", "role")  # R-27; never co-borrower/guarantor (R-28/29)
        chosen: dict[str, object] = {}
        for rel in self.world.relations(party.id, window, kinds=kinds):
            account = self.world.accounts[rel.account_id]
            if account.bank_id != bank.id or (only_primary and not rel.primary):
                continue
            if bound is None or bound.sees(account):
                chosen.setdefault(account.id, account)
        accounts = sorted(chosen.values(), key=lambda a: (a.opened, a.number))
        entries, partial = [], []
        for account in accounts:
            span = self._party_span(account, party.id, window)
            entries.append(self._entry(account, bank, self._reference(account, party.id), span))
            det = self._details(account, window, "accounts")
            if det["status"] == "partial":
                partial.append(det["message"])
        if bound is not None and bound.signals_disposed_accounts and only_primary:
            partial += self._disposed_notice(bank, party, window, chosen)
        items, links = paginate(entries, paging, self.page_size)
        details = {"status": "partial", "message": " ".join(dict.fromkeys(partial))[:500]} if partial else dict(COMPLETE)
        return self._out({"responseDetails": details, "accounts": items, "links": links}, grant)

    def _disposed_notice(self, bank, party, window: Period, listed: dict) -> list[str]:
        """Politi-Utlevering alt. 1 (spec/services.md §2.2.3): accounts the party only disposes (or co-owns) at
        this bank are not listed with OnlyPrimaryOwner=true, but their existence is signalled as `partial`."""
        other = {r.account_id for r in self.world.relations(party.id, window, kinds=("owner", "role"))
                 if self.world.accounts[r.account_id].bank_id == bank.id and r.account_id not in listed}
        if not other:
            return []
        return [f"The party also has disposal rights or secondary ownership on {len(other)} account(s) at this bank "
                "that are not listed with OnlyPrimaryOwner=true; ask again with OnlyPrimaryOwner=false to get them."]

    def account_details(self, bank, reference: str, window: Period, grant=None) -> dict:
        """GET /accounts/{accountReference}: balances per R-38…R-44 and D15."""
        account, party, span, grant = self.resolve(bank, reference, window, grant)
        return self._remembered("details", bank, reference, window, grant,
                                lambda: self._account_details(bank, reference, window, account, span, grant))

    def _account_details(self, bank, reference: str, window: Period, account, span: Period, grant) -> dict:
        body = self._entry(account, bank, reference, span)
        owner = body.pop("primaryOwner", None)
        if account.type != "accountWithoutBalance":  # no balance for that type
            body["balances"] = self._balances(account, window, span)
        if owner is not None:
            body["primaryOwner"] = owner
        lifecycle = max((lc for lc in account.lifecycles if lc.start <= span.end), key=lambda lc: lc.start)
        body["startDate"] = dsop_wire.day(lifecycle.start)
        if lifecycle.end is not None and lifecycle.end <= self.today:
            body["endDate"] = dsop_wire.day(lifecycle.end)
        return self._out({"responseDetails": self._details(account, window, "details"), "account": body}, grant)

    def _balances(self, account, window: Period, span: Period) -> list[dict]:
        if account.closed_within(window):
            return []
        if span.end == self.today and account.is_open_on(self.today):  # today → available + booked
            now = dsop_wire.sandbox_now(self.today)
            return [wire.balance("availableBalance", self.world.ledger.available(account), now, account),
                    wire.balance("bookedBalance", self.world.balance(account, self.today), now, account)]
        return [wire.balance("bookedBalance", self.world.balance(account, span.end),
                             dsop_wire.end_of_day_oslo(span.end), account)]

    def transactions(self, bank, reference: str, window: Period, page: str | None, base_path: str,
                     query: dict, grant=None) -> dict:
        """GET …/transactions: booked in the period (R-46…R-55), pending only when toDate is today (Q-09).

        The page is rendered once per (reference as sent, period, page, links' query, today, withheld fields) and
        then answered from the body cache: read-only, like every cached body."""
        account, party, span, grant = self.resolve(bank, reference, window, grant)
        paging = self.cursors.paging(page, base_path, query, bank.id)  # base_path holds the reference
        return self._remembered(
            "transactions", bank, reference, window, grant,
            lambda: self._transactions(account, bank, window, span, paging, grant),
            paging.number, paging.scope)  # the scope: bank, path and query but `page`; with the number, the links

    def _transactions(self, account, bank, window: Period, span: Period, paging, grant) -> dict:
        # the booked transactions up to the end of this page and one more (whether a next page follows), month by
        # month; only when they were all gathered do the pending ones (which follow them) matter for this page
        size = self.page_size
        through = paging.number * size
        months = self.world.transaction_months(account, span, through)
        booked = sum(hi - lo for _, _, lo, hi in months)
        pending = self.world.ledger.pending(account) if span.end == self.today and booked <= through else []
        parts, extra = page_parts(months, pending, through - size, through)
        links = page_links(paging, size, booked + len(pending))

        def make_writer() -> TransactionWriter:  # shielded counterparties and card holders are not named (docs/privacy.md)
            return TransactionWriter(account, bank, wire.card_versions(account.cards), self.world.parties,
                                     self.today, self.shield or None, self.counterparties)

        if grant is None or not any(path.startswith("transactions[]") for path in grant.withheld):
            # the items' JSON written without their dicts (item_json.py), kept by month for other pages
            # (ItemCache); the body holds them as bytes until someone reads the list (dsop/wire.py JsonItems). A
            # writer is made only when something is not kept
            items = JsonItems(*self.items.page((account.id, self.today), parts, lambda txs: make_writer().write_all(txs),
                                               extra))
        else:  # dicts: the grant deletes fields inside them
            writer = make_writer()
            items = [writer(t) for t in chain.from_iterable(txs[lo:hi] for _, txs, lo, hi in parts)]
            items += map(writer, extra)
        return self._out({"responseDetails": self._details(account, window, "transactions"), "transactions": items,
                          "links": links}, grant)

    def cards(self, bank, reference: str, window: Period, grant=None) -> dict:
        """GET …/cards: every card linked to the account in the period (R-56, Q-11)."""
        account, party, span, grant = self.resolve(bank, reference, window, grant)
        return self._remembered("cards", bank, reference, window, grant,
                                lambda: self._cards(bank, window, account, span, grant))

    def _cards(self, bank, window: Period, account, span: Period, grant) -> dict:
        cards = []
        for c in account.cards:
            valid = Period(c.issued, month_end(c.expires))
            if valid.overlaps(span):
                cards.append(wire.card(c, bank, self.world.parties[c.holder_id], self.today))
        return self._out({"responseDetails": self._details(account, window, "cards"), "paymentCards": cards}, grant)

    def roles(self, bank, reference: str, window: Period, grant=None) -> dict:
        """GET …/roles: owners and disponents in the period, latest period per party (R-57, Q-11)."""
        account, party, span, grant = self.resolve(bank, reference, window, grant)
        return self._remembered("roles", bank, reference, window, grant,
                                lambda: self._roles(window, account, grant))

    def _roles(self, window: Period, account, grant) -> dict:
        """Role holders "for the specified account and period" (seed 001): the requested period, not the part of it
        the requesting party shares (Q-34 clips balances, transactions and cards only), so Roles names the same
        owners as Owners (seed 003) for the same account and period. Shielded persons are left out (R-30
        extended, docs/privacy.md)."""
        latest: dict[tuple, tuple] = {}
        ties = [(o.party_id, "rightToUseAlone", o.period) for o in account.owners]
        ties += [(r.party_id, r.permission, r.period) for r in account.roles]
        for party_id, permission, period in ties:
            if period.overlaps(window) and not self.shield.hides(party_id):
                key = (party_id, permission)
                if key not in latest or period.start > latest[key][0].start:
                    latest[key] = (period,)
        roles = [wire.party_role(self.world.parties[pid], perm, p[0].start, p[0].end, self.today)
                 for (pid, perm), p in sorted(latest.items(), key=lambda kv: (kv[1][0].start, kv[0]))]
        return self._out({"responseDetails": self._details(account, window, "roles"), "roles": roles}, grant)

    def owners(self, bank, account_number: str, window: Period, grant=None) -> dict:
        """GET /accounts/{accountID}/owners (v2.1, R-60…R-62): real, unclipped ownership dates."""
        account = self.world.account_by_number.get(account_number)
        if account is None or account.bank_id != bank.id:
            raise UnknownAccount(f"account {account_number} is not serviced by {bank.name}")
        if grant is not None:
            grant.check_owners_account(self.world, account)
        owners = []
        for o in sorted(account.owners, key=lambda o: o.period.start, reverse=True):
            if o.period.overlaps(window) and not self.shield.hides(o.party_id):  # R-30 extended, docs/privacy.md
                party = self.world.parties[o.party_id]
                entry = {"identifier": wire.identifier(party.identifier, party.identifier_type),
                         "name": party.name[:140], "type": o.account_type, "startDate": dsop_wire.day(o.period.start)}
                if o.period.end is not None and o.period.end <= self.today:
                    entry["endDate"] = dsop_wire.day(o.period.end)
                owners.append(entry)
        return self._out({"responseDetails": self._details(account, window, "owners"), "accountOwners": owners}, grant)
