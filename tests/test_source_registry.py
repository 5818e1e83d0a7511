"""The source registry: one record per source, and a fourth source is one module plus one record."""
import pytest

from anchor import clock
from anchor import config as settings
from anchor.config import ConfigError, load_config
from anchor.profiles import listening, service
from anchor import limits as outgoing
from anchor.refresh import engine, source_limits
from anchor.sources import registry
from anchor.sources.registry import Endpoint, Source
from tests import toy_source
from tests.factories import make_profile

TOY = Source("toy", "Toy.fm", 3, client=toy_source.client_from, fetch=toy_source.fetch,
             endpoints=(Endpoint("TOY_API_URL", "https://api.toy.example"),
                        Endpoint("TOY_AUTH_URL", "https://toy.example/auth/", "/auth/")),
             stand_in_env="ANCHOR_TOY_SANDBOX_URL", stand_in_url="http://127.0.0.1:5099",
             credential="TOY_API_KEY", secret="TOY_SHARED_SECRET", sandbox_flag="TOY_SANDBOX",
             limits_from=lambda config: {"run_budget": None, "rate_per_second": 2.0, "window": None,
                                         "max_wait": 30, "per_address": True})


@pytest.fixture
def toy_app(make_app):
    """An app built while the toy source is registered, its context pushed."""
    with registry.registered(TOY):
        application = make_app()
        with application.app_context():
            yield application


def test_the_four_sources_and_their_facts():
    assert registry.names() == ("spotify", "listenbrainz", "lastfm", "upload")
    assert dict(listening.LABELS) == {"spotify": "Spotify", "listenbrainz": "ListenBrainz", "lastfm": "Last.fm",
                                      "upload": "your Spotify data download"}
    assert dict(listening.CALLS_PER_FETCH) == {"spotify": 9, "listenbrainz": 14, "lastfm": 8, "upload": 0}
    assert [s.name for s in registry.records() if s.ai_by_default] == ["listenbrainz", "upload"]
    assert [s.sandbox_flag for s in registry.records()] == ["SPOTIFY_SANDBOX", "BRAINZ_SANDBOX", "LASTFM_SANDBOX",
                                                            None]
    assert registry.get("upload").client is None and registry.get("upload").limits({}) is None
    assert registry.get("nope") is None and listening.label("nope") == "nope"


def test_limits_are_the_ones_the_passes_use(monkeypatch):
    monkeypatch.setenv("ANCHOR_REFRESH_SPOTIFY_BUDGET", "321")
    config = settings.TestConfig().as_dict()
    specs = source_limits.specs(config)
    gates = outgoing.pass_gates(specs)
    assert set(gates) == {"spotify", "listenbrainz", "lastfm"}       # the upload makes no requests
    for name in ("spotify", "listenbrainz", "lastfm"):
        limits, gate = registry.get(name).limits(config), gates[name]
        assert set(limits) == {"run_budget", "rate_per_second", "window", "max_wait", "per_address"}
        assert limits["run_budget"] == gate.limit and limits["window"] == gate.window
        assert limits["max_wait"] == gate.max_wait and limits["per_address"] == specs[name].per_address
        assert specs[name].per_address == (name != "spotify")      # ListenBrainz and Last.fm: per IP
        rate_per_second = limits["rate_per_second"]
        assert gate.interval == (1.0 / rate_per_second if rate_per_second else 0.0)
    assert registry.get("spotify").limits(config)["run_budget"] == 321


def test_config_reads_each_source_from_its_record(monkeypatch):
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_API_URL", "LASTFM_AUTH_URL", "ANCHOR_LASTFM_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANCHOR_LASTFM_SANDBOX_URL", "http://127.0.0.1:6001")
    config = settings.TestConfig()
    assert config.SPOTIFY_SANDBOX and config.LASTFM_SANDBOX and config.DEMO_MODE
    assert config.LASTFM_AUTH_URL == "http://127.0.0.1:6001/api/auth/"
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "a-real-app")
    config = settings.TestConfig()
    assert not config.SPOTIFY_SANDBOX and not config.DEMO_MODE
    assert config.SPOTIFY_API_URL == "https://api.spotify.com" and config.as_dict()["SPOTIFY_SANDBOX"] is False


def test_a_fourth_source_gets_its_settings_label_and_budget_from_one_record(toy_app, monkeypatch):
    config = toy_app.config
    assert config["TOY_SANDBOX"] and config["DEMO_MODE"] and config["TOY_API_KEY"] is None
    assert config["TOY_API_URL"] == "http://127.0.0.1:5099" and config["TOY_AUTH_URL"] == "http://127.0.0.1:5099/auth/"
    assert listening.label("toy") == "Toy.fm" and listening.CALLS_PER_FETCH["toy"] == 3
    assert listening.stand_in("toy") and listening.stand_in("spotify") and not listening.stand_in("upload")
    settings.TestConfig(AI_SOURCES=frozenset({"toy"})).validate()
    monkeypatch.setenv("TOY_API_KEY", "a-real-key")
    real = settings.TestConfig()
    assert real.TOY_API_URL == "https://api.toy.example" and not real.TOY_SANDBOX and not real.DEMO_MODE
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="real credentials are set \\(.*TOY_API_KEY"):
        load_config("development").validate()


def test_after_the_block_the_toy_is_gone():
    with registry.registered(TOY):
        with pytest.raises(ValueError, match="already registered"):
            with registry.registered(TOY):
                pass
        assert "toy" in registry.names()
    assert "toy" not in registry.names() and listening.label("toy") == "toy"
    with pytest.raises(ConfigError, match="unknown sources: toy"):
        settings.TestConfig(AI_SOURCES=frozenset({"toy"})).validate()


def test_a_toy_page_refreshes_through_the_normal_path(toy_app):
    moment = clock.now()
    profile = make_profile("ada", owner="toy:ada", source="toy", links={"toy": "ada"}, publishedAt=moment,
                           next_refresh=moment)
    profile.save()
    result = engine.refresh_profile("ada", "scheduled")
    assert result.outcome == "refreshed" and result.source_calls == 3, result.message
    stored = service.get("ada")
    assert stored.lastRefreshStatus == "refreshed" and stored.failureCount == 0
    assert [a["name"] for a in service.items(stored)["artists"]] == list(toy_source.LISTENERS["ada"])
    toy_app.extensions["anchor.page_cache"].forget("ada")
    page = toy_app.test_client().get("/ada")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Daphne Oram" in text and "Electrosonic" in text
    assert "Listening data from Toy.fm." in text and "Spotify" not in text
