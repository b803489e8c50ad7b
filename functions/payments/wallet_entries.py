"""GET /v1/me/wallet/entries: the caller's ledger entries, newest first; keyset pages."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.payments import service
from plaza.payments.models import EntryPage


@endpoint
def handler(request: Request) -> EntryPage:
    query = request.parse_query(PageQuery)
    return service.entry_page(caller(request).user_id, query.limit, query.cursor)
