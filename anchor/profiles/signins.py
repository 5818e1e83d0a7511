"""Sign-ins started here, kept in DynamoDB so that any process can finish one, and only once.

Last.fm's web authentication has no state parameter. The server asks Last.fm for the token
(auth.getToken) before it sends the browser there, records it under the browser's nonce, and
the callback must bring back that very token: a token someone else authorized cannot be paired
with this browser's nonce. Finishing deletes the record with a condition, so a copy of the
cookie taken before the callback finds nothing to use in any process.
"""
import time

from anchor.models import SignInModel, conditional


def _key(source, nonce):
    return f"SIGNIN#{source}#{nonce}"


def remember(source, nonce, token, seconds):
    """Record that this site started a sign-in with `token` under `nonce`, for `seconds`."""
    SignInModel(_key(source, nonce), token=token, expiresAt=int(time.time()) + int(seconds)).save()


def use(source, nonce, token):
    """True once for the recorded nonce and its own token (deleted as it is used); else False."""
    condition = (SignInModel.token == token) & (SignInModel.expiresAt > int(time.time()))
    return conditional(SignInModel(_key(source, nonce)).delete, condition=condition)


def drop(source, nonce):
    """Forget a started sign-in (it came back cancelled)."""
    SignInModel(_key(source, nonce)).delete()
