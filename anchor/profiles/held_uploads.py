"""An upload read before its passkey account has a handle, held until the claim takes it.

The order a new listener follows is passkey → upload → claim → publish: the import runs as any
other (one per account, progress in `IMPORT#<account>`), but with no page to write to it stores
the aggregates in `HELD#<account>` instead. The claim writes the profile with that data, the
account item and the held item's release in one transaction, so a page is never half made and an
upload is taken by one claim only. An upload nobody claims expires (the table's TTL).
"""
import gzip
import json
from datetime import timedelta

from anchor import clock
from anchor.models import ImportModel, conditional
from anchor.models.passkeys import HeldUploadModel
from anchor.profiles import handles
from anchor.profiles.accounts import current_id, import_key, split_id

HELD_FOR = timedelta(days=7)


def key(account_id):
    """`HELD#<account id>`: the account's one held upload."""
    return f"HELD#{current_id(account_id)}"


def may_hold(account_id):
    """Only a passkey account uploads before it claims: the other sources fetch at the claim."""
    return split_id(account_id)[0] == handles.PASSKEY_SOURCE


def hold(account_id, data, summary, names, years=None):
    """Keep an import's aggregates, its years and the listener's names for the account's claim.
    The years (up to ~40 KB a year in JSON) are kept gzipped so a long history fits one item."""
    previous = get(account_id)
    packed = gzip.compress(json.dumps(years, separators=(",", ":")).encode()) if years else None
    HeldUploadModel(key(account_id), data=data, summary=summary, names=names or {}, years=packed,
                    rev=(previous.rev + 1) if previous is not None else 1,
                    expiresAt=int((clock.now() + HELD_FOR).timestamp())).save()


def get(account_id):
    """The account's unclaimed, unexpired held upload, or None."""
    try:
        item = HeldUploadModel.get(key(account_id), consistent_read=True)
    except HeldUploadModel.DoesNotExist:
        return None
    if item.data is None or item.expiresAt <= int(clock.now().timestamp()):
        return None
    return item


def years_of(held):
    """The held upload's {"years", "timezone"} (empty when it had none)."""
    return json.loads(gzip.decompress(held.years)) if held is not None and held.years else {}


def prefill(account_id, held):
    """(handle suggestion, display name) from the upload's names; a taken or invalid handle gives None."""
    names = (held.names or {}) if held is not None else {}
    display_name = names.get("displayName") or None
    return handles.suggest(account_id, display_name, user_name=names.get("userName")), display_name


def taken_by(held, handle):
    """(item, actions, condition) for the claim's transaction: the data leaves the held item, once."""
    actions = [HeldUploadModel.data.remove(), HeldUploadModel.names.remove(), HeldUploadModel.years.remove(),
               HeldUploadModel.claimedBy.set(handle)]
    condition = HeldUploadModel.data.exists() & (HeldUploadModel.rev == held.rev)
    return HeldUploadModel(held.pk), actions, condition


DISCARDED = "You threw that upload away: nothing of it is kept. Upload a file again when you are ready."


def discard(account_id):
    """Throw away the account's unclaimed upload (its totals, years and names) and the import's
    line about it; False when there was none to throw away (claimed, expired or never made)."""
    held = HeldUploadModel(key(account_id))
    taken = conditional(held.update, actions=[HeldUploadModel.data.remove(), HeldUploadModel.summary.remove(),
                                              HeldUploadModel.names.remove(), HeldUploadModel.years.remove(),
                                              HeldUploadModel.rev.add(1)],
                        condition=HeldUploadModel.data.exists() & HeldUploadModel.claimedBy.does_not_exist())
    if taken:      # the import's line said what the file held; a newer import still running is left alone
        conditional(ImportModel(import_key(account_id)).update,
                    actions=[ImportModel.summary.remove(), ImportModel.message.set(DISCARDED)],
                    condition=ImportModel.pk.exists() & (ImportModel.status != "running"))
    return taken
