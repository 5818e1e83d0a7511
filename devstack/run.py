"""`make run`: DynamoDB Local, migrations, the Spotify sandbox, the web app and the worker.

`ANCHOR_REFRESH_MODE=queue make run` adds the worker tier's queue: an SQS stand-in, the
worker-role app and a local daemon that POSTs each message to it, as on Elastic Beanstalk.
"""
import os
import signal
import subprocess
import sys
import time

from anchor.config import ROOT
from devstack.dynamodb import DynamoDBLocal
from devstack.ports import wait_for_port

DYNAMODB_PORT = int(os.environ.get("ANCHOR_DYNAMODB_PORT", "8765"))
SANDBOX_PORT = int(os.environ.get("ANCHOR_SANDBOX_PORT", "5055"))
BRAINZ_PORT = int(os.environ.get("ANCHOR_BRAINZ_PORT", "5056"))
LASTFM_PORT = int(os.environ.get("ANCHOR_LASTFM_PORT", "5057"))
WEB_PORT = 5000
WORKER_WEB_PORT = 5001          # queue mode: the worker-role app the local daemon posts to
SQS_PORT = int(os.environ.get("ANCHOR_SQS_PORT", "5058"))
S3_PORT = int(os.environ.get("ANCHOR_S3_PORT", "5059"))         # the photo bucket's stand-in


