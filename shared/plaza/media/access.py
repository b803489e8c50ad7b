"""Who besides its owner may see media: a rule per attachment kind, registered by the domain that
owns the thing media is attached to (posts: `post`, chat: `message`), when it is imported.

Media sits below posts and chat (docs/architecture.md) and never imports them; an attachment kind
nobody registered shows the media to no one but its owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# (viewer_id, target_id) -> whether the viewer may see what is attached to the target.
AttachmentRule = Callable[[str, str], bool]

_rules: dict[str, AttachmentRule] = {
    # An avatar is shown wherever its user is: to anyone signed in.
    "avatar": lambda viewer_id, target_id: True,
}


def allow_attached(kind: str, rule: AttachmentRule) -> None:
    """Media attached to a `kind` target: `rule(viewer_id, target_id)` says who may see it."""
    _rules[kind] = rule


def may_see_attached(viewer_id: str, attachments: Iterable[tuple[str, str]]) -> bool:
    """Whether any (kind, target_id) the media is attached to shows it to the viewer."""
    for kind, target_id in attachments:
        rule = _rules.get(kind)
        if rule is not None and rule(viewer_id, target_id):
            return True
    return False

