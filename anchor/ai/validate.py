"""Pure checks for profile copy: every AI or offline answer passes through `validate_copy`.

Each check returns short human sentences (shown to the owner, and sent back to the model on
the retry). An empty list means the copy may be published.
"""
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from anchor.rules import BIO_MAX, BIO_MIN, LINE_MAX, LINE_MIN

from . import lexicon
from .invented import invented_names

_TLD = ("com|net|org|io|fm|band|co|uk|de|fr|jp|kr|ng|ly|ee|be|me|tv|live|app|music|info|biz|us|"
        "ca|au|xyz|gg|to|cc|ai|dev|site|online|store|shop|link|page|audio|radio|studio|blog|es|"
        "it|nl|se|no|br|mx|ru|cn|za|ie|nz|gl|lnk|bandcamp|youtu")
_URL = re.compile(rf"[a-z][a-z0-9+.\-]*://|\bwww\.|\b[a-z0-9][\w-]*(?:\.[\w-]+)*\.(?:{_TLD})\b(?!\.\w)"
                  r"|\b[a-z0-9][\w-]*\.[a-z]{2,}/[\w@#%~+=-]|\w@\w[\w-]*\.[a-z]{2,}", re.I)
_MARKUP = re.compile(
    r"<[^\W\d_]|<[/!?]|&(?:[a-z][a-z0-9]*|#[0-9]+|#x[0-9a-f]+);|javascript\s*:", re.I)
_PICTO = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF\u3030\u303D"
_EMOJI = re.compile(f"[{_PICTO}\U0001F1E6-\U0001F1FF]")
_MARKDOWN = re.compile(r"\*\*\S|\S\*\*|__\w|\w__|(?<![\w*])\*\w[^*]*\w\*(?![\w*])|(?<!\w)_\w[^_]*\w_(?!\w)"
                       r"|`[^`]+`|^\s*#{1,6}\s|\[[^\]]+\]\([^)]*\)|^\s*(?:[-*+•]|\d+\.)\s", re.M)
_BIDI = set("\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069")


@lru_cache(maxsize=1)
def cliches() -> tuple[tuple[str, re.Pattern], ...]:
    """Return the stock phrases from cliches.txt with their word-boundary patterns."""
    text = (Path(__file__).with_name("cliches.txt")).read_text(encoding="utf-8")
    phrases = []
    for raw in text.splitlines():
        phrase = raw.split("#", 1)[0].strip().lower()
        if phrase and phrase not in (p for p, _ in phrases):
            body = r"\s+".join(re.escape(part) for part in phrase.split())
            phrases.append((phrase, re.compile(rf"(?<!\w){body}(?!\w)", re.I)))
    return tuple(phrases)


def data_names(profile_data: dict) -> list[str]:
    """Every name the copy may mention: display name, handle, artists, albums, album artists, and
    the owner's own artist name, release titles and their services."""
    names = [profile_data.get("displayName"), profile_data.get("handle")]
    names += [a.get("name") for a in profile_data.get("artists") or []]
    for album in profile_data.get("albums") or []:
        names.append(album.get("name"))
        names += list(album.get("artists") or [])
    names += [profile_data.get("artistName")] + list(profile_data.get("artistServices") or [])
    for release in profile_data.get("ownReleases") or []:     # the owner's own music (MusicBrainz)
        names.append(release.get("title"))
        names += list(release.get("services") or [])
    return [n for n in names if isinstance(n, str) and n.strip()]


def _mask(text: str, names: list[str]) -> str:
    """Blank out data names so a name like "Panic! at the Disco" is not read as our wording;
    the parts of a name that carry "!" ("Panic!") are blanked too."""
    parts = [p for n in names for p in n.split() if "!" in p or "！" in p]
    for name in sorted((n for n in names + parts if len(n) >= 3 or not n.isalnum()),
                       key=len, reverse=True):
        text = re.sub(re.escape(name), " NAME ", text, flags=re.I)
    return text


