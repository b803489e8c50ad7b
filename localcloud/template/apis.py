"""The stack's APIs from the translated template.

An HTTP API is the OpenAPI body SAM writes into its `AWS::ApiGatewayV2::Api` (each route's
Lambda integration, its `security`, the Lambda authorizers, CORS); a WebSocket API is its
`AWS::ApiGatewayV2::Route`s, `Integration`s, `Authorizer`s, `RouteResponse`s and `Stage`.
"""

from __future__ import annotations

import re
from typing import Any

from localcloud.template.resolver import Resolver, TemplateError, ref_name
from localcloud.template.stack import (
    Authorizer,
    Cors,
    HttpApiSpec,
    HttpRoute,
    Stack,
    WebSocketApiSpec,
    WebSocketRoute,
)

ANY_METHOD = "x-amazon-apigateway-any-method"
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", ANY_METHOD}
MAX_INTEGRATION_TIMEOUT = 29.0  # seconds; API Gateway's limit for an HTTP API integration


def read_apis(stack: Stack, resolver: Resolver, resources: dict[str, Any]) -> None:
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGatewayV2::Api":
            continue
        if props.get("ProtocolType") == "WEBSOCKET":
            stack.websocket_apis[logical_id] = WebSocketApiSpec(
                logical_id, str(resolver.resolve(props.get("RouteSelectionExpression",
                                                           "$request.body.action"))), "")
        elif isinstance(props.get("Body"), dict):
            stack.http_apis[logical_id] = _http_api(resolver, logical_id, props)
    _read_websocket_routes(stack, resolver, resources)


