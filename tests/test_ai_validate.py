"""Validation of profile copy: good copy passes, each bad case is refused with a reason."""
import pytest

from anchor.ai.invented import invented_names
from anchor.ai.validate import cliches, data_names, lines_from_tool, validate_copy
from tests.ai_fixtures import sample_profile_data

GOOD_BIO = ("Fela Kuti leads the list for Nadia K., and he is the only artist with two albums "
            "here, “Zombie” from 1976 and “Expensive Shit” from the year before. Alice Coltrane "
            "follows with Journey in Satchidananda, the oldest record at 1971. Across the "
            "Seventies and into 2014, when Tony Allen released Film of Life, the albums lean on "
            "long grooves and drummers.")
GOOD_LINES = {
    "al1": "“Zombie” by Fela Kuti holds the top-ranked track on the list.",
    "al2": "Alice Coltrane in 1971, with two tracks among the top tracks.",
    "al3": "A second Fela Kuti album from 1975, ranked ninth at best.",
    "al4": "Film of Life is the newest record here, from 2014.",
}


def check(bio=GOOD_BIO, lines=None, data=None):
    return validate_copy(data or sample_profile_data(), bio, GOOD_LINES if lines is None else lines)


def with_line(album_id, line):
    return {**GOOD_LINES, album_id: line}


def test_good_copy_passes():
    assert 200 <= len(GOOD_BIO) <= 600
    assert check() == []


@pytest.mark.parametrize("bio", [
    "Most of the list belongs to Fela Kuti. Both of his albums sit near the top, and “Zombie” "
    "holds the best-ranked track. Alice Coltrane and Tony Allen fill in the rest, from 1971 to "
    "2014. In the Seventies three of the four albums came out, in March or June, on LP.",
    "Nadia K. plays Fela Kuti more than anyone: Zombie and Expensive Shit both appear, one year "
    "apart. Heavy rotation also goes to Alice Coltrane. Meanwhile Tony Allen, who drummed for "
    "Fela Kuti, brings the only recent album, Film of Life. Spotify ranks these by recent plays.",
])
def test_realistic_copy_with_real_names_passes(bio):
    assert check(bio=bio) == []


@pytest.mark.parametrize("bio, lines, expected", [
    ("Too short. " * 5, None, "it must be 200–600"),
    (GOOD_BIO + " More." * 100, None, "it must be 200–600"),
    (None, with_line("al1", "Zombie " * 20), "it must be 16–120"),
    (None, with_line("al1", "   "), "is empty"),
    (None, {k: v for k, v in GOOD_LINES.items() if k != "al2"}, "album al2"),
    (None, with_line("al9", "An album that is not here."), "al9 is not one of the listed albums"),
    (None, with_line("al1", "Zombie, see open.spotify.com for more."), "web address"),
    (None, with_line("al1", "Zombie at https://x.test/zombie"), "web address"),
    (None, with_line("al1", "Zombie at www.example.org/zombie"), "web address"),
    (None, with_line("al1", "Zombie on fela.fm forever"), "web address"),
    (None, with_line("al1", "Zombie <b>hot</b>"), "markup"),
    (None, with_line("al1", "Zombie <img src=x onerror=alert(1)>"), "markup"),
    (None, with_line("al1", "Zombie &lt;script&gt;"), "markup"),
    (None, with_line("al1", "Zombie <!-- note -->"), "markup"),
    (None, with_line("al1", "Zombie javascript:alert(1)"), "markup"),
    (None, with_line("al1", "Zombie\nby Fela Kuti"), "control character"),
    (GOOD_BIO.replace("drummers.", "drummers.\u0007"), None, "control character"),
    (None, with_line("al1", "Zombie \u202eby Fela Kuti"), "control character"),
    (None, with_line("al1", "Zombie is loud!"), "exclamation mark"),
    (None, with_line("al1", "Zombie 🔥🔥 every time"), "emoji"),
    (None, with_line("al1", "Zombie 🎷 🥁 every time"), "emoji"),
])
def test_bad_copy_is_refused(bio, lines, expected):
    reasons = check(bio=bio or GOOD_BIO, lines=lines)
    assert any(expected in r for r in reasons), reasons


