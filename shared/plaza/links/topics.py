"""The links domain's realtime topic: `link:{code}`, live click counts, for the link's owner only.

Apart from the service so that the subscribe function registers it without loading pydantic.
"""

from __future__ import annotations

from plaza.links import repo
from plaza.realtime import rules


def _is_owner(user_id: str, code: str) -> bool:
    return repo.owner_of(code) == user_id


rules.allow_topic("link", _is_owner)
