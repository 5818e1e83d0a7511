"""Walking the sign-in flow and posting forms the way a browser would."""
import hashlib
import os
import re
from urllib.parse import urlsplit

import requests
from itsdangerous import URLSafeTimedSerializer


def consent(authorize_url, listener):
    """Open the sandbox consent page and pick `listener`; returns the callback URL."""
    with requests.Session() as http:
        page = http.get(authorize_url, timeout=5)
        assert page.status_code == 200, page.text
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        answer = http.post(authorize_url.split("?")[0], data=form | {"listener": listener},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sign_in(client, listener="nadia"):
    """Full sign-in through the sandbox with the Flask test client; returns the final response."""
    start = client.get("/login")
    assert start.status_code == 302
    callback = consent(start.headers["Location"], listener)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def csrf_token(client, path="/dashboard"):
    """The CSRF token from a page's form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def anonymous_csrf_token(app, client):
    """A valid CSRF token for a client with no account, made the way Flask-WTF makes one.

    No page renders a form for anonymous visitors, so the raw token goes into the session and
    the signed one comes back, exactly as `flask_wtf.csrf.generate_csrf` would pair them.
    """
    raw = hashlib.sha1(os.urandom(64)).hexdigest()
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def post(client, path, data=None, htmx=False, token=None):
    """POST a dashboard form with its CSRF token, as a plain form or as HTMX."""
    token = token or csrf_token(client)
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    body = dict(data or {})
    if not htmx:
        body["csrf_token"] = token
    return client.post(path, data=body, headers=headers)


def claim(client, listener="nadia", handle=None):
    """Sign in and claim a handle (defaults to the listener id)."""
    sign_in(client, listener)
    return post(client, "/dashboard/claim", {"handle": handle or listener})
