"""GET /v1/media/{id}: the media for its owner or anyone who may see what it is attached to."""

# Imported for the rules they register: who may see media attached to a post or a message.
import plaza.chat.service  # noqa: F401
import plaza.posts.service  # noqa: F401
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.media.models import MediaOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> MediaOut:
    return service.get_media(caller(request).user_id, request.path_params.get("id", ""))
