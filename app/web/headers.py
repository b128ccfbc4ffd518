"""Headers every portal response carries, added on the way out."""

from collections.abc import Awaitable, Callable

from app.web.limits import Message, Receive, Scope, Send

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a link's token must not leak to another site
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "Cache-Control": "no-store",
}


def with_form_target(origin: str) -> dict[str, str]:
    """The headers, letting forms lead to one more origin: the identity platform, where the
    logout form's answer sends the browser to end the session there too (a browser applies
    form-action to where a form's redirects go)."""
    if not origin:
        return HEADERS
    csp = HEADERS["Content-Security-Policy"].replace("form-action 'self'", f"form-action 'self' {origin}")
    return {**HEADERS, "Content-Security-Policy": csp}


class SecurityHeaders:
    """ASGI middleware: every response says nosniff, no framing, no referrer, no caching
    (unless the route set its own, as evidence previews do)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], form_origin: str = "") -> None:
        self.app = app
        self.headers = with_form_target(form_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()
                         if k.lower().encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
