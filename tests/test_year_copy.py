"""A year's copy: at most two fact sentences from the year's numbers, checked like the bio, written
by the copy job (off the request) and shown on the year page under the totals."""
import gzip
import random

import pytest

from anchor.ai.year_copy import offline_year_copy, year_names, year_problems
from anchor.models.pages import PageModel
from anchor.models.years import year_page_key
from anchor.profiles import imports, service, writes, year_copy, years
from tests.page_fixtures import owner  # noqa: F401 (a fixture)
from tests.web_helpers import post
from tests.year_data import BERLIN, make_listens_years, make_year


def a_year(seed=1, year=2020):
    data = make_year(random.Random(seed), year, 2018, artists=6, albums=4)
    data["months"] = [100, 0, 900, 50, 0, 0, 0, 0, 0, 0, 0, 10]
    data["minutes"] = sum(data["months"])
    data["artists"][0].update(name="Nina Simone", minutes=318, firstPlayed="2016-01-01")   # 3 in 10
    for index, artist in enumerate(data["artists"][1:], start=1):
        artist["firstPlayed"] = "2019-05-01" if index != 2 else "2020-05-01"
    return data


def write(year, data):
    names = year_names("Nadia", "nadia", data["artists"], data["albums"])
    return offline_year_copy(year, data, data["artists"], names)


def test_the_offline_writer_says_two_facts_from_the_numbers():
    data = a_year()
    assert write("2020", data) == ("Nina Simone filled three of every ten minutes of 2020. "
                                   f"{data['artists'][2]['name']} was first played in 2020 and made that "
                                   "year's top artists.")


def test_with_nothing_discovered_the_busiest_month_is_the_second_fact_and_listens_have_no_share():
    data = a_year()
    data["artists"][2]["firstPlayed"] = "2019-01-01"
    assert write("2020", data).endswith("March was the busiest month of 2020, with 900 minutes.")
    listens = make_listens_years(seed=3, years=(2020,))["2020"]
    for artist in listens["artists"]:
        artist["firstPlayed"] = "2019-01-01"
    text = write("2020", listens)
    assert "filled" not in text and " listens." in text and "None" not in text


def test_a_year_with_no_facts_gets_no_copy_and_a_small_share_is_not_rounded_up():
    data = a_year()
    data["artists"][0]["minutes"] = 40            # 4 in 100: "one of every ten" would overstate it
    data["artists"][2]["firstPlayed"] = "2019-01-01"
    data["months"] = [0] * 12
    assert write("2020", data) == ""


def test_a_hostile_name_is_never_quoted():
    data = a_year()
    data["artists"][0]["name"] = "<script>x</script> visit evil.example"
    data["artists"][2]["name"] = "Amazing!!! 🎉🎉🎉"
    text = write("2020", data)
    assert "<script" not in text and "evil.example" not in text and "🎉" not in text
    assert text == "March was the busiest month of 2020, with 900 minutes."


@pytest.mark.parametrize("text, reason", [
    ("Nadia played Radiohead all through 2020.", "not in the listening data"),
    ("Nina Simone led 2020. March was busy. Then came June.", "more than two sentences"),
    ("Nadia has impeccable taste in 2020.", "praises"),
    ("Nina Simone ruled 2020, see evil.com for more.", "web address"),
    ("", "empty"),
])
def test_copy_for_a_year_is_checked_like_the_bio(text, reason):
    data = a_year()
    names = year_names("Nadia", "nadia", data["artists"], data["albums"])
    assert any(reason in problem for problem in year_problems(text, names))


def year_page(year):
    return gzip.decompress(PageModel.get(year_page_key("nadia", year), consistent_read=True).pageGz).decode()


