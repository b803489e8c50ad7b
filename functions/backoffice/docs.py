"""GET /v1/admin/docs: Swagger UI for the admin API, served from vendored swagger-ui-dist.

The page itself holds no routes: it asks for an admin's token (or takes the one the dashboard
stored in this tab) and fetches /v1/admin/openapi.json with it, which answers admins only. Public
for the same reason as the dashboard: a browser's navigation carries no Authorization header.
"""

from pathlib import Path

from plaza import html_page

handler = html_page.handler_for(Path(__file__).resolve().parent / "static" / "docs.html")
