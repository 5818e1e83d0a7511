"""A new page: claim the handle, then fetch once through the refresh path (or take the held upload)."""
from anchor.profiles import handles, held_uploads, imports, listening, service, writes, years
from anchor.refresh import engine


def claim_and_fetch(account_id, raw_handle, display_name=None):
    """Claim a handle, then fetch once through the refresh path so the dashboard shows data; a
    passkey account's upload read before the claim becomes the page's data in the claim itself."""
    held = held_uploads.get(account_id) if held_uploads.may_hold(account_id) else None
    if held is not None:
        return _claim_with_upload(account_id, raw_handle, display_name, held)
    profile = handles.claim(account_id, raw_handle, display_name=display_name)
    if listening.nothing_to_fetch(service.source_of(profile)):
        return profile            # an upload page (a passkey account's): its data comes with the file
    engine.refresh_profile(profile.handle, "first")
    return service.get(profile.handle)


def _claim_with_upload(account_id, raw_handle, display_name, held):
    fields = imports.page_fields({}, held.data, held.summary or {})
    profile = handles.claim(account_id, raw_handle, display_name=display_name, data=fields,
                            also=lambda handle: held_uploads.taken_by(held, handle))
    # The data is in with the claim; the one write path now adds what derives from it (hashes,
    # index keys, the page's copy, the years' items and pages), as after any import.
    profile = service.get(profile.handle)
    kept = held_uploads.years_of(held)
    per_year = years.store(profile, kept.get("years"), kept.get("timezone")) if kept else {}
    writes.write(profile, {**fields, **per_year})
    imports.write_copy(profile.handle)
    return service.get(profile.handle)