def test_the_copy_job_writes_each_years_words_and_the_page_shows_them_under_the_totals(app, owner):
    data = a_year()
    with app.app_context():
        profile = service.get("nadia")
        profile = writes.write(profile, years.store(profile, {"2020": data}, BERLIN), bump=True)
        assert 'class="year-copy"' not in year_page("2020")
        assert year_copy.update(profile) == ["2020"]
        assert year_copy.update(service.get("nadia")) == []          # up to date: nothing written again
    html = year_page("2020")
    header = html.split('class="year-totals"')[1].split("</header>")[0]
    assert '<p class="year-copy">Nina Simone filled three of every ten minutes of 2020.' in header
    # The owner hides the top artist: the stored words name it, so the page stops showing them at once,
    with app.app_context():
        profile = service.get("nadia")
        writes.write(profile, {"layout": {"hidden": [data["artists"][0]["id"]]}})
        assert "Nina Simone filled" not in year_page("2020")
        assert year_copy.update(service.get("nadia")) == ["2020"]    # and the next job writes new ones
    words = year_page("2020").split('<p class="year-copy">')[1].split("</p>")[0]
    assert words and "Nina Simone" not in words


def test_an_import_writes_the_years_copy_after_the_page(app, owner):
    with app.app_context():
        profile = service.get("nadia")
        writes.write(profile, years.store(profile, {"2020": a_year()}, BERLIN), bump=True)
        imports.write_copy("nadia")
        assert service.get("nadia").years["copy"]["2020"]["provider"] == "offline"
    assert 'class="year-copy"' in year_page("2020")


def words_of(year):
    return year_page(year).split('<p class="year-copy">')[1].split("</p>")[0]


def test_the_owner_writes_and_locks_a_years_words_plain_and_over_htmx_and_clears_them(app, owner):
    data = a_year()
    with app.app_context():
        profile = service.get("nadia")
        profile = writes.write(profile, years.store(profile, {"2020": data}, BERLIN), bump=True)
        year_copy.update(profile)
    assert '2020 (facts from its numbers)</label>' in owner.get("/dashboard").get_data(as_text=True)
    version = service.get("nadia").version
    answer = post(owner, "/dashboard/years/words", {"year": "2020", "words": "My year of night buses.",
                                                    "version": version})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#years-card")
    assert words_of("2020") == "My year of night buses."
    assert '2020 (your words)</label>' in owner.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        writes.write(service.get("nadia"), {"layout": {"hidden": [data["artists"][0]["id"]]}})
        assert year_copy.update(service.get("nadia")) == []       # locked: the copy job keeps them
    assert words_of("2020") == "My year of night buses."
    page = post(owner, "/dashboard/years/words", {"year": "2020", "words": "",
                                                  "version": service.get("nadia").version}, htmx=True)
    assert page.status_code == 200 and "Cleared. Your 2020 page gets its words" in page.get_data(as_text=True)
    assert 'class="year-copy"' not in year_page("2020")
    with app.app_context():
        assert year_copy.update(service.get("nadia")) == ["2020"]
    assert "Nina Simone" not in words_of("2020")


@pytest.mark.parametrize("words, year, message", [
    ("See <script>alert(1)</script>", "2020", "markup"),
    ("Read more at evil.com", "2020", "web address"),
    ("x" * 301, "2020", "the limit is 300"),
    ("Fine words.", "2019", "That year is not on your page."),
    ("Fine words.", "abcd", "That year is not on your page."),
])
def test_bad_words_for_a_year_are_refused_with_a_message_and_nothing_changes(app, owner, words, year, message):
    with app.app_context():
        profile = service.get("nadia")
        writes.write(profile, years.store(profile, {"2020": a_year()}, BERLIN), bump=True)
    before = service.get("nadia").years
    page = post(owner, "/dashboard/years/words", {"year": year, "words": words,
                                                  "version": service.get("nadia").version}, htmx=True)
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert service.get("nadia").years == before


def test_a_stale_form_and_a_missing_csrf_token_change_nothing(app, owner):
    with app.app_context():
        profile = service.get("nadia")
        writes.write(profile, years.store(profile, {"2020": a_year()}, BERLIN), bump=True)
    before = service.get("nadia").years
    stale = post(owner, "/dashboard/years/words", {"year": "2020", "words": "Old form.",
                                                   "version": service.get("nadia").version - 1}, htmx=True)
    assert stale.status_code == 200 and service.get("nadia").years == before
    assert owner.post("/dashboard/years/words", data={"year": "2020", "words": "x", "version": "1"}).status_code == 400
    assert app.test_client().post("/dashboard/years/words", data={"year": "2020"}).status_code in (302, 400, 401)
    assert service.get("nadia").years == before
