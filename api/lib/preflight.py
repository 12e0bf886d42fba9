"""``OPTIONS`` on every path: 204 with the path's real ``Allow`` header, never a guard.

Two Litestar details made ``OPTIONS`` wrong. Its generated ``OPTIONS`` handler belongs to the owner of
the path's first handler, so that controller's role guards ran on it; the auth middleware skips
``OPTIONS`` (preflights carry no credentials), so those guards found no user and the request ended in a
500. And when two controllers share a path, the handler kept the ``Allow`` list of the first one only.
This middleware answers the generated handler's requests itself from the final route table. CORS
preflights (with an ``Origin``) are answered before routing by Litestar's CORS middleware.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

GENERATED_HANDLER = "options_handler"


def allowed_methods(app: Litestar) -> dict[int, str]:
    """The ``Allow`` value of every path, keyed by the identity of the path's generated OPTIONS handler."""
    allow: dict[int, str] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods = ", ".join(sorted(route.methods))
            for handler in route.route_handlers:
                if handler.handler_name == GENERATED_HANDLER:
                    allow[id(handler)] = methods
    return allow


def options_middleware(app: ASGIApp) -> ASGIApp:
    cache: dict[int, str] | None = None

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal cache
        if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
            await app(scope, receive, send)
            return
        if cache is None:
            cache = allowed_methods(scope["litestar_app"])
        methods = cache.get(id(scope["route_handler"]))
        if methods is None:
            await app(scope, receive, send)
            return
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": 204,
            "headers": [(b"allow", methods.encode()), (b"content-length", b"0")],
        }
        body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(start)
        await send(body)

    return middleware
