"""Dashboard actions: who may do what, HTMX and plain forms, CSRF, optimistic concurrency."""
import re
from urllib.parse import urlsplit

import pytest

from anchor.models import ProfileModel
from tests.factories import items
from tests.web_helpers import anonymous_csrf_token, claim, csrf_token, post, sign_in


def _profile(handle="nadia"):
    return ProfileModel.get("USER#nadia" if handle == "nadia" else f"USER#{handle}", consistent_read=True)


ACTIONS = [
    ("/dashboard/name", {"display_name": "Nadia Q."}),
    ("/dashboard/bio", {"bio": "Plain words about the records, written by the owner herself today."}),
    ("/dashboard/copy", {}),
    ("/dashboard/publish", {}),
    ("/dashboard/unpublish", {}),
    ("/dashboard/auto-refresh", {"enabled": "off"}),
    ("/dashboard/disconnect", {}),
    ("/dashboard/delete", {"confirm_handle": "nadia"}),
    ("/dashboard/restore", {}),
]


def _snapshot(handle="nadia"):
    profile = _profile(handle)
    return (profile.version, profile.rev, profile.displayName, profile.bio, profile.isPublic,
            profile.deletedAt, profile.autoRefreshEnabled, profile.sourceConnected,
            profile.spotifyConnected)


@pytest.mark.parametrize("path,data", ACTIONS)
def test_anonymous_is_sent_to_sign_in(app, client, path, data):
    claim(app.test_client(), "nadia")                  # someone's profile the post must not touch
    before = _snapshot()
    token = anonymous_csrf_token(app, client)
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/signin"
    htmx = client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert htmx.status_code == 302 and urlsplit(htmx.headers["Location"]).path == "/signin"
    assert _snapshot() == before


