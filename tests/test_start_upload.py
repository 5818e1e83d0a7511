"""A passkey account's start (issue 30): passkey → upload → claim (prefilled from the data) → publish."""
import gzip
import json
import re
import time
import zipfile

import pytest

from anchor.models import AccountModel, ImportModel, ProfileModel
from anchor.models.passkeys import HeldUploadModel
from anchor.profiles import held_uploads, service
from devstack.spotify_export import write_export
from tests.passkey_helpers import authenticator, register
from tests.two_processes import two_processes  # noqa: F401  (fixture)
from tests.web_helpers import claim, csrf_token, post

HANDLE = re.compile(r'id="handle"[^>]*value="([^"]*)"', re.S)
NAME = re.compile(r'id="claim-display-name"[^>]*value="([^"]*)"', re.S)
TOKEN = re.compile(r'data-csrf="([^"]+)"')
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# What Userdata.json and Identity.json hold beside the two names (devstack/spotify_export.py).
PERSONAL = ["invented@example.invalid", "1990-04-01", "10115", "example.invalid/invented", "creationTime",
            "2016-02-11", "firstName", "neutral"]


def _upload(client, path, htmx=False):
    token = csrf_token(client)
    with open(path, "rb") as handle:
        data = {"file": (handle, path.name)}
        if htmx:
            return client.post("/dashboard/upload", data=data, content_type="multipart/form-data",
                               headers={"HX-Request": "true", "X-CSRFToken": token})
        data["csrf_token"] = token
        return client.post("/dashboard/upload", data=data, content_type="multipart/form-data")


def _account_id(app):
    with app.app_context():
        found = [i.pk for i in ImportModel.scan() if i.pk.startswith("IMPORT#passkey:")]
    assert len(found) == 1
    return found[0].removeprefix("IMPORT#")


def _wait(app, timeout=30):
    deadline = time.monotonic() + timeout
    account = _account_id(app)
    while True:
        with app.app_context():
            item = ImportModel.get(f"IMPORT#{account}", consistent_read=True)
        if item.status != "running":
            return account, item
        assert time.monotonic() < deadline, "the import never finished"
        time.sleep(0.1)


def _export(tmp_path, **names):
    return write_export(tmp_path / "my_spotify_data.zip", kind="account", plays=600, seed=5, **names)


def _dashboard(client):
    return client.get("/dashboard").get_data(as_text=True)


@pytest.fixture
def started(app, client):
    """A new passkey account, signed in, with no handle yet."""
    assert register(client, authenticator(app)).status_code == 200
    return client


def test_a_passkey_account_uploads_before_it_claims_and_the_claim_is_prefilled_from_the_data(
        app, started, tmp_path):
    page = _dashboard(started)
    assert "Upload your Spotify data download" in page and page.index("upload-file") < page.index("Claim handle")
    answer = _upload(started, _export(tmp_path, username="mia.k", display_name="Mia Kowalski"))
    assert answer.status_code == 303
    account, item = _wait(app)
    assert item.status == "done" and item.handle is None
    page = _dashboard(started)
    assert HANDLE.search(page).group(1) == "mia-k"                 # "mia.k" through the suggestion rules
    assert NAME.search(page).group(1) == "Mia Kowalski"
    top = item.summary["top_artist"]
    assert f"your top artist is {top}" in page
    assert post(started, "/dashboard/claim", {"handle": "mia-k", "display_name": "Mia Kowalski"}).status_code == 303
    with app.app_context():
        profile = service.get("mia-k")
        held = HeldUploadModel.get(held_uploads.key(account), consistent_read=True)
    assert profile.source == "upload" and profile.displayName == "Mia Kowalski"
    assert profile.bio and profile.copyHash == profile.dataHash          # written as after any import
    assert profile.listening["ranges"]["all_time"]["artists"][0]["name"] == top
    assert profile.lastRefreshStatus == "imported" and "upload" in profile.links
    assert held.data is None and held.names is None and held.claimedBy == "mia-k"   # taken once
    assert "Claim your handle" not in _dashboard(started)
    assert post(started, "/dashboard/publish", {}).status_code == 303
    assert top in started.get("/mia-k").get_data(as_text=True)


