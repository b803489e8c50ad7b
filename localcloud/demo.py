"""Demo accounts for `make dev`, created through the services as the app would create them:
profiles, follows both ways, posts with hashtags, likes and comments, and a conversation
between alice and bob, so the first home feed, trending page and chat history are not empty.

Idempotent: an account that already exists is left as it is, an author who has posts gets no
more, follows and likes are sets and messages carry fixed client ids, so restarting `make dev`
against the same DATABASE_URL adds nothing. Seeding runs in the local cloud's own process with the settings a
function gets (local stores, local AWS), so the verification emails land in the local outbox.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

PASSWORD = "plaza-demo-2026"  # noqa: S105 - printed for local demo accounts only
ACCOUNTS = (
    {"username": "alice", "email": "alice@example.com", "display_name": "Alice Demo"},
    {"username": "bob", "email": "bob@example.com", "display_name": "Bob Demo"},
)
# The back office's first admin (README, Back office): registered like the others, then made
# admin the way `make admin` does it (audited).
STAFF = ({"username": "admin", "email": "admin@example.com", "display_name": "Plaza Admin"},)
BIOS = {
    "alice": "Trying out Plaza on the local cloud. Coffee first. #plaza",
    "bob": "Builds things, breaks things, posts about both.",
}
# Each author's posts; the other demo account likes and comments on every one.
POSTS = {
    "alice": ("Hello from the local cloud! First post on #plaza #hello",
              "Morning run done, now #coffee and code"),
    "bob": ("Shipped a tiny feature today #plaza #shipping",
            "Anyone else debugging WebSockets on a Sunday? #websockets #coffee"),
}
COMMENTS = {"alice": "Nice one, Bob!", "bob": "Welcome, Alice!"}
CONVERSATION = (  # (sender, client_msg_id, text)
    ("alice", "demo-1", "Hi Bob! Did the local cloud start for you?"),
    ("bob", "demo-2", "Yes, in a couple of seconds. Feed and chat both work."),
    ("alice", "demo-3", "Great, try a reaction on my first post."),
)


@contextlib.contextmanager
def function_settings(cloud: LocalCloud) -> Iterator[None]:
    """os.environ as a function of the stack sees it, for the duration of the block."""
    from plaza import config
    from plaza.stores import aws, cache, db

    environ: dict[str, str] = {}
    for spec in cloud.stack.functions.values():
        # References to SSM / Secrets Manager only resolve in AWS; the cloud's overrides follow.
        environ.update({key: value for key, value in spec.environment.items()
                        if not value.startswith(("ssm:", "secretsmanager:"))})
    environ.update(cloud.function_env())
    # Seeding's metric lines would land on the terminal above the banner, not in a function's log.
    environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    # Only these keys are put back: the cloud's own threads may set others meanwhile.
    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    config.reset_settings()
    # Clients made for another cloud (another run in this process) point at its endpoints.
    aws.reset()
    cache.reset()
    try:
        yield
    finally:
        db.close()
        aws.reset()
        cache.reset()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.reset_settings()


def identity_available() -> bool:
    return importlib.util.find_spec("plaza.identity.service") is not None


def seed(cloud: LocalCloud) -> tuple[list[dict[str, str]], list[str]]:
    """(accounts with their status "created" / "exists" / "failed: ...", notes to print)."""
    if not identity_available():
        return [], ["Demo accounts: none (plaza.identity is not in this tree yet)."]
    try:
        from plaza import errors
        from plaza.admin import first_admin
        from plaza.identity import passwords, repo, service
        from plaza.identity.models import RegisterIn
    except ImportError as error:
        return [], [f"Demo accounts: none (plaza.identity does not import: {error})."]

    accounts: list[dict[str, str]] = []
    with function_settings(cloud):
        for account in (*ACCOUNTS, *STAFF):
            row = {"username": account["username"], "email": account["email"],
                   "password": PASSWORD}
            try:
                if account in STAFF:
                    # Registration refuses reserved names such as "admin": staff are made here.
                    user_id = str(repo.insert_user(
                        password_hash=passwords.hash_password(PASSWORD), **account)["id"])
                else:
                    user_id = str(service.register(RegisterIn(password=PASSWORD, **account)).id)
                # Demo accounts skip the emailed link; the email is still in the outbox.
                repo.mark_email_verified(user_id)
                row["status"] = "created"
            except errors.Conflict:
                # Demo accounts are verified, also those an older seeding left unverified.
                existing = repo.user_by_email(account["email"])
                if existing is not None:
                    repo.mark_email_verified(str(existing["id"]))
                row["status"] = "exists"
            except Exception as error:  # noqa: BLE001 - a seeding problem must not stop make dev
                row["status"] = f"failed: {type(error).__name__}: {error}"
            accounts.append(row)
        notes: list[str] = []
        try:
            for account in STAFF:
                first_admin.promote(account["username"])
                for row in accounts:
                    if row["username"] == account["username"]:
                        row["role"] = "admin"  # the banner shows it
        except Exception as error:  # noqa: BLE001 - a seeding problem must not stop make dev
            notes.append(f"Demo admin not promoted: {type(error).__name__}: {error}")
        try:
            seed_content()
        except Exception as error:  # noqa: BLE001 - a seeding problem must not stop make dev
            notes.append(f"Demo posts and chat not seeded: {type(error).__name__}: {error}")
    return accounts, notes


def seed_content() -> None:
    """Profiles, follows, posts with likes and comments, and the alice-bob conversation."""
    from plaza.chat import service as chat
    from plaza.chat.models import ConversationIn, MessageIn
    from plaza.identity import repo, service
    from plaza.identity.gateway import Caller
    from plaza.identity.models import UpdateMeIn
    from plaza.models import PageQuery
    from plaza.posts import service as posts
    from plaza.posts.models import CommentIn, PostIn
    from plaza.social import service as social

    ids: dict[str, str] = {}
    for account in ACCOUNTS:
        row = repo.user_by_email(account["email"])
        if row is None:  # its registration failed; the banner says why
            return
        ids[account["username"]] = str(row["id"])
    for name, user_id in ids.items():
        caller = Caller(user_id=user_id, role="user", device_id="demo-seed", session_id="")
        service.update_me(caller, UpdateMeIn(bio=BIOS[name]).changes())
        for other in ids:
            if other != name:
                social.follow(user_id, other)
    for author, texts in POSTS.items():
        author_id = ids[author]
        if posts.user_posts_page(author_id, "me", PageQuery.model_validate({"limit": 1})).items:
            continue  # seeded before (or written by hand since): nothing is added twice
        for text in texts:
            post = posts.create_post(author_id, PostIn.model_validate({"text": text})).post
            for reader, reader_id in ids.items():
                if reader != author:
                    posts.like(reader_id, post.id)
                    posts.add_comment(reader_id, post.id, CommentIn(text=COMMENTS[reader]))
    conversation = chat.create_conversation(
        ids["alice"], ConversationIn.model_validate({"usernames": ["bob"]})).value
    for sender, client_msg_id, text in CONVERSATION:
        chat.send_message(ids[sender], conversation.id,
                          MessageIn(client_msg_id=client_msg_id, text=text))


def existing_accounts(cloud: LocalCloud) -> list[dict[str, str]]:
    """The demo accounts already in the store (status "exists"); none in an empty store, which
    is the only one `make dev` seeds: data a developer kept is never added to."""
    import psycopg

    usernames = [account["username"] for account in (*ACCOUNTS, *STAFF)]
    with psycopg.connect(cloud.database_url, autocommit=True) as conn:
        if not (row := conn.execute("SELECT to_regclass('users') IS NOT NULL").fetchone()) \
                or not row[0]:
            return []
        if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM users)").fetchone() == (True,):
            return []
        found = {name for (name,) in conn.execute(
            "SELECT username FROM users WHERE username = ANY(%s)", (usernames,))}
    return [{"username": account["username"], "email": account["email"], "password": PASSWORD,
             "status": "exists" if account["username"] in found else "not in this store"}
            for account in (*ACCOUNTS, *STAFF)]
