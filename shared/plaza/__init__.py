"""Plaza's shared layer: configuration, stores, HTTP plumbing and the domain services."""

# Every function imports plaza during init: SnapStart's hooks are registered before its snapshot.
from plaza import snapstart  # noqa: E402

snapstart.install()
