"""The owner's photo: checked by content, re-encoded at two sizes without metadata, stored in S3.

Bytes are checked before anything is written: JPEG, PNG or WebP by content (never by name or
declared type), at most 10 MB and 40 megapixels, one frame. Both sizes are re-encoded as WebP
from pixels only, so EXIF, GPS and every other block of metadata are dropped. Files go to the
bucket first and the profile names them last: a failure on the way leaves the page as it was.
"""
import hashlib
import io
import logging
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from anchor import photos_store
from anchor.logs import log_event
from anchor.profiles import writes
from anchor.profiles.service import ProfileGone, StaleEdit

log = logging.getLogger("anchor.photos")
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZES = (160, 480)
FORMATS = ("JPEG", "PNG", "WEBP")
QUALITY = 82
DAMAGED = "That image is damaged or cut short; export it again and upload it."
STORE_DOWN = "Photo storage is not answering just now. Your page is unchanged; try again in a minute."


class PhotoRefused(Exception):
    """A photo the product will not take, or could not store; the message is for the owner."""


def _opened(data):
    """The image in `data`, checked before its pixels are decoded."""
    if not data:
        raise PhotoRefused("Choose a photo (JPEG, PNG or WebP), then upload it.")
    if len(data) > MAX_BYTES:
        raise PhotoRefused(f"That file is {len(data) / 1048576:.1f} MB; photos may be up to 10 MB.")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused("That file is not a JPEG, PNG or WebP image, whatever its name says.") from None
    except (OSError, SyntaxError, ValueError):     # cut short inside its header
        raise PhotoRefused(DAMAGED) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoRefused(f"That image is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                           f"the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    if getattr(image, "n_frames", 1) > 1:
        raise PhotoRefused("Animated images can't be a page photo; upload a still JPEG, PNG or WebP.")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(DAMAGED) from None
    return image


def _pixels(image):
    """Upright RGB (or RGBA where there is transparency): CMYK and palettes converted."""
    image = ImageOps.exif_transpose(image)      # the orientation tag is about to be dropped
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if transparent else "RGB")


def prepare(data):
    """{size: WebP bytes} for each size, or PhotoRefused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)     # Pillow's own guard refuses
        image = _pixels(_opened(data))
    files = {}
    for size in SIZES:
        square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        square.save(out, "WEBP", quality=QUALITY, method=4)    # no exif=, no icc_profile=: pixels only
        files[size] = out.getvalue()
    return files


def keys(photo):
    """The bucket keys of a stored photo's files."""
    return [f"{photo['stem']}-{size}.webp" for size in photo.get("sizes", SIZES)]


def _delete_all(found):
    """Delete files; True when every one is gone."""
    try:
        for key in found:
            photos_store.delete(key)
    except photos_store.StoreDown:
        return False
    return True


def replace(profile, data):
    """Store a new photo and name it on the profile; the old photo's files are deleted after."""
    if not photos_store.enabled():
        raise PhotoRefused("Photos are not set up on this site.")
    files = prepare(data)
    stem = f"{photos_store.PREFIX}{profile.handle}/{hashlib.sha256(files[max(SIZES)]).hexdigest()[:20]}"
    photo = {"stem": stem, "sizes": list(SIZES)}
    old = profile.photo
    stored = []
    try:
        for key, size in zip(keys(photo), SIZES):
            photos_store.put(key, files[size], "image/webp")
            stored.append(key)
    except photos_store.StoreDown:
        _delete_all(stored if not old or old["stem"] != stem else [])
        raise PhotoRefused(STORE_DOWN) from None
    try:
        updated = writes.write(profile, {"photo": photo}, bump=True)
    except (ProfileGone, StaleEdit):
        if not old or old["stem"] != stem:
            _delete_all(stored)
        raise
    if old and old["stem"] != stem and not _delete_all(keys(old)):
        log_event(log, "old photo left in the bucket", level=logging.WARNING, handle=profile.handle,
                  stem=old["stem"])
    return updated


def remove(profile):
    """Delete the photo's files, then take it off the profile (S3 down: nothing changes)."""
    if not profile.photo:
        return profile
    if not _delete_all(keys(profile.photo)):
        raise PhotoRefused(STORE_DOWN)
    return writes.write(profile, {"photo": None}, bump=True)


def discard(photo, handle):
    """Delete a photo's files after its profile let go of it (deletion); a failure is logged."""
    if photo and not _delete_all(keys(photo)):
        log_event(log, "deleted profile's photo left in the bucket", level=logging.WARNING, handle=handle,
                  stem=photo["stem"])
