"""Plaza's shared layer: configuration, stores, HTTP plumbing and the domain services."""
