"""Generates docs/openapi.json from template.yaml's routes and the pydantic models at the edges.

`make docs` writes the file; a test fails when it is stale or when a route has no entry in ROUTES.
Each entry names its request and response models as "module:Class" so this module imports no
domain code until it runs.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "openapi.json"


@dataclass(frozen=True)
class RouteDoc:
    summary: str
    tag: str
    request: str | None = None  # "module:Model" of the JSON body
    query: str | None = None  # "module:Model" of the query string
    responses: dict[int, str | None] = field(default_factory=dict)  # status -> "module:Model" | None
    headers: tuple[str, ...] = ()  # request headers the route reads (besides auth)
    operation_id: str | None = None  # when one function serves several routes


# Every HTTP route in template.yaml, by route key. Keep in the order of template.yaml.
ROUTES: dict[str, RouteDoc] = {
    "GET /health": RouteDoc("Liveness: answers without touching any store", "health",
                            responses={200: None}),
    "GET /health/ready": RouteDoc(
        "Readiness: Postgres, Redis and search each checked; 503 names what failed. 200 also"
        " carries search_indexes: the latest search drift check (documents per index)", "health",
        responses={200: None, 503: None}),
    "POST /v1/auth/register": RouteDoc(
        "Create an account (username 3-30 of a-z 0-9 _, password >= 10 and not common) and "
        "email a verification link", "auth", request="plaza.identity.models:RegisterIn",
        responses={201: "plaza.identity.models:UserEnvelope", 409: None, 422: None, 429: None}),
    "POST /v1/auth/verify-email": RouteDoc(
        "Confirm the email address with the emailed token", "auth",
        request="plaza.identity.models:VerifyEmailIn", responses={204: None, 422: None, 429: None}),
    "POST /v1/auth/login": RouteDoc(
        "Log in with email or username on this device; slows down after repeated failures",
        "auth", request="plaza.identity.models:LoginIn", headers=("X-Device-Id",),
        responses={200: "plaza.identity.models:TokenPair", 401: None, 403: None, 429: None}),
    "POST /v1/auth/refresh": RouteDoc(
        "Rotate a refresh token into a new pair; a reused or other-device token revokes the "
        "session", "auth", request="plaza.identity.models:RefreshIn", headers=("X-Device-Id",),
        responses={200: "plaza.identity.models:TokenPair", 401: None, 429: None}),
    "POST /v1/auth/logout": RouteDoc("End the session on this device", "auth",
                                     responses={204: None}),
    "GET /v1/auth/sessions": RouteDoc("The caller's live sessions, one per device", "auth",
                                      responses={200: "plaza.identity.models:SessionList"}),
    "DELETE /v1/auth/sessions/{device_id}": RouteDoc(
        "Sign the caller out on one of their devices", "auth", responses={204: None, 404: None}),
    "POST /v1/auth/password/forgot": RouteDoc(
        "Email a password reset link; 202 whether or not the account exists", "auth",
        request="plaza.identity.models:ForgotPasswordIn", responses={202: None, 429: None}),
    "POST /v1/auth/password/reset": RouteDoc(
        "Set a new password with the emailed token; every session is revoked", "auth",
        request="plaza.identity.models:ResetPasswordIn", responses={204: None, 422: None, 429: None}),
    "GET /v1/auth/me": RouteDoc("The caller's own account", "auth",
                                responses={200: "plaza.identity.models:UserEnvelope"}),
    "GET /.well-known/jwks.json": RouteDoc(
        "Public keys (JWKS) that verify access tokens; empty when tokens are HS256", "auth",
        responses={200: None}),
    "GET /v1/presence": RouteDoc(
        "Who of up to 100 users (?user_ids=a,b,c) has a live WebSocket connection now", "realtime",
        query="plaza.realtime.models:PresenceQuery",
        responses={200: "plaza.realtime.models:PresenceOut", 422: None}),
    "POST /v1/conversations": RouteDoc(
        "Start a conversation: one username is a direct conversation (the pair's existing one is"
        " returned, 200), 2-50 a group with an optional title (201); 404 for unknown users and"
        " users blocked either way. Idempotency-Key: the same key and body within 24 h return the"
        " first response (Idempotent-Replayed: true) and create nothing; another body is a 409",
        "chat", request="plaza.chat.models:ConversationIn", headers=("Idempotency-Key",),
        responses={200: "plaza.chat.models:ConversationOut", 201: "plaza.chat.models:ConversationOut",
                   404: None, 409: None, 422: None}),
    "GET /v1/conversations": RouteDoc(
        "The caller's conversations, most recently active first, with the last message and the"
        " unread count; keyset pages (limit 1-100, opaque cursor)", "chat",
        query="plaza.models:PageQuery",
        responses={200: "plaza.chat.models:ConversationPage", 422: None}),
    "GET /v1/conversations/{id}/messages": RouteDoc(
        "A conversation's messages, newest first (by per-conversation sequence); keyset pages;"
        " 404 for anyone but its members", "chat", query="plaza.models:PageQuery",
        responses={200: "plaza.chat.models:MessagePage", 404: None, 422: None}),
    "POST /v1/conversations/{id}/messages": RouteDoc(
        "Send a message (text 1-4000 characters) as over the WebSocket: online members get"
        " message.new, offline ones a notification; a repeated client_msg_id returns the first"
        " message (200, Idempotent-Replayed: true) and stores nothing; 403 when a block stands"
        " between the sender and a member. Idempotency-Key: the same key and body within 24 h"
        " return the first response (Idempotent-Replayed: true); another body is a 409", "chat",
        request="plaza.chat.models:MessageIn", headers=("Idempotency-Key",),
        responses={200: "plaza.chat.models:MessageOut", 201: "plaza.chat.models:MessageOut",
                   403: None, 404: None, 409: None, 422: None}),
    "POST /v1/conversations/{id}/read": RouteDoc(
        "Read up to a message (default: the last); the read position only moves forward and the"
        " other members get message.read", "chat", request="plaza.chat.models:ReadIn",
        responses={200: None, 404: None, 422: None}),
    "PATCH /v1/conversations/{id}": RouteDoc(
        "Rename a group (any member; null clears the title); every member gets"
        " conversation.updated (change: renamed); 422 for a direct conversation", "chat",
        request="plaza.chat.models:ConversationPatch",
        responses={200: "plaza.chat.models:ConversationOut", 404: None, 422: None}),
    "POST /v1/conversations/{id}/members": RouteDoc(
        "Add people to a group (any member, up to 50 members); every member, the new ones"
        " included, gets conversation.updated (change: members); 404 for unknown users and users"
        " blocked either way", "chat", request="plaza.chat.models:MembersIn",
        responses={200: "plaza.chat.models:ConversationOut", 404: None, 422: None}),
    "DELETE /v1/conversations/{id}/members/{user_id}": RouteDoc(
        "Leave a group, or (its creator) remove a member: from now on they get none of its"
        " messages and leave its topic; they get conversation.updated (change: removed), the"
        " others conversation.updated (change: members); 403 for anyone else", "chat",
        responses={204: None, 403: None, 404: None, 422: None}),
    "PATCH /v1/users/me": RouteDoc(
        "Change the caller's display name, bio or avatar; null clears bio and avatar", "users",
        request="plaza.identity.models:UpdateMeIn",
        responses={200: "plaza.identity.models:UserEnvelope"}),
    "GET /v1/users/{username}": RouteDoc(
        "A profile with follower/following counts and whether the caller follows; `me` is the"
        " caller; 404 when either has blocked the other", "users",
        responses={200: "plaza.social.models:ProfileOut", 404: None}),
    "PUT /v1/users/{username}/follow": RouteDoc(
        "Follow a user (idempotent); 422 for yourself, 404 when either has blocked the other",
        "users", responses={204: None, 404: None, 422: None}),
    "DELETE /v1/users/{username}/follow": RouteDoc(
        "Stop following a user (idempotent)", "users", responses={204: None, 404: None, 422: None}),
    "GET /v1/users/{username}/followers": RouteDoc(
        "Who follows the user, newest first; keyset pages (limit 1-100, opaque cursor); users"
        " blocked either way with the caller are left out", "users",
        query="plaza.models:PageQuery",
        responses={200: "plaza.social.models:UserPage", 404: None, 422: None}),
    "GET /v1/users/{username}/following": RouteDoc(
        "Whom the user follows, newest first; pages like /followers", "users",
        query="plaza.models:PageQuery",
        responses={200: "plaza.social.models:UserPage", 404: None, 422: None}),
    "PUT /v1/users/{username}/block": RouteDoc(
        "Block a user (idempotent): drops the follows both ways and hides each from the other",
        "users", responses={204: None, 404: None, 422: None}),
    "DELETE /v1/users/{username}/block": RouteDoc(
        "Lift your block (idempotent); follows are not restored", "users",
        responses={204: None, 404: None, 422: None}),
    "GET /v1/users/me/blocks": RouteDoc(
        "Whom the caller blocked, newest first, to unblock them (their profiles are 404s)", "users",
        query="plaza.models:PageQuery",
        responses={200: "plaza.social.models:BlockPage", 422: None}),
    "POST /v1/posts": RouteDoc(
        "Create a post (text 1-5000 characters, up to 10 media ids, public or followers-only,"
        " optionally a reply); #hashtags and @mentions are parsed (unknown or blocked users are"
        " not mentioned). Idempotency-Key: the same key and body within 24 h return the first"
        " response (Idempotent-Replayed: true) and create nothing; another body is a 409",
        "posts", request="plaza.posts.models:PostIn", headers=("Idempotency-Key",),
        responses={201: "plaza.models:PostOut", 409: None, 422: None, 429: None}),
    "GET /v1/posts/{id}": RouteDoc(
        "One post with exact like and comment counts; 404 when deleted, followers-only and the"
        " caller does not follow the author, or when either has blocked the other", "posts",
        responses={200: "plaza.models:PostOut", 404: None}),
    "PATCH /v1/posts/{id}": RouteDoc(
        "The author changes the text within 15 minutes of posting (then marked edited; hashtags"
        " and mentions follow the text); 403 for others, 409 edit-window-closed after",
        "posts", request="plaza.posts.models:PostEdit",
        responses={200: "plaza.models:PostOut", 403: None, 404: None, 409: None,
                   422: None}),
    "DELETE /v1/posts/{id}": RouteDoc(
        "Soft-delete a post (its author or a moderator); it disappears from every page and feed",
        "posts", responses={204: None, 403: None, 404: None}),
    "PUT /v1/posts/{id}/like": RouteDoc(
        "Like a post (idempotent); counts stay exact under concurrent likes", "posts",
        responses={204: None, 404: None}),
    "DELETE /v1/posts/{id}/like": RouteDoc(
        "Take a like back (idempotent); a count never goes below zero", "posts",
        responses={204: None, 404: None}),
    "GET /v1/posts/{id}/comments": RouteDoc(
        "A post's comments, oldest first; keyset pages (limit 1-100, opaque cursor); comments of"
        " users blocked either way with the caller are left out", "posts",
        query="plaza.models:PageQuery",
        responses={200: "plaza.posts.models:CommentPage", 404: None, 422: None}),
    "POST /v1/posts/{id}/comments": RouteDoc(
        "Comment on a post the caller can see (1-2000 characters). Idempotency-Key: the same key"
        " and body within 24 h return the first response (Idempotent-Replayed: true) and store"
        " nothing; another body is a 409", "posts",
        request="plaza.posts.models:CommentIn", headers=("Idempotency-Key",),
        responses={201: "plaza.posts.models:CommentOut", 404: None, 409: None, 422: None}),
    "GET /v1/users/{username}/posts": RouteDoc(
        "A user's posts the caller may see, newest first; keyset pages (limit 1-100, opaque"
        " cursor); 404 when either has blocked the other", "posts",
        query="plaza.models:PageQuery",
        responses={200: "plaza.models:PostPage", 404: None, 422: None}),
    "GET /v1/hashtags/{tag}/posts": RouteDoc(
        "Posts with a hashtag (case-insensitive, '#' optional) the caller may see, newest first;"
        " keyset pages; blocked users' posts left out", "posts",
        query="plaza.models:PageQuery",
        responses={200: "plaza.models:PostPage", 404: None, 422: None}),
    "GET /v1/feed/home": RouteDoc(
        "The caller's home feed: posts of the people they follow and their own, newest first;"
        " keyset pages (limit 1-100, opaque cursor) that stay stable while new posts arrive;"
        " blocked users' and deleted posts never appear", "feeds",
        query="plaza.models:PageQuery",
        responses={200: "plaza.models:PostPage", 422: None}),
    "GET /v1/feed/explore": RouteDoc(
        "Popular public posts of the last 7 days from people the caller does not follow, most"
        " engaged-with first; one bounded page (limit 1-100), next_cursor always null", "feeds",
        query="plaza.models:PageQuery",
        responses={200: "plaza.models:PostPage", 422: None}),
    "GET /v1/feed/trending": RouteDoc(
        "Trending public posts by time-decayed engagement (likes, comments; half-life 6 h), best"
        " first; pages of a ranking snapshot (limit 1-50, opaque cursor, at most 200 posts);"
        " deleted posts and users blocked either way are left out", "trending",
        query="plaza.trending.models:RankedPageQuery",
        responses={200: "plaza.models:PostPage", 422: None}),
    "GET /v1/feed/recommendations": RouteDoc(
        "Public posts the people the caller follows liked lately, most such likes first, then"
        " newest; never the caller's own or liked posts, posts of people the caller follows"
        " (seen in the home feed) or blocked users'; at most 100 (limit 1-50, opaque cursor)",
        "trending", query="plaza.trending.models:RankedPageQuery",
        responses={200: "plaza.models:PostPage", 422: None}),
    "GET /v1/trending/hashtags": RouteDoc(
        "Hashtags by time-decayed engagement over the last 24 h (half-life 3 h), best first",
        "trending", query="plaza.trending.models:HashtagQuery",
        responses={200: "plaza.trending.models:HashtagList", 422: None}),
    "GET /v1/search": RouteDoc(
        "Users, posts or hashtags matching q, as the caller may see them: relevance then recency,"
        " keyset pages (limit 1-50), each item with an HTML-escaped highlight (matches in <mark>)",
        "search", query="plaza.search.models:SearchQuery",
        responses={200: "plaza.search.models:SearchPage", 422: None}),
    "GET /v1/search/suggestions": RouteDoc(
        "Up to 10 users, then hashtags, whose name starts with q",
        "search", query="plaza.search.models:SuggestionQuery",
        responses={200: "plaza.search.models:SuggestionList", 422: None}),
    "GET /v1/search/trending": RouteDoc(
        "Public: today's 10 most searched queries, normalised, counted without user ids",
        "search", responses={200: "plaza.search.models:TrendingQueries"}),
    "GET /v1/admin/search/insights": RouteDoc(
        "Moderator+: per day (from..to, UTC, at most 31 days) the 10 most searched queries and the"
        " 10 most searched that found nothing; normalised, no user ids",
        "search", query="plaza.search.models:InsightsQuery",
        responses={200: "plaza.search.models:SearchInsights", 403: None, 422: None}),
    "GET /v1/notifications": RouteDoc(
        "The caller's notifications (follow, like, comment, mention, message), newest first;"
        " keyset pages (limit 1-100, opaque cursor) with the unread count (counted up to 1000);"
        " users blocked either way are left out", "notifications",
        query="plaza.models:PageQuery",
        responses={200: "plaza.notifications.models:NotificationPage", 422: None}),
    "POST /v1/notifications/read": RouteDoc(
        "Mark notifications read: {ids: [...]} (up to 100) or {all: true}; ids of other users'"
        " notifications change nothing", "notifications", request="plaza.notifications.models:ReadIn",
        responses={200: "plaza.notifications.models:ReadOut", 422: None}),
    "GET /v1/notifications/preferences": RouteDoc(
        "Which kinds of notification the caller gets (all on by default)", "notifications",
        responses={200: "plaza.notifications.models:Preferences"}),
    "PUT /v1/notifications/preferences": RouteDoc(
        "Turn kinds of notification on or off; kinds left out keep their setting. A kind turned"
        " off is neither stored, delivered live nor pushed", "notifications",
        request="plaza.notifications.models:PreferencesIn",
        responses={200: "plaza.notifications.models:Preferences", 422: None}),
    "PUT /v1/devices/{device_id}/push-token": RouteDoc(
        "Register the device's push token (APNs or FCM), or the browser's Web Push subscription"
        " (PushSubscription.toJSON(): endpoint at a known push service, keys p256dh and auth),"
        " for pushes while the caller is offline; a token registered by another account moves"
        " to this one", "notifications",
        request="plaza.notifications.models:PushRegistrationIn",
        responses={204: None, 403: None, 422: None}),
    "GET /v1/notifications/web-push-key": RouteDoc(
        "The Web Push application server key (VAPID public key: base64url, an uncompressed"
        " P-256 point) a browser passes to PushManager.subscribe as applicationServerKey; 404"
        " when this stage has no Web Push key", "notifications",
        responses={200: "plaza.notifications.models:WebPushKeyOut", 404: None}),
    "POST /v1/admin/announcements": RouteDoc(
        "Admins: broadcast {title, text} to every connection subscribed to `announcements`"
        " (not stored); 403 for other roles", "admin", request="plaza.notifications.models:AnnouncementIn",
        responses={202: None, 403: None, 422: None}),
    "GET /v1/admin/users": RouteDoc(
        "Moderators: accounts newest first, filtered by `query` (part of a username, email or"
        " display name) and `status`; keyset pages (limit 1-100, opaque cursor)", "admin",
        query="plaza.admin.models:UserQuery", operation_id="AdminListUsers",
        responses={200: "plaza.admin.models:AdminUserPage", 403: None, 422: None}),
    "GET /v1/admin/users/{user_id}": RouteDoc(
        "Moderators: one account with its status and live sessions", "admin",
        operation_id="AdminGetUser",
        responses={200: "plaza.admin.models:AdminUserEnvelope", 403: None, 404: None, 422: None}),
    "POST /v1/admin/users/{user_id}/suspend": RouteDoc(
        "Moderators: suspend an account ranked below you and revoke its sessions (refresh and"
        " access tokens stop working); idempotent", "admin", operation_id="AdminSuspendUser",
        responses={200: "plaza.admin.models:AdminUserEnvelope", 403: None, 404: None,
                   409: None, 422: None}),
    "POST /v1/admin/users/{user_id}/reinstate": RouteDoc(
        "Moderators: make a suspended account active again; its owner logs in anew", "admin",
        operation_id="AdminReinstateUser",
        responses={200: "plaza.admin.models:AdminUserEnvelope", 403: None, 404: None,
                   409: None, 422: None}),
    "PUT /v1/admin/users/{user_id}/role": RouteDoc(
        "Admins: set an account's role (never your own); a demotion revokes its sessions",
        "admin", request="plaza.admin.models:RoleIn", operation_id="AdminSetRole",
        responses={200: "plaza.admin.models:AdminUserEnvelope", 403: None, 404: None,
                   409: None}),
    "GET /v1/admin/reports": RouteDoc(
        "Moderators: reported targets, one item per target with its distinct reporters, reasons,"
        " notes and the content as first reported (a snapshot); open ones oldest first, resolved"
        " ones latest first; keyset pages (limit 1-100, opaque cursor)", "admin",
        query="plaza.moderation.models:QueueQuery", operation_id="AdminReportQueue",
        responses={200: "plaza.moderation.models:QueuePage", 403: None, 422: None}),
    "POST /v1/admin/reports/{report_id}/resolve": RouteDoc(
        "Moderators: decide every open report of the report's target: dismiss (brings back"
        " content hidden pending review), take_down (removed by moderation everywhere), warn,"
        " suspend or ban (the author's account; only admins lift a ban); reporters are notified,"
        " the author of a take-down or warning too; audited", "admin",
        request="plaza.moderation.models:ResolveIn", operation_id="AdminResolveReport",
        responses={200: "plaza.moderation.models:Resolution", 403: None, 404: None, 409: None,
                   422: None}),
    "GET /v1/admin/audit": RouteDoc(
        "Admins: the append-only audit log, newest first, filtered by actor, target, action and"
        " time (`from` inclusive, `to` exclusive); keyset pages (limit 1-100, opaque cursor)",
        "admin", query="plaza.audit.models:AuditQuery", operation_id="AdminAuditLog",
        responses={200: "plaza.audit.models:AuditPage", 403: None, 422: None}),
    "GET /v1/admin/queues": RouteDoc(
        "Admins: every queue of the stack and its dead-letter queue: depth, in flight and the age"
        " of the oldest message (a queue's from CloudWatch, null where it has none)", "admin",
        operation_id="AdminQueues", responses={200: "plaza.admin.models:QueuePage", 403: None}),
    "GET /v1/admin/queues/{name}/dead-letters": RouteDoc(
        "Admins: up to `limit` (1-10) dead letters of the queue, tokens and secrets redacted",
        "admin", query="plaza.admin.models:DeadLetterQuery", operation_id="AdminDeadLetters",
        responses={200: "plaza.admin.models:DeadLetterPage", 403: None, 404: None, 422: None}),
    "POST /v1/admin/queues/{name}/redrive": RouteDoc(
        "Admins: move the queue's dead letters back to it (up to 500 a request); audited",
        "admin", operation_id="AdminRedrive",
        responses={200: "plaza.admin.models:QueueWork", 403: None, 404: None}),
    "POST /v1/admin/queues/{name}/purge": RouteDoc(
        "Admins: delete every dead letter of the queue; audited", "admin",
        operation_id="AdminPurgeDeadLetters",
        responses={200: "plaza.admin.models:QueueWork", 403: None, 404: None}),
    "DELETE /v1/users/me": RouteDoc(
        "Delete the caller's account (the password again; 403 when wrong): scheduled 7 days out"
        " (202), the account hidden and every session ended now; asking again answers the"
        " scheduled deletion", "users", request="plaza.accounts.models:DeletionIn",
        responses={202: "plaza.accounts.models:DeletionOut", 403: None, 422: None}),
    "POST /v1/me/deletion/cancel": RouteDoc(
        "Sign in again within the 7 days (email or username and password, X-Device-Id): the"
        " deletion is cancelled and the answer is a login's token pair; 401 for wrong"
        " credentials, 409 when no deletion waits", "auth", request="plaza.identity.models:LoginIn",
        headers=("X-Device-Id",),
        responses={200: "plaza.identity.models:TokenPair", 401: None, 409: None, 422: None}),
    "POST /v1/me/exports": RouteDoc(
        "Export the caller's data (GDPR access), 202: profile, sessions, posts, comments, likes,"
        " follows, blocks, conversations, messages they sent and notifications, collected into a"
        " zip (export.json and a readable index.html); an export_ready notification says when"
        " it is ready. One a day: 429 with Retry-After and the standing export's `export_id`"
        " (a failed one does not count)", "users",
        responses={202: "plaza.accounts.models:ExportOut", 404: None, 429: None, 503: None}),
    "GET /v1/me/exports/{id}": RouteDoc(
        "The caller's export: status (pending, running, ready, failed, expired), progress (the"
        " share of pages collected) and, while ready, a presigned `download_url` of the zip, valid"
        " until the export expires 7 days after it was ready (signed afresh on each call);"
        " 404 for anyone else's", "users",
        responses={200: "plaza.accounts.models:ExportOut", 404: None}),
    "POST /v1/calls": RouteDoc(
        "Start an audio or video call in a conversation (a member), 201 with the caller's"
        " provider token {call_id, channel, token, uid, expires_at}; the other members get"
        " call.incoming on the WebSocket (a push when offline) and answer with the WebSocket"
        " actions call.accept (its answer carries their token), call.decline and call.end; a call"
        " nobody answers within CallRingTimeoutSeconds (45) ends as missed and notifies. 403"
        " across a block, 404 for non-members, 409 while the conversation has a live call."
        " Idempotency-Key: the same key and body within 24 h return the first response and ring"
        " nobody again", "chat", request="plaza.chat.call_models:CallIn",
        headers=("Idempotency-Key",),
        responses={201: "plaza.chat.call_models:CallToken", 403: None, 404: None, 409: None,
                   422: None}),
    "GET /v1/conversations/{id}/calls": RouteDoc(
        "The conversation's call log (?limit, ?cursor), newest first: status, start, answer and"
        " end times, ring and talk durations; 404 for anyone but its members", "chat",
        responses={200: "plaza.chat.call_models:CallPage", 404: None}),
    "POST /v1/payments/webhooks/stripe": RouteDoc(
        "Stripe webhook: verified against the raw body with the stripe library (Stripe-Signature,"
        " 5 minutes' tolerance; 400 when forged or stale), recorded by event id and queued;"
        " a redelivery of an applied event is a 200 that does nothing", "payments",
        headers=("Stripe-Signature",), responses={200: None, 400: None}),
    "POST /v1/payments/webhooks/razorpay": RouteDoc(
        "Razorpay webhook: verified against the raw body with the razorpay library"
        " (X-Razorpay-Signature, HMAC-SHA256 with the webhook secret; 400 when forged), recorded"
        " by X-Razorpay-Event-Id and queued; a redelivery of an applied event is a 200 that does"
        " nothing", "payments",
        headers=("X-Razorpay-Signature", "X-Razorpay-Event-Id"), responses={200: None, 400: None}),
    "GET /v1/me/subscription": RouteDoc(
        "The caller's subscription as the provider last described it (plan, status, period end,"
        " cancel at period end, active); 404 for none", "payments",
        responses={200: "plaza.payments.models:SubscriptionOut", 404: None}),
    "GET /v1/me/wallet": RouteDoc(
        "The caller's coin balance: the sum of their ledger entries, never negative", "payments",
        responses={200: "plaza.payments.models:WalletOut"}),
    "GET /v1/me/wallet/entries": RouteDoc(
        "The caller's ledger entries, newest first; keyset pages (limit 1-100, opaque cursor)",
        "payments", query="plaza.models:PageQuery",
        responses={200: "plaza.payments.models:EntryPage", 422: None}),
    "POST /v1/wallet/transfers": RouteDoc(
        "Gift coins to another user (by username): two ledger entries in one transaction; 409"
        " with too few coins, 404 for no such user. Idempotency-Key: the same key and body within"
        " 24 h return the first response (Idempotent-Replayed: true) and move nothing", "payments",
        request="plaza.payments.models:TransferIn", headers=("Idempotency-Key",),
        responses={201: "plaza.payments.models:TransferOut", 404: None, 409: None, 422: None}),
    "GET /v1/admin/analytics": RouteDoc(
        "Moderator+: the hourly rollup's metrics (dau wau mau signups posts comments likes"
        " messages conversations reports open_reports peak_connections; wau and mau per day only)"
        " from..to (UTC buckets; default the last 30 days or 48 hours; at most 400 days or 744"
        " hours), one value per bucket, null where no rollup wrote it; 422 for an unknown metric"
        " or a bad range", "admin", query="plaza.analytics.models:AnalyticsQuery",
        operation_id="AdminAnalytics",
        responses={200: "plaza.analytics.models:AnalyticsSeries", 403: None, 422: None}),
    "GET /v1/admin/openapi.json": RouteDoc(
        "Admins: the admin API's own OpenAPI document (what /v1/admin/docs shows)", "admin",
        operation_id="AdminOpenApi", responses={200: None, 403: None}),
    "GET /v1/admin": RouteDoc(
        "The back office dashboard (HTML, no data in it): sign in as an admin or moderator, then"
        " line charts of the analytics, the open reports and the queue depths", "admin",
        responses={200: None}),
    "GET /v1/admin/docs": RouteDoc(
        "Swagger UI for the admin API (HTML, vendored swagger-ui-dist); it fetches"
        " /v1/admin/openapi.json with an admin's token", "admin", responses={200: None}),
    "GET /v1/admin/assets/{name}": RouteDoc(
        "The back office pages' scripts and styles and the vendored uPlot and swagger-ui-dist;"
        " 404 for any other name", "admin", responses={200: None, 404: None}),
    "POST /v1/media/uploads": RouteDoc(
        "Sign one upload: purpose avatar (5 MB), post or chat (10 MB images: jpeg, png, webp, gif,"
        " heic), document (10 MB pdf) or video (100 MB mp4, webm, mov). Up to 10 MB: a presigned"
        " POST (form `fields`, then the file, to `url`) whose policy pins the key, the exact"
        " Content-Type and the size, so the storage refuses anything else; past 10 MB (video):"
        " multipart, parts signed by .../parts. 422 for a type or size the purpose does not take,"
        " 409 past the 1 GB quota. The `media` rate limit (50/min per user)", "media",
        request="plaza.media.models:UploadIn",
        responses={201: "plaza.media.models:UploadOut", 409: None, 422: None}),
    "POST /v1/media/uploads/{id}/parts": RouteDoc(
        "Presigned PUT URLs for parts (8 MiB each, the last smaller) of a multipart upload",
        "media", request="plaza.media.models:PartsIn",
        responses={200: "plaza.media.models:PartsOut", 404: None, 409: None, 422: None}),
    "POST /v1/media/uploads/{id}/complete": RouteDoc(
        "Assemble the uploaded parts (part numbers and ETags); processing follows as for a POST."
        " 409 when the assembled size takes the caller past the quota (the object is dropped)",
        "media", request="plaza.media.models:CompleteIn",
        responses={200: "plaza.media.models:MediaOut", 404: None, 409: None, 422: None}),
    "GET /v1/media/{id}": RouteDoc(
        "One media: status pending, ready or rejected (with a reason), dimensions, blurhash and"
        " variant URLs (original, thumb 256 px and medium 1080 px WebP): CDN URLs for avatars and"
        " posts, 15-minute signed URLs otherwise. Its owner, or anyone who may see a post or"
        " message it is attached to; 404 for anyone else", "media",
        responses={200: "plaza.media.models:MediaOut", 404: None}),
    "GET /v1/media": RouteDoc(
        "The caller's media, newest first; keyset pages (limit 1-100, opaque cursor)", "media",
        query="plaza.models:PageQuery",
        responses={200: "plaza.media.models:MediaPage", 422: None}),
    "DELETE /v1/media/{id}": RouteDoc(
        "Delete the caller's media: its object and variants, and it no longer shows on what it"
        " was attached to", "media", responses={204: None, 404: None}),
    "GET /l/{code}": RouteDoc(
        "Follow a short link (public, no token): 302 with Location to its target; each click is"
        " counted (time, referrer host, country, browser and device, a daily salted hash of the"
        " address for uniques; never the address). 404 for no such link, 410 for a deleted or"
        " expired one", "links", responses={302: None, 404: None, 410: None}),
    "POST /v1/links": RouteDoc(
        "Shorten a URL: only public http(s) targets of at most 2,048 characters, no credentials;"
        " hosts inside a network (loopback, private, link-local, metadata), written as an address"
        " in any form or resolving to one, are refused (422), and so is a name that does not"
        " resolve. An alias (3-32 of A-Z a-z 0-9 _ -) or a random 7-character code; a taken alias"
        " is 409. Idempotency-Key: the same key and body within 24 h return the first response."
        " 100 requests a minute per user to the links routes", "links",
        request="plaza.links.models:LinkIn", headers=("Idempotency-Key",),
        responses={201: "plaza.links.models:LinkOut", 409: None, 422: None, 429: None}),
    "GET /v1/links": RouteDoc(
        "The caller's links, newest first (keyset pages), with their click counts", "links",
        query="plaza.models:PageQuery",
        responses={200: "plaza.links.models:LinkPage", 422: None, 429: None}),
    "GET /v1/links/{code}": RouteDoc(
        "One of the caller's links; 404 for anyone else's", "links",
        responses={200: "plaza.links.models:LinkOut", 404: None, 429: None}),
    "PATCH /v1/links/{code}": RouteDoc(
        "Change a link's target (checked as on create) and/or expiry (null: never); the redirect"
        " follows at once", "links", request="plaza.links.models:LinkPatch",
        responses={200: "plaza.links.models:LinkOut", 404: None, 422: None, 429: None}),
    "DELETE /v1/links/{code}": RouteDoc(
        "Delete a link: its short URL answers 410 from then on and the code is never reused",
        "links", responses={204: None, 404: None, 429: None}),
    "GET /v1/links/{code}/stats": RouteDoc(
        "A link's clicks and unique visitors per UTC day between ?from= and ?to= (dates, both"
        " included; the last 30 days by default, at most 366), and its top 10 referrer hosts,"
        " countries, devices and browsers. Live: subscribe to `link:{code}` on the WebSocket for"
        " `link.clicks` frames", "links", query="plaza.links.models:StatsQuery",
        responses={200: "plaza.links.models:StatsOut", 404: None, 422: None, 429: None}),
    "POST /v1/reports": RouteDoc(
        "Report a post, comment, user or message the caller can see (a message only as a member"
        " of its conversation), with a reason and an optional note; a repeat while the first is"
        " open answers 200 with it. The content is kept as reported. 10 an hour per user",
        "moderation", request="plaza.moderation.models:ReportIn",
        responses={200: "plaza.moderation.models:ReportEnvelope",
                   201: "plaza.moderation.models:ReportEnvelope", 403: None, 404: None,
                   422: None, 429: None}),
}

# Proxy routes (one function with a router of its own), by route key: the routes the function
# serves, each documented in ROUTES as if API Gateway routed it.
PROXY_ROUTES: dict[str, tuple[str, ...]] = {
    "ANY /v1/admin/{proxy+}": (
        "GET /v1/admin/users", "GET /v1/admin/users/{user_id}",
        "POST /v1/admin/users/{user_id}/suspend", "POST /v1/admin/users/{user_id}/reinstate",
        "PUT /v1/admin/users/{user_id}/role", "GET /v1/admin/reports",
        "POST /v1/admin/reports/{report_id}/resolve", "GET /v1/admin/audit",
        "GET /v1/admin/queues", "GET /v1/admin/queues/{name}/dead-letters",
        "POST /v1/admin/queues/{name}/redrive", "POST /v1/admin/queues/{name}/purge",
        "GET /v1/admin/analytics", "GET /v1/admin/openapi.json"),
}


def _served(routes: list[Any]) -> Iterator[Any]:
    """The template's routes as clients see them: a proxy route stands for the routes it serves."""
    for route in routes:
        if route.route_key not in PROXY_ROUTES:
            yield route
            continue
        for key in PROXY_ROUTES[route.route_key]:
            method, _, path = key.partition(" ")
            yield replace(route, method=method, path=path)


