"""Identity imports no domain above it: a function that ends sessions imports what closes their
sockets and deletes their push tokens (plaza.notifications.sessions). One missing it would leave
an ended session's sockets open, so each is checked in a fresh interpreter, as Lambda starts it."""

from __future__ import annotations

import pytest

from tests.support.fresh_interpreter import after_import


def _callbacks_after(code_dir: str, module: str) -> int:
    return int(after_import(code_dir, module, "from plaza.identity import session_endings",
                            "session_endings.callbacks()"))


@pytest.mark.parametrize("function", ["login", "logout", "password_reset", "refresh",
                                      "session_delete"])
def test_every_auth_function_that_ends_sessions_closes_their_sockets(function: str) -> None:
    assert _callbacks_after("functions/auth", function) == 2


def test_suspension_and_demotion_close_sockets_wherever_admin_runs() -> None:
    assert _callbacks_after("shared", "plaza.admin.service") == 2
