"""Loads a SAM template into the stack the local cloud serves: parameter values from
samconfig.toml's environment (`dev` by default), the template translated as on deploy, then
each resource view read from the translated resources with intrinsics resolved locally."""

from __future__ import annotations

from pathlib import Path

from localcloud.template.apis import read_apis
from localcloud.template.reading import read_template
from localcloud.template.resolver import LocalEndpoints, Resolver, TemplateError
from localcloud.template.resources import read_resource
from localcloud.template.samconfig import (
    parameter_values,
    samconfig_parameters,
    samconfig_stack_name,
)
from localcloud.template.stack import Stack
from localcloud.template.triggers import read_triggers

DEFAULT_STACK_NAME = "plaza-local"


def load_stack(template_path: Path, *, environment: str = "dev",
               parameter_overrides: dict[str, str] | None = None,
               endpoints: LocalEndpoints | None = None, stack_name: str | None = None) -> Stack:
    template_path = template_path.resolve()
    root = template_path.parent
    samconfig = root / "samconfig.toml"
    given = {**samconfig_parameters(samconfig, environment), **(parameter_overrides or {})}
    template = read_template(template_path, given)
    parameters = parameter_values(template.document.get("Parameters") or {}, given)
    name = stack_name or samconfig_stack_name(samconfig, environment) or DEFAULT_STACK_NAME
    resolver = Resolver(template.document, parameters, name, endpoints or LocalEndpoints())
    stack = Stack(root=root, name=name, parameters=parameters)
    resources = {logical_id: resource for logical_id, resource in template.resources.items()
                 if "Condition" not in resource or resolver.condition(resource["Condition"])}
    for logical_id, resource in resources.items():
        read_resource(stack, resolver, logical_id, str(resource.get("Type")),
                      resource.get("Properties") or {})
    read_apis(stack, resolver, resources)
    read_triggers(stack, resolver, template)
    for output_name, output in (template.document.get("Outputs") or {}).items():
        try:
            stack.outputs[output_name] = resolver.resolve(output.get("Value"))
        except (TemplateError, KeyError):
            continue
    return stack