_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"},
            "type": {"type": "string"}}}},
    },
}

_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 302: "Found",
                400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                409: "Conflict", 410: "Gone",
                413: "Payload Too Large", 415: "Unsupported Media Type",
                422: "Unprocessable Content", 429: "Too Many Requests",
                503: "Service Unavailable"}


def _model(reference: str) -> Any:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": _PROBLEM}

    def ref(self, reference: str, mode: str) -> dict[str, Any]:
        model = _model(reference)
        schema = model.model_json_schema(mode=mode, ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self.components[name] = definition
        name = model.__name__
        self.components[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}


def _problem_response(status: int) -> dict[str, Any]:
    return {"description": _STATUS_TEXT.get(status, str(status)),
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}}


def build() -> dict[str, Any]:
    sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]
    from localcloud.template import load_stack

    stack = load_stack(ROOT / "template.yaml")
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    missing = []
    for api in stack.http_apis.values():
        for route in _served(api.routes):
            doc = ROUTES.get(route.route_key)
            if doc is None:
                missing.append(route.route_key)
                continue
            operation: dict[str, Any] = {
                "summary": doc.summary,
                "tags": [doc.tag],
                "operationId": doc.operation_id or stack.functions[route.function].logical_id,
                "responses": {},
            }
            parameters = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"\{([^}+]+)\+?\}", route.path)
            ]
            if doc.query:
                query_schema = _model(doc.query).model_json_schema()
                for name, prop in query_schema.get("properties", {}).items():
                    parameters.append({"name": name, "in": "query",
                                       "required": name in query_schema.get("required", []),
                                       "schema": prop})
            for header in doc.headers:
                parameters.append({"name": header, "in": "header", "required": True,
                                   "schema": {"type": "string"}})
            if parameters:
                operation["parameters"] = parameters
            if doc.request:
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": schemas.ref(doc.request, "validation")}}}
            for status, reference in sorted(doc.responses.items()):
                if status >= 400:
                    operation["responses"][str(status)] = _problem_response(status)
                elif reference:
                    operation["responses"][str(status)] = {
                        "description": _STATUS_TEXT.get(status, str(status)),
                        "content": {"application/json": {
                            "schema": schemas.ref(reference, "serialization")}}}
                else:
                    operation["responses"][str(status)] = {
                        "description": _STATUS_TEXT.get(status, str(status))}
            if doc.request:
                for status in (400, 422):
                    operation["responses"].setdefault(str(status), _problem_response(status))
            if route.authorizer:
                operation["security"] = [{"bearer": [], "device": []}]
                operation["responses"].setdefault("401", _problem_response(401))
            else:
                operation["security"] = []
            paths.setdefault(route.path, {})[route.method.lower()] = operation
    if missing:
        raise SystemExit(f"routes without an entry in docs/openapi.py ROUTES: {missing}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Plaza API", "version": "1.0.0",
                 "description": "Plaza's HTTP API. Errors are RFC 9457 problem+json."},
        "servers": [{"url": "http://127.0.0.1:3000", "description": "make dev"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "device": {"type": "apiKey", "in": "header", "name": "X-Device-Id"},
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
