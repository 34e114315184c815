"""A tiny HTTP client for the API (stdlib only), as any frontend would call it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any

    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code"))
        return None


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw_body: bytes | None = None,
        timeout: float = 60,
    ) -> ApiResponse:
        data = (
            raw_body
            if raw_body is not None
            else (None if body is None else json.dumps(body).encode())
        )
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310 - loopback only
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return _parse(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return _parse(error.code, dict(error.headers), error.read())

    def get(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> ApiResponse:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> ApiResponse:
        return self.request("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> ApiResponse:
        return self.request("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> ApiResponse:
        return self.request("DELETE", path, **kw)

    def chat(self, message: str, conversation_id: str | None = None, **fields: Any) -> ApiResponse:
        body: dict[str, Any] = {"message": message, **fields}
        if conversation_id:
            body["conversation_id"] = conversation_id
        return self.post("/v1/chat", body)


def _parse(status: int, headers: dict[str, str], raw: bytes) -> ApiResponse:
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return ApiResponse(status, lowered, body)
