"""Bench steps that run app code, each in its own process with the environment run.py gives it.

`python -m bench.tasks NAME [ARGS]` prints progress on stderr and its result as one line
`BENCH {json}` on stdout (Stack.task reads it).
"""
import json
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests


def emit(result):
    print("BENCH " + json.dumps(result), flush=True)


def say(message):
    print(f"    {message}", file=sys.stderr, flush=True)


def spread(values):
    """min / median / max of a list of numbers."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def _app():
    from anchor import create_app
    app = create_app()
    app.config["QUIET_REQUEST_LOG"] = True      # the bench's own processes log nothing per request
    return app


# -- seeding the profiles that seed-demo did not -------------------------------------------------
def fill(first, last, workers=4):
    """Create and publish listener-FIRST..LAST with the same items seed-demo writes.

    `flask seed-demo` is the product path (OAuth tokens, claim transaction, first fetch, copy,
    publish) but costs ~0.4 s of CPU per profile here; the bench seeds part of the 1,000 with it
    and writes the rest straight through the models: tokens issued by the sandbox and sealed by
    the vault, the listener's real data fetched from the sandbox, the offline copy, published.
    """
    from anchor import clock
    from anchor.ai.writers import write_copy
    from anchor.models import AccountModel, ProfileModel, TokenModel
    from anchor.profiles import index, service, tokens
    from anchor.sources.spotify import TokenSet

    app = _app()
    started = time.perf_counter()
    sandbox = app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
    session = requests.Session()
    lock = threading.Lock()

    def one(number):
        listener = f"listener-{number:05d}"
        with app.app_context():
            with lock:
                answer = session.post(f"{sandbox}/_control/issue_tokens", json={"listener_id": listener},
                                      timeout=10)
            answer.raise_for_status()
            token = answer.json()
            client = tokens.spotify_client()
            try:
                me = client.me(token["access_token"])
                data = client.fetch_profile_data(token["access_token"])
            finally:
                client.close()
            now = clock.now()
            token_set = TokenSet(token["access_token"], token["refresh_token"],
                                 int(now.timestamp()) + int(token["expires_in"]), token["scope"])
            vault = app.extensions["anchor.vault"]
            blob = vault.seal(me["id"], {"access_token": token_set.access_token,
                                         "refresh_token": token_set.refresh_token,
                                         "expires_at": token_set.expires_at, "scope": token_set.scope})
            profile = ProfileModel(
                f"USER#{listener}", handle=listener, ownerId=me["id"], displayName=me["display_name"],
                isPublic=True, spotify=data, autoRefreshEnabled=True, **index.connected_fields(True),
                createdAt=now, updatedAt=now, publishedAt=now, lastRefreshAt=now,
                lastRefreshStatus="refreshed", nextRefreshAt=now + timedelta(days=7), version=4)
            profile.dataHash = service.current_hash(profile)
            copy = write_copy(service.visible(profile), None, provider="offline")
            profile.bio, profile.albumLines, profile.copyHash = copy.bio, copy.album_lines, profile.dataHash
            profile.copyMeta = {"provider": copy.provider, "modelId": copy.model_id,
                                "createdAt": copy.created_at, "usage": copy.usage}
            index.apply_index(profile)
            account = AccountModel(f"ACCOUNT#{me['id']}", handle=listener,
                                   spotifyDisplayName=me["display_name"], createdAt=now)
            token_item = TokenModel(f"ACCOUNT#{me['id']}", blob=blob, keyId=vault.key_id,
                                    scopes=token_set.scope, expiresAt=token_set.expires_at, updatedAt=now)
            return profile, account, token_item

    with ThreadPoolExecutor(max_workers=workers) as pool:
        built = list(pool.map(one, range(first, last + 1)))
    with app.app_context():
        from anchor.models import AccountModel, ProfileModel, TokenModel
        with ProfileModel.batch_write() as batch:
            for profile, account, _ in built:
                batch.save(profile)
                batch.save(account)
        with TokenModel.batch_write() as batch:
            for _, _, token_item in built:
                batch.save(token_item)
    emit({"written": len(built), "seconds": time.perf_counter() - started})


# -- in-process: the page vs a bare GetItem ------------------------------------------------------
def inprocess(count, iterations, reps, profile_out=""):
    """GET /<handle> through the WSGI app, as gunicorn calls it, vs a bare GetItem of the item it
    reads (the visitor's item, PAGE#<handle>), same handles. The request environs are built beforehand: Flask's test client spends
    about 0.4 ms a request on its own cookie jar, environ builder and response wrapper, which
    is no part of serving a page (sizes are still read through it)."""
    import io

    from werkzeug.test import EnvironBuilder

    from anchor.models import SentinelModel
    from anchor.models.pages import PageModel, page_key
    from anchor.web import stored_page
    from anchor.web.site import SENTINEL_KEY

    app = _app()
    handles = [f"listener-{n:05d}" for n in range(1, count + 1)]
    rng = random.Random(9)
    client = app.test_client()
    gzip_header = {"Accept-Encoding": "gzip"}
    sizes, wire = [], []
    for handle in rng.sample(handles, 100):
        answer = client.get(f"/{handle}", headers=gzip_header)
        if answer.status_code != 200:
            raise SystemExit(f"GET /{handle} answered {answer.status_code}")
        wire.append(len(answer.data))
        html = answer.data
        if answer.headers.get("Content-Encoding") == "gzip":
            import gzip
            html = gzip.decompress(html)
        sizes.append(len(html))

    environs = {handle: EnvironBuilder(path=f"/{handle}", headers=gzip_header).get_environ()
                for handle in handles}
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def pages(sample):
        started = time.perf_counter()
        for handle in sample:
            environ = dict(environs[handle])
            environ["wsgi.input"] = io.BytesIO()
            b"".join(app(environ, start_response))
        return (time.perf_counter() - started) / len(sample)

    def reads(sample):
        """A bare GetItem of the item the view reads: the visitor's item (issue 32)."""
        started = time.perf_counter()
        for handle in sample:
            PageModel.get(page_key(handle), consistent_read=False)
        return (time.perf_counter() - started) / len(sample)

    def view_reads(sample):
        """The visitor view's own read, through stored_page."""
        started = time.perf_counter()
        for handle in sample:
            stored_page.get_stored(handle)
        return (time.perf_counter() - started) / len(sample)

    def sentinel_reads(sample):
        """What /healthz reads: the small sentinel item."""
        started = time.perf_counter()
        for _ in sample:
            SentinelModel.get(SENTINEL_KEY)
        return (time.perf_counter() - started) / len(sample)

    with app.app_context():
        pages(handles)          # every page stored in this render version (a deploy's first views)
        reads(handles[:50])     # warm both paths
        page_times, read_times, ratios, view_times, sentinel_times = [], [], [], [], []
        for _ in range(reps):
            sample = [rng.choice(handles) for _ in range(iterations)]
            read = reads(sample)
            page = pages(sample)
            page_times.append(page * 1000)
            read_times.append(read * 1000)
            ratios.append(page / read)
            view_times.append(view_reads(sample) * 1000)
            sentinel_times.append(sentinel_reads(sample) * 1000)
        if profile_out:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.enable()
            pages([rng.choice(handles) for _ in range(300)])
            profiler.disable()
            with open(profile_out, "w") as out:
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
    if any(not status.startswith("200") for status in statuses):
        raise SystemExit(f"page views answered {sorted(set(statuses))}")
    emit({"page_ms": spread(page_times), "getitem_ms": spread(read_times), "ratio": spread(ratios),
          "view_read_ms": spread(view_times), "sentinel_ms": spread(sentinel_times),
          "html_bytes": spread(sizes), "wire_bytes": spread(wire)})


def heap(count, views):
    """What a web process holds after VIEWS page views: tracemalloc's top allocation sites."""
    import tracemalloc
    tracemalloc.start(1)
    app = _app()
    client = app.test_client()
    rng = random.Random(5)
    handles = [f"listener-{n:05d}" for n in range(1, count + 1)]
    for _ in range(views):
        client.get(f"/{rng.choice(handles)}", headers={"Accept-Encoding": "gzip"})
    snapshot = tracemalloc.take_snapshot()
    top = snapshot.statistics("filename")[:12]
    total = sum(stat.size for stat in snapshot.statistics("filename"))
    emit({"traced_mb": total / 2**20,
          "top": [{"file": str(stat.traceback[0].filename).split("site-packages/")[-1],
                   "kb": round(stat.size / 1024)} for stat in top]})


def rendered(count):
    """How many of listener-00001..COUNT carry a stored page of this process's render version."""
    from anchor.models.pages import PageModel, page_key
    from anchor.pages import render

    app = _app()
    with app.app_context():
        version = render.render_version()
        current = 0
        for n in range(1, count + 1):
            try:
                current += PageModel.get(page_key(f"listener-{n:05d}")).pageRender == version
            except PageModel.DoesNotExist:
                pass
    emit({"current": current, "version": version})


# -- the due query at two sizes -------------------------------------------------------------------
def due(size, iterations, writers=4):
    """Write SIZE profiles (10 % due) into this process's table prefix, then time one due page."""
    from anchor import clock, migrate
    from anchor.models import ProfileModel
    from anchor.profiles import index
    from tests.factories import make_profile

    app = _app()
    with app.app_context():
        migrate.run(app.config, echo=lambda _m: None)
        now = clock.now()
        started = time.perf_counter()

        def write(chunk):
            with ProfileModel.batch_write() as batch:
                for n in chunk:
                    due_now = n % 10 == 0
                    moment = now - timedelta(minutes=1 + n % 997) if due_now else now + timedelta(
                        hours=1 + n % 160)
                    batch.save(make_profile(f"due-{n:06d}", next_refresh=moment))

        chunks = [range(i, min(i + 1000, size)) for i in range(0, size, 1000)]
        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(pool.map(write, chunks))
        write_seconds = time.perf_counter() - started
        for _ in range(10):
            index.due_profiles(now, limit=50)
        times, scanned, returned = [], set(), set()
        for _ in range(iterations):
            t0 = time.perf_counter()
            handles, cursor, count = index.due_profiles(now, limit=50)
            times.append((time.perf_counter() - t0) * 1000)
            scanned.add(count)
            returned.add(len(handles))
        # Whole due set, page by page: ScannedCount must equal items read on every page.
        total_read = total_scanned = pages = 0
        cursor = None
        while True:
            handles, cursor, count = index.due_profiles(now, limit=50, cursor=cursor)
            total_read += len(handles)
            total_scanned += count
            pages += 1
            if cursor is None:
                break
    emit({"size": size, "write_seconds": write_seconds, "page_ms": spread(times),
          "scanned": sorted(scanned), "returned": sorted(returned), "all_pages": pages,
          "all_read": total_read, "all_scanned": total_scanned, "due_expected": (size + 9) // 10})


# -- refresh engine --------------------------------------------------------------------------------
def prepare_refresh(count, mutate_from, mutate_count):
    """Make listener-00001..COUNT due (through writes.write, so the index follows), mutate some
    listeners at the sandbox, and return every handle's dataHash before the run."""
    from anchor import clock
    from anchor.models import SchedulerRunModel
    from anchor.profiles import service, writes

    app = _app()
    handles = [f"listener-{n:05d}" for n in range(1, count + 1)]
    past = clock.now() - timedelta(hours=2)
    sandbox = app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
    mutated = handles[mutate_from:mutate_from + mutate_count]
    for handle in mutated:
        requests.post(f"{sandbox}/_control/mutate", json={"listener_id": handle}, timeout=10).raise_for_status()

    def due_now(handle):
        with app.app_context():
            profile = service.get(handle)
            writes.write(profile, {"nextRefreshAt": past})
            return profile.dataHash

    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = dict(zip(handles, pool.map(due_now, handles)))
    with app.app_context():
        for item in SchedulerRunModel.scan(SchedulerRunModel.pk.startswith("SCHEDULER#")):
            item.delete()     # each bench run claims the hourly slot afresh
    emit({"hashes": hashes, "mutated": mutated})


def refresh(cap, concurrency):
    """Run refresh_due once as the worker does (budget and pace from the config), Bedrock stand-in."""
    from devstack.bedrock import BedrockStandin
    from anchor.refresh.scheduler import refresh_due

    standin = BedrockStandin().start()
    import os
    os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = standin.url
    app = _app()
    app.config["AI_PROVIDER"] = "bedrock"
    try:
        with app.app_context():
            started = time.perf_counter()
            summary = refresh_due(cap=int(cap), concurrency=int(concurrency))
            seconds = time.perf_counter() - started
    finally:
        standin.stop()
    emit({"summary": summary, "seconds": seconds, "ai_requests": standin.count})


def hashes(count):
    """Every listener-00001..COUNT's dataHash now."""
    from anchor.profiles import service

    app = _app()
    with app.app_context():
        emit({"hashes": {f"listener-{n:05d}": service.get(f"listener-{n:05d}").dataHash
                         for n in range(1, count + 1)}})


def refresh_one(handle):
    """Refresh one profile through the engine (the Lighthouse run's "What changed")."""
    from anchor.refresh import engine

    app = _app()
    with app.app_context():
        emit({"outcome": str(engine.refresh_profile(handle, "manual").outcome)})


def capacity(count, sample):
    """Units DynamoDB bills per uncached view and per page write, and the cost of a million views."""
    from bench import capacity as measure

    handles = random.Random(7).sample([f"listener-{n:05d}" for n in range(1, count + 1)], sample)
    found = measure.figures(_app(), handles)
    emit({**found, "cost": measure.cost_per_million_views(found["view_read_units"], found["wire_bytes"])})


TASKS = {"fill": fill, "capacity": capacity, "inprocess": inprocess, "due": due, "prepare_refresh": prepare_refresh,
         "refresh": refresh, "hashes": hashes, "rendered": rendered, "heap": heap,
         "refresh_one": refresh_one}

if __name__ == "__main__":
    name, args = sys.argv[1], sys.argv[2:]
    converted = [int(a) if a.lstrip("-").isdigit() else a for a in args]
    TASKS[name](*converted)
