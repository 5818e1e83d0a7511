"""PynamoDB models for passkeys: an account's credentials and the ceremonies begun for them."""
from pynamodb.attributes import BinaryAttribute, BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from anchor.models import _ProfilesTable


class PasskeysModel(_ProfilesTable):
    """`PASSKEYS#<account>`: the account's passkeys, [{id, data, name, createdAt, lastUsedAt, signCount}]."""

    class Meta(_ProfilesTable.Meta):
        pass

    credentials = JSONAttribute(default=list)  # `data`: the AttestedCredentialData, base64url
    noticeDismissed = BooleanAttribute(default=False)   # the one "add a second way in" notice
    rev = NumberAttribute(default=1)           # every write is conditioned on it
    userHandle = UnicodeAttribute(null=True)   # a source account's: the user handle of all its passkeys
    expiresAt = NumberAttribute(null=True)     # the table's TTL: set while the account's page is deleted


class PasskeyUserModel(_ProfilesTable):
    """`PASSKEYUSER#<user handle>`: the source account whose passkeys carry this user handle."""

    class Meta(_ProfilesTable.Meta):
        pass

    accountId = UnicodeAttribute()
    expiresAt = NumberAttribute(null=True)     # the table's TTL: goes with the account's passkeys


class CeremonyModel(_ProfilesTable):
    """`CEREMONY#<id>`: a passkey registration or sign-in begun here; finished once, by any process."""

    class Meta(_ProfilesTable.Meta):
        pass

    kind = UnicodeAttribute()                  # register | sign-in
    state = JSONAttribute()                    # fido2's state: the challenge and user verification
    accountId = UnicodeAttribute(null=True)    # register: the account the passkey is for
    expiresAt = NumberAttribute()              # epoch seconds (the table's TTL), checked on use too


class HeldUploadModel(_ProfilesTable):
    """`HELD#<account>`: an upload read before the account claimed a handle, waiting for the claim."""

    class Meta(_ProfilesTable.Meta):
        pass

    data = JSONAttribute(null=True)            # the normalised listening data; removed by the claim
    summary = JSONAttribute(null=True)         # plays, dates, top artist: never the file itself
    years = BinaryAttribute(null=True, legacy_encoding=False)   # gzip JSON {"years", "timezone"}: ~10x smaller
    names = JSONAttribute(null=True)           # {"userName", "displayName"}: the prefill, nothing else
    claimedBy = UnicodeAttribute(null=True)    # the handle whose claim took the data
    rev = NumberAttribute(default=1)           # the claim takes exactly the upload it showed
    expiresAt = NumberAttribute()              # epoch seconds (the table's TTL): an unclaimed upload goes


PASSKEY_MODELS = (PasskeysModel, PasskeyUserModel, CeremonyModel, HeldUploadModel)
