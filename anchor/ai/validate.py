"""Pure checks for profile copy: every AI or offline answer passes through `validate_copy`.

Each check returns short human sentences (shown to the owner, and sent back to the model on
the retry). An empty list means the copy may be published.
"""
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from anchor.rules import BIO_MAX, BIO_MIN, LINE_MAX

_URL = re.compile(r"[a-z][a-z0-9+.\-]*://|\bwww\.|\b\w+\.(?:com|net|org|io|fm|band)\b", re.I)
_MARKUP = re.compile(
    r"<[^\W\d_]|<[/!?]|&(?:[a-z][a-z0-9]*|#[0-9]+|#x[0-9a-f]+);|javascript\s*:", re.I)
_PICTO = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF\u3030\u303D"
_EMOJI_RUN = re.compile(f"[{_PICTO}]\\s*[{_PICTO}]")
_EMOJI_JOINERS = re.compile(f"[\U0001F3FB-\U0001F3FF\uFE0F]|\u200D[{_PICTO}]")
_FLAG_PAIR = re.compile("[\U0001F1E6-\U0001F1FF]{2}")
_BIDI = set("\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069")
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_RUN_GAP = re.compile(r"[ \t\-]+")
_SENTENCE_END = ".!?:;…"
_OPENERS = "\"'“‘«([—–- "

# Capitalised words that are never names on their own: determiners, months, days, decades,
# abbreviations and nationalities that ordinary copy about music uses.
ALWAYS_OK = frozenset("""
the a an this that these those their her his its our my your i it he she they we
across and or of in on at by for from with to as but
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
fifties sixties seventies eighties nineties noughties twenties thirties forties
lp lps ep eps dj djs uk us usa tv spotify anchor
english american british african nigerian ghanaian brazilian jamaican cuban french german
japanese korean chinese indian latin spanish portuguese italian irish scottish canadian
mexican arabic malian senegalese ethiopian turkish greek russian swedish
""".split())

# Ordinary words allowed capitalised at the start of a sentence.
COMMON_START = frozenset("""
about above after again against all almost along also although always among another any
anyone anything around back because before behind below beneath beside besides between
beyond both but by closing close despite down during each early earlier either else
elsewhere even every everything few first five for four from further half halfway here
how however if in inside instead into just last late later least less like little many
meanwhile more most mostly much near nearly neither never next nine no none nor not nothing
now of off often on once one only or other others otherwise out over overall past perhaps
plenty quite rather right round second seven several she since six so some something
sometimes soon still such ten than then there thereafter these they third this those though
three through throughout thus together too top toward towards twelve two under unlike until
up upon very what whatever when where whereas whether which while who whose why with within
without yet
album albums artist artists band bands record records song songs track tracks list lists
music side sides set sets sound sounds decade decades year years rank ranks count counts
count oldest newest earliest latest longest shortest biggest single singles debut
heavy heavier heavily big small long short old older new newer recent live solo
release releases released each every one no
""".split())

_COMMON_SUFFIX = re.compile(r"(?:ly|ing|ed|ward|wards)$")


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


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.split()).casefold()


def data_names(profile_data: dict) -> list[str]:
    """Every name the copy may mention: display name, handle, artists, albums, album artists."""
    names = [profile_data.get("displayName"), profile_data.get("handle")]
    names += [a.get("name") for a in profile_data.get("artists") or []]
    for album in profile_data.get("albums") or []:
        names.append(album.get("name"))
        names += list(album.get("artists") or [])
    return [n for n in names if isinstance(n, str) and n.strip()]


def _mask(text: str, names: list[str]) -> str:
    """Blank out data names so a name like "Panic! at the Disco" is not read as our wording."""
    for name in sorted((n for n in names if len(n) >= 3), key=len, reverse=True):
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
    if "!" in own or "！" in own:
        reasons.append(f"{label} uses an exclamation mark; keep the tone plain")
    bare = _FLAG_PAIR.sub("\u2B50", _EMOJI_JOINERS.sub("", own))
    if _EMOJI_RUN.search(bare):
        reasons.append(f"{label} has a run of emoji; leave emoji out")
    return reasons


