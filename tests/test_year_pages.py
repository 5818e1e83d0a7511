"""Year pages (`/<handle>/<yyyy>`): storage beside the profile, render on write, the visitor's
item, 404s, the owner's controls, the timeline and the feed."""
import gzip
import re

import pytest
from botocore.client import BaseClient

from anchor.models.pages import PageModel
from anchor.models.years import YearModel, year_key, year_page_key
from anchor.pages import charts, render
from anchor.profiles import imports, service, writes, years
from anchor.sources import upload
from tests.web_helpers import claim, post
from tests.year_data import BERLIN, make_year, make_years

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def owner(app):
    client = app.test_client()
    claim(client, "nadia")
    post(client, "/dashboard/publish", {})
    with app.app_context():          # the write path renders (render on write) in an app
        yield client
    render.forget_versions()


def give_years(app, handle, data, timezone=BERLIN):
    """Store `data` as an import does: the year items, then the profile write that names them."""
    profile = service.get(handle)
    return writes.write(profile, years.store(profile, data, timezone), bump=True)


def page(client, path):
    answer = client.get(path)
    return answer.status_code, answer.get_data(as_text=True)


def test_each_year_is_stored_in_an_item_of_its_own_and_its_page_in_a_visitor_item(app, owner):
    data = make_years(seed=3)
    profile = give_years(app, "nadia", data)
    assert sorted(profile.years["list"]) == ["2019", "2020", "2021"]
    assert "artists" not in str(profile.years)            # the profile keeps a summary only
    assert profile.years["list"]["2020"]["top"][0]["name"] == data["2020"]["artists"][0]["name"]
    assert YearModel.get(year_key("nadia", "2019")).data == data["2019"]
    stored = PageModel.get(year_page_key("nadia", "2020"))
    assert stored.isPublic and render.is_current(stored)
    html = gzip.decompress(stored.pageGz).decode()
    assert "nadia" in html and "2020 in music" in html
    assert sorted(profile.years["pages"]["etags"]) == ["2019", "2020", "2021"]


def test_a_twenty_year_worst_case_year_item_fits_far_under_the_item_limit(app, owner):
    rng = __import__("random").Random(9)
    long_names = make_year(rng, 2020, 2006)
    for item in long_names["artists"] + long_names["albums"]:
        item["name"] = "N" * 200
        item["image"] = "https://i.scdn.co/image/" + "a" * 200
    give_years(app, "nadia", {str(y): long_names for y in range(2006, 2026)})
    raw = YearModel.get(year_key("nadia", "2010")).serialize()
    assert len(str(raw).encode()) < 100_000          # one year per item: 400 KB is never near
    profile = service.get("nadia")
    assert len(str(profile.years).encode()) < 20_000   # twenty years of 200-character names
    assert len(profile.years["pages"]["etags"]) == 20
