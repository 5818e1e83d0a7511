"""Importing a Spotify data download through the dashboard: background work, progress, limits."""
import json
import time
import zipfile
from collections import Counter
from datetime import timedelta

import pytest

from anchor import clock
from anchor.models import ImportModel, ProfileModel
from anchor.profiles import imports
from devstack.spotify_export import load_records, write_export
from tests.web_helpers import claim, csrf_token, post

MARKER = "ZZ-UPLOAD-MARKER-41c7"


def _upload(client, path, htmx=False, name=None, confirm=True):
    token = csrf_token(client)
    with open(path, "rb") as handle:
        data = {"file": (handle, name or path.name)}
        if confirm:                     # the owner ticked "show this download instead of <source>"
            data["replace_source"] = "yes"
        if htmx:
            return client.post("/dashboard/upload", data=data, content_type="multipart/form-data",
                               headers={"HX-Request": "true", "X-CSRFToken": token})
        data["csrf_token"] = token
        return client.post("/dashboard/upload", data=data, content_type="multipart/form-data")


def _wait(account="spotify:nadia", timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        item = ImportModel.get(f"IMPORT#{account}", consistent_read=True)
        if item.status != "running":
            return item
        assert time.monotonic() < deadline, "the import never finished"
        time.sleep(0.1)


def _top_artist(records, since=None):
    minutes = Counter()
    for record in records:
        artist = record.get("master_metadata_album_artist_name")
        if artist and record["ms_played"] >= 30_000 and not record.get("episode_name"):
            minutes[artist] += record["ms_played"]
    return max(minutes.items(), key=lambda item: (item[1], item[0]))[0]


@pytest.fixture
def owner(app):
    client = app.test_client()
    claim(client, "nadia")
    post(client, "/dashboard/publish", {})
    return client


def test_upload_imports_in_the_background_and_the_page_shows_it(app, owner, tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", kind="extended", plays=4000, years=2, seed=3)
    response = _upload(owner, path)
    assert response.status_code == 303                        # the request returns at once
    done = _wait()
    assert done.status == "done" and done.summary["plays"] > 0, done.message
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.source == "upload" and profile.gsi1pk is None      # never in the due index
    assert set(profile.listening["ranges"]) >= {"month", "half_year", "all_time"}
    top = profile.listening["ranges"]["all_time"]["artists"][0]
    assert top["name"] == _top_artist(load_records(path)) and top["plays"] and top["minutes"]
    assert profile.bio and profile.copyHash == profile.dataHash
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert "Imported" in dashboard and "Upload a newer file" in dashboard
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert top["name"].replace("'", "&#39;").replace("&", "&amp;")[:12] in page or top["name"][:12] in page
    assert "Spotify data download" in page


def test_account_data_gives_artists_only_and_says_so(app, owner, tmp_path):
    path = write_export(tmp_path / "StreamingHistory_music_0.json", kind="account", plays=1500, as_zip=False)
    _upload(owner, path)
    done = _wait()
    assert done.status == "done" and "artists only" in done.message
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.listening["ranges"]["all_time"]["albums"] == []
    assert profile.listening["ranges"]["all_time"]["artists"]


@pytest.mark.parametrize("content,expected", [
    (b"", "empty"),
    (b"\x00\x01garbage that is no archive", "not"),
    (json.dumps([{"hello": "world"}]).encode(), "Spotify"),
])
def test_bad_files_are_refused_and_change_nothing(app, owner, tmp_path, content, expected):
    before = ProfileModel.get("USER#nadia", consistent_read=True)
    path = tmp_path / "upload.json"
    path.write_bytes(content)
    response = _upload(owner, path)
    assert response.status_code == 303
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    if content:
        item = _wait()
        assert item.status == "failed" and "Nothing was changed" in item.message
    assert expected.lower() in dashboard.lower()
    after = ProfileModel.get("USER#nadia", consistent_read=True)
    assert (after.source, after.listening, after.version) == (before.source, before.listening, before.version)


def test_zip_bomb_is_refused(app, owner, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2020.json",
                         b"[" + b" " * (50 * 1024 * 1024) + b"]")
    _upload(owner, path)
    item = _wait()
    assert item.status == "failed" and ProfileModel.get("USER#nadia").source == "spotify"


def test_one_import_at_a_time_and_a_dead_one_is_retryable(app, owner, tmp_path):
    now = clock.now()
    ImportModel("IMPORT#spotify:nadia", status="running", handle="nadia", startedAt=now,
                heartbeatAt=now).save()
    path = write_export(tmp_path / "my_spotify_data.zip", plays=500, seed=1)
    busy = _upload(owner, path, htmx=True)
    assert "already running" in busy.get_data(as_text=True)
    ImportModel("IMPORT#spotify:nadia", status="running", handle="nadia", startedAt=now,
                heartbeatAt=now - timedelta(minutes=5)).save()     # its process was killed
    with app.app_context():
        assert imports.current("spotify:nadia").status == "failed"
    assert "stopped before it finished" in owner.get("/dashboard").get_data(as_text=True)
    _upload(owner, path)
    assert _wait().status == "done"


def test_htmx_upload_answers_the_progress_fragment_and_polls(app, owner, tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", plays=500, seed=2)
    response = _upload(owner, path, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-status"' in body and "<html" not in body
    _wait()
    poll = owner.get("/dashboard/import-status", headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"


def test_the_uploaded_bytes_are_kept_nowhere(app, owner, tmp_path, capsys, caplog):
    path = tmp_path / "my_spotify_data.zip"
    write_export(path, plays=300, seed=4)
    records = load_records(path)
    for record in records:
        record.update(ip_addr=MARKER, conn_country=MARKER, user_agent_decrypted=MARKER)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2024.json",
                         json.dumps(records))
    before = set(tmp_path.parent.glob("**/anchor-import-*"))
    _upload(owner, path)
    assert _wait().status == "done"
    table = [json.dumps(item.attribute_values, default=str) for item in ProfileModel.scan()]
    assert not any(MARKER in text for text in table)
    assert MARKER not in capsys.readouterr().out and MARKER not in caplog.text
    import tempfile
    from pathlib import Path
    assert not list(Path(tempfile.gettempdir()).glob("anchor-import-*")), "the temporary file was kept"
    assert before == set(tmp_path.parent.glob("**/anchor-import-*"))


def test_only_the_upload_route_takes_a_large_body(app, owner):
    big = "x" * (200 * 1024)
    response = owner.post("/dashboard/name", data={"display_name": big, "csrf_token": csrf_token(owner)})
    assert response.status_code == 413
    assert ProfileModel.get("USER#nadia").displayName != big


# -- uploading onto a page that shows a live source asks first (issue 30, item 3) ------------------

def test_the_upload_form_on_a_live_source_page_says_what_changes_and_asks(app, owner):
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert "your page will show the download&#39;s lists instead of Spotify&#39;s" in dashboard
    assert "Spotify stays linked and you can switch back under Sources" in dashboard
    assert 'name="replace_source" value="yes"' in dashboard


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unconfirmed_upload_onto_a_live_source_is_refused_and_changes_nothing(app, owner, tmp_path, htmx):
    before = ProfileModel.get("USER#nadia", consistent_read=True)
    path = write_export(tmp_path / "my_spotify_data.zip", plays=300, seed=6)
    response = _upload(owner, path, htmx=htmx, confirm=False)
    body = response.get_data(as_text=True) if htmx else owner.get("/dashboard").get_data(as_text=True)
    assert "instead of Spotify&#39;s" in body and "Tick the box to confirm" in body
    with pytest.raises(ImportModel.DoesNotExist):
        ImportModel.get("IMPORT#spotify:nadia", consistent_read=True)      # no import was started
    after = ProfileModel.get("USER#nadia", consistent_read=True)
    assert (after.source, after.listening, after.version) == (before.source, before.listening, before.version)


def test_a_confirmed_upload_onto_a_live_source_replaces_it_and_keeps_the_source_linked(app, owner, tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", plays=300, seed=6)
    assert _upload(owner, path).status_code == 303
    assert _wait().status == "done"
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    assert profile.source == "upload" and "spotify" in (profile.links or {})
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert 'name="replace_source"' not in dashboard        # an upload page is not asked again


# -- "Upload a newer file": the lists are replaced, the owner's edits kept where items remain ------

def _counted(record):
    return (record.get("master_metadata_album_artist_name") and record["ms_played"] >= 30_000
            and not record.get("episode_name"))


def _up_to(records):
    day = max(r["ts"][:10] for r in records if _counted(r))
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"Listening up to {int(day[8:])} {months[int(day[5:7]) - 1]} {day[:4]}"


def test_a_newer_file_replaces_the_lists_and_keeps_edits_of_items_still_there(app, owner, tmp_path):
    first = write_export(tmp_path / "my_spotify_data.zip", kind="extended", plays=3000, years=2, seed=7)
    _upload(owner, first)
    assert _wait().status == "done"
    profile = ProfileModel.get("USER#nadia", consistent_read=True)
    everything = profile.listening["ranges"]["all_time"]
    gone_album = everything["albums"][0]
    gone_artist = next(a for a in everything["artists"] if a["name"] == gone_album["artists"][0])
    kept_album = next(a for a in everything["albums"] if a["artists"][0] != gone_artist["name"])
    kept = [a for a in everything["artists"] if a["name"] not in (gone_artist["name"], kept_album["artists"][0])]
    kept_artist, kept_hidden = kept[0], kept[1]
    other_source = "spotify:artist:kept-for-a-switch-back"
    profile.update(actions=[
        ProfileModel.layout.set({"hidden": [gone_artist["id"], kept_hidden["id"], other_source],
                                 "featured": [{"id": kept_artist["id"], "note": "kept note"},
                                              {"id": gone_album["id"], "note": "gone note"}],
                                 "pinned": [kept_artist["id"], gone_album["id"]]}),
        ProfileModel.albumLines.set({kept_album["id"]: "a line kept", gone_album["id"]: "a line gone"}),
        ProfileModel.locked.set({"bio": False, "lines": [kept_album["id"], gone_album["id"]]})])
    assert _up_to(load_records(first)) in app.test_client().get("/nadia").get_data(as_text=True)

    # The newer file no longer holds the artist of the first album (nor that album).
    records = [r for r in load_records(first) if r.get("master_metadata_album_artist_name") != gone_artist["name"]]
    newer = tmp_path / "my_spotify_data_newer.zip"
    with zipfile.ZipFile(newer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Spotify Extended Streaming History/Streaming_History_Audio_2025.json", json.dumps(records))
    assert _upload(owner, newer, confirm=False).status_code == 303     # an upload page is not asked
    assert _wait().status == "done"
    after = ProfileModel.get("USER#nadia", consistent_read=True)
    ids = {item["id"] for part in after.listening["ranges"].values() for kind in ("artists", "albums")
           for item in part[kind]}
    assert gone_artist["id"] not in ids and gone_album["id"] not in ids          # replaced, not merged
    assert {kept_artist["id"], kept_hidden["id"], kept_album["id"]} <= ids
    assert after.layout["hidden"] == [kept_hidden["id"], other_source]
    assert after.layout["featured"] == [{"id": kept_artist["id"], "note": "kept note"}]
    assert after.layout["pinned"] == [kept_artist["id"]]
    assert after.albumLines[kept_album["id"]] == "a line kept" and gone_album["id"] not in after.albumLines
    assert after.locked["lines"] == [kept_album["id"]]
    page = app.test_client().get("/nadia").get_data(as_text=True)
    assert _up_to(records) in page and "kept note" in page and "gone note" not in page


def test_a_live_source_page_says_no_listening_date(app, owner):
    assert "Listening up to" not in app.test_client().get("/nadia").get_data(as_text=True)


# -- the dashboard says plainly when the AI writer may read what an upload gives (issue 30, item 5) -

@pytest.mark.parametrize("provider,sources,told,named", [
    ("bedrock", frozenset({"spotify", "upload"}), True, True),
    ("offline", frozenset({"spotify", "upload"}), False, False),
    ("bedrock", frozenset({"spotify"}), False, False),
    # The default: Spotify's data is kept from the model, so this Spotify page's dashboard names no model,
    # yet it says before the upload that a download's totals may reach one.
    ("bedrock", frozenset({"listenbrainz", "upload"}), True, False),
])
def test_the_upload_section_says_whether_the_ai_writer_may_use_the_data(app, owner, provider, sources, told, named):
    app.config.update(AI_PROVIDER=provider, AI_SOURCES=sources)
    dashboard = owner.get("/dashboard").get_data(as_text=True)
    assert ('id="upload-ai-note"' in dashboard) is told
    assert ("written by an AI model (Amazon Bedrock)" in dashboard) is named
    if told and not named:
        assert "Your Spotify data never reaches an AI model" in dashboard
