"""Pytest plugin for the AI copy tests: Bedrock stand-in, boto3 environment, sample data.

Fixtures: `bedrock_standin_server` (session), `bedrock_standin` (per test: reset, env pointing
boto3 at it), `bedrock_fast_client` (bedrock-runtime client with short retries),
`ai_profile_data`. Plain helpers: `sample_profile_data()`, `random_profile_data(seed)`.
"""
import random

import boto3
import botocore.config
import pytest

from devstack.bedrock import BedrockStandin

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
FAST_CONFIG = botocore.config.Config(
    connect_timeout=2, read_timeout=10, retries={"mode": "adaptive", "total_max_attempts": 2})


def sample_profile_data() -> dict:
    """A realistic small profile (4 albums, one artist twice)."""
    return {
        "handle": "nadia", "displayName": "Nadia K.",
        "artists": [
            {"id": "a1", "name": "Fela Kuti", "url": "https://open.spotify.com/artist/a1",
             "image": "https://i.scdn.co/image/a1", "rank": 1},
            {"id": "a2", "name": "Alice Coltrane", "url": "https://open.spotify.com/artist/a2",
             "image": "https://i.scdn.co/image/a2", "rank": 2},
            {"id": "a3", "name": "Tony Allen", "url": "https://open.spotify.com/artist/a3",
             "image": "https://i.scdn.co/image/a3", "rank": 3},
        ],
        "albums": [
            {"id": "al1", "name": "Zombie", "artists": ["Fela Kuti"], "year": 1976,
             "image": "https://i.scdn.co/image/al1", "url": "https://open.spotify.com/album/al1",
             "trackCount": 3, "bestRank": 1},
            {"id": "al2", "name": "Journey in Satchidananda", "artists": ["Alice Coltrane"],
             "year": 1971, "image": "https://i.scdn.co/image/al2",
             "url": "https://open.spotify.com/album/al2", "trackCount": 2, "bestRank": 4},
            {"id": "al3", "name": "Expensive Shit", "artists": ["Fela Kuti"], "year": 1975,
             "image": "https://i.scdn.co/image/al3", "url": "https://open.spotify.com/album/al3",
             "trackCount": 1, "bestRank": 9},
            {"id": "al4", "name": "Film of Life", "artists": ["Tony Allen"], "year": 2014,
             "image": "https://i.scdn.co/image/al4", "url": "https://open.spotify.com/album/al4",
             "trackCount": 1, "bestRank": 12},
        ],
    }


_WORDS = ["Blue", "Night", "River", "Sun", "Ghost", "Motion", "Kind", "Gold", "Echo", "Paper",
          "Кино", "Группа", "坂本龍一", "ふたり", "Sigur", "Rós", "Ágætis", "Byrjun", "Øya", "Ñu",
          "مسافر", "Ελλάδα", "the", "of", "and", "Vol.", "II", "(Remastered", "2011)", "Mr.",
          "Wham!", "Eclectic", "Vibes", "🔥🔥", "<script>alert(1)</script>", "&lt;b&gt;",
          "www.band.fm", "javascript:void(0)", "Tab\there", "A" * 90, "Jay-Z", "N'Dour", "'Round"]


def _name(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6)))


def random_profile_data(seed: int) -> dict:
    """A random profile (0–15 albums) mixing ordinary, non-Latin, long and hostile names."""
    rng = random.Random(seed)
    artists = [{"id": f"a{i}", "name": _name(rng), "url": "https://x.example/a", "image": "i",
                "rank": i + 1} for i in range(rng.randint(0, 10))]
    pool = [a["name"] for a in artists] or [_name(rng)]
    albums = []
    for i in range(rng.randint(0, 15)):
        albums.append({
            "id": f"al{i}", "name": _name(rng),
            "artists": rng.sample(pool, k=min(len(pool), rng.randint(1, 3))),
            "year": rng.choice([None, rng.randint(1950, 2025)]), "image": "i",
            "url": "https://x.example/al", "trackCount": rng.randint(0, 6),
            "bestRank": rng.choice([None, rng.randint(1, 50)]),
        })
    return {"handle": rng.choice(["nadia", "dj_ω", "x"]),
            "displayName": rng.choice([None, _name(rng), "Nadia K."]),
            "artists": artists, "albums": albums}


@pytest.fixture
def ai_profile_data() -> dict:
    """Fresh copy of the sample profile."""
    return sample_profile_data()


@pytest.fixture(scope="session")
def bedrock_standin_server():
    """One stand-in server for the whole run."""
    standin = BedrockStandin().start()
    yield standin
    standin.stop()


@pytest.fixture
def bedrock_standin(bedrock_standin_server, monkeypatch, tmp_path):
    """The stand-in, reset, with real boto3 pointed at it through the environment."""
    bedrock_standin_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock_standin_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)  # AWS_REGION alone must be enough
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                 "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    yield bedrock_standin_server
    bedrock_standin_server.reset()


@pytest.fixture
def bedrock_fast_client(bedrock_standin):
    """A bedrock-runtime client at the stand-in making 2 attempts in all (quick failures)."""
    client = boto3.client("bedrock-runtime", region_name="us-east-1", config=FAST_CONFIG)
    yield client
    client.close()