def local_environment(endpoint):
    """Environment shared by every local process (explicit values from the caller win)."""
    env = dict(os.environ)
    env.setdefault("ANCHOR_ENV", "development")
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_REGION", "us-east-1")
    env["AWS_ENDPOINT_URL_DYNAMODB"] = env.get("AWS_ENDPOINT_URL_DYNAMODB") or endpoint
    env.setdefault("ANCHOR_SPOTIFY_SANDBOX_URL", f"http://127.0.0.1:{SANDBOX_PORT}")
    env.setdefault("ANCHOR_BRAINZ_SANDBOX_URL", f"http://127.0.0.1:{BRAINZ_PORT}")
    env.setdefault("ANCHOR_LASTFM_SANDBOX_URL", f"http://127.0.0.1:{LASTFM_PORT}")
    env.setdefault("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{S3_PORT}")
    env.setdefault("ANCHOR_PHOTO_BUCKET", "anchor-photos")
    env.setdefault("ANCHOR_PHOTO_BASE_URL", f"{env['AWS_ENDPOINT_URL_S3']}/{env['ANCHOR_PHOTO_BUCKET']}")
    env.setdefault("ANCHOR_WORKER_INTERVAL_SECONDS", "120")
    # Demo pace: published profiles fall due after 10 minutes instead of a week.
    env.setdefault("ANCHOR_REFRESH_INTERVAL_SECONDS", "600")
    env.setdefault("FLASK_APP", "wsgi")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def flask(*args):
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    """Start everything, print what runs where, stop it all on Ctrl-C (or SIGTERM)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    processes = []
    database = DynamoDBLocal(port=DYNAMODB_PORT, data_dir=ROOT / ".data" / "dynamodb")
    if database.answers():
        sys.exit(f"Port {DYNAMODB_PORT} is already in use: is another `make run` going? "
                 "Stop it, or set ANCHOR_DYNAMODB_PORT.")
    print(f"starting DynamoDB Local on {database.endpoint} (data in .data/dynamodb)", flush=True)
    database.start()
    env = local_environment(database.endpoint)
    try:
        subprocess.run(flask("migrate"), env=env, cwd=ROOT, check=True)
        if env["AWS_ENDPOINT_URL_S3"] == f"http://127.0.0.1:{S3_PORT}":     # the photo bucket's stand-in
            processes.append(("S3 stand-in", subprocess.Popen(
                [sys.executable, "-m", "devstack.s3", "--port", str(S3_PORT), "--bucket", env["ANCHOR_PHOTO_BUCKET"]],
                env=env, cwd=ROOT, start_new_session=True)))
            wait_for_port(S3_PORT)
        stand_ins = [("Spotify sandbox", "SPOTIFY_CLIENT_ID", "devstack.spotify_sandbox", SANDBOX_PORT),
                     ("MusicBrainz/ListenBrainz stand-in", "MUSICBRAINZ_CLIENT_ID", "devstack.brainz",
                      BRAINZ_PORT),
                     ("Last.fm stand-in", "LASTFM_API_KEY", "devstack.lastfm", LASTFM_PORT)]
        for name, setting, module, port in stand_ins:
            if not env.get(setting):
                extra = (["--state", str(ROOT / ".data" / "spotify-sandbox-tokens.json")]
                         if module == "devstack.spotify_sandbox" else [])
                processes.append((name, subprocess.Popen(
                    [sys.executable, "-m", module, "--port", str(port), "--generated", "1000", *extra],
                    env=env, cwd=ROOT, start_new_session=True)))
                wait_for_port(port)
        if not any(env.get(setting) for _name, setting, _module, _port in stand_ins):
            subprocess.run(flask("seed-demo"), env=env, cwd=ROOT, check=False)
        processes.append(("web", subprocess.Popen(
            flask("run", "--host", "127.0.0.1", "--port", str(WEB_PORT), "--no-reload"),
            env=env, cwd=ROOT, start_new_session=True)))
        wait_for_port(WEB_PORT)
        worker_env = dict(env, ANCHOR_ROLE="worker")
        if env.get("ANCHOR_REFRESH_MODE") == "queue":
            worker_env = _start_queue_mode(worker_env, processes)
        processes.append(("worker", subprocess.Popen(flask("worker"), env=worker_env, cwd=ROOT,
                                                    start_new_session=True)))
        print("\n  Anchor.band is running:")
        print(f"    web app          http://127.0.0.1:{WEB_PORT}")
        print(f"    DynamoDB Local   {database.endpoint}  (data in .data/dynamodb)")
        print(f"    worker           refresh pass every {env['ANCHOR_WORKER_INTERVAL_SECONDS']} s; "
              f"profiles due {env['ANCHOR_REFRESH_INTERVAL_SECONDS']} s after a refresh")
        ports = {name: port for name, _setting, _module, port in stand_ins}
        for name, _proc in processes:
            if name in ports:
                print(f"    {name:<36} http://127.0.0.1:{ports[name]}")
        print("  Press Ctrl-C to stop everything.\n", flush=True)
        _watch(processes)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        for _name, proc in reversed(processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _name, proc in processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        database.stop()
        print("stopped.", flush=True)


def _start_queue_mode(worker_env, processes):
    """ANCHOR_REFRESH_MODE=queue: SQS stand-in, the worker-role app and the local daemon.

    As on the worker tier: the hourly pass sends due handles to the queue, the daemon POSTs each
    message to the worker-role app's /worker/refresh. The stand-in lives in this process.
    """
    from devstack.sqs import SqsStandin
    standin = SqsStandin(SQS_PORT).start()
    queue_url, dead = standin.create_queues()
    worker_env = dict(worker_env, AWS_ENDPOINT_URL_SQS=standin.endpoint, ANCHOR_REFRESH_QUEUE_URL=queue_url)
    processes.append(("worker app", subprocess.Popen(
        flask("run", "--host", "127.0.0.1", "--port", str(WORKER_WEB_PORT), "--no-reload"),
        env=worker_env, cwd=ROOT, start_new_session=True)))
    wait_for_port(WORKER_WEB_PORT)
    processes.append(("sqsd", subprocess.Popen(
        [sys.executable, "-m", "devstack.sqsd", "--endpoint", standin.endpoint, "--queue-url", queue_url,
         "--http-url", f"http://127.0.0.1:{WORKER_WEB_PORT}/worker/refresh", "--connections", "2"],
        env=worker_env, cwd=ROOT, start_new_session=True)))
    print(f"    queue mode: SQS stand-in {standin.endpoint} (dead letters: {dead}), "
          f"worker app http://127.0.0.1:{WORKER_WEB_PORT}, local daemon", flush=True)
    return worker_env


def _watch(processes):
    """Wait for Ctrl-C; if a component dies on its own, say so and stop the rest."""
    while True:
        for name, proc in processes:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; stopping the rest.")
        time.sleep(0.5)


if __name__ == "__main__":
    main()
