"""`make bench` section 8: queue mode on this machine, and section 9: the simulation at 1M profiles.

Queue mode as on the worker tier: the hourly pass sends the due handles to the SQS stand-in, a
local daemon per worker process POSTs them to that process's /worker/refresh, and the processes
share one Spotify token bucket in DynamoDB Local. The sandbox answers every Web API call after
100 ms and allows R requests per rolling 30 s.

`python -m bench.queue_bench` runs these sections alone (with their own stack); the subcommands
`serve` and `pass` are the processes it starts.
"""
import json
import os
import signal
import sys
import threading
import time
from collections import Counter

from bench.tasks import emit

PROFILES = int(os.environ.get("ANCHOR_BENCH_QUEUE_PROFILES", "2000"))   # due in the allowance run
ALLOWED = 1200                 # sandbox limit: requests per rolling 30 s
WINDOW = 30
LATENCY = 0.1
CONNECTIONS = 6                # daemon connections per worker process in the allowance run
SCALING_PROFILES = 100         # due profiles in each run of the scaling pair (budget not the limit)
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


# -- the processes ---------------------------------------------------------------------------------
def serve(port):
    """A worker-role app on 127.0.0.1:PORT until SIGTERM; prints its DynamoDB writes."""
    import botocore.client
    from werkzeug.serving import make_server

    from bench.tasks import _app

    counts, lock = Counter(), threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if operation in WRITES:
            key = (params.get("Key") or params.get("Item") or {}).get("pk", {}).get("S", "")
            with lock:
                counts["bucket" if key.startswith("BUCKET#") else "refresh"] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting
    app = _app()
    server = make_server("127.0.0.1", int(port), app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("READY", flush=True)
    # The app logs a line per refresh on stdout, a pipe nobody reads until the end: a full pipe
    # would block every thread. The log goes to stderr (the bench's log file) instead.
    answer, sys.stdout = sys.stdout, sys.stderr
    server.serve_forever()
    sys.stdout = answer
    emit({"writes": dict(counts)})


def one_pass():
    """The hourly pass in queue mode (sized); prints its summary."""
    from anchor.refresh.scheduler import refresh_due
    from bench.tasks import _app

    app = _app()
    with app.app_context():
        emit({"summary": refresh_due()})


def check(since):
    """Profiles still due, and profiles refreshed since `since` (epoch seconds)."""
    from datetime import datetime, timezone

    from anchor import clock
    from anchor.models import ProfileModel
    from anchor.profiles import index
    from bench.tasks import _app

    app = _app()
    moment = datetime.fromtimestamp(float(since), timezone.utc)
    with app.app_context():
        refreshed = sum(1 for p in ProfileModel.scan(ProfileModel.pk.startswith("USER#"))
                        if p.lastRefreshAt is not None and p.lastRefreshAt >= moment)
        emit({"due": index.count_due(clock.now()), "refreshed": refreshed})


# -- the orchestration -----------------------------------------------------------------------------
class Workers:
    """N worker processes, each with its own local daemon (as on N worker instances)."""

    def __init__(self, stack, env, sqs, queue_url, count, connections):
        import subprocess
        from devstack.ports import free_port
        from devstack.sqsd import Daemon

        self.procs, self.daemons = [], []
        for _ in range(count):
            port = free_port()
            proc = subprocess.Popen([sys.executable, "-m", "bench.queue_bench", "serve", str(port)],
                                    env=env, stdout=subprocess.PIPE, stderr=stack._log("queue-worker"),
                                    text=True)
            assert proc.stdout.readline().strip() == "READY", "worker process did not start"
            self.procs.append(proc)
            self.daemons.append(Daemon(sqs.endpoint, queue_url, f"http://127.0.0.1:{port}/worker/refresh",
                                       connections=connections, error_visibility=2, wait=0))

    def drain(self, sqs, queue_url):
        """Start the daemons, wait until the queue is empty; the seconds it took."""
        from devstack.sqs import depth

        started = time.perf_counter()
        for daemon in self.daemons:
            daemon.start()
        while depth(sqs.endpoint, queue_url) > 0:
            time.sleep(0.2)
        return time.perf_counter() - started

    def stop(self):
        for daemon in self.daemons:
            daemon.stop()
        writes = Counter()
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
            for line in out.splitlines():
                if line.startswith("BENCH "):
                    writes.update(json.loads(line[6:])["writes"])
        return writes, sum((d.stats for d in self.daemons), Counter())


def _pass(stack, env):
    import subprocess
    result = subprocess.run([sys.executable, "-m", "bench.queue_bench", "pass"], env=env,
                            capture_output=True, text=True, timeout=300)
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"queue pass failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][6:])["summary"]


def _stats_task(stack, env, since):
    import subprocess
    result = subprocess.run([sys.executable, "-m", "bench.queue_bench", "check", str(since)], env=env,
                            capture_output=True, text=True, timeout=300)
    return json.loads([line for line in result.stdout.splitlines() if line.startswith("BENCH ")][-1][6:])


def run(stack, table, results, progress):
    """Sections 8 (queue mode on this machine) and 9 (the simulation)."""
    from devstack.sqs import SqsStandin

    sqs = SqsStandin().start()
    try:
        _queue_sections(stack, table, results, progress, sqs)
    finally:
        sqs.stop()
        stack.sandbox_control("set_latency", seconds=0)
        stack.sandbox_control("set_rate_limit", requests=None)
    _simulation(table, results, progress)


def _queue_sections(stack, table, results, progress, sqs):
    allowed_rps = ALLOWED / WINDOW
    plain = stack.base_env(prefix="bench-queue-")
    stack.flask("migrate", env=plain)
    progress(f"queue mode: seeding {PROFILES} profiles (bench-queue- tables)")
    stack.task("fill", 1, PROFILES, env=plain, timeout=1800)
    env = dict(plain, ANCHOR_ROLE="worker", ANCHOR_REFRESH_MODE="queue", AWS_ENDPOINT_URL_SQS=sqs.endpoint,
               ANCHOR_REFRESH_LISTENBRAINZ_WINDOW_REQUESTS="100000", ANCHOR_REFRESH_LASTFM_RATE="100000")

    # 8a. the allowance: 2,000 due, R per 30 s, 100 ms answers, 2 workers ------------------------
    url, dead = sqs.create_queues(name="bench-allowance", max_receives=5)
    run_env = dict(env, ANCHOR_REFRESH_QUEUE_URL=url, ANCHOR_REFRESH_SPOTIFY_WINDOW_REQUESTS=str(ALLOWED),
                   ANCHOR_REFRESH_SPOTIFY_RATE=str(allowed_rps))
    stack.task("prepare_refresh", PROFILES, 0, 0, env=run_env)
    stack.sandbox_control("set_rate_limit", requests=None)
    stack.sandbox_control("set_latency", seconds=LATENCY)
    stack.sandbox_control("reset_stats")
    stack.sandbox_control("set_rate_limit", requests=ALLOWED, window_seconds=WINDOW)
    since = time.time() - 1
    summary = _pass(stack, run_env)
    progress(f"  pass queued {summary.get('queued')} (sizing {summary.get('sizing')}); "
             f"2 workers × {CONNECTIONS} connections draining")
    workers = Workers(stack, run_env, sqs, url, 2, CONNECTIONS)
    seconds = workers.drain(sqs, url)
    writes, daemon_stats = workers.stop()
    stats = stack.sandbox_stats()
    stack.sandbox_control("set_rate_limit", requests=None)
    arrivals = sorted(stats["arrivals"])
    api = sum(n for p, n in stats["paths"].items() if p.startswith("/v1/"))
    achieved = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    checked = _stats_task(stack, run_env, since)
    once = stats["paths"]["/v1/me/top/artists"] == 3 * PROFILES and checked["refreshed"] == PROFILES
    per_profile = {k: v / max(1, checked["refreshed"]) for k, v in writes.items()}
    results["queue_allowance"] = {"summary": summary, "seconds": seconds, "sandbox": {
        k: stats[k] for k in ("requests", "paths", "status_429")}, "api_rps": achieved,
        "allowed_rps": allowed_rps, "check": checked, "writes": dict(writes),
        "writes_per_profile": per_profile, "daemon": dict(daemon_stats)}
    label = "8 queue mode"
    table.add(label, f"{PROFILES} due → queued / refreshed / still due",
              f"{summary.get('queued')} / {checked['refreshed']} / {checked['due']}", "all, once",
              once and checked["due"] == 0 and summary.get("queued") == PROFILES)
    table.add(label, f"Spotify req/s vs allowed {allowed_rps:.1f}/s (2 workers, 100 ms answers)",
              f"{achieved:.1f}/s ({achieved / allowed_rps:.0%}); {api} calls in {seconds:.0f}s",
              "90–100 %", 0.9 <= achieved / allowed_rps <= 1.0)
    table.add(label, "429s received", str(stats["status_429"]), "0", stats["status_429"] == 0)
    table.add(label, "DynamoDB writes per refreshed profile (refresh + bucket)",
              f"{per_profile.get('refresh', 0):.2f} + {per_profile.get('bucket', 0):.2f}", "report")

    # 8b. scaling: budget not the limit, one connection per worker ---------------------------------
    scaling = {}
    for count in (1, 2):
        url, _dead = sqs.create_queues(name=f"bench-scaling-{count}", max_receives=5)
        scale_env = dict(env, ANCHOR_REFRESH_QUEUE_URL=url, ANCHOR_REFRESH_SPOTIFY_WINDOW_REQUESTS="100000",
                         ANCHOR_REFRESH_SPOTIFY_RATE="10000")
        stack.task("prepare_refresh", SCALING_PROFILES, 0, 0, env=scale_env)
        queued = _pass(stack, scale_env).get("queued")
        workers = Workers(stack, scale_env, sqs, url, count, 1)
        seconds = workers.drain(sqs, url)
        workers.stop()
        scaling[count] = {"queued": queued, "seconds": seconds, "per_second": queued / seconds}
        progress(f"  {count} worker(s), 1 connection each: {queued} profiles in {seconds:.1f}s")
    ratio = scaling[2]["per_second"] / scaling[1]["per_second"]
    results["queue_scaling"] = {"runs": scaling, "ratio": ratio}
    table.add(label, f"profiles/s, 1 worker → 2 workers ({SCALING_PROFILES} due, 1 connection each)",
              f"{scaling[1]['per_second']:.2f} → {scaling[2]['per_second']:.2f} ({ratio:.2f}×)", "≥ 1.7×",
              ratio >= 1.7)


def _simulation(table, results, progress):
    from bench import simulate

    progress("simulation: 1,000,000 profiles")
    assumptions, rows = simulate.simulate()
    print(simulate.table(rows), flush=True)
    results["simulation"] = [dict(r, rule=rule) for rule, r in rows]
    needed = next((r["instances"] for rule, r in rows if rule == "tightest" and r["holds"]), None)
    table.add("9 simulation", "worker instances for the weekly cadence at 1M (cap as built)",
              str(needed), "report")
    best = next(r for rule, r in rows if rule == "tightest" and r["instances"] == needed) if needed else None
    if best:
        table.add("9 simulation", "at that size: USD/h, AI gens/h, DynamoDB writes/h",
                  f"{best['cost']:.2f}, {best['ai']:,.0f}, {best['writes']:,.0f}", "report")


def main():
    from bench.run import Table, progress
    from bench.stack import Stack

    table, results = Table(), {}
    stack = Stack(generated=PROFILES)
    try:
        progress("starting DynamoDB Local, the sandbox and the stand-ins")
        stack.start()
        run(stack, table, results, progress)
    finally:
        stack.close()
    print()
    print(table.render())
    out = __import__("pathlib").Path(__file__).with_name("results-queue.json")
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"figures in {out}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "all"
    if command == "serve":
        serve(sys.argv[2])
    elif command == "pass":
        one_pass()
    elif command == "check":
        check(sys.argv[2])
    else:
        main()
