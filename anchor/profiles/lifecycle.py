"""Soft delete, restore within 30 days, and the export of everything stored for an account."""
from anchor import clock
from anchor.models import AccountModel, ProfileModel, conditional
from anchor.models.years import read_year
from anchor.profiles import (held_uploads, index, listening, passkeys, photos, service, share_cards, tokens,
                             writes, year_cards)
from anchor.profiles.accounts import account_item, split_id
from anchor.rules import RESTORE_PERIOD

class LifecycleRefused(Exception):
    """The owner asked for something the rules do not allow (message shown as is)."""


def soft_delete(profile, typed_handle):
    """Hide the page at once, leave the index, delete the tokens, the photo and the share images;
    restorable for 30 days."""
    if (typed_handle or "").strip().lower() != profile.handle:
        raise LifecycleRefused("Type your handle exactly to confirm deletion.")
    now = clock.now()
    expires = int((now + RESTORE_PERIOD).timestamp())
    # Tokens go at once (the tokens table has no TTL: its expiresAt is the access token's).
    for source in linked_sources(profile):
        tokens.delete(listening.account_id(profile, source))
    photo, images, year_images = profile.photo, profile.shareImages, year_cards.stored(profile)
    gone = {"years": dict(profile.years, cards=None)} if year_images else {}
    deleted = writes.write(profile, {"isPublic": False, "deletedAt": now, **index.connected_fields(False),
                                     "expiresAt": expires, "photo": None, "shareImages": None, **gone}, bump=True)
    photos.discard(photo, profile.handle)      # a deleted page's face is not left readable for 30 days
    share_cards.discard(images, profile.handle)
    share_cards.delete_keys(year_cards.keys(year_images), profile.handle)
    _expire_accounts(profile, expires)
    return deleted


def restore_deadline(profile):
    return profile.deletedAt + RESTORE_PERIOD if profile.deletedAt else None


def restore(profile):
    """Bring a deleted profile back, unpublished; Spotify needs a new sign-in to refresh."""
    if profile.deletedAt is None:
        raise LifecycleRefused("This profile is not deleted.")
    if clock.now() > restore_deadline(profile):
        raise LifecycleRefused(f"The {RESTORE_PERIOD.days} days to restore this profile have passed.")
    source = service.source_of(profile)
    connected = not listening.uses_tokens(source) or tokens.has_tokens(listening.account_id(profile, source))
    restored = writes.write(profile, {"deletedAt": None, "isPublic": False, **index.connected_fields(connected),
                                      "expiresAt": None}, bump=True, allow_deleted=True)
    _expire_accounts(profile, None)
    return restored


def _expire_accounts(profile, expires):
    """Set (epoch seconds) or clear the TTL of every account item that names the profile.

    DynamoDB deletes an item some time after its `expiresAt` (the table's one TTL attribute):
    the profile, its account items and their passkeys go together, so the handle is freed without a Scan.
    """
    for source in linked_sources(profile):
        account_id = listening.account_id(profile, source)
        item = account_item(account_id)
        if item is None or item.handle != profile.handle:
            continue
        action = AccountModel.expiresAt.set(expires) if expires else AccountModel.expiresAt.remove()
        conditional(item.update, actions=[action], condition=AccountModel.handle == profile.handle)
        passkeys.expire_with_page(account_id, expires)


def linked_sources(profile):
    """Every source linked to the profile (its owner's first one included)."""
    return sorted(set(profile.links or {}) | {split_id(profile.ownerId)[0]})


# Everything on the profile item is the owner's, except what only the machinery reads: the
# key, the index keys, the refresh lock and the write revision. Derived from the model, so a new
# attribute is exported unless it is named here.
NOT_EXPORTED = frozenset({"pk", "ownerId", "gsi1pk", "gsi1sk", "refreshLockUntil", "refreshLockId", "rev"})


def export_fields():
    """The profile attributes an export contains, in the model's order."""
    return [name for name in ProfileModel.get_attributes() if name not in NOT_EXPORTED]


def export(account_id, profile):
    """Everything stored about the account, minus secrets (token blobs are never exported)."""
    account = account_item(account_id)
    spotify = listening.account_id(profile, "spotify") if profile else (
        account_id if account_id.startswith("spotify:") else None)
    token_info = {"stored": False}
    item = tokens.stored_item(spotify) if spotify else None
    if item is not None:
        token_info = {"stored": True, "scopes": item.scopes, "keyId": item.keyId,
                      "note": "Spotify tokens are stored encrypted and are not exported."}
    return {
        "exportedAt": clock.iso(clock.now()),
        "account": {"id": account_id, "handle": account.handle if account else None,
                    "displayName": account.spotifyDisplayName if account else None,
                    "createdAt": clock.iso(account.createdAt) if account else None},
        "profile": {name: _plain(getattr(profile, name)) for name in export_fields()} if profile else None,
        # each year's aggregates live beside the profile (profiles/years.py), an unclaimed upload
        # on an item of its own, the passkeys on the account's (their public keys are not the owner's data)
        "years": {year: read_year(profile.handle, year) for year in sorted((profile.years or {}).get("list") or {})}
                 if profile else {},
        "heldUpload": _held(account_id),
        "passkeys": passkeys.passkeys(account_id),
        "spotifyTokens": token_info,
    }


def _held(account_id):
    held = held_uploads.get(account_id) if held_uploads.may_hold(account_id) else None
    if held is None:
        return None
    return {"data": held.data, "summary": held.summary, "names": held.names, **held_uploads.years_of(held),
            "expiresAt": held.expiresAt}




def _plain(value):
    return clock.iso(value) if hasattr(value, "astimezone") else value
