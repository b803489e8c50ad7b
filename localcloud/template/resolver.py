"""Evaluates CloudFormation's intrinsic functions against the local cloud's values.

Neither cfn-lint nor the SAM translator resolves intrinsics against a stack's values: this
does, for the ones Plaza's templates use (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
`Fn::If`/conditions, `Fn::Select`, `Fn::Split`, `Fn::Equals`). Resources get the physical
names and ARNs the local services use, and API Gateway URLs in resolved strings are rewritten
to the local endpoints, so a handler that builds its @connections client from
`https://{api}.execute-api...` reaches the local cloud unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localcloud.template.account import ACCOUNT_ID, REGION, URL_SUFFIX


@dataclass
class LocalEndpoints:
    """Where the local cloud serves what AWS would; used when resolving the template."""

    http_url: str = "http://127.0.0.1:3000"
    websocket_url: str = "ws://127.0.0.1:3001"
    aws_endpoint: str = "http://127.0.0.1:4566"


class TemplateError(ValueError):
    pass


class Resolver:
    """Evaluates intrinsic functions against parameters and local physical ids."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, Any], stack_name: str,
                 endpoints: LocalEndpoints) -> None:
        self.template = template
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.parameters = parameters
        self.stack_name = stack_name
        self.endpoints = endpoints
        self.conditions: dict[str, bool] = {}
        self._api_hosts: list[tuple[str, bool]] | None = None
        for name in template.get("Conditions") or {}:
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            expr = (self.template.get("Conditions") or {})[name]
            self.conditions[name] = bool(self.resolve(expr))
        return self.conditions[name]

    # Physical ids the local cloud gives resources; one place so every part agrees.
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id) or {}
        props = resource.get("Properties") or {}
        kind = resource.get("Type", "")
        explicit = {
            "AWS::Serverless::Function": "FunctionName",
            "AWS::Lambda::Function": "FunctionName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::Serverless::StateMachine": "Name",
            "AWS::StepFunctions::StateMachine": "StateMachineName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Events::EventBus": "Name",
            "AWS::SES::ConfigurationSet": "Name",
            "AWS::Serverless::LayerVersion": "LayerName",
            "AWS::Lambda::LayerVersion": "LayerName",
        }.get(kind)
        if explicit and props.get(explicit) is not None:
            return str(self.resolve(props[explicit]))
        if kind == "AWS::S3::Bucket":
            return f"{self.stack_name}-{logical_id}".lower()
        if kind == "AWS::SQS::Queue" and props.get("FifoQueue"):
            return f"{self.stack_name}-{logical_id}.fifo"
        return f"{self.stack_name}-{logical_id}"

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
            "AWS::URLSuffix": URL_SUFFIX, "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"Ref to unknown name {name!r}")
        kind = resource.get("Type", "")
        physical = self.physical_name(name)
        if kind == "AWS::SQS::Queue":
            return f"{self.endpoints.aws_endpoint}/{ACCOUNT_ID}/{physical}"
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{physical}"
        if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api",
                    "AWS::Serverless::Api"):
            return name.lower()
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{physical}:1"
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            # A published version or its alias (AutoPublishAlias): the function's ARN with a
            # qualifier; the local cloud runs the function's current code for either.
            props = resource.get("Properties") or {}
            function = self.physical_name(str(ref_name(props.get("FunctionName"))))
            qualifier = props.get("Name", "1") if kind == "AWS::Lambda::Alias" else "1"
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}:{qualifier}"
        return physical

    def get_att(self, name: str, attribute: str) -> Any:
        resource = self.resources.get(name)
        if resource is None:
            raise TemplateError(f"GetAtt of unknown resource {name!r}")
        kind = resource.get("Type", "")
        physical = self.physical_name(name)
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{physical}"
        if kind == "AWS::SQS::Queue":
            return {
                "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{physical}",
                "QueueName": physical,
                "QueueUrl": f"{self.endpoints.aws_endpoint}/{ACCOUNT_ID}/{physical}",
            }[attribute]
        if kind == "AWS::S3::Bucket":
            return {
                "Arn": f"arn:aws:s3:::{physical}",
                "DomainName": f"{physical}.s3.amazonaws.com",
                "RegionalDomainName": f"{physical}.s3.{REGION}.amazonaws.com",
            }[attribute]
        if kind == "AWS::CloudFront::Distribution" and attribute == "DomainName":
            # No CDN runs locally: empty, a function serves what the distribution would from
            # its origin on the local S3 (plaza.media reads the bucket path-style).
            return ""
        if kind == "AWS::Events::EventBus" and attribute in ("Arn", "Name"):
            return (physical if attribute == "Name"
                    else f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{physical}")
        if attribute in ("Arn", "Name", "StateMachineName"):
            if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
                return (physical if attribute != "Arn"
                        else f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{physical}")
            if kind == "AWS::Logs::LogGroup":
                return f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{physical}"
            return f"arn:aws:{kind.split('::')[1].lower()}:{REGION}:{ACCOUNT_ID}:{physical}"
        if attribute == "ApiEndpoint":
            return f"https://{name.lower()}.execute-api.{REGION}.{URL_SUFFIX}"
        return f"{physical}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                result = self.ref(arg)
                return _NO_VALUE if result is None else result
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(self.resolve(parts[0]), self.resolve(parts[1]))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = self.resolve(arg)
                return items[int(index)]
            if key == "Fn::Split":
                sep, text = self.resolve(arg)
                return str(text).split(sep)
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                left, right = self.resolve(arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in arg)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in arg)
            if key == "Condition":
                return self.condition(arg)
            if key in ("Fn::ImportValue", "Fn::GetAZs", "Fn::Base64", "Fn::FindInMap"):
                raise TemplateError(f"{key} is not supported by the local cloud")
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items())
                if v is not _NO_VALUE}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return self.localise(re.sub(r"\$\{([^}]+)\}", replace, text))

    def localise(self, text: str) -> str:
        """Point API Gateway URLs of this stack at the local endpoints."""
        if "execute-api" not in text:  # most Subs (every function's environment) name no API
            return text
        if self._api_hosts is None:
            # Only APIs have such hosts; found once (the tree has ~700 resources, ~1,000 Subs).
            self._api_hosts = [
                (f"{logical_id.lower()}.execute-api.{REGION}.{URL_SUFFIX}",
                 resource.get("Type") == "AWS::ApiGatewayV2::Api"
                 and (resource.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET")
                for logical_id, resource in self.resources.items()
                if str(resource.get("Type", "")).startswith(
                    ("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::Api",
                     "AWS::ApiGateway::RestApi"))]
        for api_host, websocket in self._api_hosts:
            if api_host not in text:
                continue
            if websocket:
                http_base = self.endpoints.websocket_url.replace("ws://", "http://", 1)
                text = text.replace(f"https://{api_host}", http_base)
                text = text.replace(f"wss://{api_host}", self.endpoints.websocket_url)
            else:
                text = text.replace(f"https://{api_host}", self.endpoints.http_url)
        return text

    def logical_id_of(self, arn_expr: Any) -> str:
        """The resource an ARN expression (a FunctionArn, an IntegrationUri, a target) names."""
        if isinstance(arn_expr, dict):
            if "Fn::GetAtt" in arn_expr:
                ref = arn_expr["Fn::GetAtt"]
                return str(ref[0] if isinstance(ref, list) else str(ref).split(".")[0])
            if "Ref" in arn_expr:
                return self._function_of(str(arn_expr["Ref"]))
            if "Fn::Sub" in arn_expr:
                found = self._sub_target(arn_expr["Fn::Sub"])
                if found:
                    return found
        resolved = str(self.resolve(arn_expr))
        match = re.search(r":function:([^/:]+)", resolved)
        if match:
            for logical_id in self.resources:
                if self.physical_name(logical_id) == match.group(1):
                    return logical_id
        raise TemplateError(f"cannot tell which resource {arn_expr!r} refers to")

    def _function_of(self, logical_id: str) -> str:
        """The function a published version or alias stands for; any other id as it is."""
        resource = self.resources.get(logical_id) or {}
        if resource.get("Type") in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            function = ref_name((resource.get("Properties") or {}).get("FunctionName"))
            if function:
                return self._function_of(function)
        return logical_id

    def _sub_target(self, arg: Any) -> str | None:
        """`${Name.Arn}` in a Sub's text, or a variable of its own bound to a GetAtt / Ref."""
        text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
        for match in re.finditer(r"\$\{([A-Za-z0-9_]+)(\.Arn)?\}", str(text)):
            name = match.group(1)
            if name in variables:
                try:
                    return self.logical_id_of(variables[name])
                except TemplateError:
                    continue
            if match.group(2) and name in self.resources:
                return name
            if name in self.resources and self._function_of(name) != name:
                return self._function_of(name)
        return None


class _NoValue:
    pass


_NO_VALUE: Any = _NoValue()


def ref_name(value: Any) -> str | None:
    """The logical id of `{"Ref": id}`, or a plain string as it is."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return str(value) if isinstance(value, str) else None
