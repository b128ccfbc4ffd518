"""Serve the case deployment and the trivial baseline from one process (bench only)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prefect import serve  # noqa: E402

from bench.trivial import trivial  # noqa: E402
from flows.serve import deployments  # noqa: E402

if __name__ == "__main__":
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    serve(*deployments(), trivial.to_deployment(name="bench-trivial"), limit=limit,
          print_starting_message=False)