def _http_api(resolver: Resolver, logical_id: str, props: dict[str, Any]) -> HttpApiSpec:
    body = props["Body"]
    api = HttpApiSpec(logical_id)
    cors = body.get("x-amazon-apigateway-cors") or props.get("CorsConfiguration")
    if cors:
        api.cors = _cors(resolver.resolve(cors))
    schemes = (body.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
        if authorizer.get("type") == "request":  # JWT authorizers are not emulated
            api.authorizers[name] = _http_authorizer(resolver, name, authorizer)
    order = {name: index for index, name in enumerate(resolver.resources)}
    for path, operations in (body.get("paths") or {}).items():
        for method, operation in operations.items():
            if method in _METHODS:
                api.routes.append(_http_route(resolver, body, path, method, operation))
    # The template's order of functions, as a reader of template.yaml lists them.
    api.routes.sort(key=lambda route: order.get(route.function, len(order)))
    return api


def _http_route(resolver: Resolver, body: dict[str, Any], path: str, method: str,
                operation: dict[str, Any]) -> HttpRoute:
    integration = operation.get("x-amazon-apigateway-integration") or {}
    security = operation.get("security", body.get("security")) or []
    # SAM writes a route that opts out of the default authorizer as `security: [{NONE: []}]`.
    authorizer = next(iter(security[0]), None) if security and security[0] else None
    timeout = integration.get("timeoutInMillis")
    return HttpRoute(
        method="ANY" if method == ANY_METHOD else method.upper(),
        path=path,
        function=resolver.logical_id_of(integration.get("uri")),
        authorizer=None if authorizer in (None, "NONE") else str(authorizer),
        timeout=(min(MAX_INTEGRATION_TIMEOUT, int(resolver.resolve(timeout)) / 1000)
                 if timeout else MAX_INTEGRATION_TIMEOUT),
    )


def _cors(config: Any) -> Cors:
    """CORS from the OpenAPI extension (camelCase) or the Api's property (PascalCase)."""
    if config is True:
        config = {"allowOrigins": ["*"], "allowHeaders": ["*"], "allowMethods": ["*"]}

    def setting(name: str, default: Any = None) -> Any:
        return config.get(name, config.get(name[0].upper() + name[1:], default))

    def listed(name: str) -> list[str]:
        value = setting(name) or []
        return [item.strip() for item in value.split(",")] if isinstance(value, str) else value

    return Cors(
        allow_origins=listed("allowOrigins"),
        allow_headers=[h.lower() for h in listed("allowHeaders")],
        allow_methods=[m.upper() for m in listed("allowMethods")],
        expose_headers=[h.lower() for h in listed("exposeHeaders")],
        max_age=setting("maxAge"),
        allow_credentials=bool(setting("allowCredentials", False)),
    )


def _http_authorizer(resolver: Resolver, name: str, spec: dict[str, Any]) -> Authorizer:
    sources = spec.get("identitySource") or []
    if isinstance(sources, str):
        sources = [source.strip() for source in sources.split(",")]
    headers, query = _identity(resolver.resolve(sources))
    return Authorizer(
        name=name,
        function=resolver.logical_id_of(spec.get("authorizerUri")),
        identity_headers=headers,
        identity_query=query,
        ttl=int(resolver.resolve(spec.get("authorizerResultTtlInSeconds", 300))),
        simple_responses=bool(spec.get("enableSimpleResponses", False)),
        payload_version=str(spec.get("authorizerPayloadFormatVersion", "2.0")),
    )


def _identity(sources: list[str]) -> tuple[list[str], list[str]]:
    """`$request.header.X` and `$request.querystring.y` sources: (headers, query strings)."""
    headers = [s.split(".")[-1].lower() for s in sources if ".header." in s]
    query = [s.split(".")[-1] for s in sources if ".querystring." in s]
    return headers, query


def _read_websocket_routes(stack: Stack, resolver: Resolver, resources: dict[str, Any]) -> None:
    integrations: dict[str, str | None] = {}
    authorizers: dict[str, Authorizer] = {}
    answered = {ref_name((resource.get("Properties") or {}).get("RouteId"))
                for resource in resources.values()
                if resource.get("Type") == "AWS::ApiGatewayV2::RouteResponse"}
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::ApiGatewayV2::Integration":
            uri = props.get("IntegrationUri")
            try:
                integrations[logical_id] = resolver.logical_id_of(uri) if uri else None
            except TemplateError:
                integrations[logical_id] = None
        elif resource.get("Type") == "AWS::ApiGatewayV2::Authorizer":
            headers, query = _identity(resolver.resolve(props.get("IdentitySource") or []))
            authorizers[logical_id] = Authorizer(
                name=logical_id, function=resolver.logical_id_of(props.get("AuthorizerUri")),
                identity_headers=headers, identity_query=query, ttl=0,
                simple_responses=False, payload_version="1.0")
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        api_id = ref_name(props.get("ApiId"))
        if api_id not in stack.websocket_apis:
            continue
        if kind == "AWS::ApiGatewayV2::Stage":
            stack.websocket_apis[api_id].stage = str(resolver.resolve(props.get("StageName")))
        if kind != "AWS::ApiGatewayV2::Route":
            continue
        route_key = str(resolver.resolve(props.get("RouteKey")))
        authorizer = None
        if props.get("AuthorizerId") is not None:
            authorizer = authorizers.get(ref_name(props["AuthorizerId"]) or "")
        stack.websocket_apis[api_id].routes[route_key] = WebSocketRoute(
            route_key=route_key,
            function=integrations.get(_integration_of(props.get("Target")) or ""),
            authorizer=authorizer,
            two_way=logical_id in answered,
        )


def _integration_of(target: Any) -> str | None:
    """The Integration a route's `Target` (`integrations/{id}`) points at."""
    if isinstance(target, dict) and "Fn::Sub" in target:
        match = re.search(r"integrations/\$\{([A-Za-z0-9]+)\}", str(target["Fn::Sub"]))
        return match.group(1) if match else None
    if isinstance(target, dict) and "Fn::Join" in target:
        for part in target["Fn::Join"][1]:
            if isinstance(part, dict) and "Ref" in part:
                return str(part["Ref"])
    return None
