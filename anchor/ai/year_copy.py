"""Copy for a year page: at most two sentences about that year, checked like the bio.

The offline writer says only facts from the year's numbers, in this order, and at most two:
the top artist's share of the year's minutes (uploads only: ListenBrainz years carry no
durations), the artists in the year's top list first played that year, and the busiest month.
With none of these it says nothing. Every sentence passes `year_problems`, which applies the
bio's checks (anchor/ai/validate.py: names only from the year's data, no markup, no URLs, no
stock phrases or flattery) plus the two-sentence limit.
"""
import re

from .offline import share_words
from .validate import safety_problems, style_problems, text_problems

YEAR_COPY_MAX = 300          # two sentences under the totals of a phone's page
NAME_MAX = 60                # a longer name would crowd out the fact
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_SENTENCES = re.compile(r"[^.!?…]+[.!?…]+")


def year_names(display_name, handle, artists, albums):
    """Every name a year's copy may mention: the listener and the year's artists and albums."""
    names = [display_name, handle] + [a.get("name") for a in artists]
    for album in albums:
        names += [album.get("name"), *(album.get("artists") or [])]
    return [n for n in names if isinstance(n, str) and n.strip()]


def year_problems(text, names):
    """The reasons `text` may not be shown as a year's copy (empty list: it may)."""
    reasons = text_problems(text, "year copy", names, max_len=YEAR_COPY_MAX)
    if isinstance(text, str) and len(_SENTENCES.findall(text)) > 2:
        reasons.append("year copy has more than two sentences; write two at most")
    return reasons


def quotable(name):
    """True for a name the offline writer may quote: short, and passing the copy's own checks."""
    return (isinstance(name, str) and 0 < len(name) <= NAME_MAX and not safety_problems(name, "name")
            and not style_problems(name, "name", []))


def _share(year, data, artists):
    minutes, top = data.get("minutes"), artists[0].get("minutes") if artists else None
    if (data.get("unit") == "listens" or not isinstance(minutes, int) or not isinstance(top, int)
            or minutes <= 0 or not quotable(artists[0].get("name"))):
        return None
    if top * 20 < minutes:       # under a twentieth: "one of every ten" would overstate it
        return None
    words = share_words(top, minutes)
    words = {"half": "half the", "nearly all": "nearly all the"}.get(words, words)
    return f"{artists[0]['name']} filled {words} minutes of {year}."


def _discovered(year, artists):
    found = [a.get("name") for a in artists if str(a.get("firstPlayed") or "")[:4] == year]
    named = next((name for name in found if quotable(name)), None)
    if not found or (named is None and len(found) == 1):
        return None
    if len(found) == 1:
        return f"{named} was first played in {year} and made that year's top artists."
    among = f", {named} the most played of them" if named else ""
    return f"{len(found)} of {year}'s top artists were first played that year{among}."


def _busiest(year, data):
    months = [m if isinstance(m, int) and not isinstance(m, bool) and m > 0 else 0
              for m in list(data.get("months") or [])[:12]]
    if not months or max(months) == 0:
        return None
    unit = "listens" if data.get("unit") == "listens" else "minutes"
    top = max(months)
    return f"{MONTHS[months.index(top)]} was the busiest month of {year}, with {top:,} {unit}."


def offline_year_copy(year, data, artists, names):
    """At most two checked FACT sentences about `year` from its numbers, or "" (nothing to say).

    `artists` are the year's artists the page shows (hidden ones left out by the caller)."""
    said = []
    for sentence in (_share(year, data, artists), _discovered(year, artists), _busiest(year, data)):
        if sentence and not year_problems(sentence, names) and len(said) < 2:
            said.append(sentence)
    text = " ".join(said)
    return text if text and not year_problems(text, names) else (said[0] if said else "")
