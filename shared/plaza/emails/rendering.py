"""The repo's email templates rendered with Jinja2: HTML autoescaped, text and subject not.

Rendered here and sent as a finished MIME message, rather than kept as SES templates: SES's
templates are a Handlebars subset with no escaping control, they would be synced to the account at
deploy (a custom resource) apart from the code that fills them, and the local cloud and tests
could not prove what AWS renders. One engine, shipped in the layer with the code that passes the
context, renders the same mail locally and on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from plaza import errors

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _environments() -> tuple[Any, Any]:
    """(text, html) environments, built once per container; Jinja2 loads with the first mail."""
    import jinja2

    loader = jinja2.FileSystemLoader(TEMPLATE_DIR)
    # StrictUndefined: a context missing a variable is the caller's bug, not a blank in a mail.
    text = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,  # noqa: S701 - plain text, never HTML
                              keep_trailing_newline=True)
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    return text, html


def render(template: str, context: dict[str, Any]) -> RenderedEmail:
    """Subject, text and HTML of `template`; Invalid when the context lacks what it needs."""
    import jinja2

    text_env, html_env = _environments()
    try:
        subject = text_env.get_template(f"{template}.subject.txt").render(context)
        text = text_env.get_template(f"{template}.txt").render(context)
        html = html_env.get_template(f"{template}.html").render(context)
    except jinja2.TemplateNotFound as exc:
        raise errors.Invalid(f"No email template {template!r}") from exc
    except jinja2.UndefinedError as exc:
        raise errors.Invalid(f"The {template} email lacks {exc.message}") from exc
    # A header may not hold a line break (header injection); a subject is one line.
    return RenderedEmail(subject=" ".join(subject.split()), text=text, html=html)
