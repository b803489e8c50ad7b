"""GET /v1/admin: the back office dashboard, one HTML page with no data in it.

A browser opening the page sends no token, so the route is public (no authorizer); the page asks
an admin or moderator to sign in and then calls the admin API with their token, where every
route checks the role. Its scripts and the vendored chart library come from /v1/admin/assets.
"""

from pathlib import Path

from plaza import html_page

handler = html_page.handler_for(Path(__file__).resolve().parent / "static" / "dashboard.html")
