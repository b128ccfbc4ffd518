"""A round-robin TCP balancer on loopback: the rehearsal's stand-in for the load balancer a
bureau puts in front of its Prefect API servers and portals (nginx or HAProxy on several
machines: deploy/nginx.conf). A backend that refuses a connection is skipped for a while,
so killing one API process leaves the others serving, as behind a real balancer."""

import asyncio
import contextlib
import threading
import time


class Balancer:
    def __init__(self, listen: int, backends: list[int], *, host: str = "127.0.0.1") -> None:
        self.listen, self.backends, self.host = listen, backends, host
        self.down_until: dict[int, float] = {}
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"balancer-{listen}", daemon=True)

    def start(self) -> "Balancer":
        self._thread.start()
        if not self._started.wait(10):
            raise SystemExit(f"the balancer did not start on {self.host}:{self.listen}")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, self.host, self.listen))
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for _ in range(len(self.backends)):
            port = self.backends[self._next % len(self.backends)]
            self._next += 1
            if self.down_until.get(port, 0) > time.monotonic():
                continue
            try:
                return await asyncio.wait_for(asyncio.open_connection(self.host, port), timeout=2)
            except (OSError, TimeoutError):
                self.down_until[port] = time.monotonic() + 2  # retried after a short while
        return None

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend = await self._connect()
        if backend is None:  # every backend down: the client sees a refused connection
            client_w.close()
            return
        back_r, back_w = backend

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            with contextlib.suppress(OSError):
                w.close()

        await asyncio.gather(pipe(client_r, back_w), pipe(back_r, client_w))
