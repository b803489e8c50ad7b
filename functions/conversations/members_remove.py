"""DELETE /v1/conversations/{id}/members/{user_id}: leave a group, or (its creator) remove a
member, who stops getting its messages at once; 204."""

from plaza.chat import service
from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    service.remove_member(caller(request).user_id, request.path_params.get("id", ""),
                          request.path_params.get("user_id", ""))
    return no_content()
