"""Least privilege (README, Security): each function's role, as SAM translates template.yaml, names
only the secrets, parameters, queues and APIs that function uses. Only the signers read the
private signing keys; the verifiers read the public JWKS; `execute-api:ManageConnections` and
`sqs:SendMessage` go only to functions whose code can reach the client that uses them."""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from localcloud.template.reading import flattened_source, read_template
from tests.support.function_imports import reaches

ROOT = Path(__file__).resolve().parents[2]
SOURCE: dict[str, Any] = flattened_source(ROOT / "template.yaml")["Resources"]
FUNCTIONS = {name: resource["Properties"] for name, resource in SOURCE.items()
             if resource["Type"] == "AWS::Serverless::Function"}
# The functions that issue access tokens (identity.service.login / refresh sign with JWT_KEYS).
SIGNERS = {"AuthLoginFunction", "AuthRefreshFunction", "AccountsDeletionCancelFunction"}
# The functions that sign call tokens (plaza.chat.call_tokens: starting and accepting a call).
CALL_SIGNERS = {"CallsStartFunction", "CallsAcceptFunction"}
# The function that signs browser pushes (Web Push VAPID key, plaza.stores.webpush), and the
# route that derives the key's public half for browsers from the same secret.
WEB_PUSHERS = {"NotificationsConsumeFunction"}
WEB_PUSH_KEY_READERS = WEB_PUSHERS | {"NotificationsWebPushKeyFunction"}
# The functions that verify access tokens or publish the public keys.
VERIFIERS = {"AuthAuthorizerFunction", "AuthJwksFunction"}
# Who may post to or close WebSocket connections: the WebSocket routes and everything that
# delivers to sockets (chat, live counts, notifications, announcements, broadcasts), and the
# functions that end sessions (they close the session's sockets), and media processing (it
# tells the owner an upload is ready or rejected).
MANAGE_CONNECTIONS = {
    "RealtimeDefaultFunction", "RealtimePingFunction", "RealtimeConnectFunction",
    "RealtimeDisconnectFunction", "RealtimeSubscribeFunction", "RealtimeUnsubscribeFunction",
    "RealtimeBroadcastFunction", "RealtimeMessageSendFunction", "RealtimeTypingFunction",
    "RealtimeMessageReadFunction", "ConversationsCreateFunction", "ConversationsListFunction",
    "ConversationsMessagesFunction", "ConversationsSendFunction", "ConversationsReadFunction",
    "ConversationsRenameFunction", "ConversationsMembersAddFunction",
    "ConversationsMembersRemoveFunction",
    "PostsLikeFunction", "PostsUnlikeFunction", "PostsCommentFunction",
    "NotificationsConsumeFunction", "NotificationsAnnounceFunction",
    "AuthLoginFunction", "AuthRefreshFunction", "AuthLogoutFunction", "AuthSessionDeleteFunction",
    "AuthPasswordResetFunction", "AdminApiFunction",
    "AccountsDeletionRequestFunction", "AccountsDeletionCancelFunction",
    "AccountsDeletionStepFunction",
    "CallsStartFunction", "CallsRingTimeoutFunction", "CallsAcceptFunction", "CallsDeclineFunction",
    "CallsEndFunction",
    "MediaProcessFunction",
    "LinksRecordClicksFunction",
}
# The module through which a function uses each grant (any path to it will do).
CONNECTIONS_CLIENT = "plaza.stores.realtime"
QUEUE_CLIENTS = {"NotificationsQueue": "plaza.notifications.producer",
                 "BroadcastQueue": "plaza.realtime.delivery",
                 "EmailQueue": "plaza.emails",
                 "PaymentsQueue": "plaza.payments.queue",
                 "SearchIndexQueue": "plaza.stores.search_events",
                 "ClicksQueue": "plaza.links.clicks"}
# The admin API sends dead letters back to their source queue, whichever it is (redrive).
REDRIVERS = {"AdminApiFunction": "plaza.admin.queues"}


@cache
def _translated() -> dict[str, Any]:
    return dict(read_template(ROOT / "template.yaml", {}).document["Resources"])


