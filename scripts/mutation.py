"""`make mutation`: mutmut over anchor/web and anchor/refresh (setup.cfg), one shared DynamoDB Local.

mutmut runs the tests in forked copies of one pytest process, so without a shared emulator every
mutant would start its own DynamoDB Local. Extra arguments go to `mutmut run` (mutant name globs,
e.g. "anchor.web.dashboard*").
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.dynamodb import DynamoDBLocal  # noqa: E402

WORKERS = "2"


def main(args):
    """Run mutmut, print the survivors, stop the emulator; mutmut's exit code."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # `timeout` still cleans up below
    server = DynamoDBLocal().start()
    env = dict(os.environ, ANCHOR_TEST_DYNAMODB_ENDPOINT=server.endpoint)
    mutmut = [sys.executable, "-m", "mutmut"]
    run = subprocess.Popen(mutmut + ["run", "--max-children", WORKERS, *args], cwd=ROOT, env=env)
    try:
        code = run.wait()
        subprocess.run(mutmut + ["results"], cwd=ROOT, env=env, check=False)
    finally:
        if run.poll() is None:
            run.terminate()      # mutmut stops its fork server and workers on SIGTERM
            run.wait(30)
        server.stop()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
