"""The embeddable card, `/<handle>/card.svg`: one self-contained SVG, safe in an <img> anywhere.

No script, no outside reference (no links, images or fonts from elsewhere), every text escaped,
light and dark through `prefers-color-scheme` inside the SVG, and a <title>/<desc> for readers.
"""
import re
import unicodedata
from xml.sax.saxutils import escape

from anchor.profiles import service
from anchor.text import clean_name

WIDTH, HEIGHT = 600, 314
ROWS = 5
# Code points XML 1.0 cannot carry; they are dropped (clean_name already drops controls).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
STYLE = """
.bg{fill:#f7f5f0}.fg{fill:#1d1b18}.mu{fill:#5b574f}.ac{fill:#0b6e4f}
text{font-family:"Noto Sans","Noto Sans CJK JP","Noto Sans CJK KR","Noto Sans Arabic",system-ui,
-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.h{font-size:13px;font-weight:700;letter-spacing:.06em}.n{font-size:30px;font-weight:800}
.s{font-size:14px}.r{font-size:15px}
@media (prefers-color-scheme:dark){.bg{fill:#121412}.fg{fill:#ecebe6}.mu{fill:#b2ada3}.ac{fill:#5fd3a6}}
"""


def _units(char):
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def fit(text, units):
    """Cleaned, XML-safe text cut with an ellipsis to about `units` half-width characters."""
    text = NOT_XML.sub("", clean_name(text, 300) or "")
    used, out = 0, []
    for char in text:
        used += _units(char)
        if used > units:
            return "".join(out).rstrip() + "…"
        out.append(char)
    return text


def _text(cls, x, y, text):
    return f'<text class="{cls}" x="{x}" y="{y}">{escape(text)}</text>'


def _column(x, title, names):
    parts = [_text("h ac", x, 150, title.upper())]
    for place, name in enumerate(names[:ROWS], start=1):
        parts.append(_text("r fg", x, 150 + 27 * place, f"{place}. {fit(name, 26)}"))
    return parts


def render(profile):
    """The card's SVG text for a published profile."""
    shown = service.visible(profile)
    name = fit(shown["displayName"], 32)
    artists = [a["name"] for a in shown["artists"]]
    albums = [a["name"] for a in shown["albums"]]
    title = f"{name} on Anchor.band"
    desc = ("Top artists: " + (", ".join(fit(a, 60) for a in artists[:ROWS]) or "none yet") +
            ". Top albums: " + (", ".join(fit(a, 60) for a in albums[:ROWS]) or "none yet") + ".")
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="card-title card-desc">',
        f'<title id="card-title">{escape(title)}</title>',
        f'<desc id="card-desc">{escape(NOT_XML.sub("", desc))}</desc>',
        f"<style>{STYLE}</style>",
        f'<rect class="bg" width="{WIDTH}" height="{HEIGHT}" rx="16"/>',
        f'<rect class="ac" width="8" height="{HEIGHT}"/>',
        _text("s ac", 32, 40, "Anchor.band"),
        _text("n fg", 32, 84, name),
        _text("s mu", 32, 110, f"anchor.band/{profile.handle}"),
        *_column(32, "Top artists", artists),
        *_column(316, "Top albums", albums),
        "</svg>",
    ]
    return "\n".join(body)
