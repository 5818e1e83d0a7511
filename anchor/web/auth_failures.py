"""The sign-in failure page: it names the sign-in that failed and offers all three again."""
from flask import render_template, request

from anchor.profiles import listening

# The sign-in each endpoint of the auth blueprint belongs to, so one helper can name it.
SIGN_IN_OF = {"auth.login": "spotify", "auth.callback": "spotify",
              "auth.login_listenbrainz": "listenbrainz", "auth.listenbrainz_callback": "listenbrainz",
              "auth.login_lastfm": "lastfm", "auth.lastfm_callback": "lastfm"}


def failure(title, text, status=400):
    """The failure page for this request's sign-in, as (body, status)."""
    source = SIGN_IN_OF.get(request.endpoint)
    return render_template("auth/failed.html", title=title, text=text,
                           failed=listening.label(source) if source else None), status
