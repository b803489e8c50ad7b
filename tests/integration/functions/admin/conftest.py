"""Admin tests run on identity's environment: clean stores, a dev keyset, SES in moto."""

from tests.integration.identity.conftest import api, identity_env

__all__ = ["api", "identity_env"]
