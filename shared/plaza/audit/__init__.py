"""The audit log: one append-only record per admin or moderator action, written in its transaction."""
