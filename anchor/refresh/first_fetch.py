"""A new page: claim the handle, then fetch once through the refresh path."""
from anchor.profiles import handles, listening, service
from anchor.refresh import engine


def claim_and_fetch(account_id, raw_handle, display_name=None):
    """Claim a handle, then fetch once through the refresh path so the dashboard shows data."""
    profile = handles.claim(account_id, raw_handle, display_name=display_name)
    if listening.nothing_to_fetch(service.source_of(profile)):
        return profile            # an upload page (a passkey account's): its data comes with the file
    engine.refresh_profile(profile.handle, "first")
    return service.get(profile.handle)
