"""The demo artist page: an artist signs in, claims a handle, adds a photo, a short line and five
links, then publishes, through the same service functions the dashboard calls."""
import io
import logging

from PIL import Image, ImageDraw

from anchor.logs import log_event
from anchor.photos_store import enabled as photos_enabled
from anchor.profiles import demo_history, editing, links, music, photos, service
from anchor.refresh.first_fetch import claim_and_fetch

log = logging.getLogger("anchor.demo")

ARTIST_DEMO = ("juno_static", "juno-static")      # the stand-ins' artist (devstack/demo_music.py ARTISTS)
DISPLAY_NAME = "Juno Static"
LINE = "Synth-pop from Leeds, made at night on borrowed keyboards. New EP in the spring."
LINKS = (("https://junostatic.bandcamp.com/", ""),
         ("https://open.spotify.com/artist/4JunoStaticDemoArtist0", ""),
         ("https://www.youtube.com/@junostatic", "Videos"),
         ("https://www.instagram.com/junostatic/", ""),
         ("https://www.songkick.com/artists/10000001-juno-static", "Shows"))


def portrait(size=640):
    """A made-up portrait as JPEG bytes: a dusk gradient with a figure (no real person's face)."""
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        shade = y / size
        draw.line([(0, y), (size, y)], fill=(int(40 + 150 * shade), int(30 + 60 * shade), int(110 - 40 * shade)))
    draw.ellipse([size * 0.36, size * 0.22, size * 0.64, size * 0.50], fill=(245, 205, 170))
    draw.rectangle([size * 0.28, size * 0.52, size * 0.72, size], fill=(25, 25, 45))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_artist(sign_in):
    """Seed the artist page with `sign_in(user)` → (account_id, user name); returns the outcome."""
    user, handle = ARTIST_DEMO
    if service.get(handle) is not None:
        return "exists"
    account_id, _user_name = sign_in(user)
    claim_and_fetch(account_id, handle, display_name=DISPLAY_NAME)
    profile = service.get(handle)
    profile = editing.edit_bio(profile, LINE, profile.version)
    for url, label in LINKS:
        profile = links.add(profile, url, label)
    if photos_enabled():
        try:
            profile = photos.replace(profile, portrait())
        except photos.PhotoRefused as exc:          # the bucket is down: the page keeps its monogram
            log_event(log, "demo photo not stored", level=logging.WARNING, handle=handle, error=str(exc))
    else:
        log_event(log, "demo photo skipped: no photo bucket configured (ANCHOR_PHOTO_BUCKET)", handle=handle)
    try:                                            # their own releases, found as an owner finds them
        profile = music.pick(service.get(handle), music.search(DISPLAY_NAME)[0]["mbid"])
    except (music.MusicRefused, IndexError) as exc:  # MusicBrainz down: the page goes out without them
        log_event(log, "demo releases not read", level=logging.WARNING, handle=handle, error=str(exc))
    return demo_history.publish(handle)        # with a week of history, like every demo page
