"""Workshop rooms in a real headless Chromium (the fixtures of tests/ui/test_browser.py) against a real
`dsop-sandbox serve --admin-token` (gunicorn, 2 workers): a presenter creates two rooms on the board, two
participants (two browser contexts at once) join them on /login, each runs a case at the same time, each sees only
its own case in its live traffic, and the presenter's board shows both rooms' progress by itself; a participant
cannot open the board. Also the UI findings of issue 15, measured in the browser: the traffic page's first paint
has its rows (JavaScript off), times are 24 h in the sandbox's zone, a run result reloads at its own URL, the
timeline's labels are at least 15 px on screen and never cut, and URLs wrap only after a `/`.
"""

from __future__ import annotations

import re

import pytest

from sandbox.ui.timeline import X0
from tests.e2e.server import running_server
from tests.ui import test_browser as shared
from tests.ui.test_browser import ADMIN_TOKEN, CHROMIUM, PROJECTOR, ROOT, fits, shot, watched

browser = shared.browser  # the module-scoped Chromium fixture of test_browser.py

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian: apt-get install chromium; or set "
                                                "DSOP_CHROMIUM); browser tests never download a browser"),
]
CLOCK = re.compile(r"^\d\d:\d\d:\d\d$")


@pytest.fixture(scope="module")
def server():
    with running_server(ROOT / "scenarios" / "default.yaml", workers=2, extra=("--admin-token", ADMIN_TOKEN)) as base:
        yield base


