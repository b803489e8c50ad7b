"""The first admin inside AWS, where no shell reaches the database:

    aws lambda invoke --function-name <FirstAdminFunction> \
        --cli-binary-format raw-in-base64-out --payload '{"username": "ann"}' out.json

Makes that existing account admin, audited like `make admin` (actor role `operator`). Only the
first: once an admin exists it refuses (409), and admins change roles through the admin API. No
route or schedule invokes it; only an IAM principal allowed lambda:InvokeFunction can.
"""

from typing import Any

from plaza import errors, observability
from plaza.admin import first_admin


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    username = (event or {}).get("username")
    try:
        if not isinstance(username, str) or not username.strip():
            raise errors.BadRequest('Give {"username": "<an existing account>"}')
        user_id = first_admin.promote(username.strip(), only_first=True)
    except errors.PlazaError as error:
        observability.log_warning("first admin refused", reason=error.detail, status=error.status)
        return {"status": error.status, "error": error.detail}
    observability.log_info("first admin made", username=username, user_id=user_id)
    return {"status": 200, "username": username.strip(), "user_id": user_id,
            "note": "the role reaches the account's token at its next refresh or login"}
