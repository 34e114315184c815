"""The agent: agent types as data, the history window and the model client."""
