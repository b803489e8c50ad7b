"""The social graph: profiles as others see them, follows and blocks."""
