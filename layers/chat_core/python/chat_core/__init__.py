"""chat_core: the shared layer of the chat backend (agent, repository, services).

Handlers import from here and stay a few lines long; nothing in this package knows
about a particular Lambda function.
"""
