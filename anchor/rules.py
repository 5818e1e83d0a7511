"""The product's rules in numbers: each limit lives here once, for code, prompts and templates."""
from dataclasses import dataclass
from datetime import timedelta

NAME_MAX = 60                     # display name, characters
BIO_MIN, BIO_MAX = 200, 600       # written bio, characters (an owner's own bio may be shorter)
LINE_MIN, LINE_MAX = 16, 120      # one album line, characters (an owner's own may be shorter)
MAX_ARTISTS = 10                  # artists a page shows
MAX_ALBUMS = 12                   # albums a page shows
MAX_FEATURED = 3                  # the owner's picks above the ranked lists (artists or albums)
NOTE_MAX = 80                     # the owner's note on one featured item, characters

RESTORE_PERIOD = timedelta(days=30)       # a deleted profile can be restored, then it is purged
MANUAL_COOLDOWN = timedelta(hours=1)      # between two refreshes started by the owner
REFRESH_LOCK = timedelta(minutes=5)       # a refresh lock expires by itself after this
PUBLIC_CACHE_SECONDS = 60                 # browsers and shared caches (CDN) may keep a public page

# What stands in front of the app (ANCHOR_EDGE) → proxies that append to X-Forwarded-For: none
# (make run), the load balancer and nginx, or CloudFront before them. The same value decides who
# may reach the load balancer (.ebextensions/07-edge.config), so the two cannot disagree.
EDGE_HOPS = {"none": 0, "alb": 2, "cloudfront": 3}



@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `seconds`-long window."""
    count: int
    seconds: int

    @classmethod
    def parse(cls, text):
        """`30/600` → Limit(30, 600); ValueError when it is not that shape."""
        count, _, seconds = text.partition("/")
        return cls(int(count), int(seconds))


# Rate limits per client address ("ip") and per signed-in account: what a person doing the
# thing by hand never reaches, and a script reaches at once (anchor/web/limits.py counts them).
RATE_LIMITS = {
    "sign-in": {"ip": Limit(60, 600)},                                    # starts, all sources
    "callback": {"ip": Limit(60, 600)},
    "handle-check": {"ip": Limit(300, 600), "account": Limit(150, 600)},  # live, while typing
    "claim": {"ip": Limit(30, 3600), "account": Limit(10, 3600)},
    "copy": {"account": Limit(20, 3600)},
    "refresh": {"account": Limit(12, 3600)},
    "switch": {"account": Limit(10, 3600)},                               # showing another source
    "upload": {"ip": Limit(20, 3600), "account": Limit(6, 3600)},
    "music": {"account": Limit(30, 3600)},                                # MusicBrainz searches and picks
    "click": {"ip": Limit(3, 3600)},        # counted clicks per address per link (more still redirect)
}


def template_rules():
    """The limits templates show (maxlength attributes, help texts)."""
    return {"name_max": NAME_MAX, "bio_max": BIO_MAX, "line_max": LINE_MAX,
            "restore_days": RESTORE_PERIOD.days, "max_artists": MAX_ARTISTS, "max_albums": MAX_ALBUMS,
            "max_featured": MAX_FEATURED, "note_max": NOTE_MAX}
