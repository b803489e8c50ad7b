"""Clients for Plaza's stores. A store knows nothing of the domains that use it."""
