"""Posts: text with media, hashtags and mentions; likes and comments; their read-through cache."""