def safety_problems(text: str, label: str) -> list[str]:
    """Checks no name can excuse: URLs, markup, control characters."""
    reasons = []
    if _URL.search(text):
        reasons.append(f"{label} contains a web address; leave links out")
    if _MARKUP.search(text):
        reasons.append(f"{label} contains markup or script; write plain text only")
    bad = [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI]
    if bad:
        reasons.append(f"{label} contains a control character (U+{ord(bad[0]):04X}); "
                       "write a single line of plain text")
    return reasons


def style_problems(text: str, label: str, names: list[str]) -> list[str]:
    """Tone checks (clichés, flattery, exclamation marks, emoji runs), ignoring data names."""
    reasons = []
    own = _mask(text, names)
    found = [p for p, pattern in cliches() if pattern.search(own)]
    found = [p for p in found if not any(p != q and p in q for q in found)]
    if found:
        quoted = ", ".join(f'"{p}"' for p in found)
        reasons.append(f"{label} uses stock or flattering phrases ({quoted}); "
                       "say something concrete about the music instead")
    praise = _FLATTERY.search(own)
    if praise:
        reasons.append(f'{label} praises the listener ("{praise.group()}"); describe the music, '
                       "not the listener's taste")
    if "!" in own or "！" in own:
        reasons.append(f"{label} uses an exclamation mark; keep the tone plain")
    if _EMOJI.search(own):
        reasons.append(f"{label} has an emoji or pictograph; leave emoji out")
    if _MARKDOWN.search(own):
        reasons.append(f"{label} contains markup (Markdown); write plain text only")
    return reasons


_PRAISE = ("great|good|fine|excellent|impeccable|incredible|amazing|exquisite|exceptional|"
           "refined|serious|sophisticated|discerning|superb|wonderful|remarkable|impressive|"
           "enviable|solid|sharp|keen|trained|immaculate|killer|stellar|flawless|perfect|"
           "adventurous|cultured|expert|educated|elevated|brilliant|outstanding|unmatched")
_FLATTERY = re.compile(
    rf"\b(?:{_PRAISE})\s+(?:\w+\s+)?(?:taste|tastes|ears?|palate|instincts|sensibilit(?:y|ies)|"
    r"selections?|picks|choices)\b|\bknows?\s+(?:(?:their|his|her|your)\s+)?(?:stuff|music|"
    r"way around)\b|\b(?:kudos|hats off|bravo)\b|\byou(?:'ve| have)\s+"
    r"(?:great|good|amazing|excellent)\b|\b(?:true|real|serious|devoted|dedicated)\s+"
    r"(?:fan|aficionado|enthusiast|music fan)\b"
    rf"|\b(?:taste|ears?|palate|instincts)\s+(?:is|are)\s+(?:\w+\s+){{0,2}}"
    rf"(?:{_PRAISE}|well[- ]trained|well[- ]tuned|spot[- ]on)\b", re.I)
def text_problems(text, label: str, names: list[str], *, max_len: int, min_len: int = 1) -> list[str]:
    """All checks for one piece of copy (the bio or one album line)."""
    if not isinstance(text, str):
        return [f"{label} is missing or is not text"]
    reasons = []
    if not text.strip():
        reasons.append(f"{label} is empty")
    elif not min_len <= len(text) <= max_len:
        limits = f"{min_len}–{max_len}" if min_len > 1 else f"at most {max_len}"
        reasons.append(f"{label} is {len(text)} characters; it must be {limits}")
    reasons += safety_problems(text, label)
    reasons += style_problems(text, label, names)
    for name in invented_names(text, names):
        reasons.append(f'{label} mentions "{name}", which is not in the listening data; '
                       "name only artists and albums from the data")
    return reasons


