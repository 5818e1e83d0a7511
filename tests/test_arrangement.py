"""The page's arrangement as pure functions: ranked by count in every range, hidden items out
everywhere, the owner's picks in a separate Featured block (never a reordering)."""
from anchor.profiles import service

DATA = {"artists": [{"id": f"ar{n}", "name": f"Artist {n}"} for n in range(1, 13)],
        "albums": [{"id": f"al{n}", "name": f"Album {n}"} for n in range(1, 5)]}


def ids(items):
    return [i["id"] for i in items]


def _counted(field, counts, prefix="al"):
    return [{"id": f"{prefix}{n}", "name": f"Item {n}", field: count} for n, count in enumerate(counts, 1)]


def test_order_never_moves_a_featured_item_and_arrange_drops_hidden_ones():
    layout = {"hidden": ["ar2"], "featured": [{"id": "ar5", "note": "Live in 2019"}]}
    listed = service.order(DATA)
    assert ids(listed["artists"]) == [f"ar{n}" for n in range(1, 13)]     # the source's order
    shown = service.arrange(DATA, layout)
    assert ids(shown["artists"]) == [i for i in ids(listed["artists"]) if i != "ar2"][:10]
    assert "ar12" not in ids(shown["artists"])                 # the cap: ten artists


def test_a_list_is_ranked_by_its_counts_even_when_the_source_sent_it_out_of_order():
    plays = _counted("plays", [38, 668, 54, 900])
    assert [i["plays"] for i in service.ranked(plays)] == [900, 668, 54, 38]
    minutes = [dict(i, minutes=m) for i, m in zip(plays, [10, 400, 30, 20])]
    assert [i["minutes"] for i in service.ranked(minutes)] == [400, 30, 20, 10]   # minutes when all have them
    ties = _counted("plays", [5, 7, 5, 5])
    assert ids(service.ranked(ties)) == ["al2", "al1", "al3", "al4"]        # ties keep the source's order
    partly = _counted("plays", [3, None, 9])
    assert ids(service.ranked(partly)) == ["al1", "al2", "al3"]             # without counts: the source's order


def test_ranks_follow_counts_after_hidden_items_are_removed():
    data = {"artists": [], "albums": _counted("plays", [54, 900, 38, 668])}
    shown = service.arrange(data, {"hidden": ["al4"], "featured": [{"id": "al3", "note": ""}]})
    assert [a["plays"] for a in shown["albums"]] == [900, 54, 38]


def test_an_old_layout_features_its_first_three_pinned_items_that_are_not_hidden():
    old = {"hidden": ["al2"], "pinned": ["al4", "al2", "ar1", "ar3", "ar5"]}
    layout = service.normal_layout(old)
    assert layout["featured"] == [{"id": "al4", "note": ""}, {"id": "ar1", "note": ""}, {"id": "ar3", "note": ""}]
    assert layout["pinned"] == ["al4", "ar1", "ar3"]
    assert service.normal_layout({"featured": [], "pinned": ["al1"]})["featured"] == []   # featured wins
    assert service.normal_layout(None) == {"hidden": [], "featured": [], "pinned": []}


def test_featured_finds_items_in_any_range_and_leaves_out_gone_or_hidden_ones():
    listening = {"ranges": {"half_year": {"artists": [{"id": "ar1", "name": "A"}], "albums": []},
                            "all_time": {"artists": [], "albums": [{"id": "al9", "name": "Old", "artists": ["A"]}]}}}
    layout = {"hidden": ["ar7"], "featured": [{"id": "al9", "note": "My first"}, {"id": "gone", "note": ""},
                                              {"id": "ar1", "note": ""}]}
    picks = service.featured(listening, layout)
    assert [(p["id"], p["kind"], p["note"]) for p in picks] == [("al9", "albums", "My first"), ("ar1", "artists", "")]
    hidden = service.featured(listening, dict(layout, hidden=["al9"]))
    assert ids(hidden) == ["ar1"]
