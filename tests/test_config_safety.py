"""Configuration fails safe: production rules by default, no public key with real credentials."""
import subprocess

import pytest

from anchor.config import ConfigError, load_config, strong_key
from tests.test_deploy import PRODUCTION_SECRETS, PYTHON, ROOT, clean_env


def test_no_environment_means_production_rules(monkeypatch):
    monkeypatch.delenv("ANCHOR_ENV", raising=False)
    config = load_config()
    assert config.ENV == "production"
    with pytest.raises(ConfigError, match="missing SECRET_KEY"):
        config.validate()


@pytest.mark.parametrize("setting", ["SPOTIFY_CLIENT_ID", "MUSICBRAINZ_CLIENT_ID", "LASTFM_API_KEY",
                                     "ANCHOR_KMS_KEY_ID"])
def test_development_key_refused_with_real_credentials(monkeypatch, setting):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv(setting, "a-real-looking-value")
    with pytest.raises(ConfigError, match="public development SECRET_KEY"):
        load_config("development").validate()


def test_development_key_refused_beyond_loopback(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ANCHOR_BASE_URL", "http://10.1.2.3:5000")
    with pytest.raises(ConfigError, match="beyond this machine"):
        load_config("development").validate()
    monkeypatch.setenv("ANCHOR_BASE_URL", "http://127.0.0.1:5000")
    load_config("development").validate()


@pytest.mark.parametrize("key,ok", [("a" * 32, False), ("a" * 64, False), ("short-but-varied-KEY-123", False),
                                    ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", True)])
def test_key_strength(key, ok):
    assert strong_key(key) is ok


def test_production_refuses_a_weak_key_and_flask_debug_with_one_line():
    for extra, message in (({"SECRET_KEY": "a" * 48}, "at least 32 random bytes"),
                           ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG")):
        env = clean_env(ANCHOR_ENV="production", **{**PRODUCTION_SECRETS, **extra})
        result = subprocess.run([PYTHON, "-c", "import wsgi"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
