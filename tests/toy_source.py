"""A toy listening source: the one adapter module a fourth source needs (its record is in the test).

It answers from memory instead of HTTP, but keeps an adapter's shape: a client built from the
app's settings that charges the refresh's budget per request, and normalised listening data out.
"""
from anchor.sources.base import RANGES, now_iso

LISTENERS = {"ada": ("Delia Derbyshire", "Daphne Oram", "Suzanne Ciani")}


class ToyClient:
    """Reads a user's top artists and albums from the toy service."""

    def __init__(self, api_url, api_key, *, budget=None):
        self.api_url, self.api_key, self.budget = api_url, api_key, budget
        self.closed = False

    def close(self):
        """Nothing pooled to close; noted for the test."""
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fetch(self, user):
        """Normalised data for every range: one request per range."""
        ranges = {}
        for name in RANGES:
            if self.budget is not None:
                self.budget.take()
            artists = [{"id": f"toy-{user}-{rank}", "name": artist, "url": None, "image": None, "rank": rank,
                        "plays": 100 - rank} for rank, artist in enumerate(LISTENERS[user], start=1)]
            albums = [{"id": f"toy-{user}-album", "name": "Electrosonic", "artists": [LISTENERS[user][0]],
                       "year": 1972, "url": None, "image": None, "rank": 1, "plays": 42}]
            ranges[name] = {"artists": artists, "albums": albums}
        return {"source": "toy", "fetchedAt": now_iso(), "ranges": ranges}


def client_from(config, budget=None, **kwargs):
    """A client configured from the app's settings."""
    return ToyClient(config["TOY_API_URL"], config["TOY_API_KEY"] or "toy-demo-key", budget=budget, **kwargs)


def fetch(client, user):
    """The source's normalised listening data for `user`."""
    return client.fetch(user)