def lines_from_tool(items) -> tuple[dict[str, str], list[str]]:
    """Turn the model's albumLines list [{albumId, line}] into a dict, reporting bad entries."""
    if not isinstance(items, list):
        return {}, ["albumLines is missing or is not a list"]
    lines, reasons = {}, []
    for item in items:
        album_id = item.get("albumId") if isinstance(item, dict) else None
        line = item.get("line") if isinstance(item, dict) else None
        if not isinstance(album_id, str) or not isinstance(line, str):
            reasons.append("an albumLines entry lacks a text albumId or line")
        elif album_id in lines:
            reasons.append(f"album {album_id} has more than one line; give each album exactly one")
        else:
            lines[album_id] = line
    return lines, reasons


def validate_copy(profile_data: dict, bio, album_lines, *, sparse=False) -> list[str]:
    """Return the reasons this copy must not be published (empty list = valid).

    `sparse` (the offline writer) allows an empty or short bio and albums without a line: it
    says only what the data adds to the page, and nothing when there is nothing to add."""
    reasons = []
    if isinstance(album_lines, list):
        album_lines, reasons = lines_from_tool(album_lines)
    elif not isinstance(album_lines, dict):
        album_lines, reasons = {}, ["album lines are missing"]
    names = data_names(profile_data)
    if not (sparse and bio == ""):
        reasons += text_problems(bio, "bio", names, min_len=1 if sparse else BIO_MIN, max_len=BIO_MAX)
    albums = {a.get("id"): a for a in profile_data.get("albums") or []}
    for album_id, album in albums.items():
        if album_id not in album_lines and not sparse:
            reasons.append(f'album {album_id} ("{_short(album.get("name"))}") has no line; '
                           "write one line for every album id")
    for album_id, line in album_lines.items():
        if album_id not in albums:
            reasons.append(f"album id {album_id} is not one of the listed albums; leave it out")
            continue
        reasons += text_problems(line, f"line for album {album_id}", names,
                                 min_len=LINE_MIN, max_len=LINE_MAX)
    reasons += repeated_sentences(bio, {k: v for k, v in album_lines.items() if k in albums},
                                  names)
    return reasons


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")
REPEAT_WORDS, REPEAT_OVERLAP = 5, 0.85


def sentence_words(sentence: str) -> frozenset:
    """The folded words of a sentence: what `repeated_sentences` compares."""
    return frozenset(re.findall(r"\w+", lexicon.fold(sentence)))


def repeated_sentences(bio, album_lines: dict, names: list[str] = ()) -> list[str]:
    """Sentences said twice: the same sentence (or nearly: 85 % of the same words) twice in the
    bio, or in the bio and an album line; the same words in two album lines."""
    order = sorted({n for n in names if n.strip()}, key=len, reverse=True)

    def split(text: str) -> list[str]:   # each name becomes one word first: "Mr." in a name
        for i, name in enumerate(order):   # ends no sentence, and names still count as words
            text = re.sub(re.escape(name), f" name{i}x ", text, flags=re.I)
        return [s for s in _SENTENCE_SPLIT.split(text.strip()) if s]

    pieces = [("bio", s) for s in split(bio)] if isinstance(bio, str) else []
    for album_id, line in album_lines.items():
        if isinstance(line, str):
            pieces += [(f"line for album {album_id}", s) for s in split(line)]
    seen, reasons = [], []
    for where, sentence in pieces:
        words = sentence_words(sentence)
        if len(words) >= REPEAT_WORDS:
            for other_where, other in seen:
                shared = len(words & other)
                if where == other_where == "bio":    # a sentence said again, maybe inside another
                    repeat = shared / min(len(words), len(other)) >= REPEAT_OVERLAP
                elif "bio" in (where, other_where):  # a line may restate a fact of the bio
                    repeat = shared / len(words | other) >= REPEAT_OVERLAP
                else:                                 # lines about different albums may share
                    repeat = words == other           # a pattern, not every word
                if repeat:
                    place = where if where == other_where else f"{other_where} and {where}"
                    reasons.append(f'{place} repeat{"s" if where == other_where else ""} a '
                                   f'sentence ("{_short(sentence)}"); say each thing once')
                    break
            seen.append((where, words))
    return reasons


def _short(name, limit: int = 40) -> str:
    name = str(name or "")
    return name if len(name) <= limit else name[:limit - 1] + "…"
