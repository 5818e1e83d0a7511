"""Migration 0008: a layout with `pinned` and no `featured` gets its first three pinned items that
are not hidden as featured; the page is the same before and after, `rev` untouched, a second run
changes nothing, and a layout an owner changed meanwhile is left to the release that reads it."""
import json

from anchor import migrate
from anchor.models import ProfileModel, binding
from anchor.pages.context import visitor_html
from anchor.profiles import service
from tests.factories import make_profile

LISTENING = {"source": "lastfm", "fetchedAt": "2026-11-25T12:00:00Z",
             "ranges": {"half_year": {"artists": [{"id": f"ar{n}", "name": f"Artist {n}", "plays": 100 - n}
                                                  for n in range(1, 6)],
                                      "albums": [{"id": f"al{n}", "name": f"Album {n}", "artists": ["Artist 1"],
                                                  "plays": 90 - n} for n in range(1, 6)]}}}


def _run(app):
    """Apply this step alone (earlier steps rewrite what these hand-made items lack)."""
    step = dict(migrate.steps())["0008_featured_layout"]
    profiles, tokens = binding.table_names()
    return step.apply(migrate.MigrationContext(migrate.dynamodb_client(app.config), profiles, tokens, config=app.config))


def _raw_layout(handle):
    item = ProfileModel._get_connection().get_item(f"USER#{handle}", consistent_read=True)["Item"]
    return json.loads(item["layout"]["S"])


def test_old_pins_become_featured_and_the_page_stays_the_same(app):
    with app.app_context():
        make_profile("pia", source="lastfm", listening=LISTENING,
                     layout={"hidden": ["al2"], "pinned": ["al4", "al2", "ar5", "ar3", "al1"]}).save()
        make_profile("quin", source="lastfm", listening=LISTENING, layout={"hidden": ["ar1"]}).save()
        make_profile("rui", source="lastfm", listening=LISTENING).save()
        before = {h: service.get(h) for h in ("pia", "quin", "rui")}
        with app.test_request_context("/"):
            pages = {h: visitor_html(p) for h, p in before.items()}
        assert b'class="featured"' in pages["pia"]                        # read through before the step
        assert _run(app) == "gave 1 layout(s) featured items"
        assert _raw_layout("pia") == {"hidden": ["al2"], "pinned": ["al4", "ar5", "ar3"],
                                      "featured": [{"id": "al4", "note": ""}, {"id": "ar5", "note": ""},
                                                   {"id": "ar3", "note": ""}]}
        assert _raw_layout("quin") == {"hidden": ["ar1"]}                   # nothing pinned: nothing to do
        assert service.get("rui").layout is None
        after = {h: service.get(h) for h in before}
        with app.test_request_context("/"):
            assert {h: visitor_html(p) for h, p in after.items()} == pages
        assert [after[h].rev for h in before] == [before[h].rev for h in before]
        assert _run(app) == "layouts already name their featured items"


def test_a_layout_changed_since_the_scan_is_left_alone(app, monkeypatch):
    with app.app_context():
        make_profile("sam", source="lastfm", listening=LISTENING, layout={"hidden": [], "pinned": ["al3"]}).save()
        original = migrate.MigrationContext.scan

        def scan_then_owner_edits(ctx, table, prefix):
            found = list(original(ctx, table, prefix))
            profile = service.get("sam")       # the owner's edit lands between the scan and the write
            profile.update(actions=[ProfileModel.layout.set({"hidden": ["al3"], "featured": [], "pinned": []})])
            return found
        monkeypatch.setattr(migrate.MigrationContext, "scan", scan_then_owner_edits)
        assert _run(app) == "layouts already name their featured items"
        assert _raw_layout("sam") == {"hidden": ["al3"], "featured": [], "pinned": []}
