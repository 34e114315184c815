"""Benchmarks: each prints a table and writes benchmarks/results/<name>.json.

They measure; they never gate anything on time. Run them with `make bench`.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines in the tables
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # no per-turn log lines either

# The layer's package, as Lambda mounts it under /opt/python.
_LAYER = str(Path(__file__).resolve().parents[1] / "layers" / "chat_core" / "python")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)

# Benchmarks call the services outside a Lambda handler, so Powertools' metric buffer
# is never flushed per invocation and would print EMF lines into the tables.
from chat_core import observability  # noqa: E402

observability.metrics.add_metric = lambda *args, **kwargs: None  # type: ignore[method-assign]
