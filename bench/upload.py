"""`python -m bench.upload 100`: import a generated extended-history export of about N MB and print
wall time, rows/s, peak RSS growth (the ranges and the per-year aggregates together) and the ijson
backend. `make bench` runs it for 100 MB (bench/run.py, section 7).

The export is generated first (in this process); the import runs in a fresh child process so that
its peak RSS (VmHWM) is its own: growth = peak during the import - RSS just before it.
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS_100MB = 20.0
GOAL_GROWTH_MB_100MB = 50.0

CHILD = r"""
import json, sys, time
from anchor.sources import upload

def kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])

calls = []
before = kb("VmRSS")
t0 = time.perf_counter()
result = upload.import_export(sys.argv[1], progress=lambda *a: calls.append(a))
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rss_before_kb": before, "peak_kb": kb("VmHWM"), "summary": result["summary"],
                  "backend": upload.BACKEND_NAME, "progress_calls": len(calls),
                  "top": [a["name"] for a in result["ranges"]["all_time"]["artists"][:3]],
                  "years": sorted(result["years"]), "timezone": result["timezone"]["zone"]}))
"""


def run(size_mb: float, *, seed: int = 0) -> dict:
    from devstack.spotify_export import write_export
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="anchor-upload-bench-") as tmp:
        path = Path(tmp) / "my_spotify_data.zip"
        t0 = time.perf_counter()
        write_export(path, kind="extended", size_mb=size_mb, years=max(2, size_mb / 10), seed=seed)
        made = time.perf_counter() - t0
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=root, check=True,
                             capture_output=True, text=True)
        figures = json.loads(out.stdout)
        figures["zip_mb"] = path.stat().st_size / 1e6
    summary = figures["summary"]
    rows = summary["rows"]
    growth_mb = (figures["peak_kb"] - figures["rss_before_kb"]) / 1024
    figures.update(size_mb=size_mb, rows=rows, rows_per_s=rows / figures["wall"], rss_growth_mb=growth_mb)
    goal_s = GOAL_SECONDS_100MB * size_mb / 100
    goal_mb = GOAL_GROWTH_MB_100MB
    print(f"generated {size_mb:g} MB export in {made:.1f} s ({figures['zip_mb']:.1f} MB zipped, "
          f"{summary['files']} history files, {summary['from']} .. {summary['to']})")
    print(f"backend           {figures['backend']}")
    print(f"wall time         {figures['wall']:.2f} s   (goal <= {goal_s:.1f} s: "
          f"{'PASS' if figures['wall'] <= goal_s else 'MISS'})")
    print(f"rows              {rows}  ({summary['plays']} counted, {summary['skipped_short']} short, "
          f"{summary['podcasts']} podcasts, {summary['unattributed']} without metadata)")
    print(f"rows/s            {figures['rows_per_s']:,.0f}   ({size_mb / figures['wall']:.1f} MB/s)")
    print(f"peak RSS growth   {growth_mb:.1f} MB   (goal <= {goal_mb:.0f} MB: "
          f"{'PASS' if growth_mb <= goal_mb else 'MISS'})")
    print(f"progress calls    {figures['progress_calls']}")
    years = figures["years"]
    print(f"years kept        {len(years)} ({years[0]} .. {years[-1]}), zone {figures['timezone']}" if years else
          "years kept        none")
    return figures


if __name__ == "__main__":
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 100)
