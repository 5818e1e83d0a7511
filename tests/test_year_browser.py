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


def _counted_from_the_export(path, year):
    """(minutes per month, plays per weekday × hour) of the year, counted here from the export's
    records: music plays of 30 s or more with an artist, at their end time (`ts`) in the home
    country's zone, minutes floored per month, Monday first."""
    from collections import Counter
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from devstack.spotify_export import load_records
    counted = [r for r in load_records(path) if not (r.get("episode_name") or r.get("spotify_episode_uri")
                                                     or r.get("audiobook_uri"))
               and r["ms_played"] >= 30_000 and r.get("master_metadata_album_artist_name")]
    country = Counter(r["conn_country"] for r in counted).most_common(1)[0][0]
    assert country == "DE"                           # the generator's home country: Berlin's clock
    zone = ZoneInfo("Europe/Berlin")
    month_ms, clock = [0] * 12, [[0] * 24 for _day in range(7)]
    for record in counted:
        local = datetime.fromisoformat(record["ts"].replace("Z", "+00:00")).astimezone(zone)
        if local.year == year:
            month_ms[local.month - 1] += record["ms_played"]
            clock[local.weekday()][local.hour] += 1
    return [ms // 60_000 for ms in month_ms], clock


def test_the_seeded_upload_pages_year_on_a_phone_matches_the_export(live_server, new_context, tmp_path):
    # The demo's upload page, seeded as `flask seed-demo` seeds it; the numbers are counted again
    # here from the same generated export, without the importer.
    from anchor import demo
    from anchor.profiles import service, years as year_store
    from devstack.spotify_export import write_export
    handle = demo.UPLOAD_DEMO[1]
    with live_server.app.app_context():
        assert demo.seed_upload() == "published"
        profile = service.get(handle)               # the owner shows the clock (off by default)
        year_store.set_prefs(profile, list(profile.years["list"]), clock=True)
    export = write_export(tmp_path / "my_spotify_data.zip", **demo.UPLOAD_EXPORT)
    phone = _covers(new_context(viewport=PHONE).new_page())
    phone.goto(f"{live_server.url}/{handle}")
    years = phone.locator("section.timeline li a").all_text_contents()
    assert len(years) >= 3 and years[:3] == ["2024", "2023", "2022"], years
    phone.locator("section.timeline a", has_text="2023").click()
    phone.wait_for_url(f"**/{handle}/2023")
    months = [int(n.replace(",", "")) for n in phone.locator("table.months-table tbody td").all_text_contents()]
    expected, clock = _counted_from_the_export(export, 2023)
    assert months == expected and sum(expected) > 0
    cells = [int(n.replace(",", "")) for n in phone.locator("table.clock-table tbody td").all_text_contents()]
    assert cells == [plays for day in clock for plays in day] and sum(cells) > 0
    assert "Times in Europe/Berlin" in phone.content()
    assert phone.locator("svg.chart.months rect.bar").count() == sum(1 for m in expected if m)
    total = phone.locator(".year-totals strong").text_content()
    assert f"{sum(expected):,} minutes" in total
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height <= PAGE_BUDGET, f"the seeded year page is {height} px high at 390 px"
