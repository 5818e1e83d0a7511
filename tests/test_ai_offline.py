"""The offline writer: deterministic copy that passes validation for any data shape."""
import json

import pytest

from anchor.ai import Copy, CopyFailed, data_for_prompt, validate_copy, write_copy
from anchor.ai.offline import offline_copy, write_offline
from tests.ai_fixtures import random_profile_data, sample_profile_data


def album(i, name, artists=("Fela Kuti",), year=1976, **extra):
    return {"id": f"al{i}", "name": name, "artists": list(artists), "year": year,
            "image": "https://i.example/x.jpg", "url": "https://open.example/x",
            "trackCount": 2, "bestRank": i + 1, **extra}


def artist(i, name):
    return {"id": f"a{i}", "name": name, "url": "https://open.example/a", "image": "i", "rank": i + 1}


def profile(artists=(), albums=(), display="Nadia K.", handle="nadia"):
    return {"handle": handle, "displayName": display,
            "artists": [artist(i, n) for i, n in enumerate(artists)], "albums": list(albums)}


LONG = "The Incredibly Long and Winding Title of an Album That Never Seems to End " * 3
SHAPES = {
    "sample": sample_profile_data(),
    "empty": profile(),
    "no display name": profile(display=None, handle="x"),
    "artists only": profile(artists=["Fela Kuti", "Tony Allen"]),
    "single album": profile(artists=["Fela Kuti"], albums=[album(0, "Zombie")]),
    "single album no year": profile(albums=[album(0, "Zombie", year=None, trackCount=None)]),
    "twelve albums": profile(
        artists=["Fela Kuti", "Tony Allen", "Alice Coltrane"],
        albums=[album(i, f"Record Number {i}", artists=[["Fela Kuti", "Tony Allen"][i % 2]],
                      year=1965 + 5 * i) for i in range(12)]),
    "very long names": profile(artists=[LONG], albums=[album(0, LONG, artists=[LONG]),
                                                        album(1, "Zombie", artists=[LONG])],
                               display=LONG),
    "markup names": profile(
        artists=["<script>alert(1)</script>", "Fela Kuti"],
        albums=[album(0, "<img src=x onerror=alert(1)>", artists=["<script>alert(1)</script>"]),
                album(1, "&lt;b&gt;Bold", artists=["javascript:alert(1)"]),
                album(2, "www.zombie.com", artists=["Fela Kuti"])],
        display="<b>Nadia</b>"),
    "non-latin names": profile(
        artists=["Кино", "坂本龍一", "فيروز"],
        albums=[album(0, "Группа крови", artists=["Кино"], year=1988),
                album(1, "千のナイフ", artists=["坂本龍一"], year=1978),
                album(2, "وحدن", artists=["فيروز"], year=1979)],
        display="Ольга"),
    "tone names": profile(artists=["Wham!", "Eclectic Vibes"],
                          albums=[album(0, "Make It Big!", artists=["Wham!"]),
                                  album(1, "🔥🔥🔥", artists=["Eclectic Vibes"])]),
    "control chars": profile(artists=["Tab\tName", "New\nLine"],
                             albums=[album(0, "Bad\u202eName", artists=["New\nLine"])]),
}


@pytest.mark.parametrize("name", SHAPES)
def test_offline_copy_passes_validation(name):
    data = SHAPES[name]
    bio, lines = write_offline(data)
    assert validate_copy(data, bio, lines, sparse=True) == []
    assert set(lines) <= {a["id"] for a in data["albums"]}
    assert offline_copy(data).bio == bio


@pytest.mark.parametrize("seed", range(30))
def test_offline_copy_passes_validation_for_random_data(seed):
    data = random_profile_data(seed)
    bio, lines = write_offline(data)
    assert validate_copy(data, bio, lines, sparse=True) == []


def test_markup_names_are_never_written():
    data = dict(SHAPES["markup names"], changes={"new": [
        {"kind": "album", "id": "al0", "name": "<img src=x onerror=alert(1)>", "to": 1},
        {"kind": "artist", "id": "a1", "name": "Fela Kuti", "to": 2}]})
    bio, lines = write_offline(data)
    text = bio + " ".join(lines.values())
    assert "<" not in text and "javascript" not in text and "www." not in text
    assert "Fela Kuti" in bio


def test_sample_copy_reads_from_the_data():
    bio, lines = write_offline(sample_profile_data())
    assert "1971" in bio and "2014" in bio       # the span of release years, oldest to newest
    assert lines == {}                            # Spotify rows show the year; tracks never appear


def test_offline_is_deterministic():
    assert write_offline(sample_profile_data()) == write_offline(sample_profile_data())
    assert write_offline(random_profile_data(3)) == write_offline(random_profile_data(3))


def test_write_copy_offline_returns_labelled_copy():
    copy = write_copy(sample_profile_data(), None, provider="offline")
    assert copy.provider == "offline" and copy.model_id is None
    assert copy.usage == {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}
    assert copy.created_at.endswith("Z")
    assert Copy.from_dict(json.loads(json.dumps(copy.to_dict()))) == copy


def test_unknown_provider_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown AI copy provider 'gpt'"):
        write_copy(sample_profile_data(), None, provider="gpt")
    with pytest.raises(ValueError, match="needs a model_id"):
        write_copy(sample_profile_data(), None, provider="bedrock")


def test_copy_failed_carries_reasons_and_attempts():
    error = CopyFailed(["bio is 10 characters; it must be 200–600"], attempts=2)
    assert error.reasons == ["bio is 10 characters; it must be 200–600"]
    assert error.attempts == 2 and "200–600" in str(error)


def test_data_for_prompt_keeps_only_what_the_model_needs():
    data = sample_profile_data()
    data["albums"] = data["albums"][:2]  # the caller passes visible albums only
    prompt_data = data_for_prompt(data)
    text = json.dumps(prompt_data)
    assert "http" not in text and "image" not in text and "url" not in text
    assert [a["id"] for a in prompt_data["albums"]] == ["al1", "al2"]
    assert prompt_data["albums"][0] == {"id": "al1", "name": "Zombie", "artists": ["Fela Kuti"],
                                        "year": 1976, "trackCount": 3, "bestRank": 1}
    assert prompt_data["artists"][0] == {"id": "a1", "name": "Fela Kuti", "rank": 1}
