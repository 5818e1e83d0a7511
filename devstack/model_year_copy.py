"""What the Bedrock stand-in answers to a year prompt (anchor/ai/year_prompt.py): two plain
sentences a model might write from the year's data, and the faulty answers the behaviours ask for.
"""
from anchor.ai.year_copy import quotable, year_names, year_problems

INVENTED = "Velvet Harbour Sessions by Mara Quell came right after."
FLATTERY = "It was an eclectic sonic journey curated with impeccable taste."
EXTRA = "The other months were quieter."
LINK = "Listen along at anchor-mix.com."


def _sentences(data: dict) -> list[str]:
    year, unit = data.get("year"), data.get("unit") or "minutes"
    artists = [a for a in data.get("artists") or [] if isinstance(a, dict) and quotable(a.get("name"))]
    said = []
    if artists and isinstance(artists[0].get(unit), int):
        ahead = f", ahead of {artists[1]['name']}" if len(artists) > 1 else ""
        said.append(f"{artists[0]['name']} led {year} with {artists[0][unit]:,} {unit}{ahead}.")
    found = [n for n in data.get("firstPlayedThisYear") or [] if quotable(n)]
    busiest = data.get("busiestMonth")
    if found and busiest:
        said.append(f"{found[0]} was first heard that year, and {busiest} was the busiest month.")
    elif busiest:
        said.append(f"{busiest} was the busiest month, with {data['months'][busiest]:,} {unit}.")
    return said or [f"The numbers of {year} are below."]


def write_year(behaviour: str, data: dict) -> str:
    """The `text` of the year tool's input for `behaviour` ("good" passes the product's checks)."""
    said = _sentences(data)
    names = year_names(data.get("listener"), None, data.get("artists") or [], data.get("albums") or [])
    good = " ".join(said)
    if year_problems(good, names):
        good = said[0]
    if behaviour == "invented_album":
        return f"{said[0]} {INVENTED}"
    if behaviour == "cliche":
        return f"{said[0]} {FLATTERY}"
    if behaviour == "too_long":                 # for a year, too long is a third sentence
        return " ".join([*said, EXTRA, EXTRA][:3])
    if behaviour == "markup":
        return "<img src=x onerror=alert(1)>" + good
    if behaviour == "url":
        return f"{said[0]} {LINK}"
    return good
