"""The workshop UI in a real headless Chromium (Debian's `chromium`, driven by Playwright for Python with
`executable_path`; no browser is ever downloaded) against a real `dsop-sandbox serve` (gunicorn, 2 workers) on
the default scenario.

Every page is opened (at 1280×720, the projector, and the overview also at 1440×900); two personas' cases are
run on the Run a case page and their requests appear in the live traffic view by themselves, grouped by case, in
order when a case is clicked, and filtered by bank; a token is minted and its curl line copied. At 800, 1024 and
1280 px wide every page — the party pages with the widest tables, Run a case with a result shown, live traffic
with a group open, a minted token — has no horizontal scroll bar (a wide table scrolls in its own box), table
text is at least 15 px, and the timeline's labels end before its axis. With --admin-token, a wrong token on the
login form is an answer, not a console error. Any console error or uncaught page error fails the test.
Screenshots go to `test-output/ui/` with DSOP_UI_SHOTS=1.

Skipped with the reason when Playwright or a chromium binary is missing (`make test` installs both on Debian:
the Makefile's `browser` step; or `apt-get install chromium`, `pip install -e '.[test]'`).
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import running_server

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "ui"
CHROMIUM = os.environ.get("DSOP_CHROMIUM") or shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
# The flags a root, offline CI machine needs: no sandbox, no GPU, no background connections to Google's hosts.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1440, "height": 900}
WIDTHS = (800, 1024, 1280)  # a small window, the common 1024×768 projector, the 1280×720 one
MIN_TABLE_PX = 15
ADMIN_TOKEN = "workshop-s3cret"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian: apt-get install chromium; or set "
                                                "DSOP_CHROMIUM); browser tests never download a browser"),
]


@pytest.fixture(scope="module")
def server():
    with running_server(ROOT / "scenarios" / "default.yaml", workers=2) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Console:
    """Every console error and uncaught exception of the pages of one browser context."""

    def __init__(self, context):
        self.problems: list[str] = []
        context.on("page", self.watch)

    def watch(self, page):
        page.on("console", lambda m: self.problems.append(f"console.{m.type} on {page.url}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught error on {page.url}: {e}"))


@contextmanager
def watched(browser, server: str, viewport: dict):
    """A browser context on `server` whose console errors fail the test when it closes."""
    context = browser.new_context(viewport=viewport, base_url=server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    console = Console(context)
    try:
        yield context
    finally:
        context.close()
    assert not console.problems, "\n".join(console.problems)


@pytest.fixture()
def context(browser, server):
    with watched(browser, server, PROJECTOR) as context:
        yield context


def shot(page, name: str) -> None:
    """A full-page screenshot for people reviewing the UI, with DSOP_UI_SHOTS=1 (about a third of these tests'
    time otherwise: nothing asserts on them)."""
    if os.environ.get("DSOP_UI_SHOTS") == "1":
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def fits(page) -> None:
    """Readable on the screen: the page never scrolls sideways (wide tables scroll in their own box), and no text
    in a table is smaller than 15 px. Measured once the page has loaded: a layout forced while ui.css is still on
    its way (a loaded machine) has no styles, and a minted token's <pre> is then thousands of pixels wide."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide at {page.viewport_size['width']}px"
    small = page.evaluate("""(min) => {
        const out = [];
        for (const el of document.querySelectorAll("table, table *")) {
            const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
            const px = parseFloat(getComputedStyle(el).fontSize);
            if (own && px < min) { out.push(`${el.tagName}.${el.className} ${px}px: ${el.textContent.slice(0, 30)}`); }
        }
        return out.slice(0, 5);
    }""", MIN_TABLE_PX)
    assert not small, f"{page.url}: table text under {MIN_TABLE_PX}px: {small}"


def test_every_page_opens(context):
    page = context.new_page()
    page.goto("/")
    assert page.get_by_test_id("overview-today").inner_text() == "2025-06-30"
    assert page.get_by_test_id("banks").locator("tbody tr").count() == 4
    assert page.get_by_test_id("personas").locator("tbody tr").count() >= 20
    fits(page)
    shot(page, "overview-1280x720")
    page.set_viewport_size(LAPTOP)
    fits(page)
    shot(page, "overview-1440x900")
    page.set_viewport_size(PROJECTOR)

    page.get_by_role("link", name="EVA TESTMANN").click()
    page.wait_for_url("**/parties/eva-joint")
    assert page.get_by_test_id("timeline").is_visible()
    page.get_by_role("link", name="10 years (Skatt/Politi max)").click()
    page.wait_for_url("**from=2015-06-30**")
    preview = page.get_by_test_id("preview")
    assert "OnlyPrimaryOwner=false" in preview.inner_text() and "99106991894" in preview.inner_text()
    fits(page)
    shot(page, "party-eva-10-years")
    page.goto("/parties/arne-deceased?service=oed")
    assert "† 2025-06-09" in page.get_by_test_id("timeline").text_content()
    shot(page, "party-arne-oed")

    for path, heading, name in (("/run", "Run a case", "run-form"), ("/traffic", "Live traffic", "traffic-empty"),
                                ("/tokens", "Tokens", "tokens-form")):
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        fits(page)
        shot(page, name)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15000)
    for doc in ("/openapi/bank.json", "/openapi/kar.json"):
        assert page.request.get(doc).ok