def test_a_single_emoji_is_refused_but_not_in_a_data_name():
    assert any("emoji" in r for r in check(lines=with_line("al1", "Zombie by Fela Kuti 👍🏽")))
    data = sample_profile_data()
    data["albums"][0]["name"] = "Zombie 🧟"
    assert check(lines=with_line("al1", "“Zombie 🧟” by Fela Kuti, from 1976."), data=data) == []


@pytest.mark.parametrize("phrase", [
    "sonic journey", "eclectic", "tapestry", "vibes", "curated", "eclectic taste",
    "impeccable taste", "musical journey", "genre-defying", "delve", "testament to",
    "a must-listen", "incredible taste", "true connoisseur",
])
def test_each_cliche_is_refused(phrase):
    bio = GOOD_BIO.replace("the albums lean on", f"the albums, {phrase.upper()} aside, lean on")
    reasons = check(bio=bio)
    assert any(phrase in r and "stock or flattering" in r for r in reasons), reasons


def test_cliches_match_on_word_boundaries_only():
    assert check(lines=with_line("al1", "Zombie, delivered with heat by Fela Kuti.")) == []


def test_cliche_list_ignores_comments_and_blank_lines():
    phrases = [p for p, _ in cliches()]
    assert "sonic journey" in phrases and "impeccable" in phrases
    assert not any(p.startswith("#") or not p for p in phrases)


def test_names_from_the_data_excuse_tone_checks_but_not_markup():
    data = sample_profile_data()
    data["albums"][0]["name"] = "Panic! Vibes"
    bio = GOOD_BIO.replace("Zombie", "Panic! Vibes")
    assert check(bio=bio, lines=with_line("al1", "“Panic! Vibes” by Fela Kuti."), data=data) == []
    data["albums"][0]["name"] = "<script>alert(1)</script>"
    reasons = check(lines=with_line("al1", "“<script>alert(1)</script>”"), data=data)
    assert any("markup" in r for r in reasons)


@pytest.mark.parametrize("text, invented", [
    ("Nadia K. also loves “Bitches Brew” by Fela Kuti.", ["Bitches Brew"]),
    ("The list opens with Miles Davis and Fela Kuti.", ["Miles Davis"]),
    ("Zombie sits next to Radiohead in the list.", ["Radiohead"]),
    ("Radiohead's records top the list.", ["Radiohead"]),
    ("BTS tops the list.", ["BTS"]),
    ("Miles Davis is absent, although Davis is a town.", ["Davis"]),
    ("Producer Rudy Van Gelder and Richard D. James made it.", ["Rudy Van Gelder", "Richard", "James"]),
    ("Hazy and warm: 坂本龍一 and “Midnight Sun”.", ["Midnight Sun", "坂本龍一"]),
    ("Kind of Blue comes next, after “Kind of Blue”.", ["Kind of Blue", "Blue", "Kind"]),
    ("Then Velvet Harbour closes the record.", ["Velvet Harbour"]),
    ("It ends with the Fela Kuti album Midnight Sun.", ["Midnight Sun"]),
    ("The Velvet Underground and Fela Kuti share space.", ["Velvet Underground"]),
])
def test_invented_names_are_found(text, invented):
    assert invented_names(text, data_names(sample_profile_data())) == invented


@pytest.mark.parametrize("text", [
    "Between 1971 and 2014 the list moves from Alice Coltrane to Tony Allen.",
    "Their list leans on Fela Kuti's long Seventies records.",
    "Tony Allen's Film of Life is the newest; Zombie is the most played.",
    "Heavy drums run through it. Long tracks too.",
    "In March and June the LP count grows; Expect Nigerian and West African drummers.",
    "Warm horns open it. Dusky, slow Seventies grooves follow, Lagos to London.",
    "Think Detroit techno; Warm New Orleans brass. Expect Puerto Rican and Soviet echoes.",
    "Fela Kuti's “Zombie” leads; Fender Rhodes and Afrobeat horns, Fela Kuti's Second aside.",
    "Nadia plays Fela Kuti most, Alice Coltrane second.",
    "Expensive Shit and Zombie, both by Fela, came out a year apart.",
])
def test_plain_copy_has_no_invented_names(text):
    assert invented_names(text, data_names(sample_profile_data())) == []


