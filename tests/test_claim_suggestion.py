"""The claim form is prefilled with a free handle made from the source's user name."""
import re

from tests.passkey_helpers import authenticator, register
from tests.web_helpers import claim, sign_in

VALUE = re.compile(r'id="handle"[^>]*value="([^"]*)"', re.S)


def _prefilled(client):
    return VALUE.search(client.get("/dashboard").get_data(as_text=True)).group(1)


def test_the_claim_form_suggests_the_source_user_name_while_it_is_free(app, client):
    sign_in(client, "nadia")
    assert _prefilled(client) == "nadia"
    claim(app.test_client(), "tomas", handle="nadia")     # someone else takes it meanwhile
    assert _prefilled(client) == "nadia-haddad"           # then one from the display name
    claim(app.test_client(), "aiko", handle="nadia-haddad")
    assert _prefilled(client) == ""                       # a taken handle is never suggested


def test_a_passkey_account_gets_no_made_up_suggestion(app, client):
    register(client, authenticator(app))
    assert _prefilled(client) == ""
