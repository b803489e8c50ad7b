"""Readiness: can this container reach every store it depends on?"""

from __future__ import annotations

from collections.abc import Callable

from plaza.errors import PlazaError, Unavailable


def _checks() -> dict[str, Callable[[], str | None]]:
    # lazy: the liveness function shares this module and must load no store
    from plaza.stores import cache, db, search

    return {"postgres": db.ping, "redis": cache.ping, "search": search.ping}


def readiness() -> dict[str, object]:
    """Each dependency's state; raises Unavailable naming the ones that failed."""
    states: dict[str, str] = {}
    failed: list[str] = []
    for name, check in _checks().items():
        try:
            detail = check()
            states[name] = f"ok ({detail})" if detail else "ok"
        except PlazaError as error:
            states[name] = f"unavailable: {error.detail}"
            failed.append(name)
        except Exception as error:  # noqa: BLE001 - a broken client must not hide the others
            states[name] = f"unavailable: {type(error).__name__}"
            failed.append(name)
    if failed:
        raise Unavailable(
            f"Not ready: {', '.join(failed)} unavailable",
            dependency=failed[0], failed=failed, dependencies=states, retry_after=5,
        )
    return {"status": "ready", "dependencies": states, "search_indexes": _search_indexes()}


def _search_indexes() -> dict[str, object] | None:
    """The latest drift check (documents per index, search against Postgres), if one ran in the
    last week: a detail, never a reason to be unready."""
    from plaza.stores import search

    try:
        return search.index_report()
    except Exception:  # noqa: BLE001 - Redis answered the ping just now; a detail may be missing
        return None
