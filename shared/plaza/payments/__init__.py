"""Payments: provider webhooks recorded once, subscriptions from their events, a coin wallet."""