def test_non_latin_names_are_checked_by_case_not_script():
    names = data_names({"handle": "k", "artists": [{"name": "Кино"}, {"name": "坂本龍一"}],
                        "albums": [{"name": "Группа крови", "artists": ["Кино"]}]})
    assert invented_names("Кино leads, with Группа крови and 坂本龍一 close behind.", names) == []
    assert invented_names("Кино leads, ahead of Аквариум.", names) == ["Аквариум"]
    assert invented_names("坂本龍一 and 細野晴臣 share the list.", names) == ["細野晴臣"]


@pytest.mark.parametrize("bio, line, invented", [
    (GOOD_BIO.replace("Tony Allen released", "Tony Allen and Miles Davis released"), None,
     "Miles Davis"),
    (None, "“Bitches Brew” by Fela Kuti.", "Bitches Brew"),
])
def test_invented_album_and_artist_are_refused(bio, line, invented):
    reasons = check(bio=bio or GOOD_BIO, lines=with_line("al1", line) if line else None)
    assert any(f'"{invented}"' in r and "not in the listening data" in r for r in reasons), reasons


def test_lines_from_tool_builds_dict_and_catches_duplicates_and_junk():
    lines, reasons = lines_from_tool([
        {"albumId": "al1", "line": "one"}, {"albumId": "al1", "line": "again"},
        {"albumId": "al2"}, "junk"])
    assert lines == {"al1": "one"}
    assert any("more than one line" in r for r in reasons)
    assert sum("lacks a text albumId or line" in r for r in reasons) == 2
    assert lines_from_tool(None) == ({}, ["albumLines is missing or is not a list"])


def test_validate_copy_accepts_tool_list_and_reports_duplicates():
    items = [{"albumId": k, "line": v} for k, v in GOOD_LINES.items()]
    assert check(lines=items) == []
    reasons = check(lines=items + [{"albumId": "al1", "line": "Zombie again."}])
    assert any("al1 has more than one line" in r for r in reasons)


def test_bio_that_is_not_text_is_refused():
    assert any("not text" in r for r in validate_copy(sample_profile_data(), None, GOOD_LINES))


def test_no_albums_means_no_lines():
    data = {**sample_profile_data(), "albums": []}
    assert any("al1 is not one of" in r for r in check(data=data))
    bio = ("Fela Kuti leads the artist list for Nadia K., with Alice Coltrane second and Tony "
           "Allen third. No albums are showing on the page at the moment, so the artist ranks are "
           "all there is to go on, and they stay in the order Spotify gives them.")
    assert check(data=data, lines={}, bio=bio) == []


def test_the_word_table_is_wordfreqs_and_every_check_answers_as_on_the_whole_list():
    """anchor/ai/word-frequencies.tsv.gz holds the part of wordfreq's English list the checks can
    tell apart (scripts/word_table.py writes it). A wordfreq upgrade without a new table fails."""
    import math
    import random

    from wordfreq import get_frequency_dict

    from anchor.ai import invented, lexicon

    assert lexicon._frequencies() == lexicon.frequency_table(), "run scripts/word_table.py"
    assert min(invented.ORDINARY_ZIPF, invented.FUNCTION_ZIPF, 5.0) >= lexicon.EXACT_FROM_ZIPF
    whole = get_frequency_dict("en", wordlist="best")
    words = [w for w in whole if lexicon.fold(w) == w]
    for word in random.Random(3).sample(words, 30000) + ["the", "warm", "dusky", "expect", "mozart"]:
        full, compact = round(math.log10(whole[word]) + 9, 2), lexicon.zipf(word)
        adjective = invented._ADJ_SUFFIX.search(word) is not None
        assert (compact >= invented.ORDINARY_ZIPF) == (full >= invented.ORDINARY_ZIPF), word
        assert (compact >= invented.FUNCTION_ZIPF) == (full >= invented.FUNCTION_ZIPF), word
        assert (compact < 5.0) == (full < 5.0), word
        assert (compact > 0 and adjective) == (full > 0 and adjective), word
    assert lexicon.zipf("zqxjvbkw") == 0.0
