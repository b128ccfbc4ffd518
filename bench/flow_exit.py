"""Benchmark: the exit cost of a synchronous flow (its heartbeat thread) against an async
flow, which is why rectiflow's flows are async. In-process runs on a test server.

    .venv/bin/python bench/flow_exit.py [N]
"""

import asyncio
import sys
import time

from prefect import flow
from prefect.testing.utilities import prefect_test_harness


@flow(persist_result=False)
def sync_trivial() -> int:
    return 1


@flow(persist_result=False)
async def async_trivial() -> int:
    return 1


def timed(fn, n: int) -> float:
    fn()  # warm up
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with prefect_test_harness():
        sync_ms = timed(sync_trivial, n)
        async_ms = timed(lambda: asyncio.run(async_trivial()), n)
    print(f"N={n} in-process runs each, Prefect on SQLite")
    print(f"sync flow:  {sync_ms:.0f} ms/run")
    print(f"async flow: {async_ms:.0f} ms/run")
    print(f"ratio sync/async: {sync_ms / async_ms:.1f}")


if __name__ == "__main__":
    main()
