"""Waiting for work another thread does (the in-process dispatcher's worker, the title's).

A fixed number of short sleeps was once too few on a loaded 2-core CI machine, and a
loop that ran out went on as if the work were done: wait on a deadline, and say what
never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(condition: Callable[[], bool], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.02)
