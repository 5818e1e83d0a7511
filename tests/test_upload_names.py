"""The listener's names in a Spotify data download: only "username" and "displayName", cleaned."""
import json
import zipfile

from anchor.sources.upload_names import MAX_ACCOUNT_FILE, names_of
from devstack.spotify_export import write_export

PLAY = {"endTime": "2024-11-01 08:00", "artistName": "A", "trackName": "T", "msPlayed": 60_000}


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body if isinstance(body, (str, bytes)) else json.dumps(body))
    return path


def test_account_data_gives_the_user_name_and_the_display_name_and_nothing_else(tmp_path):
    path = write_export(tmp_path / "a.zip", kind="account", plays=50, username="mia.k", display_name="Mia K")
    assert names_of(path) == {"userName": "mia.k", "displayName": "Mia K"}


def test_older_extended_history_entries_give_the_user_name(tmp_path):
    path = tmp_path / "endsong_0.json"
    path.write_text(json.dumps([{"ts": "2020-01-01T00:00:00Z", "username": "old.listener", "ms_played": 1}]))
    assert names_of(path) == {"userName": "old.listener"}
    assert names_of(write_export(tmp_path / "e.zip", kind="extended", plays=50)) == {}   # newer: none


def test_names_are_cleaned_and_bad_or_oversized_account_files_are_skipped(tmp_path):
    path = _zip(tmp_path / "a.zip", {
        "d/StreamingHistory_music_0.json": [PLAY],
        "d/Userdata.json": {"username": "\u202emia\x07  k\n", "email": "x@example.invalid"},
        "d/Identity.json": "{not json",
    })
    assert names_of(path) == {"userName": "mia k"}
    path = _zip(tmp_path / "b.zip", {
        "d/StreamingHistory_music_0.json": [PLAY],
        "d/Userdata.json": {"username": "mia", "pad": "x" * MAX_ACCOUNT_FILE},
        "d/Identity.json": ["displayName", "Mia"],
    })
    assert names_of(path) == {}


def test_a_file_that_is_no_export_gives_no_names(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert names_of(path) == {}
    assert names_of(tmp_path / "missing.zip") == {}