def invented_names(text: str, names: list[str]) -> list[str]:
    """Return capitalised word groups in `text` that do not come from the data.

    Heuristic, tuned for few false positives:
    - a run is a sequence of capitalised words joined only by spaces or hyphens (quotes,
      commas and full stops end a run), possessive 's is ignored;
    - within a run, the longest stretches that are case-insensitive substrings of some data
      name (artist, album, album artist, display name, handle) are accepted;
    - leftover words from ALWAYS_OK (The, Their, Across, months, decades, LP, ...) are dropped;
    - two or more leftover words in a row are an invented name ("Velvet Harbour");
    - one leftover word is an invented name unless it starts a sentence and is an ordinary
      word (in COMMON_START, ending in -ly/-ing/-ed, or also used in lower case in the text).
    Words in scripts without case (Japanese, Chinese, Arabic, ...) are never flagged.
    """
    haystack = "\n".join(_norm(n) for n in names)
    lower_words = {w for w in _WORD.findall(text) if w[:1].islower()}
    words = [(m.start(), m.end(), re.sub(r"['’]s$", "", m.group())) for m in _WORD.finditer(text)]
    runs, current = [], []
    for start, end, word in words:
        if not (word[:1].isupper() or unicodedata.category(word[:1]) == "Lt"):
            current = []
            continue
        if current and not _RUN_GAP.fullmatch(text[current[-1][1]:start]):
            current = []
        if not current:
            runs.append(current)
        current.append((start, end, word))
    found = []
    for run in runs:
        before = text[:run[0][0]].rstrip(_OPENERS)
        sentence_start = not before or before[-1] in _SENTENCE_END
        unknown, i = [], 0
        while i < len(run):
            for j in range(len(run) - 1, i - 1, -1):
                if _norm(text[run[i][0]:run[j][0]] + run[j][2]) in haystack:
                    unknown.append(None)
                    i = j + 1
                    break
            else:
                unknown.append((i, run[i][2]))
                i += 1
        groups, group = [], []
        for item in unknown + [None]:
            if item is None:
                if group:
                    groups.append(group)
                group = []
            elif item[1].casefold() not in ALWAYS_OK:
                group.append(item)
        for group in groups:
            if len(group) == 1:
                index, word = group[0]
                common = (word.casefold() in COMMON_START or _COMMON_SUFFIX.search(word)
                          or word.lower() in lower_words)
                if index == 0 and sentence_start and common:
                    continue
            found.append(" ".join(word for _, word in group))
    return list(dict.fromkeys(found))


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


def validate_copy(profile_data: dict, bio, album_lines) -> list[str]:
    """Return the reasons this copy must not be published (empty list = valid)."""
    reasons = []
    if isinstance(album_lines, list):
        album_lines, reasons = lines_from_tool(album_lines)
    elif not isinstance(album_lines, dict):
        album_lines, reasons = {}, ["album lines are missing"]
    names = data_names(profile_data)
    reasons += text_problems(bio, "bio", names, min_len=BIO_MIN, max_len=BIO_MAX)
    albums = {a.get("id"): a for a in profile_data.get("albums") or []}
    for album_id, album in albums.items():
        if album_id not in album_lines:
            reasons.append(f'album {album_id} ("{_short(album.get("name"))}") has no line; '
                           "write one line for every album id")
    for album_id, line in album_lines.items():
        if album_id not in albums:
            reasons.append(f"album id {album_id} is not one of the listed albums; leave it out")
            continue
        reasons += text_problems(line, f"line for album {album_id}", names, max_len=LINE_MAX)
    return reasons


def _short(name, limit: int = 40) -> str:
    name = str(name or "")
    return name if len(name) <= limit else name[:limit - 1] + "…"
