"""Analytics for the back office: active users and activity rolled up per hour and day."""
