"""Accounts, credentials, sessions and access tokens; `gateway` is what route handlers use."""
