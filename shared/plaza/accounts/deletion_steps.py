"""The account_deletion state machine's steps, one function each, run by the step function.

Every step can run again, or after a later one, without doubling or failing: each deletes or
rewrites what is still there and nothing else. Apart from plaza.accounts.service so only the step
function loads the search store (and carries the SearchLayer).
"""

from __future__ import annotations

from collections.abc import Callable

from plaza import errors, observability
from plaza.accounts import exports, repo
from plaza.accounts.service import REVOKED_REASON
from plaza.identity import session_endings
from plaza.media import service as media_service
from plaza.stores import search as search_store


def _end_sessions(user_id: str) -> int:
    ended = repo.revoke_sessions(user_id)
    session_endings.sessions_ended(user_id, ended, REVOKED_REASON)
    return len(ended) + repo.delete_push_tokens(user_id)


SEARCH_BATCH = 1000  # Meilisearch's delete-batch takes any number; this bounds one call's body


def _remove_search_documents(user_id: str) -> int:
    """The user's and their posts' documents out of Meilisearch, by the ids the index consumer
    recorded. Runs before the content step, while the posts still name their ids; on Postgres
    search the tables are the index and the tombstone (status 'deleted') hides the user already.
    A Meilisearch failure raises, so the state machine retries the step; an index event that
    comes later finds the author not active and deletes rather than indexes."""
    removed = 0
    while documents := repo.search_documents(user_id, SEARCH_BATCH):
        by_index: dict[str, list[str]] = {}
        for document in documents:
            by_index.setdefault(document["index_name"], []).append(document["doc_id"])
        for index, doc_ids in by_index.items():
            search_store.delete_from_meilisearch(index, doc_ids)
            removed += repo.forget_search_documents(index, doc_ids)
    return removed


STEPS: dict[str, Callable[[str], int | bool]] = {
    "sessions": _end_sessions,
    "social": repo.delete_social,
    "search": _remove_search_documents,
    # Their data exports: the zips (a presigned link would work on for days) and their rows.
    "exports": exports.delete_all_for_user,
    # Their uploads: each object, its variants and its row (the rows alone would cascade away
    # with the account and leave the objects in S3).
    "media": media_service.delete_all_for_user,
    "content": repo.delete_content,
    "messages": repo.anonymize_messages,
    "finish": repo.finish,
}


def run_step(step: str, user_id: str) -> int:
    """Run one step for a deletion that is running (or done: a rerun changes nothing); how many
    rows it changed."""
    if step not in STEPS:
        raise errors.Invalid(f"Unknown deletion step {step!r}")
    deletion = repo.deletion(user_id)
    if deletion is None or deletion["status"] not in ("running", "done"):
        raise errors.Invalid("No deletion of this account is under way")
    changed = int(STEPS[step](user_id))
    observability.log_info("deletion step", step=step, user_id=user_id, changed=changed)
    return changed
