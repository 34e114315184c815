"""The Docker-free local stack: `python -m local` (see DESIGN.md "Local stack").

One process on 127.0.0.1 serves the API through the real Lambda handlers behind the
same JWT checks as the API Gateway authorizer, a development identity provider, an
OpenAI-compatible stub model, the web UI, and runs DynamoDB Local beside it.
"""
