"""What the dashboard's sharing panel shows once a page is published: link, QR code, cards."""
import io

import segno
from markupsafe import Markup, escape

from anchor.pages import share_images
from anchor.pages.context import absolute_url
from anchor.pages.public_view import card_version
from anchor.profiles import service

QR_SCALES = {"svg": 10, "png": 10}      # pixels (SVG units) per module: about 330 px for a page URL
QR_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _code(url):
    return segno.make(url, error="m")


def qr_svg(url, label):
    """The URL as an inline SVG QR code (dark on white, so it scans in dark mode too)."""
    svg = _code(url).svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def qr_file(url, kind):
    """The URL's QR code as a file to download: SVG or PNG bytes, dark on white, with its quiet zone."""
    out = io.BytesIO()
    _code(url).save(out, kind=kind, scale=QR_SCALES[kind], border=4, dark="#000", light="#fff")
    return out.getvalue()


def share_view(profile):
    """Links, QR code, share images and the embed snippet for a published profile."""
    page = absolute_url("public.profile", handle=profile.handle)
    card = absolute_url("public.card_svg", handle=profile.handle)
    name = service.visible(profile)["displayName"]
    alt = f"{name}'s top artists and albums on Anchor.band"
    quoted = str(escape(alt)).replace("&#39;", "'")     # the attribute is in double quotes
    snippet = (f'<a href="{escape(page)}"><img src="{escape(card)}" alt="{quoted}" '
               f'width="600" height="314"></a>')
    stored = share_images.stored_urls(profile)
    return {
        "url": page, "qr": qr_svg(page, f"QR code for {page}"), "card": card, "card_alt": alt,
        "png": stored.get("card") or absolute_url("public.share_image", handle=profile.handle,
                                                  v=card_version(profile)),
        "story": stored.get("story"), "snippet": snippet,
        "qr_svg": absolute_url("dashboard.share_qr", kind="svg"),
        "qr_png": absolute_url("dashboard.share_qr", kind="png"),
    }
