"""The feed tests' users, follows and posts, for the handler tests too."""

from tests.integration.feeds.conftest import graph  # noqa: F401 - a fixture, used by name
