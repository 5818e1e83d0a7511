"""What the dashboard's sharing panel shows once a page is published: link, QR code, cards."""
from markupsafe import Markup, escape

from anchor.pages.context import absolute_url
from anchor.pages.public_view import card_version
from anchor.profiles import service


def qr_svg(url, label):
    """The URL as an inline SVG QR code (dark on white, so it scans in dark mode too)."""
    import segno                  # the owner's sharing panel only
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def share_view(profile):
    """Links, QR code and the embed snippet for a published profile."""
    page = absolute_url("public.profile", handle=profile.handle)
    card = absolute_url("public.card_svg", handle=profile.handle)
    name = service.visible(profile)["displayName"]
    alt = f"{name}'s top artists and albums on Anchor.band"
    quoted = str(escape(alt)).replace("&#39;", "'")     # the attribute is in double quotes
    snippet = (f'<a href="{escape(page)}"><img src="{escape(card)}" alt="{quoted}" '
               f'width="600" height="314"></a>')
    return {
        "url": page, "qr": qr_svg(page, f"QR code for {page}"), "card": card, "card_alt": alt,
        "png": absolute_url("public.share_image", handle=profile.handle, v=card_version(profile)),
        "snippet": snippet,
    }
