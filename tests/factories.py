"""Helpers that write real items for tests (through the models, like the services do)."""
from datetime import timedelta

from anchor import clock
from anchor.models import ProfileModel
from anchor.profiles import index


def make_profile(handle, *, owner=None, public=True, connected=True, auto=True, deleted=False,
                 next_refresh=None, **fields):
    """Save a profile item with index attributes set by the real helper."""
    moment = clock.now()
    profile = ProfileModel(
        f"USER#{handle}", handle=handle, ownerId=owner or f"owner-{handle}", displayName=handle,
        isPublic=public, **index.connected_fields(connected), autoRefreshEnabled=auto,
        deletedAt=moment if deleted else None,
        nextRefreshAt=next_refresh if next_refresh is not None else moment + timedelta(days=7),
        createdAt=moment, updatedAt=moment, **fields)
    index.apply_index(profile)
    return profile


def save_profiles(profiles):
    """Batch-write many profiles."""
    with ProfileModel.batch_write() as batch:
        for profile in profiles:
            batch.save(profile)


def items(profile):
    """Every artist and album of a profile's default range, as the dashboard lists them."""
    from anchor.profiles import service
    return service.items(profile)
