"""The WebSocket hub: who is connected where (registry), what reaches them (delivery), topics."""
