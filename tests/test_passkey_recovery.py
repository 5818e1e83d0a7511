"""Recovery: a passkey account is told once to add a way in; a linked source reaches the same page."""
from anchor.models.passkeys import PasskeysModel
from tests.passkey_helpers import authenticator, register
from tests.source_web_helpers import dashboard_text, link_listenbrainz, sign_in_listenbrainz, signed_in_as
from tests.web_helpers import post


def _credentials(app):
    with app.app_context():
        return [c for i in PasskeysModel.scan() if i.pk.startswith("PASSKEYS#") for c in i.credentials]


def test_a_source_linked_to_a_passkey_page_signs_in_to_it_and_frees_the_last_passkey(app, client, brainz_standin):
    register(client, authenticator(app))
    post(client, "/dashboard/claim", {"handle": "keyholder"})
    assert "Keep a second way in" in dashboard_text(client)
    only = _credentials(app)[0]["id"]
    post(client, f"/dashboard/passkeys/{only}/remove")
    assert "This is your only way in" in dashboard_text(client) and len(_credentials(app)) == 1

    answer = link_listenbrainz(client, "grimnir")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/dashboard")
    page = dashboard_text(client)
    assert "ListenBrainz is linked" in page and "Keep a second way in" not in page

    other = app.test_client()                          # the linked source's sign-in: the same page
    assert sign_in_listenbrainz(other, "grimnir").status_code == 302
    assert signed_in_as(other) == "listenbrainz:grimnir"
    assert "anchor.band/keyholder" in dashboard_text(other)

    post(client, f"/dashboard/passkeys/{only}/remove")  # no longer the last way in
    assert _credentials(app) == []
    assert "anchor.band/keyholder" in dashboard_text(other)
