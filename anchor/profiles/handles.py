"""Handle rules and the claim transaction."""
import random
import re
import time

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from anchor import clock
from anchor.models import AccountModel, ProfileModel, account_key, profile_key
from anchor.models.binding import transaction_connection
from anchor.profiles import index
from anchor.profiles.accounts import current_id, split_id
from anchor.rules import NAME_MAX
from anchor.text import clean_name

PASSKEY_SOURCE = "passkey"
HANDLE_RE = re.compile(r"^[a-z0-9_-]{3,30}$")
RESERVED = frozenset("""
    login logout auth dashboard static healthz admin api robots.txt favicon.ico about help
    support settings account accounts signup signin register terms privacy legal docs blog
    www mail root anchor band null undefined og sitemap sitemap.xml security status new
    edit delete export spotify callback public demo listenbrainz lastfm musicbrainz upload
    feed card worker
""".split())

# Handles that begin like these would pass for the site itself or its staff ("anchor-band",
# "admin-help", "0fficial"): refused whatever follows.
AUTHORITY_PREFIXES = ("anchor", "admin", "staff", "official", "support", "security", "moderator")
# Characters that read alike in a handle; separators are dropped before comparing. "1" reads as
# "l" or "i", so a handle is checked in both readings.
LOOKALIKE = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "-": "", "_": ""}
READINGS = (str.maketrans(LOOKALIKE | {"1": "l"}), str.maketrans(LOOKALIKE | {"1": "i"}))


def skeletons(handle):
    """How a handle can read: separators dropped, look-alike characters folded."""
    return {handle.translate(reading) for reading in READINGS}


RESERVED_SKELETONS = frozenset().union(*(skeletons(word) for word in RESERVED))
AUTHORITY_SKELETONS = tuple(set().union(*(skeletons(word) for word in AUTHORITY_PREFIXES)))


def _reserved(handle):
    return any(shape in RESERVED_SKELETONS or shape.startswith(AUTHORITY_SKELETONS)
               for shape in skeletons(handle))


class HandleError(Exception):
    """A handle could not be claimed; `code` is one of invalid, reserved, taken, has_handle,
    upload_changed."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def normalize(raw):
    """Lowercase and trim what the user typed."""
    return (raw or "").strip().lower()


def check(raw):
    """Return the normalized handle or raise HandleError (invalid / reserved)."""
    handle = normalize(raw)
    if not HANDLE_RE.fullmatch(handle):
        raise HandleError("invalid", "A handle is 3–30 characters: lowercase letters, digits, "
                                     "underscores and hyphens.")
    if _reserved(handle):
        raise HandleError("reserved", f"“{handle}” is reserved. Please pick another handle.")
    return handle


def is_available(raw):
    """(available, message) for the live check as the user types; one GetItem."""
    try:
        handle = check(raw)
    except HandleError as exc:
        return False, exc.message
    try:
        ProfileModel.get(profile_key(handle), attributes_to_get=["pk"])
    except ProfileModel.DoesNotExist:
        return True, f"“{handle}” is available."
    return False, f"“{handle}” is taken."


def suggest(account_id, display_name=None, user_name=None):
    """A free handle made from the source's user name (else its display name), or None; a passkey
    account's user name is the one its uploaded data gives, if any."""
    source, user = split_id(current_id(account_id))
    names = [user_name, display_name] if source == PASSKEY_SOURCE else [user, display_name]
    for name in names:
        candidate = re.sub(r"[^a-z0-9_-]+", "-", normalize(name)).strip("-_")[:30]
        if candidate and is_available(candidate)[0]:
            return candidate
    return None


def _stale_account_handle(account_id):
    """The handle a stale account item names (its profile is gone or someone else's), or None."""
    from anchor.profiles.accounts import owned_handle, owns
    handle = owned_handle(account_id)
    if handle is None:
        return None
    try:
        profile = ProfileModel.get(profile_key(handle), consistent_read=True)
    except ProfileModel.DoesNotExist:
        return handle
    return None if owns(profile, account_id) else handle


def claim(account_id, raw_handle, display_name=None, data=None, also=None):
    """Write the profile and the account item in one transaction; return the new profile.

    `data`: fields the new profile starts with (an upload read before the claim); `also(handle)`:
    one more (item, actions, condition) update in the same transaction (that upload's release)."""
    handle = check(raw_handle)
    account_id = current_id(account_id)
    source, user = split_id(account_id)
    links = {source: user}
    if source == PASSKEY_SOURCE:      # a passkey is no listening source: the page waits for an upload
        source, links = "upload", {}
    display_name = clean_name(display_name, NAME_MAX)
    moment = clock.now()
    fields = dict(handle=handle, ownerId=account_id, displayName=display_name or handle, source=source,
                  links=links, isPublic=False, autoRefreshEnabled=True, **index.connected_fields(True),
                  createdAt=moment, updatedAt=moment, version=1)
    profile = ProfileModel(profile_key(handle), **{**fields, **(data or {})})
    account = AccountModel(account_key(account_id), handle=handle,
                           spotifyDisplayName=display_name, createdAt=moment)
    connection = transaction_connection()
    account_free = AccountModel.pk.does_not_exist()
    for attempt in range(4):
        try:
            with TransactWrite(connection=connection) as tx:
                tx.save(profile, condition=ProfileModel.pk.does_not_exist())
                tx.save(account, condition=account_free)
                if also is not None:
                    item, actions, condition = also(handle)
                    tx.update(item, actions=actions, condition=condition)
            return profile
        except TransactWriteError as exc:
            reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                stale = _stale_account_handle(account_id)
                if stale is None or attempt == 3:
                    raise HandleError("has_handle", "This account already has a handle.") from None
                # The account's old page expired and its handle went to someone else: the
                # account item is replaced, as long as it still names that old handle.
                account_free = AccountModel.pk.does_not_exist() | (AccountModel.handle == stale)
                continue
            if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed":
                raise HandleError("upload_changed", "Your upload changed while you claimed; "
                                                    "check your page's name and claim again.") from None
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise HandleError("taken", f"“{handle}” is taken. Please pick another handle.") from None
            if "TransactionConflict" not in reasons or attempt == 3:
                raise
            # Another claim of the same handle is in flight: look again once it has settled.
            time.sleep(0.05 * (attempt + 1) * (1 + random.random()))
    raise AssertionError("unreachable")
