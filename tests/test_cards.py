"""The share card (PNG) and the embeddable card (SVG) draw names in any script and never fail."""
import io
import random
from types import SimpleNamespace
from xml.etree import ElementTree

from PIL import Image

from anchor.pages import drawing
from anchor.web import share_card, svg_card

SCRIPTS = ["Björk Guðmundsdóttir", "坂本龍一", "아이유 (IU)", "فيروز", "ハイブリッド・レインボウ", "Кино"]
BLOCKS = [(0x20, 0x7F), (0xA0, 0x250), (0x300, 0x370), (0x590, 0x700), (0x200B, 0x2070),
          (0x3040, 0x3100), (0x4E00, 0x9FFF), (0xAC00, 0xD7A4), (0xD800, 0xE000), (0xFFF0, 0x10000),
          (0x1F300, 0x1FAFF), (0x0, 0x20)]


def _profile(display, names):
    artists = [{"id": f"a{i}", "name": n} for i, n in enumerate(names)]
    albums = [{"id": f"b{i}", "name": n, "artists": [n]} for i, n in enumerate(reversed(names))]
    return SimpleNamespace(handle="nadia", displayName=display, layout=None, spotify=None,
                           dataHash="h", pageCopy=None, bio=" ".join(names)[:300] + ". More.",
                           listening={"ranges": {"half_year": {"artists": artists, "albums": albums}}})


def _fuzzed(rng):
    low, high = rng.choice(BLOCKS)
    return "".join(chr(rng.randrange(low, high)) for _ in range(rng.randrange(0, 90)))


def test_every_script_is_drawn_with_a_font_that_has_it():
    for name in SCRIPTS:
        for path, piece in drawing.runs(name):
            if piece.strip():
                assert all(ord(c) in drawing.coverage(path) for c in piece), (name, path)


def test_fuzzed_names_never_break_either_card():
    rng = random.Random(17)
    for _ in range(6):
        names = [_fuzzed(rng) for _ in range(6)]
        profile = _profile(_fuzzed(rng), names)
        png = share_card._draw(profile)
        assert Image.open(io.BytesIO(png)).size == (1200, 630)
        root = ElementTree.fromstring(svg_card.render(profile))
        assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_svg_card_keeps_scripts_and_escapes_markup():
    profile = _profile("<b>Nadia</b> & \"co\"", SCRIPTS + ["<script>alert(1)</script>"])
    text = svg_card.render(profile)
    root = ElementTree.fromstring(text)
    shown = "".join(root.itertext())
    assert "<b>Nadia</b> & \"co\"" in shown and "坂本龍一" in shown and "فيروز" in shown
    assert "<script" not in text and "&lt;script&gt;" in text
