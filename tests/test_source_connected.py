"""`sourceConnected` (once `spotifyConnected`): the migration, and reading both names during a deploy."""
from datetime import timedelta

from anchor import clock, migrate
from anchor.models import ProfileModel
from anchor.profiles import editing, index, lifecycle, service
from anchor.refresh import engine, failures
from tests.factories import make_profile


def _item(handle, **connected):
    """A public, due profile as a given release would write it, with only the names given."""
    now = clock.now()
    profile = ProfileModel(f"USER#{handle}", handle=handle, ownerId=f"spotify:{handle}", displayName=handle,
                           isPublic=True, autoRefreshEnabled=True, nextRefreshAt=now + timedelta(days=3),
                           createdAt=now, updatedAt=now, **connected)
    index.apply_index(profile)
    profile.save()
    return service.get(handle)


def _names(handle):
    profile = service.get(handle)
    return profile.sourceConnected, profile.spotifyConnected


def test_the_migration_gives_every_profile_the_new_name_and_keeps_the_old(app):
    with app.app_context():
        before = {"ana": _item("ana", spotifyConnected=True), "ben": _item("ben", spotifyConnected=False),
                  "cy": _item("cy"), "dee": _item("dee", **index.connected_fields(False))}
        first = dict(migrate.run(app.config, echo=lambda _line: None))
        assert first["0007_source_connected"] == "gave 3 profile(s) sourceConnected"
        assert _names("ana") == (True, True) and _names("ben") == (False, False)
        assert _names("cy") == (True, None) and _names("dee") == (False, False)
        for handle, old in before.items():
            moved = service.get(handle)
            assert moved.gsi1pk == old.gsi1pk and moved.gsi1sk == old.gsi1sk
            assert index.is_connected(moved) is index.is_connected(old)
        assert [service.get(h).rev for h in before] == [p.rev for p in before.values()]
        second = dict(migrate.run(app.config, echo=lambda _line: None))
        assert second["0007_source_connected"] == "profiles already carry sourceConnected"


def test_an_item_with_only_the_old_name_reads_and_indexes_as_before(app):
    with app.app_context():
        on, off = _item("olga", spotifyConnected=True), _item("omar", spotifyConnected=False)
        assert index.is_connected(on) and on.gsi1pk == index.DUE_PARTITION
        assert not index.is_connected(off) and off.gsi1pk is None
        for profile in (on, off):         # a write by this release recomputes the index keys
            editing.set_auto_refresh(profile, True)
        assert service.get("olga").gsi1pk == index.DUE_PARTITION and service.get("omar").gsi1pk is None
        assert engine.refresh_profile("omar", "manual").outcome == engine.Outcome.DISCONNECTED


def test_an_item_with_only_the_new_name_reads_it(app):
    with app.app_context():       # as the next release leaves items: the old name removed
        on, off = _item("nia", sourceConnected=True), _item("noor", sourceConnected=False)
        assert index.is_connected(on) and on.gsi1pk == index.DUE_PARTITION
        assert not index.is_connected(off) and off.gsi1pk is None


def test_an_older_instance_disconnecting_after_a_newer_write_wins(app):
    with app.app_context():
        profile = _item("paz", **index.connected_fields(True))
        # The previous release, still serving during the deploy, writes only the old name.
        profile.update(actions=[ProfileModel.spotifyConnected.set(False), ProfileModel.gsi1pk.remove(),
                                ProfileModel.gsi1sk.remove(), ProfileModel.rev.add(1)])
        stale = service.get("paz")
        assert _names("paz") == (True, False) and not index.is_connected(stale)
        editing.set_auto_refresh(stale, True)
        assert service.get("paz").gsi1pk is None


def test_every_write_sets_both_names_to_one_value(app):
    with app.app_context():
        old = _item("rae", spotifyConnected=True)
        failures.mark_disconnected(old, "Spotify revoked access.")
        assert _names("rae") == (False, False)
        make_profile("sol").save()
        assert _names("sol") == (True, True)
        lifecycle.soft_delete(service.get("sol"), "sol")
        assert _names("sol") == (False, False)
        lifecycle.restore(service.get("sol", consistent=True))
        assert _names("sol") == (False, False)        # Spotify, no tokens: a new sign-in reconnects
