"""The page's arrangement as pure functions: order, what is shown, moving an item up or down."""
from anchor.profiles import service

DATA = {"artists": [{"id": f"ar{n}", "name": f"Artist {n}"} for n in range(1, 13)],
        "albums": [{"id": f"al{n}", "name": f"Album {n}"} for n in range(1, 5)]}


def ids(items):
    return [i["id"] for i in items]


def test_order_keeps_hidden_items_in_place_and_arrange_follows_it():
    layout = {"hidden": ["ar2"], "pinned": ["ar5"]}
    listed = service.order(DATA, layout)
    assert ids(listed["artists"])[:4] == ["ar5", "ar1", "ar2", "ar3"]
    shown = service.arrange(DATA, layout)
    assert ids(shown["artists"]) == [i for i in ids(listed["artists"]) if i != "ar2"][:10]
    assert "ar12" not in ids(shown["artists"])                 # the cap: ten artists


def test_move_up_and_down_pin_the_items_down_to_the_new_place():
    up = service.moved(DATA, None, "al3", -1)
    assert up == {"hidden": [], "pinned": ["al1", "al3", "al2"]}
    assert ids(service.order(DATA, up)["albums"]) == ["al1", "al3", "al2", "al4"]
    down = service.moved(DATA, up, "al1", 1)
    assert ids(service.order(DATA, down)["albums"]) == ["al3", "al1", "al2", "al4"]
    assert service.moved(DATA, down, "al3", -1) is None        # already first
    assert service.moved(DATA, None, "al4", 1) is None          # already last
    assert service.moved(DATA, None, "nope", 1) is None


def test_moves_keep_the_other_lists_pins_and_step_past_hidden_items():
    layout = {"hidden": ["al2"], "pinned": ["ar7"]}
    moved = service.moved(DATA, layout, "al3", -1)
    assert moved["hidden"] == ["al2"] and moved["pinned"][0] == "ar7"
    assert ids(service.order(DATA, moved)["albums"]) == ["al1", "al3", "al2", "al4"]
    assert ids(service.arrange(DATA, moved)["albums"]) == ["al1", "al3", "al4"]
    assert ids(service.order(DATA, moved)["artists"])[0] == "ar7"
