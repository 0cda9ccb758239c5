"""Paging of Accounts and Transactions (D6, R-18): relative hrefs that repeat every original query parameter
plus a `page` cursor; `next` only when another page exists; `prev` from page 2 on.
"""

from __future__ import annotations

from urllib.parse import urlencode

from .errors import BadRequest


def href(base_path: str, query: dict, page: int | None) -> str:
    params = [(k, v) for k, v in query.items() if k != "page"]
    if page is not None and page > 1:
        params.append(("page", str(page)))
    return f"{base_path}?{urlencode(params)}" if params else base_path


def page_number(page: str | None) -> int:
    if page is None or page == "":
        return 1
    if not (page.isascii() and page.isdigit()) or not 1 <= int(page) <= 10_000_000:
        raise BadRequest("page must be a page cursor taken from a links[].href of a previous response")
    return int(page)


def paginate(items: list, page: str | None, size: int, base_path: str, query: dict | None, render=None):
    """(rendered items of the requested page, links). A page past the end is an empty page, not an error."""
    query = query or {}
    number = page_number(page)
    start = (number - 1) * size
    chunk = items[start:start + size]
    out = [render(i) for i in chunk] if render else chunk
    links = [{"rel": "self", "href": href(base_path, query, number)}]
    if start + size < len(items):
        links.append({"rel": "next", "href": href(base_path, query, number + 1)})
    if number > 1:
        links.append({"rel": "prev", "href": href(base_path, query, number - 1)})
    return out, links
