"""Year pages, the rest: years counted in listens (ListenBrainz), years from a source refresh."""
import gzip
import re

from anchor.models.pages import PageModel
from anchor.models.years import YearModel, year_key, year_page_key
from anchor.profiles import listening, service, writes, year_copy, years
from anchor.refresh import engine
from tests.page_fixtures import owner  # noqa: F401 (a fixture)
from tests.refresh_fixtures import connect
from tests.web_helpers import post
from tests.year_data import BERLIN, make_listens_years, make_years

UTC = {"zone": "UTC", "from": "none"}


def give_years(app, handle, data, timezone=UTC):
    with app.app_context():
        profile = service.get(handle)
        return writes.write(profile, years.store(profile, data, timezone), bump=True)


def numbers(html, css_class):
    table = re.search(rf'<table class="{css_class}">(.*?)</table>', html, re.S).group(1)
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", table)]


def test_a_year_in_listens_says_listens_everywhere_and_never_none_or_zero_minutes(app, owner):
    data = make_listens_years(seed=21)
    profile = give_years(app, "nadia", data)
    assert profile.years["list"]["2020"]["unit"] == "listens"
    assert profile.years["list"]["2020"]["minutes"] is None and profile.years["list"]["2020"]["days"] is None
    post(owner, "/dashboard/years", {"shown": ["2019", "2020", "2021"], "clock": "on"})
    html = app.test_client().get("/nadia/2020").get_data(as_text=True)
    listens = data["2020"]["plays"]
    assert f"<strong>{listens:,} listens</strong>" in html
    assert "None" not in html and "minutes" not in html.lower().replace("minutes-", "")
    assert "Listens per month" in html and f"{listens:,} listens in all" in html
    assert '<th scope="col">Listens</th>' in html and "Listens per month in 2020</title>" in html
    assert numbers(html, "months-table") == data["2020"]["months"]
    assert "Listens by weekday and hour in 2020" in html and "listens; the busiest hour" in html
    assert f"2020 in music: {listens:,} listens, top artist" in html       # description
    top = data["2020"]["artists"][0]
    assert f'{top["plays"]:,} listens</span>' in html and " plays</span>" not in html   # the rows too
    feed = app.test_client().get("/nadia/feed.xml").get_data(as_text=True)
    assert f"{listens:,} listens in 2020." in feed and "None" not in feed
    assert "minutes of music in 2020" not in feed


def test_an_uploaded_year_stays_in_minutes(app, owner):
    data = make_years(seed=22)
    give_years(app, "nadia", data, BERLIN)
    html = app.test_client().get("/nadia/2020").get_data(as_text=True)
    assert f"<strong>{data['2020']['minutes']:,} minutes</strong> · {data['2020']['plays']:,} plays" in html
    assert "Minutes per month" in html and "<th scope=\"col\">Minutes</th>" in html and "listens" not in html
    feed = app.test_client().get("/nadia/feed.xml").get_data(as_text=True)
    assert f"{data['2020']['minutes']:,} minutes of music in 2020." in feed


def test_a_listens_year_with_no_listens_draws_no_chart(app, owner):
    data = make_listens_years(seed=23, years=(2020,))
    data["2020"].update(months=[0] * 12, plays=0)
    give_years(app, "nadia", data)
    html = app.test_client().get("/nadia/2020").get_data(as_text=True)
    assert "No listens to chart this year." in html and "<svg" not in html and "None" not in html


def with_years(monkeypatch, found, zone=UTC):
    """The source's answer, plus `found` as its `years` (None: an answer without years)."""
    fetch = listening.fetch

    def fetched(profile, calls):
        data = fetch(profile, calls)
        if found is not None:
            data.update(years=found, timezone=zone)
        return data
    monkeypatch.setattr(listening, "fetch", fetched)


