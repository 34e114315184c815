"""Posting to WebSocket connections through API Gateway's management API.

The same boto3 client talks to AWS and to the local stack's emulation of it
(WEBSOCKET_MANAGEMENT_URL), so a connection that is gone is the same error, 410
GoneException, in both.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from chat_core.observability import logger

# gone: the client left (410): forget the connection. failed: a throttle or a timeout:
# this message is lost, but the connection stays (the final event carries the reply).
Delivery = Literal["delivered", "gone", "failed"]
# Open connections a user keeps (services/live_connections.py); a turn posts to no more.
MAX_CONNECTIONS_PER_USER = 10


class ConnectionPoster(Protocol):
    def post(self, connection_id: str, data: bytes) -> Delivery: ...


class ConnectionManager(ConnectionPoster, Protocol):
    def close(self, connection_id: str) -> None:
        """Closes the connection (API Gateway's DeleteConnection); gone is fine."""
        ...


class ManagementApiPoster:
    """One client per process; short timeouts, since a stuck post delays every delta."""

    def __init__(self, endpoint_url: str, client: Any | None = None) -> None:
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "apigatewaymanagementapi",
                endpoint_url=endpoint_url,
                config=Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 2}),
            )
        self._client = client

    def post(self, connection_id: str, data: bytes) -> Delivery:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
            return "delivered"
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "GoneException":
                return "gone"
            logger.warning("post to connection refused", extra={"code": code})
            return "failed"
        except BotoCoreError as exc:
            logger.warning("post to connection failed", extra={"error": type(exc).__name__})
            return "failed"

    def close(self, connection_id: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except (ClientError, BotoCoreError) as exc:  # gone already, or a throttle (then
            # API Gateway's own limits close it later; it no longer counts either way)
            logger.info("connection not closed", extra={"error": type(exc).__name__})


class NoConnections:
    """Where live events go when no WebSocket API is configured (unit tests)."""

    def post(self, connection_id: str, data: bytes) -> Delivery:
        return "gone"

    def close(self, connection_id: str) -> None:
        return None
