"""One app process of the two-process tests: the test's config, served by werkzeug on a free port.

`python -m tests.app_child HOST PORT_FILE` with ANCHOR_CHILD_CONFIG (JSON of TestConfig overrides)
in the environment; writes the port it listens on to PORT_FILE, then serves until it is killed.
"""
import json
import os
import sys
from pathlib import Path

from werkzeug.serving import make_server

from anchor import create_app
from anchor.config import TestConfig

CONFIG_VARIABLE = "ANCHOR_CHILD_CONFIG"


def main(host, port_file):
    overrides = json.loads(os.environ[CONFIG_VARIABLE])
    overrides["DATA_DIR"] = Path(overrides["DATA_DIR"])
    app = create_app(TestConfig(**overrides))
    server = make_server(host, 0, app, threaded=True)
    written = Path(f"{port_file}.part")
    written.write_text(str(server.port))
    written.rename(port_file)                  # the reader never sees half a number
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
