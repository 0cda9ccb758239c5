"""The readable report `dsop-sandbox flow` prints: banks, accounts with balances, transaction counts, cards,
roles, owners, refusals and partial answers, from one CaseResult (kept apart from running the case)."""

from __future__ import annotations

from decimal import Decimal

from sandbox.client import CaseResult


def _n(value) -> str:
    return f"{value:,}".replace(",", " ")


def _money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):.2f}".partition(".")
    return f"{sign}{_n(int(whole))}.{frac}"


def _span(d: dict) -> str:
    start, end = d.get("startDate", ""), d.get("endDate", "")
    return f"{start}..{end}" if start or end else ""


def _who(d: dict) -> str:
    ident = (d.get("identifier") or {}).get("value")
    return f"{d.get('name', '?')}" + (f" ({ident})" if ident else "")


def report(case: CaseResult, context: dict) -> list[str]:
    subject = context.get("subject") or {}
    lines = [f"{case.service_name} case {case.case_id}",
             f"  party      {case.party_id}" + (f"  {subject['name']}" + (f" [{subject['id']}]" if subject.get('id') else "")
                                                  if subject.get("name") else ""),
             f"  consumer   {case.consumer} · period {case.from_date}..{case.to_date} · "
             f"OnlyPrimaryOwner={str(case.only_primary_owner).lower()}"
             + (f" · RequesterID {case.requester_id}" if case.requester_id else "")
             + (f" · {case.reference_type} {context['guardian']}" if context.get("guardian") else "")
             + (" · pol1 order" if case.reference_type == "pol1" else ""),
             f"  sandbox    {context['base_url']} · scenario {context.get('scenario')} · today {context.get('today')}",
             ""]
    if case.refusals:
        for r in case.refusals:
            lines.append(f"REFUSED {r.endpoint}: {r.status} {r.code or ''} {r.message}".rstrip())
        lines.append("")
    lines.append(f"Register: {len(case.banks)} bank(s)")
    for b in case.banks:
        flags = [f"activeAccount={str(b.active_account).lower()}" if b.active_account is not None else "",
                 f"ownershipType={b.ownership_type}" if b.ownership_type else ""]
        lines.append(f"  {b.org_number}  {b.name}  " + "  ".join(f for f in flags if f))
    for b in case.banks:
        lines += [""] + _bank_lines(b)
    s = case.summary()
    lines += ["", f"Totals: {s['banks']} bank(s), {s['accounts']} account(s), {_n(s['transactions'])} transaction(s), "
                  f"{s['cards']} card(s), {s['roles']} role(s), {s['owners']} owner(s); "
                  f"{s['partial']} partial, {s['refusals']} refused"]
    partials = case.all_partials
    if partials:
        lines.append("Partial (data exists offline; ask by digital letter):")
        lines += ["  " + " ".join(x for x in (p.bank, p.account, p.endpoint) if x) + f": {p.message}" for p in partials]
    refusals = case.all_refusals
    if refusals:
        lines.append("Refused:")
        lines += ["  " + " ".join(x for x in (r.bank, r.account, r.endpoint) if x)
                  + f": {r.status} {r.code or ''} {r.message}".replace("  ", " ") for r in refusals]
    t = case.timings
    steps = ", ".join(f"{k} {t[k]:.2f}" for k in ("tokens", "register", "directory", "banks") if k in t)
    calls = ", ".join(f"{k} {t[k]:.2f}" for k in ("accounts", "details", "transactions", "cards", "roles", "owners")
                      if k in t)
    lines.append(f"Timings: total {t.get('total', 0):.2f} s — {steps}" + (f" (of which {calls})" if calls else "")
                 + f"; {case.requests} request(s), {case.retries} retr{'y' if case.retries == 1 else 'ies'}")
    return lines


def _bank_lines(b) -> list[str]:
    head = f"{b.name} ({b.org_number}) — {b.status}"
    if b.base_url:
        head += f", {len(b.accounts)} account(s)"
    lines = [head]
    if b.message:
        lines.append(f"  note: {b.message}")
    for r in b.refusals:
        lines.append(f"  refused {r.endpoint}: {r.status} {r.code or ''} {r.message}")
    for a in b.accounts:
        owner = a.primary_owner or {}
        lines.append(f"  {a.number or '?'}  {a.type or ''}  {a.currency or ''}  {a.status or ''}"
                     + (f"  primary owner {owner.get('name')} ({owner.get('identifier')})" if owner else ""))
        if not a.delivered:
            lines.append("    dataNotDelivered: the bank lists the account but serves nothing more about it")
            continue
        if a.balances is not None:
            text = " · ".join(f"{x.type.replace('Balance', '')} {_money(x.signed)} {x.currency or ''}".rstrip()
                              for x in a.balances) or "none (closed within the period, or an account without balance)"
            lines.append(f"    balances      {text}")
        if a.transactions is not None:
            t = a.transactions
            detail = ", ".join(f"{_n(v)} {k}" for k, v in sorted(t.by_status.items()))
            lines.append(f"    transactions  {_n(t.count)} in {t.pages} page(s)" + (f" ({detail})" if detail else ""))
        for label, items, fmt in (("cards", a.cards, _card), ("roles", a.roles, _role), ("owners", a.owners, _owner)):
            if items is None:
                continue
            if not items:
                lines.append(f"    {label:<13} none")
            for i, item in enumerate(items):
                lines.append(f"    {label if i == 0 else '':<13} {fmt(item)}")
        for p in a.partial:
            lines.append(f"    partial ({p.endpoint}): {p.message}")
        for r in a.refusals:
            lines.append(f"    refused {r.endpoint}: {r.status} {r.code or ''} {r.message}")
    return lines


def _card(c: dict) -> str:
    return (f"{c.get('cardIdentifier', '?')} {c.get('type', '')} {c.get('cardStatus', '')} "
            f"{c.get('startDate', '')}..{c.get('expiryDate', '')} v{c.get('versionNumber', '?')} {c.get('holderName', '')}")


def _role(r: dict) -> str:
    return f"{_who(r)} {r.get('permission', '')} {_span(r)}"


def _owner(o: dict) -> str:
    return f"{_who(o)} {o.get('type', '')} {_span(o)}"



# ---- command line ------------------------------------------------------------------------------------------
