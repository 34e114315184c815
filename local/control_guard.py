"""Who may use the local stack's control endpoints: this machine's own programs, never
a web page.

``/local/lambda`` (Lambda's Invoke API: any function with any claims),
``/local/ws-management`` (posting to or closing anyone's WebSocket) and
``/local/token`` (a token for any user) trust their caller completely, as AWS's own
APIs would trust signed requests. A page the developer visits must not reach them:
not from another site (a cross-site request carries ``Origin`` or ``Sec-Fetch-Site``),
not by DNS rebinding (its ``Host`` is the attacker's name), and not with a body a
page can send without asking first (the CORS "simple" content types). The web UI's
own sign-in is a same-origin JSON request, and boto3 sends no Origin and no such type.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

CONTROL_PREFIXES = ("/local/lambda", "/local/ws-management", "/local/token")
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_CROSS_SITE = {"cross-site"}


def _loopback_host(host: str) -> bool:
    """``host`` (a Host header or an Origin's host part) names this machine."""
    name = urlsplit(f"//{host}").hostname or ""
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


def _loopback_ip(source_ip: str) -> bool:
    try:
        return ip_address(source_ip).is_loopback
    except ValueError:
        return False


def refusal(path: str, source_ip: str, header: dict[str, str | None]) -> str | None:
    """Why a request to a control endpoint is refused (None: it is allowed).

    ``header``: the request's Host, Origin, Sec-Fetch-Site and Content-Type, lower-case
    names, None when absent."""
    if not path.startswith(CONTROL_PREFIXES):
        return None
    origin = header.get("origin")
    content_type = (header.get("content-type") or "").split(";")[0].strip().lower()
    checks = (
        (_loopback_ip(source_ip), "only this machine may use the local control endpoints"),
        (
            _loopback_host(header.get("host") or ""),
            "the Host must name this machine (127.0.0.1 or localhost)",
        ),
        (
            origin is None or _loopback_host(urlsplit(origin).netloc),
            "cross-site requests are refused",
        ),
        (
            (header.get("sec-fetch-site") or "").lower() not in _CROSS_SITE,
            "cross-site requests are refused",
        ),
        (
            content_type not in _SIMPLE_TYPES,
            "send JSON (Content-Type: application/json), not a form or plain text",
        ),
    )
    return next((why for allowed, why in checks if not allowed), None)
