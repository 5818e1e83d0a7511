"""Models round-trip against DynamoDB Local; the sparse index holds only due profiles."""
from datetime import timedelta

import pytest

from anchor import clock
from anchor.models import AccountModel, ProfileModel, TokenModel
from anchor.profiles import index, writes
from tests.factories import make_profile, save_profiles


def test_profile_account_and_token_round_trip(app):
    profile = make_profile("nadia", spotify={"artists": [{"id": "a1", "name": "Fela Kuti"}]},
                           albumLines={"al1": "A line."}, bio="A bio.")
    profile.save()
    AccountModel("ACCOUNT#sp-1", handle="nadia", createdAt=clock.now()).save()
    TokenModel("ACCOUNT#sp-1", blob="local1:xyz", keyId="local", updatedAt=clock.now()).save()

    loaded = ProfileModel.get("USER#nadia")
    assert loaded.spotify == {"artists": [{"id": "a1", "name": "Fela Kuti"}]}
    assert loaded.albumLines == {"al1": "A line."}
    assert loaded.isPublic is True and loaded.version == 1
    assert AccountModel.get("ACCOUNT#sp-1").handle == "nadia"
    assert TokenModel.get("ACCOUNT#sp-1").blob == "local1:xyz"


HAS_DATA = {"spotify": {"artists": [{"id": "a1", "name": "Fela Kuti"}]}}


@pytest.mark.parametrize("change", [
    {"public": False, **HAS_DATA}, {"connected": False}, {"auto": False}, {"deleted": True},
])
def test_profile_leaves_index_when_any_condition_fails(app, change):
    profile = make_profile("lena", **change)
    assert profile.gsi1pk is None and profile.gsi1sk is None
    profile.save()
    raw = ProfileModel.get("USER#lena")
    assert raw.gsi1pk is None and raw.gsi1sk is None


def test_the_write_path_removes_index_attributes(app):
    profile = make_profile("tomas", **HAS_DATA)
    profile.save()
    assert ProfileModel.get("USER#tomas").gsi1pk == "AUTO#1"
    with app.app_context():
        writes.write(profile, {"isPublic": False})
    stored = ProfileModel.get("USER#tomas")
    assert stored.gsi1pk is None and stored.gsi1sk is None


def test_sort_key_tracks_next_refresh(app):
    moment = clock.now()
    profile = make_profile("aiko", next_refresh=moment)
    assert profile.gsi1sk == f"{clock.iso(moment)}#aiko"


def test_due_query_reads_only_due_items(app):
    now = clock.now()
    profiles = []
    for n in range(1000):
        due = n % 10 == 0
        when = now - timedelta(hours=n % 48 + 1) if due else now + timedelta(days=1, minutes=n)
        profiles.append(make_profile(f"user-{n:04d}", next_refresh=when))
    # Items outside the index entirely must not be read either.
    profiles += [make_profile(f"gone-{n:03d}", deleted=True, next_refresh=now - timedelta(days=1))
                 for n in range(50)]
    save_profiles(profiles)

    handles, cursor, scanned = index.due_profiles(now, limit=1000)
    assert scanned == 100
    assert len(handles) == 100
    assert all(int(h.split("-")[1]) % 10 == 0 for h in handles)
    assert cursor is None


def test_due_query_pages_with_cursor(app):
    now = clock.now()
    save_profiles([make_profile(f"due-{n:03d}", next_refresh=now - timedelta(minutes=n + 1))
                   for n in range(120)])
    seen, cursor, pages = [], None, 0
    while True:
        handles, cursor, scanned = index.due_profiles(now, limit=50, cursor=cursor)
        assert scanned == len(handles)
        seen += handles
        pages += 1
        if not cursor:
            break
    assert pages == 3
    assert sorted(seen) == sorted(f"due-{n:03d}" for n in range(120))
    # Oldest due first: the query walks the sort key in order.
    assert seen[0] == "due-119"


def test_bad_cursor_is_refused(app):
    with pytest.raises(index.BadCursor):
        index.due_profiles(clock.now(), cursor="bm90IGEgY3Vyc29y")


@pytest.mark.parametrize("public,data,indexed", [
    (True, None, True), (True, {"artists": [{"id": "a1", "name": "A"}]}, True),
    (False, None, True), (False, {"artists": [{"id": "a1", "name": "A"}]}, False),
])
def test_unpublished_profile_is_indexed_only_until_it_has_data(app, public, data, indexed):
    listening = {"ranges": {"half_year": data}} if data else None
    state = {"sourceConnected": True, "autoRefreshEnabled": True, "isPublic": public,
             "deletedAt": None, "nextRefreshAt": clock.now(), "listening": listening}
    assert index.belongs_in_index(state) is indexed
    assert index.belongs_in_index(dict(state, listening=None, spotify=data)) is indexed


def test_every_model_and_client_shares_one_botocore_session(app):
    """botocore keeps its endpoint table and service models per session (about 9 MB for
    DynamoDB): the model classes' connections and the app's own clients use one session."""
    import os

    from anchor import aws
    from anchor.models import SentinelModel

    with app.app_context():
        make_profile("one-session").save()
        ProfileModel.get("USER#one-session")
        TokenModel.count("ACCOUNT#nobody")
        sessions = {id(model._get_connection().connection.session)
                    for model in (ProfileModel, TokenModel, SentinelModel, AccountModel)}
    assert sessions == {id(aws.session())}
    kms = aws.client("kms", region_name="us-east-1")
    assert kms._loader is aws.session().get_component("data_loader")
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:                      # a forked worker makes a session of its own
        os.write(writer, b"1" if "session" not in aws._made else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reader, 1) == b"1"
