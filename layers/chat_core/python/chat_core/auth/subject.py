"""Which token subjects the API can serve.

Every key is derived from the caller's ``sub``; DynamoDB keys hold at most 2,048
bytes (partition) and 1,024 (sort), and ours add a prefix and ids to the sub. An
external issuer may mint any ``sub``, so a longer one is refused as unauthorized
before storage is touched, never a 500.
"""

from __future__ import annotations

MAX_SUB_BYTES = 512


def usable_subject(sub: object) -> bool:
    return isinstance(sub, str) and bool(sub) and len(sub.encode("utf-8")) <= MAX_SUB_BYTES
