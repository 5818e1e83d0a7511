"""What changed between refreshes: the pure diff, the cap, and the one write path storing it."""
from anchor.profiles import changelog, service
from anchor.refresh import engine
from tests.refresh_fixtures import connect


def _items(*names):
    return [{"id": n, "name": n.title()} for n in names]


def test_diff_finds_new_rises_falls_and_albums_that_left():
    before = {"artists": _items("a", "b", "c", "d", "e"), "albums": _items("x", "y", "z")}
    after = {"artists": _items("e", "a", "b", "n", "c", "m", "d"), "albums": _items("y", "z", "w")}
    found = {(c["kind"], c["id"]): c for c in changelog.diff(before, after)}
    assert found[("artist", "e")] == {"kind": "artist", "id": "e", "name": "E", "change": "up", "was": 5, "to": 1}
    assert found[("artist", "n")]["change"] == "new" and found[("artist", "n")]["to"] == 4
    assert found[("artist", "d")]["change"] == "down" and (found[("artist", "d")]["was"], found[("artist", "d")]["to"]) == (4, 7)
    assert found[("album", "x")]["change"] == "left"
    assert found[("album", "w")]["change"] == "new"
    assert ("artist", "a") not in found and ("artist", "b") not in found     # moved by one or two only
    assert ("artist", "c") not in found                                        # 3 → 5: two places


def test_no_entry_for_first_fetch_source_change_or_nothing_moved():
    data = {"artists": _items("a", "b"), "albums": []}
    log = [{"at": "t0", "changes": [{"kind": "artist", "id": "q", "name": "Q", "change": "new", "to": 1}]}]
    assert changelog.record(log, None, data, "t1") is log
    assert changelog.record(log, data, data, "t1") is log
    moved = {"artists": _items("c", "a", "b"), "albums": []}
    assert changelog.record(log, data, moved, "t1", "spotify", "lastfm") is log
    recorded = changelog.record(log, data, moved, "t1", "spotify", "spotify")
    assert recorded[0]["at"] == "t1" and recorded[1] == log[0]


def test_at_most_twenty_changes_are_kept():
    log = []
    for step in range(12):
        before = {"artists": _items(*[f"old{step}-{i}" for i in range(3)]), "albums": []}
        after = {"artists": _items(*[f"new{step}-{i}" for i in range(3)]), "albums": []}
        log = changelog.record(log, before, after, f"t{step}", "spotify", "spotify")
    assert sum(len(entry["changes"]) for entry in log) <= changelog.MAX_CHANGES
    assert [entry["at"] for entry in log] == [f"t{step}" for step in range(11, 5, -1)]
    many = {"artists": _items(*[f"n{i}" for i in range(10)]), "albums": _items(*[f"m{i}" for i in range(12)])}
    single = changelog.record([], {"artists": _items("q"), "albums": []}, many, "t", None, None)
    assert len(single[0]["changes"]) == changelog.MAX_CHANGES


def test_hidden_items_stay_out_of_what_the_page_shows():
    entry = {"changes": [{"kind": "album", "id": "x", "name": "X", "change": "left", "was": 1},
                         {"kind": "album", "id": "y", "name": "Y", "change": "new", "to": 2}]}
    groups = changelog.visible(entry, {"x"})
    assert groups["left"] == [] and [c["id"] for c in groups["new"]] == ["y"]


def test_a_refresh_that_moved_items_stores_the_diff(refresh_app, spotify_sandbox):
    connect(spotify_sandbox, "nadia", "nadia")
    assert engine.refresh_profile("nadia", "scheduled").outcome == "refreshed"
    assert service.get("nadia").changeLog is None                  # the first fetch is no change
    before = service.items(service.get("nadia"))
    spotify_sandbox.mutate("nadia")
    engine.refresh_profile("nadia", "manual")
    stored = service.get("nadia")
    assert stored.changeLog and stored.changeLog[0]["changes"]
    assert stored.changeLog[0]["changes"] == changelog.diff(before, service.items(stored))[:changelog.MAX_CHANGES]


def test_copy_hears_only_changes_still_true_of_the_data():
    before = {"artists": _items("a", "b", "c", "d", "e"), "albums": _items("x")}
    after = {"artists": _items("e", "a", "b", "c", "f"), "albums": _items("x")}
    log = [{"at": "2026-11-26T00:00:00Z", "changes": changelog.diff(before, after)},
           changelog.live_entry(before, "2026-11-19T00:00:00Z")]
    assert changelog.current(log, after, set()) == {
        "new": [{"kind": "artist", "id": "f", "name": "F", "change": "new", "to": 5}],
        "up": [{"kind": "artist", "id": "e", "name": "E", "change": "up", "was": 5, "to": 1}]}
    assert changelog.current(log, after, {"f"})["new"] == []                  # hidden: not told
    moved_on = {"artists": _items("a", "e", "b", "c", "f"), "albums": _items("x")}
    assert changelog.current(log, moved_on, set())["up"] == []                # no longer where it rose to
    assert changelog.current(log[1:], after, set()) == {"new": [], "up": []}  # going live is no change


def test_a_demo_page_gets_a_week_of_changes():
    from anchor.profiles import demo_history
    now = {"artists": _items(*"abcdefghij"), "albums": _items("x", "y")}
    found = changelog.diff({k: demo_history.earlier(v) for k, v in now.items()}, now)
    kinds = {(c["id"], c["change"]) for c in found}
    assert {("a", "up"), ("d", "down"), ("j", "new"), ("y", "new")} <= kinds
