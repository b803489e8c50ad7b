"""Chat: conversations, their members and messages."""
