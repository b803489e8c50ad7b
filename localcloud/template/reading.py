"""Reads template.yaml into the CloudFormation AWS would create from it.

YAML is decoded by cfn-lint's decoder (the `!Ref`/`!Sub`/`!GetAtt` short forms included) and
a SAM template is expanded by the AWS SAM translator, the library that transforms it on deploy:
functions become `AWS::Lambda::Function`s with `Globals` merged, HTTP API events an OpenAPI body,
SQS events `AWS::Lambda::EventSourceMapping`s, schedules `AWS::Events::Rule`s, and so on.

Nested stacks (`AWS::Serverless::Application` with a local template `Location`) are read the
same way and flattened into their parent (`nesting`), so the result is one document.

Both libraries take about two seconds to import and translate, most of a local cloud's start,
so the result is cached under .aws-sam/localcloud/, keyed by the template's bytes, the parameter
values and the libraries' versions; an entry holds its nested templates' digests and is used only
while they match (finding the nested templates needs the slow YAML decoder the cache spares).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import posixpath
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from localcloud.template.account import REGION
from localcloud.template.nesting import (
    child_parameter_values,
    flatten_nested_stack,
    nested_stack_locations,
)
from localcloud.template.resolver import TemplateError
from localcloud.template.samconfig import parameter_values

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# The translator accepts only S3 code locations, as after `sam package`; a local path is passed
# as a key in this bucket, so the translated template still says where the code is.
LOCAL_PATH_BUCKET = "localcloud-local-path"
_LOCAL_PATH_PROPERTIES = ("CodeUri", "ContentUri", "DefinitionUri")
CACHE_DIR = Path(__file__).resolve().parents[2] / ".aws-sam" / "localcloud"
_CACHE_FORMAT = 2  # bump when what is cached changes shape
_CACHE_ENTRIES = 32


@dataclass
class Template:
    """A template as CloudFormation sees it after the SAM transform."""

    document: dict[str, Any]
    # Resources SAM made for an event of a function or state machine: logical id -> (owner,
    # event name), e.g. "DigestFunctionNightly" -> ("DigestFunction", "Nightly").
    events: dict[str, tuple[str, str]]

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.document.get("Resources") or {})


def load_yaml(path: Path) -> dict[str, Any]:
    """The template as written, intrinsics in their long form (`{"Fn::GetAtt": [name, att]}`)."""
    from cfnlint.decode import decode

    decoded, problems = decode(str(path))
    if problems or decoded is None:
        raise TemplateError(f"{path}: " + "; ".join(str(problem) for problem in problems))
    # Plain data: cfn-lint's nodes carry line marks and copy slowly.
    return dict(json.loads(json.dumps(decoded)))


def read_template(path: Path, given: dict[str, str]) -> Template:
    """`path` decoded and, when it declares the SAM transform, translated with the `given`
    parameter values (samconfig's, overrides) over the defaults; cached."""
    source = path.read_bytes()
    key = _cache_key(source, given)
    cached = _cache_get(key)
    if cached is None or not _unchanged(path.parent, cached["sources"]):
        cached = _read(path, given, directory="", nesting=(path.name,))
        _cache_put(key, cached)
    document = cached["document"]
    return Template(document=document, events={name: (owner, event) for name, (owner, event)
                                               in cached["events"].items()})


def stack_sources(path: Path) -> dict[str, dict[str, Any]]:
    """The template at `path` and its nested templates (found through their parents'
    `AWS::Serverless::Application` Locations, recursively), each as written (`load_yaml`), by
    its path relative to `path`'s directory: {"template.yaml": ..., "stacks/workers.yaml": ...}.
    """
    sources: dict[str, dict[str, Any]] = {}
    pending = [(path.name, path)]
    while pending:
        name, template_path = pending.pop(0)
        if name in sources:
            continue
        sources[name] = load_yaml(template_path)
        for location in nested_stack_locations(sources[name]).values():
            pending.append((_nested_name(posixpath.dirname(name), location),
                            template_path.parent / location))
    return sources


def flattened_source(path: Path, directory: str = "") -> dict[str, Any]:
    """The template at `path` as written (SAM, untranslated) with its nested stacks flattened
    into it as the local cloud flattens translated ones: one document naming every function,
    queue and alarm of the tree with the references it would have had in a single template.
    For checks of the template as written (tests/template)."""
    template = load_yaml(path)
    for resource in (template.get("Resources") or {}).values() if directory else ():
        props = resource.get("Properties") or {}
        for key in _LOCAL_PATH_PROPERTIES:
            if isinstance(props.get(key), str):
                props[key] = _rebased(directory, props[key])
    for stack_id, location in nested_stack_locations(template).items():
        name = _nested_name(directory, location)
        child = flattened_source(path.parent / location, posixpath.dirname(name))
        flatten_nested_stack(template, stack_id, child)
    return _inlined_subs(template) if not directory else template


def _inlined_subs(value: Any) -> Any:
    """`Fn::Sub` variables bound to a plain `Ref`/`GetAtt` written back into the text as
    `${Name}` / `${Name.Attribute}`, the way the single template said it."""
    if isinstance(value, list):
        return [_inlined_subs(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _inlined_subs(item) for key, item in value.items()}
    sub = value.get("Fn::Sub")
    if len(value) == 1 and isinstance(sub, list) and len(sub) == 2 and isinstance(sub[0], str):
        text, variables = sub[0], dict(sub[1])
        for name, bound in list(variables.items()):
            ref = bound.get("Ref") if isinstance(bound, dict) and len(bound) == 1 else None
            att = bound.get("Fn::GetAtt") if isinstance(bound, dict) and len(bound) == 1 else None
            if isinstance(ref, str):
                written = ref
            elif isinstance(att, list) and len(att) == 2 and all(isinstance(p, str) for p in att):
                written = ".".join(att)
            else:
                continue
            text = text.replace("${" + name + "}", "${" + written + "}")
            del variables[name]
        return {"Fn::Sub": [text, variables] if variables else text}
    return value


def local_path(location: Any) -> str | None:
    """The local path a translated code or definition location stands for (None: a real one)."""
    if not isinstance(location, dict):
        return None
    bucket = location.get("S3Bucket", location.get("Bucket"))
    key = location.get("S3Key", location.get("Key"))
    return str(key) if bucket == LOCAL_PATH_BUCKET and isinstance(key, str) else None


def _read(path: Path, given: dict[str, str], directory: str,
          nesting: tuple[str, ...]) -> dict[str, Any]:
    """The template translated, its local paths made relative to the root template's directory
    (`directory` is its own, relative to that) and its nested stacks flattened into it;
    `sources` maps each nested template read to its digest. `nesting` is the chain of
    templates down to this one."""
    template = load_yaml(path)
    transforms = template.get("Transform") or []
    if SAM_TRANSFORM not in (transforms if isinstance(transforms, list) else [transforms]):
        return {"document": template, "events": {}, "sources": {}}
    parameters = parameter_values(template.get("Parameters") or {}, given)
    translated = translate(template, parameters)
    _rebase_local_paths(translated, directory)
    resources = translated.get("Resources") or {}
    events = {f"{owner}{event}": [owner, event]
              for owner, resource in (template.get("Resources") or {}).items()
              for event in ((resource.get("Properties") or {}).get("Events") or {})
              if f"{owner}{event}" in resources}
    sources: dict[str, str] = {}
    for stack_id, location in nested_stack_locations(template).items():
        name = _nested_name(directory, location)
        if name in nesting:
            raise TemplateError(f"{stack_id}: {name} nests itself ({' -> '.join(nesting)})")
        child_path = path.parent / location
        if not child_path.is_file():
            raise TemplateError(f"{stack_id}: no template at {name}")
        # Read afresh: flattening a sibling before may have replaced its outputs in here.
        stack = translated["Resources"][stack_id]
        passed = (stack.get("Properties") or {}).get("Parameters") or {}
        child = _read(child_path, child_parameter_values(passed, parameters),
                      posixpath.dirname(name), (*nesting, name))
        flatten_nested_stack(translated, stack_id, child["document"])
        events.update(child["events"])
        sources[name] = hashlib.sha256(child_path.read_bytes()).hexdigest()
        sources.update(child["sources"])
    return {"document": translated, "events": events, "sources": sources}


def _nested_name(directory: str, location: str) -> str:
    """A nested template's path relative to the root template's directory."""
    return posixpath.normpath(posixpath.join(directory, location))


def _rebase_local_paths(value: Any, directory: str) -> None:
    """Local paths (keys in `LOCAL_PATH_BUCKET`) relative to `directory` made relative to the
    root template's directory, as `local_path` readers take them; in place."""
    if not directory:
        return
    if isinstance(value, list):
        for item in value:
            _rebase_local_paths(item, directory)
    elif isinstance(value, dict):
        for key_name in ("S3Key", "Key"):
            key = value.get(key_name)
            if (isinstance(key, str) and LOCAL_PATH_BUCKET in (value.get("S3Bucket"),
                                                                value.get("Bucket"))):
                value[key_name] = _rebased(directory, key)
        for item in value.values():
            _rebase_local_paths(item, directory)


def _rebased(directory: str, local: str) -> str:
    """A path relative to `directory` made relative to the root template's (a trailing slash,
    a folder's mark in a CodeUri, kept)."""
    rebased = _nested_name(directory, local)
    return f"{rebased}/" if local.endswith("/") else rebased


def _unchanged(root: Path, sources: dict[str, str]) -> bool:
    """Whether each nested template read into a cached entry still has the digest it had."""
    for name, digest in sources.items():
        try:
            if hashlib.sha256((root / name).read_bytes()).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True


def translate(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The SAM template as CloudFormation, local paths kept as `LOCAL_PATH_BUCKET` keys."""
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(template)
    sections = [*(template.get("Resources") or {}).values(), template.get("Globals") or {}]
    for section in sections:
        for props in (section.get("Properties"), section.get("Function")):
            for name in _LOCAL_PATH_PROPERTIES:
                if isinstance(props, dict) and isinstance(props.get(name), str):
                    props[name] = f"s3://{LOCAL_PATH_BUCKET}/{props[name]}"
    # The translator prefers the managed-policy map it bundles; this fallback would list IAM's.
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=REGION))
    try:
        return dict(translator.translate(template, parameter_values=dict(parameters),
                                         get_managed_policy_map=dict))
    except InvalidDocumentException as error:
        causes = "; ".join(cause.message for cause in error.causes)
        raise TemplateError(f"the SAM transform rejects the template: {causes}") from error


def _cache_key(source: bytes, given: dict[str, str]) -> str:
    digest = hashlib.sha256(source)
    libraries = [_version("aws-sam-translator"), _version("cfn-lint"), _CACHE_FORMAT]
    digest.update(json.dumps([given, libraries], sort_keys=True).encode())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _cache_get(key: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads((CACHE_DIR / f"{key}.json").read_text()))
    except (OSError, ValueError):
        return None


def _cache_put(key: str, value: dict[str, Any]) -> None:
    """Write atomically (clouds in other processes read the same files); keep the newest few."""
    with contextlib.suppress(OSError):
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
        with os.fdopen(handle, "w") as file:
            json.dump(value, file)
        os.replace(temporary, CACHE_DIR / f"{key}.json")
        entries = sorted(CACHE_DIR.glob("*.json"), key=lambda entry: entry.stat().st_mtime)
        for stale in entries[:-_CACHE_ENTRIES]:
            stale.unlink(missing_ok=True)
