"""Flattens nested stacks (`AWS::Serverless::Application` with a local template `Location`)
into their parent's translated document, so the rest of the local cloud reads one template.

A child's parameters become the expressions its parent passes (or the child's defaults), its
resources, conditions and mappings join the parent's, and the parent's references to its
outputs (`!GetAtt Child.Outputs.X`, `${Child.Outputs.X}`) become the outputs' values.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from localcloud.template.resolver import TemplateError

APPLICATION = "AWS::Serverless::Application"
_SUB_NAME = re.compile(r"\$\{([^}]+)\}")
_MERGED_SECTIONS = ("Resources", "Conditions", "Mappings")


def nested_stack_locations(template: dict[str, Any]) -> dict[str, str]:
    """The written template's nested stacks with a local template: logical id -> Location."""
    locations = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        location = (resource.get("Properties") or {}).get("Location")
        if (resource.get("Type") == APPLICATION and isinstance(location, str)
                and "://" not in location):
            locations[logical_id] = location
    return locations


def child_parameter_values(passed: dict[str, Any], parent_values: dict[str, Any]
                           ) -> dict[str, str]:
    """What the translator needs of a child's parameters: the values its parent passes as
    literals or as `Ref`s to its own parameters. The rest stay symbolic (the child's defaults
    meanwhile), as only a few SAM features (AutoPublishAlias, ...) read parameter values."""
    values = {}
    for name, expression in passed.items():
        ref = expression.get("Ref") if isinstance(expression, dict) else None
        value = parent_values.get(ref) if isinstance(ref, str) else expression
        if isinstance(value, list):
            values[name] = ",".join(str(item) for item in value)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values[name] = str(value)
    return values


def flatten_nested_stack(parent: dict[str, Any], stack_id: str, child: dict[str, Any]) -> None:
    """Replace the parent's `stack_id` (an `AWS::CloudFormation::Stack` after translation) by
    the translated, already flattened `child` document; in place."""
    resources = parent.setdefault("Resources", {})
    stack = resources.pop(stack_id)
    properties = stack.get("Properties") or {}
    child = _with_parameters(child, properties.get("Parameters") or {}, stack_id)
    if "Condition" in stack:
        _apply_condition(child, stack["Condition"])
    for resource in resources.values():
        _drop_dependency(resource, stack_id)
    outputs = child.get("Outputs") or {}
    for section in parent:
        parent[section] = _map_intrinsics(parent[section],
                                          lambda node: _output_value(node, stack_id, outputs))
    for section in _MERGED_SECTIONS:
        merged = parent.setdefault(section, {})
        for name, value in (child.get(section) or {}).items():
            # A child restating its parent's condition or mapping (as it must, to use it)
            # shares the parent's.
            if name in merged and (section == "Resources" or merged[name] != value):
                raise TemplateError(f"{name} is declared by both nested stack {stack_id} and "
                                    "its parent (logical ids are unique across the stacks)")
            merged[name] = value
    for section in _MERGED_SECTIONS:
        if not parent[section]:
            del parent[section]


def _with_parameters(child: dict[str, Any], passed: dict[str, Any],
                     stack_id: str) -> dict[str, Any]:
    """The child with each of its parameters replaced by the parent's expression for it."""
    declared = child.get("Parameters") or {}
    unknown = sorted(set(passed) - set(declared))
    if unknown:
        raise TemplateError(f"{stack_id} passes {', '.join(unknown)}, which its template "
                            "does not declare")
    expressions = {}
    for name, spec in declared.items():
        if name in passed:
            expression = passed[name]
        elif "Default" in spec:
            expression = spec["Default"]
        else:
            raise TemplateError(f"{stack_id} passes no value for {name}, which has no default")
        if spec.get("Type") == "CommaDelimitedList":
            # A Ref to a CommaDelimitedList is a list; a parent passes it as a string.
            expression = ([item.strip() for item in expression.split(",")]
                          if isinstance(expression, str) else {"Fn::Split": [",", expression]})
        expressions[name] = expression
    substituted = {section: _map_intrinsics(value, lambda node: _parameter(node, expressions))
                   for section, value in child.items() if section != "Parameters"}
    return substituted


