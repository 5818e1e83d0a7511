"""Year pages (`/<handle>/<yyyy>`): storage beside the profile, render on write, the visitor's
item, 404s, the owner's controls, the timeline and the feed."""
import gzip
import re

import pytest

from anchor.models.pages import PageModel
from anchor.models.years import YearModel, year_key, year_page_key
from anchor.pages import charts, render
from anchor.profiles import imports, service, writes, years
from anchor.sources import upload
from tests.page_fixtures import owner, read_units  # noqa: F401 (fixtures)
from tests.web_helpers import post
from tests.year_data import BERLIN, make_year, make_years

GZIP = {"Accept-Encoding": "gzip"}


def give_years(app, handle, data, timezone=BERLIN):
    """Store `data` as an import does: the year items, then the profile write that names them."""
    with app.app_context():          # the write path renders (render on write) in an app
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
    with app.app_context():
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


def table_numbers(html, css_class):
    """The numbers in a chart's table, row by row."""
    table = re.search(rf'<table class="{css_class}">(.*?)</table>', html, re.S).group(1)
    body = table.split("<tbody>")[1]
    return [[int(n) for n in re.findall(r"<td>(\d+)</td>", row)] for row in body.split("</tr>") if "<td>" in row]


def test_a_cold_view_of_a_year_is_one_read_of_half_a_unit_with_the_page_headers(app, owner, read_units):
    give_years(app, "nadia", make_years(seed=4))
    read_units.clear()
    visitor = app.test_client()
    answer = visitor.get("/nadia/2020", headers=GZIP)
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert read_units == [("PAGE#nadia/2020", False, 0.5)]
    assert len(answer.data) <= 4096                     # one eventually consistent read unit's half
    assert answer.headers["Cache-Control"].startswith("public") and answer.headers["ETag"].startswith('W/"')
    again = visitor.get("/nadia/2020", headers={**GZIP, "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    html = gzip.decompress(answer.data).decode()
    assert '<meta property="og:title" content="nadia' in html or "og:title" in html
    assert 'rel="canonical" href="http://' in html and "/nadia/2020" in html


def test_the_year_page_shows_the_years_numbers_and_no_clock_until_the_owner_turns_it_on(app, owner):
    data = make_years(seed=5)
    data["2020"]["artists"][1]["firstPlayed"] = "2020-03-02"
    data["2020"]["artists"][2]["firstPlayed"] = "2018-03-02"
    give_years(app, "nadia", data)
    status, html = page(app.test_client(), "/nadia/2020")
    assert status == 200
    assert f'{data["2020"]["minutes"]:,} minutes' in html
    assert [row[0] for row in table_numbers(html, "months-table")] == data["2020"]["months"]
    assert "<title id=\"months-svg-title\">" in html and "<desc id=\"months-svg-desc\">" in html
    assert "Listening clock" not in html                      # off by default
    discovered = re.search(r'<h2 id="discovered-title">.*?<p>(.*?)</p>', html, re.S).group(1)
    assert data["2020"]["artists"][1]["name"] in discovered
    assert data["2020"]["artists"][2]["name"] not in discovered
    assert "<script" not in html.split("</head>")[1].split("<footer")[0]
    assert ' style="' not in html
    post(owner, "/dashboard/years", {"shown": ["2019", "2020", "2021"], "clock": "on"})
    status, html = page(app.test_client(), "/nadia/2020")
    assert "Listening clock" in html and "Times in Europe/Berlin" in html
    assert table_numbers(html, "clock-table") == data["2020"]["clock"]


@pytest.mark.parametrize("path", ["/nadia/0999", "/nadia/abcd", "/nadia/20190", "/nadia/2018", "/nadia/201",
                                  "/nobody/2020"])
def test_a_year_not_in_the_data_or_not_a_year_is_the_same_404(app, owner, path):
    give_years(app, "nadia", make_years(seed=6))
    missing = app.test_client().get("/nobody-at-all/feed.xml")
    answer = app.test_client().get(path)
    assert answer.status_code == 404 and answer.data == missing.data


def test_a_handle_with_no_years_has_no_timeline_and_no_year_pages(app, owner):
    status, html = page(app.test_client(), "/nadia")
    assert status == 200 and "Year by year" not in html
    assert app.test_client().get("/nadia/2020").status_code == 404
    assert app.test_client().get("/dashboard").status_code in (200, 302)
    assert "Your years" not in owner.get("/dashboard").get_data(as_text=True)


def test_the_timeline_lists_visible_years_newest_first_with_their_top_artist_and_the_feed_links_them(app, owner):
    data = make_years(seed=7)
    give_years(app, "nadia", data)
    status, html = page(app.test_client(), "/nadia")
    timeline = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert re.findall(r'href="/nadia/(\d{4})"', timeline) == ["2021", "2020", "2019"]
    assert data["2021"]["artists"][0]["name"] in timeline
    feed = app.test_client().get("/nadia/feed.xml").get_data(as_text=True)
    assert re.findall(r'<link href="(http://[^"]+/nadia/\d{4})"', feed)[0].endswith("/nadia/2021")
    assert "2021 in music</title>" in feed and "/nadia/2019" in feed


def test_the_owner_hides_a_year_plain_and_over_htmx_and_its_page_goes(app, owner):
    give_years(app, "nadia", make_years(seed=8))
    assert app.test_client().get("/nadia/2019").status_code == 200
    answer = post(owner, "/dashboard/years", {"shown": ["2020", "2021"]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#years-card")
    assert app.test_client().get("/nadia/2019").status_code == 404
    assert PageModel.get(year_page_key("nadia", "2019")).pageGz is None
    assert "/nadia/2019" not in page(app.test_client(), "/nadia")[1]
    answer = post(owner, "/dashboard/years", {"shown": ["2019", "2020", "2021"]}, htmx=True)
    assert answer.status_code == 200 and "Your year pages show your choices now" in answer.get_data(as_text=True)
    assert app.test_client().get("/nadia/2019").status_code == 200
    refused = post(owner, "/dashboard/years", {"shown": ["1999"]}, htmx=True)
    assert "That year is not on your page" in refused.get_data(as_text=True)
    assert app.test_client().get("/nadia/2019").status_code == 200


def test_the_year_choices_need_csrf_and_a_signed_in_owner(app, owner):
    give_years(app, "nadia", make_years(seed=8))
    assert owner.post("/dashboard/years", data={"shown": ["2020"]}).status_code == 400
    assert app.test_client().post("/dashboard/years", data={"shown": ["2020"]}).status_code in (302, 400, 401)
    assert app.test_client().get("/nadia/2019").status_code == 200


def test_unpublishing_takes_the_year_pages_down_and_a_newer_upload_replaces_the_years(app, owner):
    give_years(app, "nadia", make_years(seed=9))
    post(owner, "/dashboard/unpublish", {})
    assert app.test_client().get("/nadia/2020").status_code == 404
    post(owner, "/dashboard/publish", {})
    assert app.test_client().get("/nadia/2020").status_code == 200
    give_years(app, "nadia", make_years(seed=10, years=(2021, 2022)))
    assert app.test_client().get("/nadia/2020").status_code == 404
    assert app.test_client().get("/nadia/2022").status_code == 200
    assert YearModel.get(year_key("nadia", "2020")).data is None        # emptied, not left behind
    assert service.get("nadia").years["gone"] == ["2019", "2020"]


def test_odd_years_render_without_inventing_data(app, owner):
    rng = __import__("random").Random(11)
    ten_plays = make_year(rng, 2016, 2016, artists=2, albums=0, months=[0, 0, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0],
                          clock=[[0] * 24 for _ in range(7)])
    ten_plays.update(plays=10, days=1, first="2016-06-03", last="2016-06-03")
    ten_plays["artists"][0]["name"] = '<script>alert("x")</script> & "Quotes"'
    empty = make_year(rng, 2017, 2016, artists=0, albums=0, months=[0] * 12, clock=[[0] * 24 for _ in range(7)])
    give_years(app, "nadia", {"2016": ten_plays, "2017": empty})
    post(owner, "/dashboard/years", {"shown": ["2016", "2017"], "clock": "on"})
    status, html = page(app.test_client(), "/nadia/2016")
    assert status == 200
    assert html.count('<rect class="bar"') == 1                       # one month with plays, one bar
    assert "No plays to show on the clock." in html and 'class="cell' not in html
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;alert" in html
    assert "1 day with music" in html
    status, html = page(app.test_client(), "/nadia/2017")
    assert status == 200 and "No plays to chart this year." in html and '<rect class="bar"' not in html


def test_an_upload_stores_its_years_out_of_the_profile_item(app, owner, monkeypatch, tmp_path):
    data = make_years(seed=12)

    def with_years(path, progress=None):
        found = real(path, progress=progress)
        return {**found, "years": data, "timezone": BERLIN}
    real = upload.import_export
    monkeypatch.setattr(upload, "import_export", with_years)
    from devstack.spotify_export import write_export
    path = write_export(tmp_path / "my_spotify_data.zip", kind="extended", plays=800, years=2, seed=3)
    with app.app_context():
        assert imports.import_now("spotify:nadia", "nadia", path) == imports.DONE
    profile = service.get("nadia")
    assert "years" not in profile.listening and "timezone" not in profile.listening
    assert YearModel.get(year_key("nadia", "2021")).data == data["2021"]
    assert app.test_client().get("/nadia/2021").status_code == 200


def test_charts_draw_zero_bars_for_silent_months_and_read_broken_numbers_as_zero():
    months = charts.months_chart([0, 5, None, -3, "x", True, 10])
    assert [bar["value"] for bar in months["bars"]] == [0, 5, 0, 0, 0, 0, 10] + [0] * 5
    assert [bar["height"] > 0 for bar in months["bars"]] == [False, True] + [False] * 4 + [True] + [False] * 5
    assert charts.months_chart([0] * 12)["empty"] and charts.clock_chart([])["empty"]
    clock = charts.clock_chart([[0] * 23 + [4]] + [[1] * 24] * 6)
    assert clock["busiest"] == "Mondays around 23:00" and clock["total"] == 4 + 6 * 24
    assert {cell["level"] for cell in clock["cells"]} == {0, 1, 4}


def test_purge_deletes_the_years_and_their_pages_with_the_profile(refresh_app, spotify_sandbox):
    from datetime import timedelta

    from anchor import clock
    from anchor.profiles import lifecycle
    from anchor.refresh.purge import purge
    from tests.refresh_fixtures import T0, connect
    clock.freeze(T0 - timedelta(days=31))
    profile = connect(spotify_sandbox, "nadia", "nadia")
    writes.write(profile, years.store(profile, make_years(seed=13, years=(2019, 2020)), BERLIN), bump=True)
    profile = service.get("nadia")
    writes.write(profile, years.store(profile, make_years(seed=14, years=(2020,)), BERLIN), bump=True)
    assert PageModel.get(year_page_key("nadia", "2020")).isPublic
    lifecycle.soft_delete(service.get("nadia"), "nadia")
    assert not PageModel.get(year_page_key("nadia", "2020")).isPublic     # taken down with the page
    clock.freeze(T0)
    assert purge() == 1
    for key in (year_key("nadia", "2019"), year_key("nadia", "2020"), year_page_key("nadia", "2019"),
                year_page_key("nadia", "2020")):
        with pytest.raises(PageModel.DoesNotExist if key.startswith("PAGE") else YearModel.DoesNotExist):
            (PageModel if key.startswith("PAGE") else YearModel).get(key, consistent_read=True)


def test_a_new_render_version_is_written_back_by_the_first_view_over_the_page_it_read(app, owner, monkeypatch):
    give_years(app, "nadia", make_years(seed=15))
    before = PageModel.get(year_page_key("nadia", "2020"))
    monkeypatch.setenv("ANCHOR_RELEASE", "a-later-release")
    render.forget_versions()
    answer = app.test_client().get("/nadia/2020")
    assert answer.status_code == 200
    after = PageModel.get(year_page_key("nadia", "2020"), consistent_read=True)
    assert after.pageRender != before.pageRender and after.isPublic
    with app.app_context():
        assert render.is_current(after)


def test_only_a_change_a_year_page_shows_renders_the_years_again(app, owner, monkeypatch):
    from anchor.pages import years as year_pages
    give_years(app, "nadia", make_years(seed=16))
    reads = []
    original = year_pages.read_year
    monkeypatch.setattr(year_pages, "read_year", lambda handle, year: reads.append(year) or original(handle, year))
    with app.app_context():
        writes.write(service.get("nadia"), {"bio": "A bio the year pages do not show."})
        assert reads == []
        writes.write(service.get("nadia"), {"displayName": "Nadia <Years>"})
    assert sorted(reads) == ["2019", "2020", "2021"]
    html = gzip.decompress(PageModel.get(year_page_key("nadia", "2019"), consistent_read=True).pageGz).decode()
    assert "Nadia &lt;Years&gt;&#39;s 2019 in music" in html or "Nadia &lt;Years&gt;" in html