def test_a_refresh_that_returns_years_stores_them_and_renders_their_pages(refresh_app, spotify_sandbox,
                                                                          monkeypatch):
    connect(spotify_sandbox, "nadia", "nadia")
    data = make_listens_years(seed=24)
    with_years(monkeypatch, data)
    assert engine.refresh_profile("nadia", "scheduled").outcome == "refreshed"
    profile = service.get("nadia")
    assert "years" not in profile.listening and "timezone" not in profile.listening
    assert sorted(profile.years["list"]) == ["2019", "2020", "2021"]
    assert YearModel.get(year_key("nadia", "2021")).data == data["2021"]
    html = gzip.decompress(PageModel.get(year_page_key("nadia", "2021")).pageGz).decode()
    assert f"{data['2021']['plays']:,} listens" in html
    # The next answer lacks 2019 (its statistics failed, or the source reads two years only) and
    # has more 2021: 2019's item and page stay, 2021 is replaced.
    newer = {**data["2021"], "plays": data["2021"]["plays"] + 7}
    with_years(monkeypatch, {"2020": data["2020"], "2021": newer})
    engine.refresh_profile("nadia", "scheduled")
    assert YearModel.get(year_key("nadia", "2019")).data == data["2019"]
    assert PageModel.get(year_page_key("nadia", "2019")).isPublic
    assert sorted(service.get("nadia").years["list"]) == ["2019", "2020", "2021"]
    assert YearModel.get(year_key("nadia", "2021")).data == newer
    html = gzip.decompress(PageModel.get(year_page_key("nadia", "2021")).pageGz).decode()
    assert f"{newer['plays']:,} listens" in html


def test_a_sources_years_sit_beside_an_uploads_each_on_its_own_clock(refresh_app, spotify_sandbox, monkeypatch):
    profile = connect(spotify_sandbox, "nadia", "nadia")
    uploaded = make_years(seed=25)                       # 2019-2021, minutes, Berlin
    writes.write(profile, years.store(profile, uploaded, BERLIN), bump=True)
    counted = make_listens_years(seed=27)
    with_years(monkeypatch, {"2021": counted["2021"]}, zone={"zone": "UTC", "from": "source"})
    assert engine.refresh_profile("nadia", "scheduled").outcome == "refreshed"
    listed = service.get("nadia").years["list"]
    assert sorted(listed) == ["2019", "2020", "2021"]
    assert YearModel.get(year_key("nadia", "2020")).data == uploaded["2020"]
    assert listed["2020"]["zone"]["zone"] == "Europe/Berlin" and listed["2021"]["zone"]["zone"] == "UTC"
    with refresh_app.app_context():
        from anchor.pages.year_view import zone_text
        profile = service.get("nadia")
        assert "Europe/Berlin" in zone_text(profile, "2020")
        assert zone_text(profile, "2021") == "Times in UTC, as your music service counts them."


def test_a_refresh_without_years_leaves_the_stored_years_and_renders_no_year(refresh_app, spotify_sandbox,
                                                                            monkeypatch):
    from anchor.pages import years as year_pages
    profile = connect(spotify_sandbox, "nadia", "nadia")
    uploaded = make_years(seed=25)
    writes.write(profile, years.store(profile, uploaded, BERLIN), bump=True)
    year_copy.update(service.get("nadia"))              # the import's copy job wrote the years' words
    before = service.get("nadia").years
    reads = []
    original = year_pages.read_year
    monkeypatch.setattr(year_pages, "read_year", lambda handle, year: reads.append(year) or original(handle, year))
    with_years(monkeypatch, None)
    assert engine.refresh_profile("nadia", "scheduled").outcome == "refreshed"
    assert service.get("nadia").years == before and reads == []
    assert YearModel.get(year_key("nadia", "2020")).data == uploaded["2020"]
    assert PageModel.get(year_page_key("nadia", "2020")).isPublic


def test_lighthouse_scores_the_newest_year_page_the_timeline_links(app, owner):
    from bench.lighthouse import UPLOAD, newest_year
    assert UPLOAD == "streaming-history"            # the seeded upload page (anchor/demo.py)
    assert newest_year(app.test_client().get("/nadia").get_data(as_text=True), "nadia") is None
    give_years(app, "nadia", make_years(seed=26))
    html = app.test_client().get("/nadia").get_data(as_text=True)
    assert newest_year(html, "nadia") == "/nadia/2021"
    assert app.test_client().get(newest_year(html, "nadia")).status_code == 200


def test_the_seeded_upload_export_spans_at_least_three_calendar_years(tmp_path):
    import json
    import zipfile

    from devstack.spotify_export import write_export
    path = write_export(tmp_path / "my_spotify_data.zip", plays=4000, seed=11)     # as seed_upload asks
    with zipfile.ZipFile(path) as download:
        found = {row["ts"][:4] for name in download.namelist() if name.endswith(".json") and "Audio" in name
                 for row in json.loads(download.read(name))}
    assert len(found) >= 3
