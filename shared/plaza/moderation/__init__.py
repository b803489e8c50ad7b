"""Reports of content and people, the moderator queue, and content hidden or removed by moderation."""
