"""Debian's Chromium, headless, as the browser tests and the browser benchmark start it.

Without the background-networking flags Chromium keeps trying hosts this machine cannot
reach; the sandbox is off because the tests run as root."""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    """Debian's chromium locally; CI on Ubuntu points CHROMIUM_EXECUTABLE at Playwright's."""
    return os.environ.get("CHROMIUM_EXECUTABLE") or shutil.which("chromium")