def _readable(value):
    """Binary attributes as text a search can see into: gzip (held years, stored pages) unpacked."""
    return gzip.decompress(value).decode() if value[:2] == b"\x1f\x8b" else value.decode("latin-1")


def _stored(app):
    """Every item of the profiles table, as DynamoDB holds it (binary values unpacked)."""
    with app.app_context():
        return json.dumps(ProfileModel._get_connection().scan()["Items"], default=_readable)


def test_nothing_of_the_upload_but_the_two_names_and_the_totals_is_kept(app, started, tmp_path):
    _upload(started, _export(tmp_path, username="mia.k", display_name="Mia Kowalski"))
    account, _ = _wait(app)
    with app.app_context():
        held = HeldUploadModel.get(held_uploads.key(account), consistent_read=True)
    assert held.names == {"userName": "mia.k", "displayName": "Mia Kowalski"}
    for moment in ("held", "claimed"):
        stored = _stored(app)
        assert "Mia Kowalski" in stored, moment
        for personal in PERSONAL:
            assert personal not in stored, (moment, personal)
        post(started, "/dashboard/claim", {"handle": "mia-k", "display_name": "Mia Kowalski"})
    assert "mia.k" not in _stored(app)          # the user name only ever made the suggestion


def test_a_taken_or_invalid_suggestion_falls_back_as_the_claim_form_does(app, started, tmp_path):
    claim(app.test_client(), "tomas", handle="mia-k")              # someone else has the user name's handle
    _upload(started, _export(tmp_path, username="mia.k", display_name="Mia Kowalski"))
    _wait(app)
    assert HANDLE.search(_dashboard(started)).group(1) == "mia-kowalski"
    claim(app.test_client(), "aiko", handle="mia-kowalski")
    assert HANDLE.search(_dashboard(started)).group(1) == ""       # a taken handle is never suggested
    assert NAME.search(_dashboard(started)).group(1) == "Mia Kowalski"


def test_hostile_names_in_the_data_are_cleaned_and_an_invalid_one_suggests_nothing(app, started, tmp_path):
    _upload(started, _export(tmp_path, username="x", display_name="\u202eMia\x00  <b>K</b>"))
    _wait(app)
    page = _dashboard(started)
    assert NAME.search(page).group(1) == "Mia &lt;b&gt;K&lt;/b&gt;"   # bidi and control characters gone, text escaped
    assert HANDLE.search(page).group(1) == "mia-b-k-b"                # "x" is too short: the display name's


def test_a_bad_file_before_the_claim_holds_nothing_and_says_why(app, started, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"username": "mia.k"}')
    _upload(started, path)
    account, item = _wait(app)
    assert item.status == "failed"
    page = _dashboard(started)
    assert item.message in page.replace("&#39;", "'") and HANDLE.search(page).group(1) == ""
    with app.app_context():
        assert held_uploads.get(account) is None


def test_a_claim_takes_exactly_the_upload_it_showed(app, started, tmp_path):
    _upload(started, _export(tmp_path, username="mia.k"))
    account, _ = _wait(app)
    with app.app_context():
        held = held_uploads.get(account)
        held_uploads.hold(account, {"ranges": {}}, {"plays": 1}, {})      # a newer upload lands meanwhile
        from anchor.refresh import first_fetch
        from anchor.profiles.handles import HandleError
        with pytest.raises(HandleError) as refused:
            first_fetch._claim_with_upload(account, "mia-k", "Mia", held)
        assert refused.value.code == "upload_changed"
        assert service.get("mia-k") is None                               # nothing half-written
        with pytest.raises(AccountModel.DoesNotExist):
            AccountModel.get(f"ACCOUNT#{account}")
        assert held_uploads.get(account).summary == {"plays": 1}


