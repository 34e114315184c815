"""Deployment artifact sizes after `sam build`: every function and the layer, zipped.

The layer is what every cold start mounts; a function's own artifact is only its
handler. Usage: python -m benchmarks.artifact_size (runs `sam build` into a temp dir)
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

from benchmarks.report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
SAM = ROOT / ".venv-tools" / "bin" / "sam"


def zipped_size(folder: Path) -> tuple[int, int]:
    """(bytes on disk, bytes zipped) of a built artifact."""
    raw = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                raw += path.stat().st_size
                archive.write(path, path.relative_to(folder))
    return raw, len(buffer.getvalue())


def main() -> None:
    with tempfile.TemporaryDirectory() as build_dir:
        env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
        subprocess.run(
            [str(SAM), "build", "--build-dir", build_dir],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rows = []
        for artifact in sorted(Path(build_dir).iterdir()):
            if artifact.is_dir():
                raw, packed = zipped_size(artifact)
                rows.append(
                    {
                        "artifact": artifact.name,
                        "unzipped_kb": round(raw / 1024, 1),
                        "zipped_kb": round(packed / 1024, 1),
                    }
                )
    print_table("Deployment artifacts after sam build (arm64, python3.13)", rows)
    write_json("artifact_size", {"rows": rows})


if __name__ == "__main__":
    main()
