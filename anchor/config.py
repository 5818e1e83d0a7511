"""Settings read from the environment, one class per environment."""
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from anchor.rules import EDGE_HOPS, RATE_LIMITS, Limit
from anchor.sources import registry
from anchor.sources.base import LOOPBACK_HOSTS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


class ConfigError(RuntimeError):
    """Raised when the environment cannot run the app safely."""


def _limits(text):
    """`sign-in=3/600,claim=5/3600` → {"sign-in": Limit(3, 600), ...}; ConfigError when malformed."""
    result = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            limit = Limit.parse(value)
        except ValueError:
            limit = None
        if name not in RATE_LIMITS or limit is None or limit.count < 1 or limit.seconds < 1:
            raise ConfigError(f"ANCHOR_RATE_LIMITS: cannot read {part!r} (name=count/seconds, "
                              f"names: {', '.join(sorted(RATE_LIMITS))})")
        result[name] = limit
    return result


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name, default):
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(name, default):
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {raw!r}")
    return value


class Config:
    """Development defaults: everything runs locally with no AWS account."""

    ENV = "development"
    TESTING = False
    DEFAULT_SECRET_KEY = "dev-only-not-secret"
    DEFAULT_TABLE_PREFIX = "dev-"
    DEFAULT_DYNAMODB_ENDPOINT = "http://127.0.0.1:8765"
    DEFAULT_AI_PROVIDER = "offline"
    DEFAULT_EDGE = "none"                            # make run: the browser talks to the app directly
    DEFAULT_SPOTIFY_RATE = 5.0          # requests/s a refresh run spreads its Spotify calls at
    DEFAULT_SPOTIFY_WINDOW = 120        # requests per rolling 30 s a refresh run keeps to
    DEFAULT_COPY_IN_BACKGROUND = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600      # sliding: renewed by each request
    WTF_CSRF_TIME_LIMIT = 14 * 24 * 3600             # a form token lives no longer than its session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 64 * 1024
    # Flask-Compress: gzip only (what stored public pages use too), text types, not tiny bodies.
    COMPRESS_ALGORITHM = "gzip"
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False       # files (static, downloads) stream; nginx compresses static/
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
                          "image/svg+xml", "application/atom+xml", "application/json", "text/plain"]

    def __init__(self, **overrides):
        self.SECRET_KEY = _env("SECRET_KEY", self.DEFAULT_SECRET_KEY)
        self.BASE_URL = _env("ANCHOR_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.ROLE = _env("ANCHOR_ROLE", "web")
        self.AWS_REGION = _env("AWS_REGION", "us-east-1")
        self.DYNAMODB_ENDPOINT = _env("AWS_ENDPOINT_URL_DYNAMODB", self.DEFAULT_DYNAMODB_ENDPOINT)
        self.TABLE_PREFIX = _env("ANCHOR_TABLE_PREFIX", self.DEFAULT_TABLE_PREFIX)
        self.KMS_KEY_ID = _env("ANCHOR_KMS_KEY_ID")
        self.DATA_DIR = Path(_env("ANCHOR_DATA_DIR", str(ROOT / ".data")))
        for source in registry.records():
            self._read_source(source)
        # Sources whose terms let their data reach the AI writer (Spotify's Developer Policy forbids it).
        ai_default = ",".join(source.name for source in registry.records() if source.ai_by_default)
        self.AI_SOURCES = frozenset(s.strip() for s in _env("ANCHOR_AI_SOURCES", ai_default).split(",") if s.strip())
        self.AI_PROVIDER = _env("ANCHOR_AI_PROVIDER", self.DEFAULT_AI_PROVIDER)
        self.BEDROCK_MODEL_ID = _env("BEDROCK_MODEL_ID", DEFAULT_MODEL_ID)
        self.AI_DAILY_LIMIT = _int("ANCHOR_AI_DAILY_LIMIT", 10)
        # Both turns of one generation (connect and read timeouts, botocore's retries) fit in it.
        self.AI_BUDGET_SECONDS = _float("ANCHOR_AI_BUDGET_SECONDS", 30.0)
        # Owner-started copy (Write copy, after a claim, after hiding) and a source switch's fetch
        # run in a thread of the web process; tests turn it off (the same job, run inline).
        self.COPY_IN_BACKGROUND = self.DEFAULT_COPY_IN_BACKGROUND
        # A fixed ceiling per pass on top of the sizing (unset: the budgets size each pass).
        self.REFRESH_RUN_CAP = _int("ANCHOR_REFRESH_RUN_CAP", None)
        # threads: the pass refreshes in its own thread pool (make run, small deployments);
        # queue: the pass sends due handles to the worker tier's SQS queue (production at scale).
        self.REFRESH_MODE = _env("ANCHOR_REFRESH_MODE", "threads")
        self.REFRESH_QUEUE_URL = _env("ANCHOR_REFRESH_QUEUE_URL")
        # Worker instances sharing the work (per-address source budgets count once per instance).
        self.WORKER_INSTANCES = _int("ANCHOR_WORKER_INSTANCES", 1)
        # The AI model's quota, shared by every instance (0: no shared model budget).
        self.AI_REQUESTS_PER_MINUTE = _int("ANCHOR_AI_REQUESTS_PER_MINUTE", 0)
        self.AI_TOKENS_PER_MINUTE = _int("ANCHOR_AI_TOKENS_PER_MINUTE", 0)
        self.REFRESH_CONCURRENCY = _int("ANCHOR_REFRESH_CONCURRENCY", 4)
        self.REFRESH_SPOTIFY_BUDGET = _int("ANCHOR_REFRESH_SPOTIFY_BUDGET", 1600)   # 200 × 8
        self.REFRESH_SPOTIFY_RATE = _float("ANCHOR_REFRESH_SPOTIFY_RATE", self.DEFAULT_SPOTIFY_RATE)
        self.SPOTIFY_MAX_RETRY_AFTER = _int("ANCHOR_SPOTIFY_MAX_RETRY_AFTER", 30)
        # ListenBrainz allows 30 requests per 10 s per address; a pass keeps a margin under it.
        self.REFRESH_LISTENBRAINZ_WINDOW = (_int("ANCHOR_REFRESH_LISTENBRAINZ_WINDOW_REQUESTS", 25), 10.0)
        self.REFRESH_LASTFM_RATE = _float("ANCHOR_REFRESH_LASTFM_RATE", 4.0)
        # Spotify's limit is a rolling 30-second window: requests per window a pass keeps to.
        self.REFRESH_SPOTIFY_WINDOW = (_int("ANCHOR_REFRESH_SPOTIFY_WINDOW_REQUESTS",
                                                   self.DEFAULT_SPOTIFY_WINDOW), 30.0)
        self.WORKER_INTERVAL_SECONDS = _int("ANCHOR_WORKER_INTERVAL_SECONDS", 3600)
        # How long a stopping worker lets in-flight profiles finish (below the platform's kill).
        self.WORKER_SHUTDOWN_GRACE_SECONDS = _int("ANCHOR_WORKER_SHUTDOWN_GRACE_SECONDS", 20)
        self.REFRESH_INTERVAL_SECONDS = _int("ANCHOR_REFRESH_INTERVAL_SECONDS", 7 * 24 * 3600)
        self.PAGE_CACHE_SECONDS = _int("ANCHOR_PAGE_CACHE_SECONDS", 20)
        # rules.EDGE_HOPS: the client address is that many X-Forwarded-For entries from the right.
        self.EDGE = _env("ANCHOR_EDGE", self.DEFAULT_EDGE)
        self.CLOUDFRONT_PREFIX_LIST = _env("ANCHOR_CLOUDFRONT_PREFIX_LIST")
        self._hops_given = _env("ANCHOR_TRUSTED_PROXY_HOPS") is not None
        self.TRUSTED_PROXY_HOPS = _int("ANCHOR_TRUSTED_PROXY_HOPS", EDGE_HOPS.get(self.EDGE, 0))
        # Rate-limit overrides, `name=count/seconds,...` (see anchor/web/limits.py for the names).
        self.RATE_LIMITS = _limits(_env("ANCHOR_RATE_LIMITS", ""))
        # Production: each process also writes bare JSON lines to <dir>/<process>.log.
        self.LOG_DIR = _env("ANCHOR_LOG_DIR")
        # CloudWatch namespace of the embedded-metric lines (one per stage, if several share an account).
        self.METRICS_NAMESPACE = _env("ANCHOR_METRICS_NAMESPACE", "Anchor")
        # The CloudFront distribution, if any, where changed pages are invalidated at once (anchor/cdn.py).
        self.CLOUDFRONT_DISTRIBUTION_ID = _env("ANCHOR_CLOUDFRONT_DISTRIBUTION_ID")
        self.PHOTO_BUCKET, self.PHOTO_BASE_URL = _env("ANCHOR_PHOTO_BUCKET"), _env("ANCHOR_PHOTO_BASE_URL")
        for key, value in overrides.items():
            setattr(self, key, value)
        for source in registry.records():
            if source.sandbox_flag:     # SPOTIFY_SANDBOX...: no credential, the local stand-in answers
                setattr(self, source.sandbox_flag, not getattr(self, source.credential))

    def _read_source(self, source):
        """A source's credentials and base URLs: its real service once its credential is set, else the stand-in."""
        for name in filter(None, (source.credential, source.secret)):
            setattr(self, name, _env(name))
        real = bool(getattr(self, source.credential)) if source.credential else False
        stand_in = _env(source.stand_in_env, source.stand_in_url) if source.stand_in_env else None
        for endpoint in source.endpoints:
            default = endpoint.real if real else f"{stand_in}{endpoint.stand_in_path}"
            setattr(self, endpoint.setting, _env(endpoint.setting, default))

    @property
    def DEMO_MODE(self):
        """Every source is a local stand-in: demo pages can be seeded."""
        return all(getattr(self, source.sandbox_flag) for source in registry.records() if source.sandbox_flag)

    def validate(self):
        """Refuse settings that would be unsafe or cannot work."""
        if self.ROLE not in ("web", "worker"):
            raise ConfigError(f"ANCHOR_ROLE must be 'web' or 'worker', got {self.ROLE!r}")
        unknown = self.AI_SOURCES - set(registry.names())
        if unknown:
            raise ConfigError(f"ANCHOR_AI_SOURCES names unknown sources: {', '.join(sorted(unknown))}")
        if self.AI_PROVIDER not in ("offline", "bedrock"):
            raise ConfigError(
                f"ANCHOR_AI_PROVIDER must be 'offline' or 'bedrock', got {self.AI_PROVIDER!r}")
        if not self.BASE_URL.startswith(("http://", "https://")):
            raise ConfigError("ANCHOR_BASE_URL must start with http:// or https://")
        if "://localhost" in self.BASE_URL:
            raise ConfigError("ANCHOR_BASE_URL must use 127.0.0.1, not localhost "
                              "(Spotify refuses localhost redirect URIs)")
        if self.REFRESH_MODE not in ("threads", "queue"):
            raise ConfigError(f"ANCHOR_REFRESH_MODE must be 'threads' or 'queue', got {self.REFRESH_MODE!r}")
        if (self.REFRESH_MODE == "queue" and self.ROLE == "worker"
                and not (self.REFRESH_QUEUE_URL or "").startswith(("https://", "http://"))):
            raise ConfigError("ANCHOR_REFRESH_MODE=queue needs ANCHOR_REFRESH_QUEUE_URL (the worker "
                              "environment's SQS queue URL)")
        if self.WORKER_INSTANCES < 1:
            raise ConfigError("ANCHOR_WORKER_INSTANCES must be at least 1")
        if self.REFRESH_INTERVAL_SECONDS < 60:
            raise ConfigError("ANCHOR_REFRESH_INTERVAL_SECONDS must be at least 60")
        if not 0 <= self.TRUSTED_PROXY_HOPS <= 5:
            raise ConfigError("ANCHOR_TRUSTED_PROXY_HOPS must be between 0 and 5")
        self._validate_edge(edge_chosen=bool(_env("ANCHOR_EDGE")) or self.ENV == "production")
        if bool(self.PHOTO_BUCKET) != bool(self.PHOTO_BASE_URL):    # photos on with both, off with neither
            raise ConfigError("ANCHOR_PHOTO_BUCKET and ANCHOR_PHOTO_BASE_URL go together: set both, or neither")
        if self.PAGE_CACHE_SECONDS > 30:
            raise ConfigError("ANCHOR_PAGE_CACHE_SECONDS must be 30 or less")
        if self.SECRET_KEY == Config.DEFAULT_SECRET_KEY:
            credentials = [source.credential for source in registry.records() if source.credential]
            real = [name for name in (*credentials, "KMS_KEY_ID") if getattr(self, name)]
            if real:
                raise ConfigError("Refusing the public development SECRET_KEY: real credentials are set ("
                                  + ", ".join(real) + "); set a SECRET_KEY of your own")
            if urlsplit(self.BASE_URL).hostname not in LOOPBACK_HOSTS:
                raise ConfigError("Refusing the public development SECRET_KEY for a site beyond this "
                                  "machine (ANCHOR_BASE_URL); set a SECRET_KEY of your own")

    def _validate_edge(self, edge_chosen):
        """One setting decides both the hop count and who may reach the load balancer."""
        if self.EDGE not in EDGE_HOPS:
            raise ConfigError(f"ANCHOR_EDGE must be one of {', '.join(EDGE_HOPS)}, got {self.EDGE!r}")
        want = EDGE_HOPS[self.EDGE]
        if self._hops_given and edge_chosen and self.TRUSTED_PROXY_HOPS != want:
            raise ConfigError(f"ANCHOR_TRUSTED_PROXY_HOPS={self.TRUSTED_PROXY_HOPS} contradicts ANCHOR_EDGE="
                              f"{self.EDGE} ({want} hops): unset it, ANCHOR_EDGE decides both")
        if self.EDGE == "cloudfront" and not re.fullmatch(r"pl-[0-9a-f]{8,17}", self.CLOUDFRONT_PREFIX_LIST or ""):
            raise ConfigError("ANCHOR_EDGE=cloudfront needs ANCHOR_CLOUDFRONT_PREFIX_LIST, the id (pl-…) of "
                              "com.amazonaws.global.cloudfront.origin-facing in your region (docs/deploy.md §14)")
        if self.EDGE != "cloudfront" and self.CLOUDFRONT_PREFIX_LIST:
            raise ConfigError(f"ANCHOR_CLOUDFRONT_PREFIX_LIST is set but ANCHOR_EDGE is {self.EDGE}: unset one")

    def as_dict(self):
        """Upper-case settings, for app.config.from_mapping."""
        return {n: getattr(self, n) for n in dir(self) if n.isupper()}


class TestConfig(Config):
    """Tests: tables get a fresh prefix per test; CSRF stays on."""

    ENV = "test"
    TESTING = True
    DEFAULT_SECRET_KEY = "test-secret"
    DEFAULT_TABLE_PREFIX = "test-"
    DEFAULT_SPOTIFY_RATE = 1000.0       # tests pace only where they test pacing
    DEFAULT_SPOTIFY_WINDOW = 100_000
    DEFAULT_COPY_IN_BACKGROUND = False  # the tests of the background path turn it on


class ProductionConfig(Config):
    """Production: real AWS; secrets must come from the environment."""

    ENV = "production"
    DEFAULT_SECRET_KEY = None
    DEFAULT_TABLE_PREFIX = "prod-"
    DEFAULT_DYNAMODB_ENDPOINT = None
    DEFAULT_AI_PROVIDER = "bedrock"
    DEFAULT_EDGE = "alb"                             # the load balancer and nginx
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"           # https only, this host only, path /
    REMEMBER_COOKIE_SECURE = True

    def validate(self):
        super().validate()
        required = {"SECRET_KEY": self.SECRET_KEY}
        for source in registry.records():
            required.update({name: getattr(self, name) for name in filter(None, (source.credential, source.secret))})
        required["ANCHOR_KMS_KEY_ID"] = self.KMS_KEY_ID
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise ConfigError("Refusing to start in production: missing " + ", ".join(missing)
                              + " (set them with `eb setenv`, see docs/deploy.md)")
        if not strong_key(self.SECRET_KEY):
            raise ConfigError("Refusing to start in production: SECRET_KEY must be at least 32 random "
                              "bytes, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
        if _env("FLASK_DEBUG", "0").lower() not in ("0", "false", "no", ""):
            raise ConfigError("Refusing to start in production with FLASK_DEBUG set: the debugger runs code")
        if not self.BASE_URL.startswith("https://"):
            raise ConfigError("Refusing to start in production: ANCHOR_BASE_URL must be https://")


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}


def strong_key(key):
    """At least 32 random bytes written out: 43+ characters with 20+ different ones."""
    return bool(key) and len(key) >= 43 and len(set(key)) >= 20


def load_config(name=None, **overrides):
    """Build the config object for ANCHOR_ENV (or the name given).

    Without ANCHOR_ENV the production rules apply: development is chosen only explicitly, so a
    forgotten setting can never sign sessions with the key in this repository.
    """
    name = name or _env("ANCHOR_ENV", "production")
    if name not in CONFIGS:
        raise ConfigError(f"ANCHOR_ENV must be one of {', '.join(CONFIGS)}, got {name!r}")
    return CONFIGS[name](**overrides)
