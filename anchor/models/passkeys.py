"""PynamoDB models for passkeys: an account's credentials and the ceremonies begun for them."""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from anchor.models import _ProfilesTable


class PasskeysModel(_ProfilesTable):
    """`PASSKEYS#<account>`: the account's passkeys, [{id, data, name, createdAt, lastUsedAt, signCount}]."""

    class Meta(_ProfilesTable.Meta):
        pass

    credentials = JSONAttribute(default=list)  # `data`: the AttestedCredentialData, base64url
    noticeDismissed = BooleanAttribute(default=False)   # the one "add a second way in" notice
    rev = NumberAttribute(default=1)           # every write is conditioned on it


class CeremonyModel(_ProfilesTable):
    """`CEREMONY#<id>`: a passkey registration or sign-in begun here; finished once, by any process."""

    class Meta(_ProfilesTable.Meta):
        pass

    kind = UnicodeAttribute()                  # register | sign-in
    state = JSONAttribute()                    # fido2's state: the challenge and user verification
    accountId = UnicodeAttribute(null=True)    # register: the account the passkey is for
    expiresAt = NumberAttribute()              # epoch seconds (the table's TTL), checked on use too


PASSKEY_MODELS = (PasskeysModel, CeremonyModel)
