"""Moderation and administration of accounts: list, inspect, suspend, reinstate, change roles."""
