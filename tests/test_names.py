"""One cleaning path for every name: fuzzed names through claim, page, card and log never break."""
import pytest

from anchor.models import ProfileModel
from anchor.text import clean_listening, clean_name
from tests.web_helpers import claim, post

HOSTILE = ["Line one\\nLine two".replace("\\n", "\n"), "\u202eevil\u202c name", "A" * 50_000, "🎸🎸🎸 band 🎸",
           "nul\x00byte", "tab\tand\r\nreturn", "zero\u200bwidth", "  spaced   out  ", "عمرو دياب", "東京事変"]


@pytest.mark.parametrize("raw", HOSTILE)
def test_clean_name_never_keeps_controls_or_bidi(raw):
    cleaned = clean_name(raw)
    assert len(cleaned) <= 200 and cleaned == cleaned.strip()
    assert not any(ch in cleaned for ch in "\n\r\t\x00\u202e\u202c\u200b")
    assert "  " not in cleaned


def test_clean_listening_cleans_every_range_and_drops_nameless_items():
    data = {"source": "x", "ranges": {"month": {"artists": [{"id": "1", "name": "a\nb"}, {"id": "2", "name": "\u202e"}],
                                                "albums": [{"id": "3", "name": "c", "artists": ["d\u202e", "\x00"]}]}}}
    cleaned = clean_listening(data)
    assert cleaned["ranges"]["month"]["artists"] == [{"id": "1", "name": "a b"}]
    assert cleaned["ranges"]["month"]["albums"][0]["artists"] == ["d"]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_display_names_through_claim_page_and_card(app, raw):
    owner = app.test_client()
    claim(owner, "nadia")
    profile = ProfileModel.get("USER#nadia")
    profile.update(actions=[ProfileModel.displayName.set(raw)])   # as a source could have sent it
    post(owner, "/dashboard/publish", {})
    visitor = app.test_client()
    page = visitor.get("/nadia")
    assert page.status_code == 200
    title = page.get_data(as_text=True).split("<title>")[1].split("</title>")[0]
    assert clean_name(raw)[:20] in title or not clean_name(raw)
    assert not any(ch in title for ch in "\n\x00\u202e\u200b")
    card = visitor.get("/nadia/og.png", follow_redirects=True)
    assert card.status_code == 200 and card.mimetype == "image/png"
