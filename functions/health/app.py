"""GET /v1/health: liveness, no auth; imports nothing heavy so it stays cheap."""

from chat_core.http import create_app, lambda_handler_for
from chat_core.models import Health

app = create_app(public=True)


@app.get("/v1/health")
def health() -> Health:
    return Health(status="ok")


lambda_handler = lambda_handler_for(app, traced=False)
