"""GET /v1/stats: the caller's totals (one GetItem)."""

from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.models import Stats
from chat_core.services.stats import read_stats
from chat_core.settings import TableSettings, declare_settings
from chat_core.wiring import repository

declare_settings(TableSettings)

app = create_app()


@app.get("/v1/stats")
def get_stats() -> Stats:
    return read_stats(repository(), caller_sub(app))


lambda_handler = lambda_handler_for(app)