def _policy_documents(function: str) -> list[Any]:
    """Every policy the function's role has: inline ones and the stack's managed ones it lists."""
    resources = _translated()
    role = resources[resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
    documents: list[Any] = [policy["PolicyDocument"] for policy in role.get("Policies") or []]
    for arn in role.get("ManagedPolicyArns") or []:
        # A conditional one is `!If [cond, !Ref Policy, !Ref AWS::NoValue]` (nested when a nested
        # stack receives it conditionally): count it as granted.
        for ref in _branches(arn):
            name = ref.get("Ref") if isinstance(ref, dict) else None
            if name in resources and resources[name]["Type"] == "AWS::IAM::ManagedPolicy":
                documents.append(resources[name]["Properties"]["PolicyDocument"])
            elif not (isinstance(ref, dict) and ref.get("Ref") == "AWS::NoValue"):
                documents.append(ref)  # an AWS managed policy's ARN
    return documents


def _branches(value: Any) -> list[Any]:
    if isinstance(value, dict) and "Fn::If" in value:
        return [leaf for branch in value["Fn::If"][1:] for leaf in _branches(branch)]
    return [] if value == "" else [value]


def _statements(function: str) -> list[dict[str, Any]]:
    # AWS managed policies are named by ARN (a string, or a !Sub of one): no statements here.
    return [statement for document in _policy_documents(function)
            if isinstance(document, dict) and "Statement" in document
            for statement in document["Statement"]]


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def _granted(action: str) -> set[str]:
    return {name for name in FUNCTIONS
            if any(action in _actions(statement) for statement in _statements(name))}


def _mentions(function: str, text: str) -> bool:
    return text in json.dumps(_policy_documents(function))


def _environment(function: str) -> dict[str, Any]:
    return dict(((_translated()[function]["Properties"].get("Environment") or {})
                 .get("Variables")) or {})


def _calls(props: dict[str, Any]) -> set[str]:
    """`service.<name>` calls in a function's handler module."""
    handler = ROOT / props["CodeUri"] / f"{props['Handler'].split('.')[0]}.py"
    return {node.func.attr for node in ast.walk(ast.parse(handler.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "service"}


def test_the_signers_are_the_functions_that_issue_tokens() -> None:
    assert {name for name, props in FUNCTIONS.items()
            if _calls(props) & {"login", "refresh"}} == SIGNERS


def test_only_the_signers_may_read_the_private_signing_keys() -> None:
    assert {name for name in FUNCTIONS if _mentions(name, "${JwtKeysSecretName}")} == SIGNERS
    assert _granted("secretsmanager:GetSecretValue") == (
        SIGNERS | CALL_SIGNERS | WEB_PUSH_KEY_READERS)


def test_only_the_call_token_signers_may_read_the_call_providers_secret() -> None:
    assert {name for name in FUNCTIONS if _mentions(name, "${CallProviderSecretName}")} == CALL_SIGNERS
    assert {name for name in FUNCTIONS
            if "CALL_PROVIDER_CREDENTIALS" in _environment(name)} == CALL_SIGNERS


def test_only_the_notifications_consumer_and_the_key_route_may_read_the_web_push_key() -> None:
    assert {name for name in FUNCTIONS
            if _mentions(name, "${WebPushVapidSecretName}")} == WEB_PUSH_KEY_READERS
    assert {name for name in FUNCTIONS
            if "WEB_PUSH_VAPID" in _environment(name)} == WEB_PUSH_KEY_READERS


def test_only_the_signers_have_jwt_keys_in_their_environment() -> None:
    holding = {name for name in FUNCTIONS if "JWT_KEYS" in _environment(name)}
    assert holding == SIGNERS
    for name in SIGNERS:
        assert _environment(name)["JWT_KEYS"] == {
            "Fn::Sub": "secretsmanager:${JwtKeysSecretName}"}


def test_the_verifiers_read_the_public_keys_and_nothing_else_does() -> None:
    assert {name for name in FUNCTIONS if "JWT_PUBLIC_KEYS" in _environment(name)} == VERIFIERS
    assert {name for name in FUNCTIONS
            if _mentions(name, "${JwtPublicKeysParameter}")} == VERIFIERS
    assert all("JWT_KEYS" not in _environment(name) for name in VERIFIERS)


def test_meilisearch_settings_are_readable_only_where_search_runs() -> None:
    readers = {name for name in FUNCTIONS if _mentions(name, "${MeiliApiKeyParameter}")}
    carrying_search = {name for name, props in FUNCTIONS.items()
                       if {"Ref": "SearchLayer"} in (props.get("Layers") or [])}
    assert readers == carrying_search == {
        name for name in FUNCTIONS if "MEILI_API_KEY" in _environment(name)}


def test_manage_connections_goes_only_to_the_expected_functions() -> None:
    assert _granted("execute-api:ManageConnections") == MANAGE_CONNECTIONS


@pytest.mark.parametrize("name", sorted(MANAGE_CONNECTIONS))
def test_a_function_that_may_manage_connections_can_reach_the_connections_client(
        name: str) -> None:
    assert reaches(FUNCTIONS[name], CONNECTIONS_CLIENT), (
        f"{name} may post to connections but never imports {CONNECTIONS_CLIENT}")


def _queues_sent_to(function: str) -> set[str]:
    sent = set()
    for statement in _statements(function):
        if _actions(statement) & {"sqs:SendMessage", "sqs:SendMessage*"}:
            sent.update(queue for queue in QUEUE_CLIENTS | {"SearchIndexQueue": ""}
                        if queue in json.dumps(statement["Resource"]))
    return sent


def test_the_producers_send_to_their_queues() -> None:
    assert _queues_sent_to("UsersFollowFunction") == {"NotificationsQueue"}
    assert _queues_sent_to("PostsLikeFunction") == {"NotificationsQueue", "BroadcastQueue"}
    assert _queues_sent_to("PostsGetFunction") == set()
    assert _queues_sent_to("AuthPasswordForgotFunction") == {"EmailQueue"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_function_sends_only_to_queues_its_code_can_reach(name: str) -> None:
    if name in REDRIVERS:
        assert reaches(FUNCTIONS[name], REDRIVERS[name]), f"{name} may redrive but never imports it"
        return
    for queue in _queues_sent_to(name):
        assert queue in QUEUE_CLIENTS, f"{name} may send to {queue}, which no function produces to"
        assert reaches(FUNCTIONS[name], QUEUE_CLIENTS[queue]), (
            f"{name} may send to {queue} but never imports {QUEUE_CLIENTS[queue]}")


def test_no_function_reads_every_secret_and_parameter_through_wildcards() -> None:
    for name in FUNCTIONS:
        for statement in _statements(name):
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                assert resource != "*" or not (_actions(statement) & {
                    "ssm:GetParameter", "secretsmanager:GetSecretValue", "sqs:SendMessage",
                    "sqs:SendMessage*", "execute-api:ManageConnections"}), f"{name}: {statement}"
