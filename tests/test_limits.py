"""Rate limits: counted in DynamoDB per window, per client address and per account."""
import subprocess
import sys
import textwrap

import pytest

from anchor import config as settings
from anchor.rules import RATE_LIMITS, Limit
from anchor.web import limits
from tests.refresh_fixtures import subprocess_env
from tests.web_helpers import csrf_token, sign_in

LOAD_BALANCER = "10.0.3.7"


@pytest.fixture
def limited_app(make_app):
    """An app with small limits and the production proxy chain (load balancer + nginx)."""
    def _make(**overrides):
        settings = dict(RATE_LIMITS={"sign-in": Limit(3, 600), "claim": Limit(2, 3600),
                                     "handle-check": Limit(4, 600)},
                        TRUSTED_PROXY_HOPS=2)
        settings.update(overrides)
        return make_app(**settings)
    return _make


def _via_proxies(client, path, client_ip, forged=None, **kwargs):
    """A request as it reaches gunicorn behind the load balancer and nginx."""
    chain = ([forged] if forged else []) + [client_ip, LOAD_BALANCER]
    return client.get(path, headers={"X-Forwarded-For": ", ".join(chain)},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}, **kwargs)


def test_sign_in_starts_are_limited_per_address_with_a_clear_429(limited_app):
    client = limited_app().test_client()
    for _ in range(3):
        assert _via_proxies(client, "/login/lastfm", "203.0.113.5").status_code == 302
    refused = _via_proxies(client, "/login/lastfm", "203.0.113.5")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert refused.headers["Cache-Control"] == "no-store"
    text = refused.get_data(as_text=True)
    assert "Too many sign-in attempts" in text and "Traceback" not in text
    # Every source's sign-in start shares the limit; another address has its own.
    assert _via_proxies(client, "/login/listenbrainz", "203.0.113.5").status_code == 429
    assert _via_proxies(client, "/login/lastfm", "203.0.113.6").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_limit(limited_app):
    client = limited_app().test_client()
    for number in range(3):
        assert _via_proxies(client, "/login/lastfm", "203.0.113.5", forged=f"198.51.100.{number}").status_code == 302
    assert _via_proxies(client, "/login/lastfm", "203.0.113.5", forged="198.51.100.99").status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(limited_app):
    client = limited_app(TRUSTED_PROXY_HOPS=0).test_client()
    for number in range(3):
        assert _via_proxies(client, "/login/lastfm", f"203.0.113.{number}").status_code == 302
    assert _via_proxies(client, "/login/lastfm", "203.0.113.77").status_code == 429   # all 127.0.0.1


@pytest.mark.parametrize("raw, counted_as", [
    ("203.0.113.5", "203.0.113.5"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.5", "203.0.113.5"),
    ("not-an-address", "not-an-address"),
])
def test_addresses_are_counted_by_subscriber(app, raw, counted_as):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": raw}):
        assert limits.client_address() == counted_as


def test_live_handle_checks_are_limited_per_account(limited_app):
    application = limited_app(RATE_LIMITS={"handle-check": Limit(4, 600)})
    first, second = application.test_client(), application.test_client()
    sign_in(first, "nadia")
    sign_in(second, "tomas")
    for _ in range(4):
        assert _via_proxies(first, "/dashboard/handle-check?handle=abc", f"203.0.113.{_}").status_code == 200
    assert _via_proxies(first, "/dashboard/handle-check?handle=abc", "203.0.113.50").status_code == 429
    assert _via_proxies(second, "/dashboard/handle-check?handle=abc", "203.0.113.51").status_code == 200


def test_an_htmx_request_gets_the_message_in_the_live_region(limited_app):
    application = limited_app(RATE_LIMITS={"claim": Limit(1, 3600)})
    client = application.test_client()
    sign_in(client, "nadia")
    token = csrf_token(client)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    client.post("/dashboard/claim", data={"handle": "no"}, headers=headers)      # invalid, but counted
    refused = client.post("/dashboard/claim", data={"handle": "nadia"}, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["HX-Reswap"] == "none"
    body = refused.get_data(as_text=True)
    assert 'id="flash"' in body and 'hx-swap-oob="true"' in body and "Too many attempts to claim" in body
    assert client.get("/dashboard").status_code == 200        # nothing was claimed
    assert "Claim your handle" in client.get("/dashboard").get_data(as_text=True)


def test_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANCHOR_RATE_LIMITS", "sign-in=5/60, upload=1/3600")
    config = settings.TestConfig()
    assert config.RATE_LIMITS == {"sign-in": Limit(5, 60), "upload": Limit(1, 3600)}
    for bad in ("sign-in=5", "nonsense=1/60", "claim=0/60", "claim=a/b"):
        monkeypatch.setenv("ANCHOR_RATE_LIMITS", bad)
        with pytest.raises(settings.ConfigError, match="ANCHOR_RATE_LIMITS"):
            settings.TestConfig()
    monkeypatch.delenv("ANCHOR_RATE_LIMITS")
    monkeypatch.setenv("ANCHOR_TRUSTED_PROXY_HOPS", "9")
    with pytest.raises(settings.ConfigError, match="HOPS"):
        settings.TestConfig().validate()


def test_every_limited_action_has_a_message():
    assert set(limits.MESSAGES) == set(RATE_LIMITS)


HAMMER = textwrap.dedent("""
    import sys
    from anchor import create_app
    app = create_app()
    client = app.test_client()
    codes = [client.get("/login/lastfm").status_code for _ in range(int(sys.argv[1]))]
    print(" ".join(map(str, codes)))
""")


def test_limits_hold_across_two_app_processes(app, spotify_sandbox):
    """Two processes on the same tables share one count: the limit is the sum, not per process."""
    env = subprocess_env(app, spotify_sandbox)
    env["ANCHOR_RATE_LIMITS"] = "sign-in=7/31536000"       # one window for the whole test
    runs = [subprocess.Popen([sys.executable, "-c", HAMMER, "6"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        codes += out.split()
    assert sorted(codes).count("302") == 7
    assert sorted(codes).count("429") == 5


def test_double_slashes_are_not_merged_into_a_redirect(client):
    answer = client.get("/static//style.css", headers={"Host": "evil.example"})
    assert answer.status_code == 404
    assert "Location" not in answer.headers
    with client.get("/static/style.css") as real:
        assert real.status_code == 200
