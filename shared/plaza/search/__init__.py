"""Search: users, posts and hashtags, as their viewer may see them (docs/architecture.md)."""
