"""The product's rules in numbers: each limit lives here once, for code, prompts and templates."""
from datetime import timedelta

NAME_MAX = 60                     # display name, characters
BIO_MIN, BIO_MAX = 200, 600       # written bio, characters (an owner's own bio may be shorter)
LINE_MIN, LINE_MAX = 16, 120      # one album line, characters (an owner's own may be shorter)
MAX_ARTISTS = 10                  # artists a page shows
MAX_ALBUMS = 12                   # albums a page shows

RESTORE_PERIOD = timedelta(days=30)       # a deleted profile can be restored, then it is purged
MANUAL_COOLDOWN = timedelta(hours=1)      # between two refreshes started by the owner
REFRESH_LOCK = timedelta(minutes=5)       # a refresh lock expires by itself after this


def template_rules():
    """The limits templates show (maxlength attributes, help texts)."""
    return {"name_max": NAME_MAX, "bio_max": BIO_MAX, "line_max": LINE_MAX,
            "restore_days": RESTORE_PERIOD.days}
