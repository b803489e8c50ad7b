"""The search tests' users and posts, for the handler tests too."""

from tests.integration.search.conftest import _fresh_cache, make_post, make_user  # noqa: F401 - fixtures
