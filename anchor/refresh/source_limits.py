"""Each listening source's outgoing limits, read from the settings in this one place.

TEMPORARY: the sources' registry (`anchor/sources/registry.py`, each record's `limits(config)`)
will feed `specs` instead of `values`; nothing else reads these settings for a source's limits.
The upload source makes no requests and has none.
"""
from anchor.limits import SourceLimits
from anchor.profiles import listening


def values(config):
    """{source: the dict a registry record's `limits(config)` gives} for the limited sources."""
    return {
        # Spotify limits per application: a run's ceiling, a pace and a rolling window.
        "spotify": {"run_budget": config["REFRESH_SPOTIFY_BUDGET"],
                    "rate_per_second": config["REFRESH_SPOTIFY_RATE"],
                    "window": config["REFRESH_SPOTIFY_WINDOW"],
                    "max_wait": config["SPOTIFY_MAX_RETRY_AFTER"], "per_address": False},
        # ListenBrainz allows 30 requests per 10 s per address; Last.fm about 5 per second.
        "listenbrainz": {"run_budget": None, "rate_per_second": None,
                         "window": config["REFRESH_LISTENBRAINZ_WINDOW"], "max_wait": 30,
                         "per_address": True},
        "lastfm": {"run_budget": None, "rate_per_second": config["REFRESH_LASTFM_RATE"], "window": None,
                   "max_wait": 30, "per_address": True},
    }


def specs(config):
    """{source: SourceLimits} for every source with limits."""
    return {source: SourceLimits.from_values(source, listening.label(source), limits)
            for source, limits in values(config).items()}
