"""The one write path: every change to a profile item goes through `update`.

`update` applies the changes to the state it read, recomputes what derives from that state (the
due index keys, `dataHash`, the page's copy, the change log and the stored visitor page) and
writes it all in one UpdateItem conditioned on the item's revision being the one it read. When
another writer got there first, it re-reads and decides again, so no path ever writes fields
computed from a stale copy. The visitor's page is rendered here, on write (anchor/pages/render.py),
so a view is one read of a page rendered when it was written.
"""
import random
import time

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from anchor import cdn, clock
from anchor.models import ProfileModel, conditional
from anchor.models.binding import transaction_connection
from anchor.models.pages import page_item
from anchor.pages import render, years
from anchor.profiles import changelog, index, pagecopy, service
from anchor.profiles.service import ProfileGone, StaleEdit

WRITE_ATTEMPTS = 8


def update(profile, decide, *, bump=False, expect_version=None, allow_deleted=False):
    """Apply `decide(profile)` (a dict of changes, or None to give up) in one conditional write.

    The write is conditioned on the revision this process read; when it fails, the profile is
    read again and `decide` runs again on the fresh state. `bump` adds one to `version` (content
    an owner's form would show changed); `expect_version` refuses a stale owner edit with
    StaleEdit. A deleted profile refuses every change unless `allow_deleted` (ProfileGone).
    Returns the updated profile, or None when `decide` gave up.
    """
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:   # another writer won the last round: let the crowd spread out a little
            time.sleep(random.uniform(0, 0.01 * attempt))
        if profile.deletedAt is not None and not allow_deleted:
            raise ProfileGone(ProfileGone.message)
        if expect_version is not None and profile.version != expect_version:
            raise StaleEdit(StaleEdit.message)
        changes = decide(profile) if callable(decide) else dict(decide)
        if changes is None:
            return None
        actions, page, written, year_items = _actions(profile, changes, bump)
        if page is None and not year_items:
            if conditional(profile.update, actions=actions, condition=_read_revision(profile)):
                return profile
        elif _transact(profile, actions, _read_revision(profile), page, year_items):
            if profile.pageEtag is not None or years.year_paths(profile):   # pages visitors saw changed: the CDN forgets them
                cdn.queue(profile.handle, render.page_paths(profile.handle) + years.year_paths(profile))
            _apply_locally(profile, written, bump)
            return profile
        try:
            profile.refresh(consistent_read=True)
        except ProfileModel.DoesNotExist:
            raise ProfileGone("This profile no longer exists.") from None
    raise StaleEdit(StaleEdit.message)


def write(profile, changes, *, bump=False, expect_version=None, allow_deleted=False):
    """`update` with a fixed set of changes (re-applied as they are after a conflict)."""
    return update(profile, dict(changes), bump=bump, expect_version=expect_version,
                  allow_deleted=allow_deleted)


def _transact(profile, actions, condition, page, year_items=()):
    """The profile's UpdateItem and the puts of its visitor's items (the page's, the year pages')
    as one transaction; False when the profile's condition failed or another transaction held an
    item (decide again)."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.update(profile, actions=actions, condition=condition)
            if page is not None:
                tx.save(page_item(profile, page.body, page.etag, page.version))
            for item in year_items:
                tx.save(item)
    except TransactWriteError as exc:
        reasons = {getattr(reason, "code", None) for reason in exc.cancellation_reasons or [] if reason}
        if reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
            return False
        raise
    return True


def store_page(profile, page, condition):
    """Store a page rendered apart from any change (a new deploy's render, a page not yet in its
    visitor's item): the visitor's item and the profile's record of it, conditioned on
    `condition`, without bumping `rev` or `version`. False when the condition failed."""
    actions = [ProfileModel.pageEtag.set(page.etag), ProfileModel.pageRender.set(page.version),
               LEGACY_PAGE.remove()]
    return _transact(profile, actions, condition, page)


def _apply_locally(profile, written, bump):
    """A transaction returns no item: give `profile` the state it wrote, as a read would."""
    for name, value in written.items():
        setattr(profile, name, value)
    profile.rev = (profile.rev or 0) + 1
    if bump:
        profile.version = (profile.version or 0) + 1
    profile.deserialize(profile.serialize(null_check=False))


def _change_log(profile, new_listening):
    """The change log with this write's diff of the page's range (unchanged when nothing moved)."""
    old_listening = service.listening(profile)
    name = service.page_range(new_listening)
    if service.page_range(old_listening) != name:
        return profile.changeLog
    at = clock.now().isoformat(timespec="seconds").replace("+00:00", "Z")
    return changelog.record(profile.changeLog, service.range_data(old_listening, name),
                            service.range_data(new_listening, name), at,
                            (old_listening or {}).get("source"), (new_listening or {}).get("source"))


def _read_revision(profile):
    condition = ProfileModel.pk.exists()
    if profile.rev is None:
        return condition & ProfileModel.rev.does_not_exist()
    return condition & (ProfileModel.rev == profile.rev)


# Where the page's bytes were kept on the profile item before its visitor's item (0009 moves them).
LEGACY_PAGE = Path("pageGz")
PAGE_COPY_INPUTS = frozenset({"bio", "albumLines", "locked", "layout", "listening"})


def page_copy_of(profile, changes=None):
    """The public page's copy for the profile's state with `changes` applied (pagecopy)."""
    state = {"bio": profile.bio, "albumLines": profile.albumLines, "locked": profile.locked,
             "layout": profile.layout, "listening": service.listening(profile), **(changes or {})}
    return pagecopy.page_copy(bio=state["bio"], album_lines=state["albumLines"], locked=state["locked"],
                              listening=state["listening"], layout=state["layout"],
                              previous=profile.pageCopy)


def _actions(profile, changes, bump):
    """UpdateItem actions for `changes` plus every field derived from the resulting state, the
    visitor's item to write with them (None: its bytes stay), the fields written and the year
    pages' visitor's items to put with them."""
    state = {name: getattr(profile, name) for name in index.INDEX_INPUTS + ("layout",)}
    state["listening"] = service.listening(profile)
    state.update({k: v for k, v in changes.items() if k in state})
    changes = dict(changes)
    if "listening" in changes:
        changes["spotify"] = None          # the normalised data replaces the older attribute
        log = _change_log(profile, changes["listening"])
        if log is not profile.changeLog:
            changes["changeLog"] = log
    if "listening" in changes or "layout" in changes:
        changes["dataHash"] = service.hash_of(state["listening"], state["layout"])
    if PAGE_COPY_INPUTS & changes.keys():
        changes["pageCopy"] = page_copy_of(profile, {**state, **changes})
    keys = index.index_keys(profile.handle, state)
    changes["gsi1pk"], changes["gsi1sk"] = keys if keys else (None, None)
    changes["updatedAt"] = clock.now()
    page = render.page_changes(profile, changes)     # render on write
    if page is not None:
        changes.update(page.profile_changes())
    year_items, years_after = years.year_page_writes(profile, changes)
    if year_items:
        changes["years"] = years_after
    actions = [getattr(ProfileModel, name).remove() if value is None
               else getattr(ProfileModel, name).set(value) for name, value in changes.items()]
    actions.append(ProfileModel.rev.add(1))
    if bump:
        actions.append(ProfileModel.version.add(1))
    if page is not None:
        actions.append(LEGACY_PAGE.remove())
    return actions, page, changes, year_items