def test_a_source_account_without_a_handle_still_cannot_upload(app, client, tmp_path):
    from tests.web_helpers import sign_in
    sign_in(client, "nadia")
    assert _upload(client, _export(tmp_path)).status_code == 404


def test_an_htmx_upload_before_the_claim_answers_the_progress_fragment(app, started, tmp_path):
    answer = _upload(started, _export(tmp_path), htmx=True)
    assert answer.status_code == 200 and 'id="import-status"' in answer.get_data(as_text=True)
    _wait(app)
    status = started.get("/dashboard/import-status", headers={"HX-Request": "true"})
    assert status.status_code == 200 and status.headers.get("HX-Refresh") == "true"


def test_upload_in_one_process_progress_and_claim_in_another(app, two_processes, tmp_path):
    processes = two_processes()
    device = authenticator(app)
    chooser = processes.a.get("/signin")
    cookie, headers = chooser.cookies["session"], {"X-CSRFToken": TOKEN.search(chooser.text).group(1)}
    begun = processes.a.post("/auth/passkey/register/begin", cookie, headers=headers)
    cookie = begun.cookies.get("session") or cookie
    made = processes.b.post("/auth/passkey/register/finish", cookie, json=device.create(begun.json()["options"]),
                            headers=headers)
    cookie = made.cookies.get("session") or cookie
    dashboard = processes.a.get("/dashboard", cookie)
    cookie, form = dashboard.cookies.get("session") or cookie, FORM_TOKEN.search(dashboard.text).group(1)
    with open(_export(tmp_path, username="mia.k", display_name="Mia Kowalski"), "rb") as upload:
        sent = processes.a.post("/dashboard/upload", cookie, data={"csrf_token": form},
                                files={"file": ("my_spotify_data.zip", upload)})
    assert sent.status_code == 303
    deadline = time.monotonic() + 30
    while processes.b.get("/dashboard/import-status", cookie).headers.get("HX-Refresh") != "true":
        assert time.monotonic() < deadline, "process b never saw the import end"
        time.sleep(0.2)
    page = processes.b.get("/dashboard", cookie).text
    assert HANDLE.search(page).group(1) == "mia-k" and NAME.search(page).group(1) == "Mia Kowalski"
    claimed = processes.b.post("/dashboard/claim", cookie, data={"csrf_token": FORM_TOKEN.search(page).group(1),
                                                                 "handle": "mia-k", "display_name": "Mia Kowalski"})
    assert claimed.status_code == 303
    assert "anchor.band/mia-k" in processes.a.get("/dashboard", cookie).text
    with app.app_context():
        profile = service.get("mia-k")
    assert profile.source == "upload" and profile.bio and profile.copyHash == profile.dataHash


def test_a_refused_claim_over_htmx_keeps_the_handle_and_name_as_typed(app, started, tmp_path):
    claim(app.test_client(), "tomas", handle="taken-one")
    _upload(started, _export(tmp_path, username="mia.k", display_name="Mia Kowalski"))
    _wait(app)
    answer = post(started, "/dashboard/claim", {"handle": "taken-one", "display_name": "Mia K."}, htmx=True)
    body = answer.get_data(as_text=True)
    assert "is taken" in body
    assert HANDLE.search(body).group(1) == "taken-one" and NAME.search(body).group(1) == "Mia K."


def _years_in(path):
    """The calendar years (UTC: account data names no country) with a counted play, from the file itself."""
    found = set()
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if "StreamingHistory" in name and name.endswith(".json"):
                found |= {r["endTime"][:4] for r in json.loads(archive.read(name)) if r["msPlayed"] >= 30_000}
    return found


