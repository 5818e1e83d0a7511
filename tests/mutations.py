"""Targeted mutations the suite must kill (run by tests/test_mutations.py inside `make test`).

Each entry breaks one product rule in a copy of `anchor/` and names the narrow tests that must
fail because of it. `original` has to occur exactly once in `file`, so an edit to the code makes
the list fail loudly instead of silently testing nothing. Keep the killing tests fast: every
mutation costs one pytest subprocess with its own DynamoDB Local.
"""
from typing import NamedTuple


class Mutation(NamedTuple):
    """One deliberate bug: where, what it replaces, and which tests must catch it."""

    name: str
    file: str
    original: str
    mutated: str
    tests: tuple


DASH, PUBLIC = "tests/test_dashboard.py::", "tests/test_public.py::"
PAGES = "tests/test_pages_across_processes.py::"
WRITE, ENGINE = "tests/test_write_path.py::", "tests/test_refresh_engine.py::"

MUTATIONS = [
    Mutation(
        "a cached page is served without checking the stored item",
        "anchor/web/public_page.py",
        "    if item is None or stamp_of(item) != entry[\"stamp\"]:\n"
        "        cache().drop((handle, variant))\n        return None\n",
        "",
        (PAGES + "test_a_write_made_elsewhere_is_on_the_next_view_of_every_cached_variant",),
    ),
    Mutation(
        "an owner's edit of a published page is not invalidated at the CDN",
        "anchor/web/public_page.py",
        "    return cdn.invalidate(handle)\n",
        "    return False\n",
        ("tests/test_cdn.py::test_an_owner_edit_of_a_published_page_invalidates_it_and_a_private_change_does_not",),
    ),
    Mutation(
        "refresh-status reloads while the refresh still runs",
        "anchor/web/dashboard_account.py",
        "    if lock.is_refreshing(profile):\n"
        "        return render(TEMPLATE, [\"refresh_poll\"], **page_context(profile))\n",
        "",
        (DASH + "test_refresh_status_poll_keeps_polling_while_locked_then_reloads",),
    ),
    Mutation(
        "refresh-status never tells the page to reload",
        "anchor/web/dashboard_account.py",
        "    response = render(TEMPLATE, [\"refresh_poll\"], **page_context(profile))\n"
        "    response.headers[\"HX-Refresh\"] = \"true\"\n",
        "    response = render(TEMPLATE, [\"refresh_poll\"], **page_context(profile))\n",
        (DASH + "test_refresh_status_poll_keeps_polling_while_locked_then_reloads",),
    ),
    Mutation(
        "dashboard open to anonymous visitors",
        "anchor/web/dashboard.py",
        "@bp.before_request\n@login_required\n",
        "@bp.before_request\n",
        (DASH + "test_anonymous_is_sent_to_sign_in[/dashboard/publish-data3]",),
    ),
    Mutation(
        "publish without a CSRF token",
        "anchor/web/dashboard.py",
        "@bp.post(\"/publish\")\ndef publish():",
        "@bp.post(\"/publish\")\n@__import__(\"anchor.extensions\").extensions.csrf.exempt\ndef publish():",
        (DASH + "test_missing_csrf_is_refused_and_writes_nothing[/dashboard/publish-data3]",),
    ),
    Mutation(
        "a deleted profile can still be edited from the dashboard",
        "anchor/web/dashboard.py",
        "(profile.deletedAt is not None and not allow_deleted)",
        "(False and not allow_deleted)",
        (DASH + "test_deleted_profile_accepts_only_restore_and_export",),
    ),
    Mutation(
        "unpublished profiles served publicly",
        "anchor/web/stored_page.py",
        "    return bool(item.isPublic) and item.pageGz is not None\n",
        "    return item.pageGz is not None\n",
        ("tests/test_stored_page.py::test_a_page_left_on_an_unpublished_item_is_never_served",),
    ),
    Mutation(
        "unpublishing leaves the stored page on the item",
        "anchor/pages/render.py",
        "        return PageWrite(None, None, None) if stored else None",
        "        return None",
        ("tests/test_stored_page.py::test_unpublishing_removes_the_stored_page",),
    ),
    Mutation(
        "public page skips its cache",
        "anchor/web/public_page.py",
        "    if entry is not None:\n"
        "        return stored_page.answer(entry[\"body\"], entry[\"etag\"], VISITOR_CACHE)\n",
        "",
        (PUBLIC + "test_one_read_and_no_outbound_call",),
    ),
    Mutation(
        "writes not conditioned on the revision read",
        "anchor/profiles/writes.py",
        "condition=_read_revision(profile)):",
        "condition=ProfileModel.pk.exists()):",
        (WRITE + "test_a_write_from_a_stale_copy_decides_again_on_the_fresh_state",),
    ),
    Mutation(
        "deleted profiles accept changes",
        "anchor/profiles/writes.py",
        "        if profile.deletedAt is not None and not allow_deleted:\n"
        "            raise ProfileGone(ProfileGone.message)\n",
        "",
        (WRITE + "test_a_deleted_profile_refuses_changes_unless_allowed",),
    ),
    Mutation(
        "unpublished profiles stay in the due index",
        "anchor/profiles/writes.py",
        "    changes[\"gsi1pk\"], changes[\"gsi1sk\"] = keys if keys else (None, None)\n",
        "    if keys:\n        changes[\"gsi1pk\"], changes[\"gsi1sk\"] = keys\n",
        ("tests/test_models.py::test_the_write_path_removes_index_attributes",),
    ),
    Mutation(
        "refresh writes after its lock was taken over",
        "anchor/refresh/lock.py",
        "if fresh.refreshLockId != lock_id or fresh.deletedAt is not None:",
        "if fresh.deletedAt is not None:",
        (WRITE + "test_a_refresh_whose_lock_was_taken_over_writes_nothing",),
    ),
    Mutation(
        "a stale lock id releases someone else's lock",
        "anchor/refresh/lock.py",
        "                           condition=ProfileModel.refreshLockId == lock_id)",
        "                           condition=ProfileModel.pk.exists())",
        (ENGINE + "test_dead_workers_lock_is_taken_over_and_stale_release_is_harmless",),
    ),
    Mutation(
        "manual cooldown lasts past the hour",
        "anchor/refresh/manual.py",
        "if last is None or now >= last + MANUAL_COOLDOWN:",
        "if last is None or now > last + MANUAL_COOLDOWN:",
        (ENGINE + "test_manual_refresh_inline_then_cooldown_with_time_left",),
    ),
    Mutation(
        "deleted profiles are refreshed",
        "anchor/refresh/engine.py",
        "    if profile is None or profile.deletedAt is not None:\n        message = (",
        "    if profile is None:\n        message = (",
        (ENGINE + "test_deleted_or_missing_profile_fails_without_calling_spotify",),
    ),
    Mutation(
        "a run ignores the Spotify budget",
        "anchor/refresh/engine.py",
        "or (remaining is not None and remaining < listening.CALLS_PER_FETCH.get(source, 1)))",
        ")",
        ("tests/test_refresh_due.py::test_spotify_budget_leaves_profiles_due_before_it_runs_out",),
    ),
]
