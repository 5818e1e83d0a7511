"""The Spotify adapter: top artists and albums for the three ranges, from the Web API client."""
from anchor.spotify.client import SpotifyClient

from .base import now_iso

RANGE_PARAMS = {"month": "short_term", "half_year": "medium_term", "all_time": "long_term"}
CALLS_PER_FETCH = 1 + 2 * len(RANGE_PARAMS) + 1   # token refresh, two calls a range, one retry


def fetch(client: SpotifyClient, access_token: str) -> dict:
    """Normalised listening data; Spotify gives no play counts (`plays` stays None)."""
    ranges = {}
    for ours, theirs in RANGE_PARAMS.items():
        data = client.fetch_profile_data(access_token, time_range=theirs)
        ranges[ours] = {
            "artists": [dict(artist, plays=None) for artist in data["artists"]],
            "albums": [dict(album, rank=rank, plays=None)
                       for rank, album in enumerate(data["albums"], start=1)],
        }
    return {"source": "spotify", "fetchedAt": now_iso(), "ranges": ranges}
