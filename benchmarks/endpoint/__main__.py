"""``python benchmarks/endpoint [--quick] [--sizes article,1e5,1e6] …``."""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:
    # Run as a folder: this folder is on sys.path, and its modules' names (queries,
    # load…) would shadow others'; the package is imported from its parent instead.
    here = Path(__file__).resolve().parent
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))
    __package__ = "endpoint"

from endpoint.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