def _parameter(node: dict[str, Any], expressions: dict[str, Any]) -> Any:
    """`node` with the child's parameters replaced, or None when it names none."""
    ref = node.get("Ref")
    if isinstance(ref, str) and ref in expressions:
        return copy.deepcopy(expressions[ref])
    if "Fn::Sub" in node:
        return _sub_with_variables(node["Fn::Sub"], expressions,
                                   lambda variables: _map_intrinsics(
                                       variables, lambda inner: _parameter(inner, expressions)))
    return None


def _output_value(node: dict[str, Any], stack_id: str, outputs: dict[str, Any]) -> Any:
    """`node` with references to `stack_id`'s outputs replaced, or None when it has none."""
    if "Fn::GetAtt" in node:
        target = node["Fn::GetAtt"]
        parts = target.split(".", 1) if isinstance(target, str) else target
        if (isinstance(parts, list) and len(parts) == 2 and parts[0] == stack_id
                and isinstance(parts[1], str) and parts[1].startswith("Outputs.")):
            return _output(stack_id, parts[1].removeprefix("Outputs."), outputs)
        return None
    if "Fn::Sub" in node:
        prefix = f"{stack_id}.Outputs."
        values = {name: _output(stack_id, name.removeprefix(prefix), outputs)
                  for name in _sub_names(node["Fn::Sub"]) if name.startswith(prefix)}
        return _sub_with_variables(node["Fn::Sub"], values, lambda variables: _map_intrinsics(
            variables, lambda inner: _output_value(inner, stack_id, outputs)))
    return None


def _output(stack_id: str, name: str, outputs: dict[str, Any]) -> Any:
    if name not in outputs:
        raise TemplateError(f"{stack_id} has no output {name}")
    return copy.deepcopy(outputs[name].get("Value"))


def _sub_names(arg: Any) -> list[str]:
    text = arg[0] if isinstance(arg, list) else arg
    return [name for name in _SUB_NAME.findall(text if isinstance(text, str) else "")
            if not name.startswith("!")]


def _sub_with_variables(arg: Any, values: dict[str, Any],
                        substitute: Callable[[dict[str, Any]], Any]) -> Any:
    """The `Fn::Sub` of `arg` whose `${name}`s, for names in `values`, become variables of its
    list form bound to those values; None when there is nothing to replace. `substitute`
    rewrites the Sub's own variables' values."""
    text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, None)
    if not isinstance(text, str):
        return None
    if variables is None and not any(name in values for name in _sub_names(text)):
        return None
    variables = dict(substitute(variables)) if variables is not None else {}
    for name in _sub_names(text):
        if name in values and name not in variables:
            variable = _variable_name(name, variables)
            variables[variable] = copy.deepcopy(values[name])
            text = text.replace("${" + name + "}", "${" + variable + "}")
    return {"Fn::Sub": [text, variables] if variables else text}


def _variable_name(name: str, taken: dict[str, Any]) -> str:
    """A Sub variable for `${name}`: `name` itself, or alphanumeric for `Stack.Outputs.X` (as
    CloudFormation wants variable names), unique among the Sub's variables."""
    base = re.sub(r"[^A-Za-z0-9_]", "", name)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}{number}", number + 1
    return candidate


def _map_intrinsics(value: Any, replace: Callable[[dict[str, Any]], Any]) -> Any:
    """`value` with each dict that `replace` returns a replacement for (not None) replaced,
    outermost first; replacements are not visited again."""
    if isinstance(value, list):
        return [_map_intrinsics(item, replace) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        replacement = replace(value)
        if replacement is not None:
            return replacement
    return {key: _map_intrinsics(item, replace) for key, item in value.items()}


def _apply_condition(child: dict[str, Any], condition: str) -> None:
    """A conditional nested stack's resources exist only when its condition holds."""
    conditions = child.setdefault("Conditions", {})
    for resource in (child.get("Resources") or {}).values():
        own = resource.get("Condition")
        if own is None:
            resource["Condition"] = condition
            continue
        combined = f"{own}And{condition}"
        conditions[combined] = {"Fn::And": [{"Condition": own}, {"Condition": condition}]}
        resource["Condition"] = combined


def _drop_dependency(resource: dict[str, Any], stack_id: str) -> None:
    """The flattened resources need no ordering: a dependency on the stack goes."""
    depends = resource.get("DependsOn")
    if depends == stack_id:
        del resource["DependsOn"]
    elif isinstance(depends, list) and stack_id in depends:
        remaining = [name for name in depends if name != stack_id]
        if remaining:
            resource["DependsOn"] = remaining
        else:
            del resource["DependsOn"]
