"""Body limits per route, enforced while the body is read (a chunked body has no
Content-Length to trust), so nobody can fill the disk or memory through the portal. Uploads
get the submission cap; the round's checklist a few MiB; every other form 64 KiB."""

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request

from app.web.pages import refusal, words
from store.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

FORM_BYTES = 64 * 1024
ROUND_BYTES = 4 * 1024 * 1024  # 22 rows a unit, a title and a detail each
UPLOAD = re.compile(r"^/(l/[^/]+|items/[^/]+)/submit$")


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"request body over {limit} bytes")


def limit_for(path: str) -> int:
    if UPLOAD.match(path):
        return get_settings().max_submission_bytes + 1024 * 1024  # the files and a little for the fields
    if path == "/round":
        return ROUND_BYTES
    return FORM_BYTES


class BodyLimit:
    """ASGI middleware: refuse a declared length over the route's limit before reading a byte,
    and stop reading the moment a body (declared or chunked) goes over it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        too_long = declared.isdigit() and int(declared) > limit
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if too_long:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge as exc:  # read outside a route (the app's handler answers inside one)
            if started:
                raise
            await _too_large(scope, watched, exc.limit)


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    response = refusal(Request(scope), words("too_large", kib=limit // 1024), status=413)
    await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}

