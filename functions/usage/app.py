"""GET /v1/usage: the caller's tokens today against their daily budget (one GetItem)."""

from chat_core.clock import now_ms
from chat_core.http import caller_sub, create_app, lambda_handler_for
from chat_core.services.usage import read_usage
from chat_core.settings import TableSettings, TurnBudgets, declare_settings, get_settings
from chat_core.usage_models import UsageReport
from chat_core.wiring import repository

declare_settings(TableSettings, TurnBudgets)

app = create_app()


@app.get("/v1/usage")
def get_usage() -> UsageReport:
    budget = get_settings().daily_token_budget
    return read_usage(repository(), caller_sub(app), budget, now_ms())


lambda_handler = lambda_handler_for(app)
