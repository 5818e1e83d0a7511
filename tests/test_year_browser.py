"""A year page on a phone (390×844): its height, axe in light and dark, no console errors, and the
charts' tables holding the same numbers as the year's data."""
import base64

import pytest

from tests.browser_flows import published_profile
from tests.test_accessibility import run_axe
from tests.year_data import BERLIN, make_years

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_BUDGET = 2600
# The test data's covers point at Spotify's image host; the browser gets a 1×1 GIF instead.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _covers(page):
    page.route("https://i.scdn.co/**", lambda route: route.fulfill(status=200, content_type="image/gif", body=PIXEL))
    return page


def _store(app, handle, data):
    from anchor.profiles import service, writes, years
    with app.app_context():
        profile = service.get(handle)
        writes.write(profile, years.store(profile, data, BERLIN), bump=True)
        profile = service.get(handle)
        years.set_prefs(profile, list(data), clock=True)


def test_a_year_page_on_a_phone(live_server, new_context, axe_script):
    owner = new_context(viewport=PHONE).new_page()
    handle = published_profile(owner, live_server.url, "nadia")
    data = make_years(seed=21, years=(2019, 2020, 2021))
    _store(live_server.app, handle, data)
    phone = _covers(new_context(viewport=PHONE).new_page())
    errors = []
    phone.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    phone.goto(f"{live_server.url}/{handle}")
    assert phone.locator("section.timeline li a").all_text_contents() == ["2021", "2020", "2019"]
    phone.locator("section.timeline a", has_text="2020").click()
    phone.wait_for_url(f"**/{handle}/2020")
    months = [int(n) for n in phone.locator("table.months-table tbody td").all_text_contents()]
    assert months == data["2020"]["months"]
    cells = [int(n) for n in phone.locator("table.clock-table tbody td").all_text_contents()]
    assert cells == [value for row in data["2020"]["clock"] for value in row]
    assert phone.locator("svg.chart.months rect.bar").count() == sum(1 for m in data["2020"]["months"] if m)
    for scheme in ("light", "dark"):
        phone.emulate_media(color_scheme=scheme)
        height = phone.evaluate("document.documentElement.scrollHeight")
        print(f"year page at 390 px ({scheme}): {height} px")
        assert height <= PAGE_BUDGET, f"the year page is {height} px high at 390 px ({scheme})"
    assert errors == []
    audit = _covers(new_context(viewport=PHONE, bypass_csp=True).new_page())
    audit.goto(f"{live_server.url}/{handle}/2020")
    for scheme in ("light", "dark"):
        audit.emulate_media(color_scheme=scheme)
        violations = run_axe(audit, axe_script, f"year-{scheme}")
        assert violations == [], [v["id"] for v in violations]
