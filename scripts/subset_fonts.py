"""Rebuild the font subsets in anchor/fonts/ that the share cards draw with (run by hand).

Needs Debian's fonts-noto-core and fonts-noto-cjk (`apt-get install fonts-noto-core
fonts-noto-cjk`) and fontTools. Budget: at most 3 MB for all files (docs/decisions.md).
Coverage: Latin (with Latin Extended, Vietnamese), Greek, Cyrillic; Arabic; kana, the 2,350
common Hangul syllables (KS X 1001) and 5,009 common Han characters (GB 2312 level 1 together
with JIS X 0208 level 1). Anything else falls back to the machine's fonts, then to a box.
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

NOTO = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
CJK_SC = 2                        # the collection's Simplified Chinese face
OUT = Path(__file__).resolve().parent.parent / "anchor" / "fonts"
BUDGET = 3 * 1024 * 1024

LATIN = [*range(0x20, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070),
         0x20AC, 0x2122, 0x2190, 0x2192, 0xFFFD]
ARABIC = [0x20, 0x200C, 0x200D, *range(0x600, 0x700), *range(0x750, 0x780), *range(0xFB50, 0xFE00),
          *range(0xFE70, 0xFF00)]


def _rows(codec, high):
    found = set()
    for first in high:
        for second in range(0xA1, 0xFF):
            try:
                found.add(bytes([first, second]).decode(codec))
            except UnicodeDecodeError:
                pass
    return found


def cjk_text():
    """Common Han (GB 2312 level 1 + JIS X 0208 level 1), KS X 1001 Hangul, kana, CJK punctuation."""
    han = _rows("gb2312", range(0xB0, 0xD8)) | _rows("euc_jp", range(0xB0, 0xD0))
    hangul = _rows("euc_kr", range(0xB0, 0xC9))
    marks = {chr(c) for c in [*range(0x3000, 0x3100), *range(0xFF00, 0xFFF0)]}
    return "".join(sorted(han | hangul | marks)) + " .,·…-"


def make(source, target, unicodes=(), text="", number=None):
    options = subset.Options()
    options.hinting = False            # drawn large on a card: hints buy nothing, cost bytes
    options.notdef_outline = True
    options.name_IDs = ["*"]           # keep the licence and copyright records
    font = TTFont(source, fontNumber=number) if number is not None else TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(unicodes), text=text)
    subsetter.subset(font)
    font.save(OUT / target)


def main():
    for weight in ("Regular", "Bold"):
        make(NOTO / f"NotoSans-{weight}.ttf", f"NotoSans-{weight}.subset.ttf", unicodes=LATIN)
    make(NOTO / "NotoSansArabic-Bold.ttf", "NotoSansArabic-Bold.subset.ttf", unicodes=ARABIC)
    make(CJK, "NotoSansCJKsc-Bold.subset.otf", text=cjk_text(), number=CJK_SC)
    total = sum(path.stat().st_size for path in OUT.glob("*.subset.*"))
    print(f"anchor/fonts: {total:,} bytes (budget {BUDGET:,})")
    return 0 if total <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
