"""What the domains above the hub tell it, each when it is imported: who may subscribe to the
topics it owns, who hears that a user came or went, whose presence a viewer may see (conversation
partners, those the viewer follows) and who is hidden from it whatever else holds (blocks).

The hub imports no domain (docs/architecture.md): a WebSocket function imports the domains whose
rules it needs, and they register here. A topic nobody registered is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

# (user_id, the id after "kind:") -> whether that user may subscribe.
TopicRule = Callable[[str, str], bool]
# user_id -> the users told when that user comes online or goes offline.
PresenceAudience = Callable[[str], Iterable[str]]
# (viewer_id, user_ids) -> those of user_ids the viewer may not see online (hide_presence), or
# may see (show_presence).
PresenceFilter = Callable[[str, list[str]], set[str]]

_topic_rules: dict[str, TopicRule] = {
    # A user's own topic needs no domain: the connection knows whose it is.
    "user": lambda user_id, target: target == user_id,
}
_open_topics: set[str] = set()
_audiences: list[PresenceAudience] = []
_filters: list[PresenceFilter] = []
_revealers: list[PresenceFilter] = []


def allow_topic(kind: str, rule: TopicRule) -> None:
    """`{kind}:{id}` topics: `rule(user_id, id)` says whether the user may subscribe."""
    _topic_rules[kind] = rule


def open_topic(name: str) -> None:
    """A topic every connected user may subscribe to."""
    _open_topics.add(name)


def hear_presence(audience: PresenceAudience) -> None:
    """Also tell `audience(user_id)` when a user's first connection opens or last one closes."""
    if audience not in _audiences:
        _audiences.append(audience)


def hide_presence(hidden: PresenceFilter) -> None:
    """Also show `hidden(viewer_id, user_ids)` as offline to the viewer."""
    if hidden not in _filters:
        _filters.append(hidden)


def show_presence(shown: PresenceFilter) -> None:
    """Let the viewer see `shown(viewer_id, user_ids)` online (unless a hide_presence hides them);
    nobody else but the viewer themself."""
    if shown not in _revealers:
        _revealers.append(shown)


def may_subscribe(user_id: str, kind: str | None, target: str) -> bool:
    """Whether the user may subscribe to `{kind}:{target}`, or to the topic `target` if no kind."""
    if kind is None:
        return target in _open_topics
    rule = _topic_rules.get(kind)
    return rule is not None and rule(user_id, target)


def presence_audience(user_id: str) -> set[str]:
    return {other for audience in _audiences for other in audience(user_id)}


def hidden_presence(viewer_id: str, user_ids: list[str]) -> set[str]:
    """Who of `user_ids` the viewer may not see online; fails when no domain said who that is,
    so a function that forgot to import it answers 500 instead of leaking presence."""
    if not _filters:
        raise LookupError("no presence filter is registered: import the domain that owns blocks")
    return set().union(*(hidden(viewer_id, user_ids) for hidden in _filters))


def shown_presence(viewer_id: str, user_ids: list[str]) -> set[str]:
    """Who of `user_ids` the viewer may see online, before hidden_presence; fails when no domain
    said who that is, as hidden_presence does."""
    if not _revealers:
        raise LookupError("no presence audience is registered: import chat and social")
    shown = {viewer_id} & set(user_ids)
    return shown.union(*(reveal(viewer_id, user_ids) for reveal in _revealers))


class Registered(NamedTuple):
    """What the hub knows now: what the imports of the running function have registered."""

    topic_kinds: list[str]
    open_topics: list[str]
    presence_audiences: int
    presence_filters: int
    presence_revealers: int


def registered() -> Registered:
    return Registered(sorted(_topic_rules), sorted(_open_topics), len(_audiences), len(_filters),
                      len(_revealers))
