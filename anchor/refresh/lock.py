"""The refresh lock: one refresh per profile at a time, and writes only while it is still ours.

The lock is a conditional update with a 5-minute expiry (`REFRESH_LOCK`), so a dead worker's
lock is taken over; every write of a refresh goes through `write_locked`, which writes nothing
once the lock was taken over or the profile deleted.
"""
import logging
import uuid

from anchor import clock
from anchor.logs import log_event
from anchor.models import ProfileModel, conditional
from anchor.profiles import service, writes
from anchor.rules import REFRESH_LOCK

log = logging.getLogger("anchor.refresh")


def acquire_lock(profile, now=None):
    """Take the refresh lock (free or expired) for 5 minutes; the new lockId, or None if held.

    Taking the lock moves the revision on, so a writer holding an older copy re-reads first.
    """
    now = now or clock.now()
    lock_id = uuid.uuid4().hex
    free = ProfileModel.refreshLockUntil.does_not_exist() | (ProfileModel.refreshLockUntil < now)
    taken = conditional(profile.update,
                        actions=[ProfileModel.refreshLockUntil.set(now + REFRESH_LOCK),
                                 ProfileModel.refreshLockId.set(lock_id), ProfileModel.rev.add(1)],
                        condition=ProfileModel.pk.exists() & free)
    return lock_id if taken else None


def release_lock(profile, lock_id):
    """Drop the lock only if it is still ours; True if released (a lost lock is logged)."""
    released = conditional(profile.update, actions=[ProfileModel.refreshLockUntil.remove(),
                                                    ProfileModel.refreshLockId.remove()],
                           condition=ProfileModel.refreshLockId == lock_id)
    if not released:
        log_event(log, "refresh lock lost", handle=profile.handle, lock_id=lock_id)
    return released


def is_refreshing(profile):
    """True while a refresh holds the profile's (unexpired) lock."""
    return profile.refreshLockUntil is not None and profile.refreshLockUntil > clock.now()


def write_locked(profile, lock_id, decide, bump=False):
    """writes.update while we still hold the lock and the profile is not deleted; False if not."""
    def guarded(fresh):
        if fresh.refreshLockId != lock_id or fresh.deletedAt is not None:
            return None
        return decide(fresh) if callable(decide) else dict(decide)
    try:
        written = writes.update(profile, guarded, bump=bump) is not None
    except service.ProfileGone:
        written = False
    if not written:
        log_event(log, "refresh result not written: lock lost or profile deleted",
                  handle=profile.handle, lock_id=lock_id)
    return written
