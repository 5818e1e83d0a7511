"""Handle rules and the claim transaction, against DynamoDB Local."""
import threading

import pytest

from anchor.models import AccountModel, ProfileModel
from anchor.profiles import handles
from anchor.profiles.handles import HandleError


def _items():
    """Profile and account items (the health sentinel is not one)."""
    return [item.pk for item in ProfileModel.scan(attributes_to_get=["pk"])
            if item.pk.startswith(("USER#", "ACCOUNT#"))]


def test_claim_writes_profile_and_account(app):
    profile = handles.claim("sp-1", "  Nadia_K ", display_name="Nadia K.")
    assert profile.handle == "nadia_k"
    assert ProfileModel.get("USER#nadia_k").ownerId == "spotify:sp-1"
    assert AccountModel.get("ACCOUNT#spotify:sp-1").handle == "nadia_k"


def test_fifty_threads_claim_one_handle(app):
    results, barrier = [], threading.Barrier(50)

    def attempt(n):
        barrier.wait()
        try:
            handles.claim(f"sp-{n}", "popular")
            results.append("ok")
        except HandleError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("ok") == 1
    assert results.count("taken") == 49
    profiles = [p for p in ProfileModel.scan() if p.pk.startswith("USER#")]
    accounts = [a for a in AccountModel.scan() if a.pk.startswith("ACCOUNT#")]
    assert len(profiles) == 1 and len(accounts) == 1
    assert accounts[0].handle == "popular" and profiles[0].ownerId == accounts[0].pk[8:]


def test_one_account_cannot_claim_two_handles(app):
    handles.claim("sp-1", "first")
    with pytest.raises(HandleError) as caught:
        handles.claim("sp-1", "second")
    assert caught.value.code == "has_handle"
    with pytest.raises(ProfileModel.DoesNotExist):
        ProfileModel.get("USER#second")


@pytest.mark.parametrize("raw,code", [
    ("ab", "invalid"), ("a" * 31, "invalid"), ("no spaces", "invalid"), ("émile", "invalid"),
    ("<script>", "invalid"), ("", "invalid"), ("../etc", "invalid"),
    ("login", "reserved"), ("Dashboard", "reserved"), ("static", "reserved"), ("healthz", "reserved"),
    ("admin", "reserved"), ("api", "reserved"), ("auth", "reserved"),
    ("anchor-band", "reserved"), ("anch0r_band", "reserved"), ("admin-help", "reserved"),
    ("adm1n", "reserved"), ("l0g-in", "reserved"), ("official_nadia", "reserved"), ("5taff", "reserved"),
])
def test_bad_handles_refused_without_a_write(app, raw, code):
    with pytest.raises(HandleError) as caught:
        handles.claim("sp-9", raw)
    assert caught.value.code == code
    assert _items() == []


def test_availability_check(app):
    handles.claim("sp-1", "taken-one")
    assert handles.is_available("taken-one") == (False, "“taken-one” is taken.")
    assert handles.is_available("Free-One")[0] is True
    assert handles.is_available("admin")[0] is False


@pytest.mark.parametrize("handle", ["mall", "bandit", "root_down", "ella_bluenote", "streaming-history",
                                    "badminton", "logic", "d4nc3"])
def test_ordinary_handles_that_only_resemble_words_are_free(handle):
    assert handles.check(handle) == handle
