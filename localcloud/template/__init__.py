"""Reads a SAM template into what the local cloud serves.

`reading` decodes and translates the template as AWS does on deploy, `resolver` evaluates
intrinsics against local values, `stack` holds the resource views that `resources`, `apis` and
`triggers` read, and `loading.load_stack` puts them together. Tools outside the local cloud
(bench, docs, tests) use this face: the account, `load_stack` and the `Stack` it returns.
"""

from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.loading import load_stack
from localcloud.template.resolver import LocalEndpoints
from localcloud.template.stack import Stack

__all__ = ["ACCOUNT_ID", "REGION", "LocalEndpoints", "Stack", "load_stack"]