@pytest.mark.parametrize("path,data", ACTIONS)
def test_anonymous_post_without_csrf_is_refused(app, client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400 and b"did not come from this site" in response.data


@pytest.mark.parametrize("path,data", ACTIONS)
def test_other_user_cannot_touch_the_owners_profile(app, path, data):
    owner = app.test_client()
    claim(owner, "nadia")
    before = _profile()
    intruder = app.test_client()
    sign_in(intruder, "tomas")          # signed in, no handle of their own
    response = post(intruder, path, {**data, "version": before.version})
    assert response.status_code == 404
    after = _profile()
    assert after.version == before.version and after.displayName == before.displayName
    assert after.deletedAt is None
    page = intruder.get("/dashboard").get_data(as_text=True)
    assert "Claim your handle" in page and items(before)["albums"][0]["id"] not in page


def test_owner_plain_form_redirects_after_post(app, client):
    claim(client, "nadia")
    response = post(client, "/dashboard/name", {"display_name": "Nadia Q.", "version": _profile().version})
    # Back to the form that was sent, with the message next to it (and read out from the top).
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard#identity")
    assert "HX-Request" in response.headers["Vary"]
    assert _profile().displayName == "Nadia Q."
    page = client.get("/dashboard").get_data(as_text=True)
    form = page[page.index('<form id="identity"'):page.index("</form>", page.index('<form id="identity"'))]
    assert '<div class="feedback" id="feedback-identity"><p class="flash ok">Saved.</p></div>' in form
    assert 'class="flash ok sr-only" role="status">Saved.</p>' in page


def test_owner_htmx_gets_the_edited_fragment(app, client):
    claim(client, "nadia")
    version = _profile().version
    response = post(client, "/dashboard/name", {"display_name": "N. K.", "version": version}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert body.lstrip().startswith('<form id="identity"') and "<html" not in body
    assert f'id="version-bio" value="{version + 1}" hx-swap-oob="true"' in body
    assert "Saved." in body


@pytest.mark.parametrize("path,data", [a for a in ACTIONS if a[0] != "/dashboard/restore"])
def test_missing_csrf_is_refused_and_writes_nothing(app, client, path, data):
    claim(client, "nadia")
    before = _profile()
    response = client.post(path, data={**data, "version": before.version})
    assert response.status_code == 400 and b"did not come from this site" in response.data
    assert _profile().version == before.version


def test_stale_edit_refused(app, client):
    claim(client, "nadia")
    stale = _profile().version
    post(client, "/dashboard/name", {"display_name": "First", "version": stale})
    response = post(client, "/dashboard/name", {"display_name": "Second", "version": stale}, htmx=True)
    assert "changed elsewhere" in response.get_data(as_text=True)
    assert _profile().displayName == "First"


@pytest.mark.parametrize("bad,message", [
    ("", "cannot be empty"), ("x" * 61, "limit is 60"), ("see https://example.com", "web address"),
    ("<b>bold</b>", "markup"),
])
def test_bad_name_refused_without_write(app, client, bad, message):
    claim(client, "nadia")
    before = _profile()
    response = post(client, "/dashboard/name", {"display_name": bad, "version": before.version}, htmx=True)
    assert message in response.get_data(as_text=True)
    assert _profile().version == before.version


def test_edited_line_is_locked_and_survives_regeneration(app, client):
    claim(client, "nadia")
    profile = _profile()
    album = items(profile)["albums"][0]["id"]
    answer = post(client, f"/dashboard/albums/{album}/line", {"line": "My own words.", "version": profile.version},
                  htmx=True).get_data(as_text=True)
    assert answer.lstrip().startswith(f'<form id="line-{album}"') and ">My own words.</textarea>" in answer
    post(client, "/dashboard/copy", {})
    regenerated = _profile()
    assert regenerated.albumLines[album] == "My own words."
    assert album in regenerated.locked["lines"]
    # Releasing: an empty line hands it back to the writer.
    post(client, f"/dashboard/albums/{album}/line", {"line": "", "version": regenerated.version})
    post(client, "/dashboard/copy", {})
    assert _profile().albumLines[album] != "My own words."


def test_hide_and_feature_change_the_layout(app, client):
    claim(client, "nadia")
    profile = _profile()
    first, second = items(profile)["albums"][0]["id"], items(profile)["albums"][1]["id"]
    post(client, f"/dashboard/items/{first}/hide", {})
    post(client, f"/dashboard/items/{second}/feature", {})
    after = _profile()
    assert after.layout == {"hidden": [first], "featured": [{"id": second, "note": ""}], "pinned": [second]}
    assert after.dataHash != profile.dataHash
    response = post(client, "/dashboard/items/not-mine/hide", {}, htmx=True)
    assert "not on this profile" in response.get_data(as_text=True)


def test_publish_puts_profile_in_due_index(app, client):
    claim(client, "nadia")
    answer = post(client, "/dashboard/publish", {}, htmx=True).get_data(as_text=True)
    assert 'role="status">Published. Your page is live.</p>' in answer
    profile = _profile()
    assert profile.isPublic and profile.gsi1pk == "AUTO#1"
    assert profile.gsi1sk.endswith("#nadia")
    assert client.get("/nadia").status_code == 200
    post(client, "/dashboard/unpublish", {})
    assert _profile().gsi1pk is None
    assert client.get("/nadia").status_code == 404


def test_publish_needs_copy(app, client):
    claim(client, "nadia")
    profile = _profile()
    # No copy written yet (a written copy may have no bio: the offline writer had nothing to say).
    profile.update(actions=[ProfileModel.bio.remove(), ProfileModel.copyMeta.remove()])
    response = post(client, "/dashboard/publish", {}, htmx=True)
    assert "Write the copy first" in response.get_data(as_text=True)
    assert not _profile().isPublic


def test_delete_needs_the_handle_typed_then_restore(app, client):
    claim(client, "nadia")
    post(client, "/dashboard/publish", {})
    response = post(client, "/dashboard/delete", {"confirm_handle": "nope"}, htmx=True)
    assert "Type your handle exactly" in response.get_data(as_text=True)
    post(client, "/dashboard/delete", {"confirm_handle": "nadia"})
    profile = _profile()
    assert profile.deletedAt and not profile.isPublic and profile.gsi1pk is None
    assert client.get("/nadia").status_code == 404
    from anchor.models import TokenModel
    with pytest.raises(TokenModel.DoesNotExist):
        TokenModel.get("ACCOUNT#spotify:nadia")
    post(client, "/dashboard/restore", {})
    assert _profile().deletedAt is None and not _profile().isPublic


def test_export_has_everything_but_tokens(app, client):
    claim(client, "nadia")
    response = client.get("/dashboard/export")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.get_json()
    assert data["profile"]["handle"] == "nadia" and data["account"]["id"] == "spotify:nadia"
    text = response.get_data(as_text=True)
    from anchor.models import TokenModel
    blob = TokenModel.get("ACCOUNT#spotify:nadia").blob
    tokens = app.extensions["anchor.vault"].open("spotify:nadia", blob)
    assert blob not in text and tokens["access_token"] not in text and tokens["refresh_token"] not in text


def test_handle_check_fragment(app, client):
    claim(client, "nadia")
    other = app.test_client()
    sign_in(other, "tomas")
    taken = other.get("/dashboard/handle-check?handle=nadia", headers={"HX-Request": "true"})
    assert "is taken" in taken.get_data(as_text=True) and "<html" not in taken.get_data(as_text=True)
    free = other.get("/dashboard/handle-check?handle=tomas-k", headers={"HX-Request": "true"})
    assert "is available" in free.get_data(as_text=True)
    reserved = other.get("/dashboard/handle-check?handle=admin", headers={"HX-Request": "true"})
    assert "reserved" in reserved.get_data(as_text=True)


def test_claim_errors_shown_and_nothing_written(app, client):
    claim(client, "nadia")
    other = app.test_client()
    sign_in(other, "tomas")
    response = post(other, "/dashboard/claim", {"handle": "nadia"}, htmx=True)
    assert "is taken" in response.get_data(as_text=True)
    response = post(other, "/dashboard/claim", {"handle": "<script>"}, htmx=True)
    body = response.get_data(as_text=True)
    assert "3–30 characters" in body and "<script>" not in body


def test_csrf_token_is_sent_as_htmx_header(app, client):
    claim(client, "nadia")
    page = client.get("/dashboard").get_data(as_text=True)
    token = csrf_token(client)
    assert re.search(r"hx-headers='\{&#34;X-CSRFToken&#34;: &#34;|hx-headers='\{\"X-CSRFToken\": \"", page)
    response = client.post("/dashboard/auto-refresh", data={"enabled": "off"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200


def test_refresh_now_then_cooldown_message(app, client, spotify_sandbox):
    claim(client, "nadia")
    before = spotify_sandbox.stats()["paths"]["/v1/me/top/tracks"]
    response = post(client, "/dashboard/refresh", {})
    assert response.status_code == 303
    assert spotify_sandbox.stats()["paths"]["/v1/me/top/tracks"] == before + 3     # three ranges
    assert _profile().lastManualRefreshAt is not None
    again = post(client, "/dashboard/refresh", {}, htmx=True)
    body = again.get_data(as_text=True)
    assert "available again at" in body and "minutes" in body
    assert spotify_sandbox.stats()["paths"]["/v1/me/top/tracks"] == before + 3


def test_refresh_status_poll_keeps_polling_while_locked_then_reloads(app, client):
    from anchor.refresh import lock
    claim(client, "nadia")
    with app.app_context():
        lock_id = lock.acquire_lock(_profile())
    assert lock_id
    running = client.get("/dashboard/refresh-status", headers={"HX-Request": "true"})
    body = running.get_data(as_text=True)
    assert running.status_code == 200 and "HX-Refresh" not in running.headers
    assert body.lstrip().startswith('<div id="refresh-control"') and "<html" not in body
    assert 'hx-trigger="every 1s"' in body and "Refreshing from Spotify…" in body
    with app.app_context():
        assert lock.release_lock(_profile(), lock_id)
    done = client.get("/dashboard/refresh-status", headers={"HX-Request": "true"})
    assert done.status_code == 200 and done.headers.get("HX-Refresh") == "true"
    assert 'hx-trigger="every 1s"' not in done.get_data(as_text=True)


def test_deleted_profile_accepts_only_restore_and_export(app, client):
    claim(client, "nadia")
    post(client, "/dashboard/delete", {"confirm_handle": "nadia"})
    before = _profile()
    assert post(client, "/dashboard/publish", {}).status_code == 404
    assert post(client, "/dashboard/name", {"display_name": "X", "version": before.version}).status_code == 404
    assert client.get("/dashboard/preview").status_code == 404
    assert _profile().version == before.version and not _profile().isPublic
    assert client.get("/dashboard/export").status_code == 200
    assert "Restore my profile" in client.get("/dashboard").get_data(as_text=True)
    assert post(client, "/dashboard/restore", {}).status_code == 303


def test_claim_when_spotify_is_down_says_so(app, client, spotify_sandbox):
    sign_in(client, "nadia")
    spotify_sandbox.fail_next("503", count=20)
    response = post(client, "/dashboard/claim", {"handle": "nadia"}, htmx=True)
    body = response.get_data(as_text=True)
    assert "Spotify did not answer yet" in body
    assert _profile().handle == "nadia" and not _profile().listening


def _listed_ids(page, kind):
    """Item ids in the order the dashboard lists them (kind: albums | artists)."""
    start = page.index(f'<ol class="dash-list {kind}"')
    return re.findall(r'<li id="item-([^"]+)"', page[start:page.index("</ol>", start)])


def test_featuring_never_reorders_and_the_dashboard_lists_the_page_order(app, client):
    claim(client, "nadia")
    post(client, "/dashboard/copy", {})
    post(client, "/dashboard/publish", {})
    albums = [a["id"] for a in items(_profile())["albums"]]
    answer = post(client, f"/dashboard/items/{albums[2]}/feature", {}, htmx=True)
    body = answer.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="items"') and "<html" not in body
    assert f'<div class="feedback" id="feedback-item-{albums[2]}" hx-swap-oob="innerHTML">' in body
    assert "Updated what your page features." in body
    assert [f["id"] for f in _profile().layout["featured"]] == [albums[2]]
    plain = post(client, f"/dashboard/items/{albums[0]}/feature", {})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/dashboard#item-{albums[0]}")
    assert (f'<div class="feedback" id="feedback-item-{albums[0]}"><p class="flash ok">Updated what your page features.'
            in client.get("/dashboard").get_data(as_text=True))
    post(client, f"/dashboard/items/{albums[1]}/hide", {})
    page = client.get("/dashboard").get_data(as_text=True)
    assert _listed_ids(page, "albums") == albums                 # the source's order, hidden one kept
    # The public page ranks the same order without the hidden album; the dashboard marks it.
    public = client.get("/nadia").get_data(as_text=True)
    ranked = public[public.index('<div class="columns">'):]
    names = {a["id"]: a["name"] for a in items(_profile())["albums"]}
    positions = [ranked.find(f">{names[i]}<") for i in albums if i != albums[1]][:12]
    assert -1 not in positions and positions == sorted(positions)
    assert page.count("<span class=\"sr-only\"> on your page</span>") == (
        min(len(albums) - 1, 12) + min(len(items(_profile())["artists"]), 10))
    for gone in ("move", "pin"):
        assert post(client, f"/dashboard/items/{albums[2]}/{gone}", {"direction": "up"}).status_code == 404


def test_times_are_time_elements_and_the_deleted_screen_offers_export(app, client):
    claim(client, "nadia")
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-local>[^<]+ UTC</time>', page)
    assert re.search(r'<script src="/static/dashboard\.js(\?v=\w+)?" defer>', page)
    post(client, "/dashboard/delete", {"confirm_handle": "nadia"})
    deleted = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard/export"' in deleted and "within 80 seconds" in deleted


def test_preview_offers_back_and_publish(app, client):
    claim(client, "nadia")
    post(client, "/dashboard/copy", {})
    page = client.get("/dashboard/preview").get_data(as_text=True)
    assert 'href="/dashboard">Back to your dashboard</a>' in page
    assert 'action="/dashboard/publish"' in page and ">Publish</button>" in page
    answer = client.post("/dashboard/publish", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page).group(1)})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/dashboard#status")
    assert _profile().isPublic
    assert 'action="/dashboard/publish"' not in client.get("/dashboard/preview").get_data(as_text=True)


def test_a_claim_over_htmx_sends_no_out_of_band_versions(app, client):
    """The claim swaps the whole body, whose forms carry their versions: out-of-band version inputs
    would target forms not yet on screen (htmx:oobErrorNoTarget). A partial edit still gets them."""
    sign_in(client, "nadia")
    token = csrf_token(client)
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    answer = client.post("/dashboard/claim", data={"handle": "nadia", "csrf_token": token}, headers=hx)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "anchor.band/nadia" in body
    oob = re.findall(r'<[^>]*hx-swap-oob[^>]*>', body)
    assert oob and all('id="flash"' in tag or 'id="feedback-' in tag for tag in oob), oob
    version = ProfileModel.get("USER#nadia").version
    edit = client.post("/dashboard/name", data={"display_name": "Nadia", "version": version, "csrf_token": token},
                       headers=hx)
    assert 'id="version-name"' in edit.get_data(as_text=True)
