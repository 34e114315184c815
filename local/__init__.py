"""The Docker-free local stack: `python -m local` (see docs/design.md "Local stack").

One process on 127.0.0.1 serves the API through the real Lambda handlers behind the
same JWT checks as the API Gateway authorizer, a development identity provider, an
OpenAI-compatible stub model, the web UI, and runs DynamoDB Local beside it.
"""

import sys
from pathlib import Path

# The functions import chat_core from the layer; so does the gateway's JWT check.
_LAYER = str(Path(__file__).resolve().parents[1] / "layers" / "chat_core" / "python")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
