"""Security headers on every HTTP response.

API responses are JSON nobody should frame, sniff or render as a page, so they get a deny-all CSP.
The documentation pages (``/schema/*``) load Swagger UI and Scalar from their CDN and run inline
bootstrap scripts, so they get a CSP that allows exactly that instead. HSTS is sent only when the
request arrived over HTTPS, as RFC 6797 asks: directly, or as reported by a proxy in
``PIZZA_API_TRUSTED_PROXIES`` (``api.lib.client_address`` sets the scope's scheme from its
``X-Forwarded-Proto``; the header from anyone else is ignored).
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        docs = scope["path"] == "/schema" or scope["path"].startswith("/schema/")
        https = is_https(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else API_CSP)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
