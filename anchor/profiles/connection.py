"""Signing in with a source, claiming (with the first fetch), linking, switching and disconnecting."""
import logging
from datetime import datetime, timezone

from anchor import clock
from anchor.logs import log_event
from anchor.metrics import emf
from anchor.models import AccountModel, SourceDataModel, account_key, conditional
from anchor.profiles import index, listening, service, tokens, writes
from anchor.profiles.accounts import owned_handle, owned_profile
from anchor.rules import MANUAL_COOLDOWN, NAME_MAX
from anchor.sources.base import SourceError
from anchor.sources.spotify import TokenSet
from anchor.text import clean_name

log = logging.getLogger("anchor.connection")


NOT_SENT = object()      # a sign-in that did not ask the source for the user's picture


class LinkRefused(Exception):
    """A source account cannot be linked to this profile (message shown as is)."""


def complete_sign_in(token):
    """Spotify: store the new tokens and return (account_id, display_name, handle or None)."""
    client = tokens.spotify_client()
    token_set = TokenSet(token["access_token"], token.get("refresh_token"),
                         int(token.get("expires_at") or clock.now().timestamp() + 3600),
                         token.get("scope"))
    try:
        me = client.me(token_set.access_token)
    finally:
        client.close()
    account_id = f"spotify:{me['id']}"
    tokens.save(account_id, token_set)
    handle = _signed_in(account_id, "spotify", picture=me["image"])
    return account_id, clean_name(me["display_name"], NAME_MAX) or me["id"], handle


def read_picture(client, user):
    """The user's picture from a source client at sign-in (None: they have none), or NOT_SENT
    when the source could not say: the stored one then stays until the next refresh."""
    try:
        return client.picture(user)
    except SourceError as exc:
        log_event(log, "sign-in picture not read", level=logging.INFO, user=user, error=type(exc).__name__)
        return NOT_SENT


def sign_in(source, user, display_name=None, picture=NOT_SENT):
    """A source without stored credentials (ListenBrainz, Last.fm): (account_id, name, handle);
    `picture` is the user's picture (None: they have none) when the sign-in read it."""
    account_id = f"{source}:{user}"
    return account_id, clean_name(display_name or user, NAME_MAX) or user, _signed_in(account_id, source, picture)


def _signed_in(account_id, source, picture=NOT_SENT):
    """The account's handle; a profile showing this source that had lost it is reconnected, and
    takes the user's `picture` (given when the sign-in itself sent one) if it changed."""
    profile = owned_profile(account_id)
    handle = profile.handle if profile is not None else None
    if handle and profile.deletedAt is None and service.source_of(profile) == source:
        def decide(fresh):
            # Decided on the state it writes: a refresh's new data written meanwhile is kept.
            changes = {}
            if not index.is_connected(fresh):
                changes = {**index.connected_fields(True), "failureCount": 0,
                           "lastRefreshStatus": "reconnected", "lastRefreshMessage": None}
            data = fresh.listening or {}
            if picture is not NOT_SENT and data.get("source") == source and data.get("picture") != picture:
                changes["listening"] = {**data, "picture": picture}
            return changes or None
        writes.update(profile, decide)
    log_event(log, "signed in", account=account_id, source=source, has_handle=bool(handle),
              **emf({"SignIns": 1}, dimensions={"Source": source}))
    return handle


def link(profile, account_id):
    """Link another source's account to this profile (one person, one handle)."""
    source, _, user = account_id.partition(":")
    owner_of = owned_handle(account_id)
    if owner_of not in (None, profile.handle):
        raise LinkRefused(f"This {listening.label(source)} account already belongs to another "
                          "Anchor.band page. Sign in with it to manage that page.")
    linked_user = (profile.links or {}).get(source)
    if linked_user not in (None, user):
        raise LinkRefused(f"Another {listening.label(source)} account is linked to this page. "
                          "Unlink it first.")
    if owner_of is None:
        item = AccountModel(account_key(account_id), handle=profile.handle, createdAt=clock.now())
        if not conditional(item.save, condition=AccountModel.pk.does_not_exist()):
            raise LinkRefused(f"This {listening.label(source)} account was just linked elsewhere.")

    def decide(fresh):
        return {"links": dict(fresh.links or {}, **{source: user})}
    writes.update(profile, decide, bump=True)
    log_event(log, "source linked", handle=profile.handle, source=source)
    return profile


def check_linked(profile, source):
    """Raise LinkRefused unless `source` is linked to the profile (a switch needs it)."""
    if listening.external_id(profile, source) is None:
        raise LinkRefused(f"Link {listening.label(source)} first.")


def stored_data(profile, source, now=None):
    """Data from `source` the page may show without a fetch: the uploaded file's totals, or data
    the source gave within the manual cooldown (what a refresh could not fetch again); else None."""
    if source == "upload":
        return profile.uploaded
    now = now or clock.now()
    current = profile.listening or {}
    if current.get("source") == source and _checked_at(profile) + MANUAL_COOLDOWN > now:
        return current
    try:
        kept = SourceDataModel.get(_stash_key(profile.handle, source), consistent_read=True)
    except SourceDataModel.DoesNotExist:
        return None
    if kept.checkedAt + MANUAL_COOLDOWN <= now or (profile.createdAt and kept.checkedAt < profile.createdAt):
        return None                   # stale (the TTL sweeps late), or an earlier owner's
    return kept.listening


def show_source(profile, source, data=None):
    """Show another linked source on the page, with `data` when it is stored; else its data comes
    with the refresh the caller starts. The data shown until now is kept for the cooldown."""
    check_linked(profile, source)
    connected = not listening.uses_tokens(source) or tokens.has_tokens(listening.account_id(profile, source))
    changes = {"source": source, **index.connected_fields(connected), "failureCount": 0, "lastRefreshMessage": None}
    if data is not None:
        changes["listening"] = data
    _keep(profile)
    return writes.write(profile, changes, bump=True)


def _stash_key(handle, source):
    return f"SOURCEDATA#{handle}#{source}"


def _checked_at(profile):
    """When the page's data was last confirmed by its source (an unchanged check keeps `fetchedAt`)."""
    data = profile.listening or {}
    try:
        fetched = datetime.fromisoformat(str(data.get("fetchedAt")).replace("Z", "+00:00"))
    except ValueError:
        fetched = None
    if fetched is not None and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=timezone.utc)
    last = profile.lastRefreshAt if data.get("source") == service.source_of(profile) else None
    return max((t for t in (fetched, last) if t is not None), default=datetime.min.replace(tzinfo=timezone.utc))


def _keep(profile):
    """Keep the page's current data for the manual cooldown (an upload keeps its own copy)."""
    data = profile.listening or {}
    source = data.get("source")
    checked = _checked_at(profile)
    if source in (None, "upload") or checked + MANUAL_COOLDOWN <= clock.now():
        return
    SourceDataModel(_stash_key(profile.handle, source), listening=data, checkedAt=checked,
                    expiresAt=int((checked + MANUAL_COOLDOWN).timestamp())).save()


def disconnect(profile):
    """The owner disconnects the page's source: tokens deleted, auto-refresh stopped, page kept."""
    source = service.source_of(profile)
    account = listening.account_id(profile, source)
    if account:
        tokens.delete(account)
    return writes.write(profile, {**index.connected_fields(False), "autoRefreshEnabled": False,
                                  "lastRefreshStatus": "disconnected",
                                  "lastRefreshMessage": f"You disconnected {listening.label(source)}."},
                        bump=True)
