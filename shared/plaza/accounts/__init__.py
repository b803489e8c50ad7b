"""Account lifecycle beyond identity: deletion on request, carried out by a state machine."""
