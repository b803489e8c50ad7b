"""Notifications: producers queue events, one consumer stores and delivers them (live or push)."""
