"""Trending posts and hashtags, recommendations, and the like/comment counters kept in Redis."""