def run_case(page, service: str, party: str, period: tuple[str, str] | None = None) -> str:
    page.goto("/run")
    page.select_option("#service", service)
    page.select_option("#party", party)
    if period:
        page.fill("input[name=from]", period[0])
        page.fill("input[name=to]", period[1])
    page.get_by_test_id("run-button").click()
    case_id = page.get_by_test_id("case-id").inner_text(timeout=30000)
    assert re.fullmatch(r"[0-9a-f-]{36}", case_id)
    assert page.get_by_test_id("steps").locator("li").count() >= 5
    return case_id


def test_run_two_cases_and_watch_them_arrive(context):
    traffic = context.new_page()
    traffic.goto("/traffic")
    traffic.wait_for_selector("[data-testid=live-state]:has-text('updated')")

    runner = context.new_page()
    ola = run_case(runner, "skatt", "ola-joint")
    assert "Every call answered" in runner.get_by_test_id("case-summary").inner_text()
    first = runner.locator("details.step").nth(2)
    first.locator("> summary").click()
    assert "AccountInfoRequestID" in first.inner_text() and '"banks"' in first.inner_text()
    shot(runner, "run-skatt-ola")
    bakery = run_case(runner, "konkurs", "smuldre-bakeri")
    shot(runner, "run-konkurs-smuldre-bakeri")
    refused = run_case(runner, "konkurs", "ola-joint", ("2025-01-01", "2025-06-30"))
    why = runner.locator("details.step.failed").first.inner_text()
    assert "ACC-011" in why and "no bankruptcy ruling" in why
    shot(runner, "run-konkurs-refused")

    for case_id in (ola, bakery, refused):  # they arrive by themselves: no reload
        traffic.wait_for_selector(f"tr.case-row[data-case='{case_id}']", timeout=10000)
    shot(traffic, "traffic-three-cases")
    row = traffic.locator(f"tr.case-row[data-case='{ola}']")
    assert row.locator("td").nth(2).inner_text() == "Skatteetaten"
    row.click()
    detail = traffic.locator("tr.case-detail").first
    endpoints = detail.locator("tbody tr td:nth-child(5)").all_inner_texts()
    assert endpoints[0] == "customerRelationships" and endpoints[1] == "accounts"
    assert detail.locator("tbody tr td:first-child").all_inner_texts()[:3] == ["1", "2", "3"]
    shot(traffic, "traffic-case-open")

    traffic.select_option("select[name=bank]", label="FJORDTEST BANK ASA")
    traffic.wait_for_selector(f"tr.case-row[data-case='{ola}']", state="detached")
    assert traffic.locator(f"tr.case-row[data-case='{bakery}']").is_visible()  # the bakery banks at Fjordtest too
    traffic.select_option("select[name=bank]", "")
    traffic.select_option("select[name=status]", "error")
    traffic.wait_for_selector(f"tr.case-row[data-case='{bakery}']", state="detached")
    assert traffic.locator(f"tr.case-row[data-case='{refused}']").is_visible()
    shot(traffic, "traffic-errors-only")

    traffic.goto(f"/traffic/cases/{ola}")
    assert traffic.get_by_test_id("case-requests").locator("tbody tr").count() >= 10
    shot(traffic, "traffic-case-page")

    # The conformance report of a run (issue 16), opened from the run's result, read on a projector.
    run_case(runner, "skatt", "ola-joint")
    runner.get_by_test_id("report-link").click()
    runner.wait_for_url("**/report")
    verdict = runner.get_by_test_id("verdict")
    assert verdict.inner_text().startswith("PASS"), verdict.inner_text()
    assert float(verdict.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 30
    fits(runner)
    shot(runner, "conformance-report-ola")


def test_mint_a_token_and_copy_the_curl_line(context):
    page = context.new_page()
    page.goto("/tokens")
    page.select_option("select[name=party]", "ingrid-multibank")
    page.get_by_test_id("mint-button").click()
    curl = page.get_by_test_id("curl").inner_text()
    assert "Authorization: Bearer eyJ" in curl and "PartyID: 25848522867" in curl
    page.get_by_test_id("copy-curl").click()
    page.wait_for_selector("[data-testid=copy-curl].done")
    assert page.evaluate("navigator.clipboard.readText()") == curl
    fits(page)
    shot(page, "tokens-minted")


# ---- layout at projector and laptop widths -----------------------------------------------------------------
PARTY_PAGES = ("/parties/fjellbygg", "/parties/per-disponent?service=politi", "/parties/lars-cards",
               "/parties/eva-joint", "/parties/arne-deceased?service=oed", "/parties/bente-ward?service=verge",
               "/parties/smuldre-bakeri?service=konkurs", "/parties/ingrid-multibank")


def labels_end_before_the_axis(page) -> None:
    """The timeline's bank/type labels (cut with "…" where needed) end left of the time axis."""
    from sandbox.ui.timeline import X0

    overlong = page.evaluate("""(x0) => Array.from(document.querySelectorAll("svg.timeline text.sub"))
        .map(t => { const b = t.getBBox(); return [t.textContent, b.x + b.width]; })
        .filter(([text, right]) => right > x0)""", X0)
    assert not overlong, overlong
    titles = page.eval_on_selector_all("svg.timeline text.sub",
                                       "ts => ts.map(t => t.querySelector('title')?.textContent)")
    assert titles and all(titles), "every label carries its whole text as a tooltip"


def at_every_width(page, check=None, name: str | None = None) -> None:
    """`fits` (and `check`) at every width of WIDTHS, widest first, on the page as loaded: shrinking a loaded
    page is the harder test (what it sized on load for the wide window must still give way), and one load
    per page instead of one per width keeps the test affordable."""
    for width in sorted(WIDTHS, reverse=True):
        page.set_viewport_size({"width": width, "height": 800})
        fits(page)
        if check:
            check(page)
        if name:
            shot(page, f"w{width}-{name}")


def test_no_page_scrolls_sideways(browser, server):
    with watched(browser, server, {"width": max(WIDTHS), "height": 800}) as context:
        page = context.new_page()
        for path in ("/", *PARTY_PAGES, "/run", "/tokens"):
            page.goto(path)
            at_every_width(page, labels_end_before_the_axis if path.startswith("/parties/") else None,
                           "party-fjellbygg" if path == "/parties/fjellbygg" else None)

        for service, party in (("skatt", "fjellbygg"), ("politi", "per-disponent"), ("konkurs", "smuldre-bakeri")):
            page.set_viewport_size({"width": max(WIDTHS), "height": 800})
            case_id = run_case(page, service, party)
            at_every_width(page)
            note = page.get_by_test_id("request-counts").inner_text()
            assert "“(no case id)”" in note and f"{page.locator('details.step').count()} requests" in note
            page.get_by_role("button", name="open / close all").click()
            at_every_width(page, name=f"run-{service}-{party}" if service == "konkurs" else None)

        page.set_viewport_size({"width": max(WIDTHS), "height": 800})
        page.goto("/traffic")
        page.wait_for_selector(f"tr.case-row[data-case='{case_id}']")
        no_case = page.locator("tr.case-row[data-case='(no case id)']")
        assert "not part of a case" in no_case.inner_text()
        no_case.click()
        assert "carry no AccountInfoRequestID" in page.locator("tr.case-detail").inner_text()
        at_every_width(page, name="traffic-no-case-open")
        page.goto(f"/traffic/cases/{case_id}")
        at_every_width(page)

        page.set_viewport_size({"width": max(WIDTHS), "height": 800})
        page.goto("/tokens")
        page.select_option("select[name=service]", "konkurs")
        page.get_by_test_id("mint-button").click()
        assert "does not offer Konkursbehandling" in page.get_by_test_id("service-warning").inner_text()
        at_every_width(page, name="tokens-not-offered")


# ---- the admin token --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def protected_server():
    with running_server(ROOT / "scenarios" / "default.yaml", workers=1, extra=("--admin-token", ADMIN_TOKEN)) as base:
        yield base


def test_a_wrong_admin_token_is_an_answer_not_an_error(browser, protected_server):
    with watched(browser, protected_server, PROJECTOR) as context:
        page = context.new_page()
        page.goto("/traffic")
        page.wait_for_url(re.compile(r"/login\?next=(/|%2F)traffic$"))
        page.fill("input[name=token]", "not-the-token")
        page.get_by_role("button", name="Log in").click()
        assert "not this server's admin token" in page.get_by_test_id("login-error").inner_text()
        shot(page, "login-wrong-token")
        page.fill("input[name=token]", ADMIN_TOKEN)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/traffic")
        assert page.get_by_role("heading", level=1).inner_text() == "Live traffic"
