"""The command line of a generated document: write it, or fail (--check) when it is stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def write_or_check(output: Path, text: str, description: str | None) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=f"fail when {output.name} is stale")
    if parser.parse_args().check:
        if not output.exists() or output.read_text() != text:
            sys.exit(f"{output.name} is stale: run `make openapi`")
        return
    output.write_text(text)
    print(f"wrote {output.name}")
