"""Load generation: ApacheBench (`ab`) for throughput, a small http.client sampler for URL lists."""
import http.client
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

_NUMBERS = {
    "rps": r"Requests per second:\s+([\d.]+)",
    "complete": r"Complete requests:\s+(\d+)",
    "failed": r"Failed requests:\s+(\d+)",
    "non_2xx": r"Non-2xx responses:\s+(\d+)",
    "seconds": r"Time taken for tests:\s+([\d.]+)",
    "doc_bytes": r"Document Length:\s+(\d+)",
    "p50": r"\n\s+50%\s+(\d+)",
    "p99": r"\n\s+99%\s+(\d+)",
}


def ab(url, requests, concurrency=8, headers=(), keepalive=True):
    """One `ab` run (`-k` unless keepalive=False); the figures it printed (rps, p50/p99 ms,
    failures, non-2xx).

    With keep-alive, gunicorn's workers split ab's connections once, when they accept them: a run
    where one worker took most of them serves half as fast as one split evenly, whatever the
    app does. Without it every request is a new connection, taken by whichever worker is free."""
    exe = shutil.which("ab")
    if not exe:
        raise RuntimeError("ab not found: `scripts/bootstrap.sh --bench` installs apache2-utils")
    cmd = [exe, "-q", *(["-k"] if keepalive else []), "-n", str(requests), "-c", str(concurrency), "-s", "30"]
    for header in headers:
        cmd += ["-H", header]
    result = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"ab failed on {url}: {result.stderr.strip()[-500:]}")
    figures = {}
    for name, pattern in _NUMBERS.items():
        match = re.search(pattern, result.stdout)
        figures[name] = float(match.group(1)) if match else 0.0
    return figures


def ab_many(urls, requests_each, concurrency=8, headers=(), keepalive=True):
    """ab over several URLs one after the other (ab takes one URL per run), aggregated:
    total requests / total time, the worst p99 and the median of the p50s."""
    runs = [ab(url, requests_each, concurrency, headers, keepalive) for url in urls]
    seconds = sum(r["seconds"] for r in runs)
    complete = sum(r["complete"] for r in runs)
    p50s = sorted(r["p50"] for r in runs)
    return {"rps": complete / seconds if seconds else 0.0, "complete": complete,
            "failed": sum(r["failed"] for r in runs), "non_2xx": sum(r["non_2xx"] for r in runs),
            "p50": p50s[len(p50s) // 2], "p99": max(r["p99"] for r in runs), "seconds": seconds}


def sample(base_url, paths, threads=8, headers=None):
    """GET every path (split over `threads` keep-alive connections); status counts and time."""
    parts = urlsplit(base_url)
    statuses = Counter()
    latencies = []
    lock = threading.Lock()
    chunks = [paths[i::threads] for i in range(threads)]

    def worker(chunk):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        local, times = Counter(), []
        try:
            for path in chunk:
                started = time.perf_counter()
                conn.request("GET", path, headers=headers or {})
                answer = conn.getresponse()
                answer.read()
                times.append((time.perf_counter() - started) * 1000)
                local[answer.status] += 1
        finally:
            conn.close()
            with lock:
                statuses.update(local)
                latencies.extend(times)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks if c]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    return {"statuses": dict(statuses), "seconds": time.perf_counter() - started,
            "count": sum(statuses.values()),
            "p50_ms": latencies[len(latencies) // 2] if latencies else None,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None}
