"""A plausible multi-year `data["years"]` in the import's contract shape, made from a seed.

Stands in for the upload importer's year aggregates until that lands (the contract: the brief of
the year pages); the numbers are internally consistent (minutes = sum of months) so a test can
check the page's charts against them.
"""
import random

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _item(rng, kind, index, year, first_year):
    name = f"{kind.title()} {index} {rng.choice(['Echo', 'Drift', 'Kite', 'Moss', 'Lumen'])}"
    item = {"id": f"{kind}-{index}", "name": name, "url": f"https://open.spotify.com/{kind}/{index}",
            "image": f"https://i.scdn.co/image/{kind}{index:04d}" if kind == "album" else None,
            "firstPlayed": f"{rng.randint(first_year, year)}-{rng.randint(1, 12):02d}-01"}
    if kind == "album":
        item["artists"] = [f"Artist {index % 7} Echo"]
    return item


def make_year(rng, year, first_year, artists=50, albums=50, months=None, clock=None):
    """One year's aggregates."""
    months = months if months is not None else [rng.randint(0, 3000) for _ in range(12)]
    clock = clock if clock is not None else [[rng.randint(0, 20) for _ in range(24)] for _ in range(7)]
    minutes = sum(months)
    plays = max(sum(map(sum, clock)), 1)
    active = [i for i, m in enumerate(months) if m]
    first = f"{year}-{(active[0] + 1 if active else 1):02d}-01"
    last = f"{year}-{(active[-1] + 1 if active else 1):02d}-28"

    def ranked(kind, count):
        items = [_item(rng, kind, i, year, first_year) for i in range(count)]
        for rank, item in enumerate(items, start=1):
            item.update(rank=rank, plays=max(plays // (rank + 1), 1), minutes=max(minutes // (rank + 2), 1))
        return items
    return {"plays": plays, "minutes": minutes, "days": min(365, len(active) * 20), "first": first,
            "last": last, "artists": ranked("artist", artists), "albums": ranked("album", albums),
            "months": months, "clock": clock}


def make_years(seed=1, years=(2019, 2020, 2021)):
    """{"2019": {...}, ...}: one year's aggregates per year, from `seed`."""
    rng = random.Random(seed)
    return {str(year): make_year(rng, year, years[0]) for year in years}


BERLIN = {"zone": "Europe/Berlin", "from": "country"}


def make_listens_year(rng, year, first_year):
    """A ListenBrainz year: listen counts, no durations (minutes, days, first and last are None)."""
    data = make_year(rng, year, first_year)
    data["months"] = [rng.randint(0, 400) for _ in range(12)]
    data.update(unit="listens", plays=sum(data["months"]), minutes=None, days=None, first=None, last=None)
    for item in data["artists"] + data["albums"]:
        item["minutes"] = None
    return data


def make_listens_years(seed=1, years=(2019, 2020, 2021)):
    """{"2019": {...}, ...} as a ListenBrainz refresh returns them."""
    rng = random.Random(seed)
    return {str(year): make_listens_year(rng, year, years[0]) for year in years}
