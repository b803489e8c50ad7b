"""The notifications domain's realtime topic: admins' announcements, open to anyone connected.

Apart from the service so that the subscribe function registers it without loading the
notification store (psycopg).
"""

from __future__ import annotations

from plaza.realtime import rules

ANNOUNCEMENTS = "announcements"
rules.open_topic(ANNOUNCEMENTS)