def test_an_upload_held_before_the_claim_brings_its_years_to_the_page(app, started, tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", kind="account", plays=900, years=3, seed=8)
    expected = _years_in(path)
    assert len(expected) >= 3
    _upload(started, path)
    account, _ = _wait(app)
    with app.app_context():
        assert HeldUploadModel.get(held_uploads.key(account), consistent_read=True).years   # kept, packed
    post(started, "/dashboard/claim", {"handle": "mia-k", "display_name": "Mia"})
    with app.app_context():
        assert HeldUploadModel.get(held_uploads.key(account), consistent_read=True).years is None
    assert post(started, "/dashboard/publish", {}).status_code == 303
    visitor = app.test_client()
    for year in expected:
        assert visitor.get(f"/mia-k/{year}").status_code == 200, year
    assert visitor.get(f"/mia-k/{int(min(expected)) - 1}").status_code == 404      # a year the file lacks


def test_the_export_holds_the_passkeys_the_held_upload_then_the_years(app, started, tmp_path):
    # Before the claim: the passkey and the held upload (with its years); after it: the years'
    # aggregates beside the profile. Never a passkey's public key.
    path = write_export(tmp_path / "my_spotify_data.zip", kind="account", plays=900, years=3, seed=8,
                        username="mia.k", display_name="Mia Kowalski")
    expected = _years_in(path)
    _upload(started, path)
    _wait(app)
    before = started.get("/dashboard/export").get_json()
    assert [set(key) for key in before["passkeys"]] == [{"id", "name", "createdAt", "lastUsedAt"}]
    held = before["heldUpload"]
    assert held["names"]["displayName"] == "Mia Kowalski" and set(held["years"]) == expected
    assert held["data"]["ranges"]["all_time"]["artists"] and before["years"] == {}
    post(started, "/dashboard/claim", {"handle": "mia-k", "display_name": "Mia"})
    after = started.get("/dashboard/export").get_json()
    assert after["heldUpload"] is None and len(after["passkeys"]) == 1
    assert set(after["years"]) == expected
    assert all(after["years"][year]["plays"] > 0 for year in expected)
    assert after["years"] == {year: held["years"][year] for year in expected}


def test_an_unclaimed_upload_can_be_thrown_away_and_another_taken(app, started, tmp_path):
    _upload(started, _export(tmp_path, username="mia.k", display_name="Mia Kowalski"))
    account, item = _wait(app)
    top = item.summary["top_artist"]
    page = _dashboard(started)
    assert "Throw this upload away" in page and f"your top artist is {top}" in page
    assert post(started, "/dashboard/upload/discard", {}).status_code == 303
    with app.app_context():
        held = HeldUploadModel.get(held_uploads.key(account), consistent_read=True)
        line = ImportModel.get(f"IMPORT#{account}", consistent_read=True)
    assert (held.data, held.summary, held.names, held.years) == (None, None, None, None)
    assert line.summary is None and "nothing of it is kept" in line.message
    page = _dashboard(started)
    assert top not in page and "Mia Kowalski" not in page and "Throw this upload away" not in page
    assert "Upload your Spotify data download" in page
    again = post(started, "/dashboard/upload/discard", {}, htmx=True).get_data(as_text=True)
    assert "There is no upload to throw away." in again
    # A claim now makes an empty upload page, never one from the thrown-away file.
    assert post(started, "/dashboard/claim", {"handle": "mia-k", "display_name": "Mia"}).status_code == 303
    with app.app_context():
        assert not (service.get("mia-k").listening or {}).get("ranges")


def test_throwing_away_needs_the_csrf_token_and_a_page_less_passkey_account(app, started, client, tmp_path):
    _upload(started, _export(tmp_path))
    account, _ = _wait(app)
    refused = started.post("/dashboard/upload/discard", data={})        # no CSRF token
    assert refused.status_code == 400
    with app.app_context():
        assert HeldUploadModel.get(held_uploads.key(account), consistent_read=True).data is not None
    claim(app.test_client(), "nadia")                                    # a source account with a page
    other = app.test_client()
    claim(other, "tomas")
    assert post(other, "/dashboard/upload/discard", {}).status_code == 404
