#!/usr/bin/env python3
"""Write an invented Spotify data download: --kind extended|account --size-mb N (or --plays N)
--years N --seed N [--json] --out PATH. The generator lives in devstack/spotify_export.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devstack.spotify_export import main  # noqa: E402

if __name__ == "__main__":
    main()
