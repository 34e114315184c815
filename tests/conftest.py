"""Process-wide test environment, set before any chat_core module is imported."""

import os

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ChatBackendTests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "chat-backend")
