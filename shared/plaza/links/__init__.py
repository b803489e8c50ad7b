"""Short links: codes that redirect, with click analytics."""
