"""GX Data Docs of a demo home in headless Chromium without network: styled by the vendored
Bootstrap, the index filled by bootstrap-table (source gates included), nothing fetched remotely."""

import pytest
from chromium import Page

from core.layout import Home


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    page = Page(chromium, tmp_path_factory.mktemp("gx-chromium") / "profile")
    page.send("Network.enable")
    yield page
    page.close()


def remote_requests(page: Page) -> list[str]:
    urls = [
        e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"
    ]
    return [url for url in urls if not url.startswith(("file:", "data:"))]


def test_the_index_lists_every_gate_styled_and_offline(browser, demo_home, tmp_path):
    browser.open((Home(demo_home).gx_site / "index.html").as_uri())
    browser.wait_for(lambda: browser.evaluate("document.querySelectorAll('table tbody tr').length") > 0)
    assert browser.evaluate("typeof jQuery === 'function' && typeof jQuery.fn.bootstrapTable"), (
        "no bootstrap-table"
    )
    # Bootstrap's reboot collapses table borders; the browser's default is "separate"
    assert browser.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse") == "collapse"
    browser.evaluate(
        "$('table[id$=\"-body-table\"]').first().bootstrapTable('refreshOptions', {pageSize: 500}); 0"
    )
    assets = set(
        browser.evaluate(
            "[...document.querySelectorAll('table tbody tr td')].map(td => td.textContent.trim())"
        )
    )
    assert {"source_delivery", "source_roster_member", "marts_member_index", "hr_export"} <= assets, sorted(
        assets
    )[:40]
    browser.screenshot(tmp_path / "gx_index.png")
    assert (tmp_path / "gx_index.png").stat().st_size > 30_000
    assert remote_requests(browser) == [] and browser.errors == []


def test_a_source_gate_page_is_styled_offline(browser, demo_home):
    page = next((Home(demo_home).gx_site / "validations" / "source_delivery").rglob("*.html"))
    browser.events.clear()
    browser.open(page.as_uri())
    assert browser.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse") == "collapse"
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('.fa, .fas')).fontFamily").find(
            "Font Awesome"
        )
        >= 0
    )
    assert remote_requests(browser) == [] and browser.errors == []