def log_in(page, target: str = "/ui/board") -> None:
    page.goto(target)
    page.fill("input[name=token]", ADMIN_TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{target}")


def join(page, room: str) -> None:
    page.goto("/traffic")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_test_id("join-form").locator("select[name=room]").select_option(room)
    page.get_by_role("button", name="Join the room").click()
    page.wait_for_url("**/traffic")
    assert page.get_by_test_id("room-name").inner_text() == room


def start_case(page, service: str, party: str) -> None:
    page.goto("/run")
    page.select_option("#service", service)
    page.select_option("#party", party)
    page.get_by_test_id("run-button").click()


def case_of(page) -> str:
    case_id = page.get_by_test_id("case-id").inner_text(timeout=60000)
    assert re.fullmatch(r"[0-9a-f-]{36}", case_id)
    page.wait_for_url(re.compile(r"/ui/runs/[\w-]{8,32}$"))
    return case_id


def card_figure(board, room: str, field: str) -> int:
    return int(board.locator(f"[data-room='{room}'] [data-field={field}]").inner_text())


def test_two_participants_at_once_and_the_board(browser, server):
    with watched(browser, server, PROJECTOR) as presenter, watched(browser, server, PROJECTOR) as first, \
            watched(browser, server, PROJECTOR) as second:
        board = presenter.new_page()
        log_in(board)
        for room in ("team-a", "team-b"):
            form = board.get_by_test_id("create-room")
            form.locator("input[name=name]").fill(room)
            form.get_by_role("button", name="Create").click()
            board.wait_for_selector(f"[data-room='{room}']")
        assert card_figure(board, "team-a", "cases") == 0

        a, b = first.new_page(), second.new_page()
        join(a, "team-a")
        join(b, "team-b")
        traffic_a, traffic_b = first.new_page(), second.new_page()
        for page in (traffic_a, traffic_b):
            page.goto("/traffic")
            page.wait_for_selector("[data-testid=live-state]:has-text('updated')")

        start_case(a, "skatt", "ola-joint")  # both cases run at the same time, on the two workers
        start_case(b, "konkurs", "smuldre-bakeri")
        case_a, case_b = case_of(a), case_of(b)
        assert "Every call answered" in a.get_by_test_id("case-summary").inner_text()

        traffic_a.wait_for_selector(f"tr.case-row[data-case='{case_a}']", timeout=15000)  # by itself, no reload
        traffic_b.wait_for_selector(f"tr.case-row[data-case='{case_b}']", timeout=15000)
        for page, other in ((traffic_a, case_b), (traffic_b, case_a)):
            assert page.locator(f"tr.case-row[data-case='{other}']").count() == 0
            shown = page.locator("tr.case-row").evaluate_all("rows => rows.map(r => r.dataset.case)")
            assert other not in shown
        shot(traffic_a, "rooms-traffic-team-a")

        for room in ("team-a", "team-b"):  # the board refreshes by itself, and may first show a case half logged
            board.wait_for_function(
                "room => { const f = n => Number(document.querySelector(`[data-room='${room}'] [data-field=${n}]`)"
                ".textContent); return f('cases') >= 1 && f('requests') >= 10; }",
                arg=room, timeout=15000)
            assert card_figure(board, room, "requests") >= 10
            assert card_figure(board, room, "errors") == 0
            assert re.match(r"last \d\d:\d\d:\d\d · bank ", board.locator(f"[data-room='{room}'] [data-field=last]")
                            .inner_text())
        sizes = board.evaluate("""() => ({
            figure: Math.min(...[...document.querySelectorAll('.room-card strong')].map(e => parseFloat(getComputedStyle(e).fontSize))),
            name: Math.min(...[...document.querySelectorAll('.room-card h2')].map(e => parseFloat(getComputedStyle(e).fontSize))),
            text: Math.min(...[...document.querySelectorAll('.room-card p')].map(e => parseFloat(getComputedStyle(e).fontSize)))})""")
        assert sizes["figure"] >= 40 and sizes["name"] >= 30 and sizes["text"] >= 15, sizes  # a projector's
        fits(board)
        shot(board, "rooms-board")

        a.goto("/ui/board")  # a participant is not the presenter
        a.wait_for_url(re.compile(r"/login\?next=(/|%2F)ui(/|%2F)board$"))

        url = b.url
        b.goto("/run")
        history = b.get_by_test_id("run-history").inner_text()
        assert "konkurs" in history and "skatt" not in history
        b.get_by_test_id("run-history").locator("a").first.click()
        b.wait_for_url(re.compile(r"/ui/runs/"))
        assert b.url == url
        b.reload()
        assert b.get_by_test_id("case-id").inner_text() == case_b


def test_first_paint_times_timeline_and_urls(browser, server):
    with watched(browser, server, PROJECTOR) as context:
        page = context.new_page()
        log_in(page, "/run")
        start_case(page, "skatt", "eva-joint")
        case_id = case_of(page)
        steps_url = page.locator("p.url").first
        assert "<wbr>" in steps_url.inner_html()

        page.goto("/traffic")
        page.wait_for_selector("[data-testid=live-state]:has-text('updated')")
        assert re.fullmatch(r"live · updated \d\d:\d\d:\d\d", page.get_by_test_id("live-state").inner_text())
        row = page.locator(f"tr.case-row[data-case='{case_id}']")
        assert CLOCK.match(row.locator("td").first.inner_text())
        assert "EVA TESTMANN" in row.locator("td").nth(4).inner_text()
        header = page.locator("#traffic thead").inner_text()
        assert "UTC" not in header and "AM" not in page.locator("#traffic").inner_text()

        cookies = context.cookies()
    context = browser.new_context(viewport=PROJECTOR, base_url=server, java_script_enabled=False)  # first paint alone
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto("/traffic")
        assert "loading" not in page.locator("#traffic").inner_text()
        row = page.locator(f"tr.case-row[data-case='{case_id}']")
        assert row.count() == 1 and "EVA TESTMANN" in row.inner_text()
        assert CLOCK.match(row.locator("td").first.inner_text())
    finally:
        context.close()

    for width in (1024, 1280):
        with watched(browser, server, {"width": width, "height": 800}) as context:
            context.add_cookies(cookies)
            page = context.new_page()
            for path in ("/parties/fjellbygg", "/parties/smuldre-bakeri?service=konkurs", "/parties/bente-ward"):
                page.goto(path)
                labels = page.evaluate("""() => {
                    const svg = document.querySelector('svg.timeline');
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return [...svg.querySelectorAll('text')].map(t => ({text: t.textContent,
                        css: parseFloat(getComputedStyle(t).fontSize), screen: parseFloat(getComputedStyle(t).fontSize) * scale}));
                }""")
                assert labels
                for label in labels:
                    assert label["css"] >= 15 and label["screen"] >= 15, (width, path, label)
                    assert "…" not in label["text"], label
                overlong = page.evaluate("""(x0) => Array.from(document.querySelectorAll('svg.timeline text.sub'))
                    .filter(t => t.getBBox().x + t.getBBox().width > x0).map(t => t.textContent)""", X0)
                assert not overlong
                clipped = page.evaluate("""() => { const svg = document.querySelector('svg.timeline');
                    const box = svg.viewBox.baseVal;
                    return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])
                        .filter(([, b]) => b.x < 0 || b.y < 0 || b.x + b.width > box.width || b.y + b.height > box.height)
                        .map(([text]) => text); }""")
                assert not clipped, (width, path, clipped)  # no label runs off the chart
            if width == 1280:
                shot(page, "rooms-timeline-bente-1280")

    with watched(browser, server, {"width": 800, "height": 800}) as context:
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto("/")
        breaks = page.evaluate("""() => [...document.querySelectorAll('code.url')].flatMap(code => {
            const text = code.textContent, range = document.createRange(), out = [];
            const node = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
            let chars = [];
            while (node.nextNode()) { for (let i = 0; i < node.currentNode.length; i++) chars.push([node.currentNode, i]); }
            let top = null;
            chars.forEach(([n, i], k) => {
                range.setStart(n, i); range.setEnd(n, i + 1);
                const r = range.getClientRects()[0];
                if (!r) return;
                if (top !== null && r.top > top + 2) out.push(chars[k - 1][0].data[chars[k - 1][1]]);
                top = r.top;
            });
            return out;
        })""")
        assert breaks, "at 800 px the base URLs wrap"
        assert set(breaks) <= {"/", "?", "&"}, breaks
        fits(page)
