"""Caller identity: verifying the tokens the API trusts."""
