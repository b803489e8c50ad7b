"""A faithful in-process fake of the Meilisearch HTTP routes the `meilisearch` client calls.

Meilisearch cannot run here, so this serves the documented request and response shapes
(https://www.meilisearch.com/docs/reference/api): /health, /indexes, documents (add, replace,
delete-batch, delete all), settings (get, update: PATCH merges, creating the index as
Meilisearch does), an index's /stats, /search (`locales` checked, `attributesToSearchOn`
honoured) and /tasks, with `Authorization: Bearer <key>` checked as Meilisearch does (401 when
missing, 403 when wrong). Tasks are enqueued and processed at once,
so a search right after a write sees it. Matching: every query word must prefix a word of the
document (no typo tolerance, no ranking rules beyond "more matched fields first"); the `stopWords`
setting drops query words (unless that leaves none) and `synonyms` lets a word match through any
of its listed synonyms, as Meilisearch's settings document.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_WORD = re.compile(r"\w+", re.UNICODE)
# A few of the ISO 639-1 and 639-3 codes `locales` accepts (Meilisearch's list is longer).
_LOCALES = frozenset({"en", "eng", "es", "spa", "fr", "fra", "de", "deu", "pt", "por", "it",
                      "ita", "ja", "jpn", "zh", "zho"})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, code: str, message: str, kind: str = "invalid_request") -> tuple[int, Any]:
    return status, {"message": message, "code": code, "type": kind,
                    "link": f"https://docs.meilisearch.com/errors#{code}"}


class FakeMeilisearch:
    """Serves on a free loopback port; `stop()` makes it unreachable, like a crashed server."""

    def __init__(self, api_key: str = "meili-test-key") -> None:
        self.api_key = api_key
        self.indexes: dict[str, dict[str, Any]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.searches: list[dict[str, Any]] = []  # each search request's body, in order
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeMeilisearch:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routes -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        with self._lock:
            self.requests.append((method, path))
            if parts == ["health"] and method == "GET":
                return 200, {"status": "available"}
            if parts == ["version"] and method == "GET":
                return 200, {"pkgVersion": "1.11.0", "commitSha": "fake", "commitDate": _now()}
            if parts[:1] == ["tasks"] and len(parts) == 2 and method == "GET":
                task = self.tasks.get(int(parts[1])) if parts[1].isdigit() else None
                if task is None:
                    return _error(404, "task_not_found", f"Task `{parts[1]}` not found.")
                return 200, task
            if parts == ["indexes"]:
                return self._indexes(method, body)
            if parts[:1] == ["indexes"] and len(parts) >= 2:
                return self._index_route(method, parts[1], parts[2:], query, body)
        return _error(404, "not_found", "Not found", "invalid_request")

    def _indexes(self, method: str, body: Any) -> tuple[int, Any]:
        if method == "GET":
            results = [self._index_info(uid) for uid in sorted(self.indexes)]
            return 200, {"results": results, "offset": 0, "limit": 20, "total": len(results)}
        if method == "POST":
            if not isinstance(body, dict) or not isinstance(body.get("uid"), str):
                return _error(400, "missing_index_uid", "Missing field `uid`")
            uid = body["uid"]
            if uid in self.indexes:
                return self._task("indexCreation", uid, "failed",
                                  error={"code": "index_already_exists"})
            self._create(uid, body.get("primaryKey"))
            return self._task("indexCreation", uid)
        return _error(405, "method_not_allowed", "Method not allowed")

    def _index_route(self, method: str, uid: str, rest: list[str], query: dict[str, str],
                     body: Any) -> tuple[int, Any]:
        if not rest:
            if method == "GET":
                if uid not in self.indexes:
                    return self._missing(uid)
                return 200, self._index_info(uid)
            if method == "DELETE":
                self.indexes.pop(uid, None)
                return self._task("indexDeletion", uid)
        if rest == ["search"] and method == "POST":
            if uid not in self.indexes:
                return self._missing(uid)
            body = body if isinstance(body, dict) else {}
            locales = body.get("locales")
            if locales is not None and not (isinstance(locales, list) and all(
                    isinstance(code, str) and code in _LOCALES for code in locales)):
                return _error(400, "invalid_search_locales",
                              f"Unknown value in `.locales`: {locales!r}")
            self.searches.append(dict(body))
            return 200, self._search(uid, body)
        if rest == ["stats"] and method == "GET":
            if uid not in self.indexes:
                return self._missing(uid)
            documents = self.indexes[uid]["documents"]
            fields: dict[str, int] = {}
            for doc in documents.values():
                for name in doc:
                    fields[name] = fields.get(name, 0) + 1
            return 200, {"numberOfDocuments": len(documents), "isIndexing": False,
                         "fieldDistribution": fields}
        if rest[:1] == ["documents"]:
            return self._documents(method, uid, rest[1:], query, body)
        if rest == ["settings"]:
            return self._settings(method, uid, body)
        return _error(405, "method_not_allowed", "Method not allowed")

    def _documents(self, method: str, uid: str, rest: list[str], query: dict[str, str],
                   body: Any) -> tuple[int, Any]:
        if not rest and method in ("POST", "PUT"):
            if not isinstance(body, list) or not all(isinstance(d, dict) for d in body):
                return _error(400, "malformed_payload", "The payload must be an array of objects")
            index = self.indexes.get(uid) or self._create(uid, query.get("primaryKey"))
            key = index["primaryKey"] or query.get("primaryKey") or _infer_key(body)
            if key is None or any(key not in doc for doc in body):
                return self._task("documentAdditionOrUpdate", uid, "failed",
                                  error={"code": "missing_document_id"})
            index["primaryKey"] = key
            for doc in body:
                doc_id = str(doc[key])
                old = index["documents"].get(doc_id, {}) if method == "PUT" else {}
                index["documents"][doc_id] = {**old, **doc}
            index["updatedAt"] = _now()
            return self._task("documentAdditionOrUpdate", uid)
        if not rest and method == "DELETE":
            if uid in self.indexes:
                self.indexes[uid]["documents"].clear()
            return self._task("documentDeletion", uid)
        if rest == ["delete-batch"] and method == "POST":
            if not isinstance(body, list):
                return _error(400, "malformed_payload", "The payload must be an array of ids")
            if uid in self.indexes:
                for doc_id in body:
                    self.indexes[uid]["documents"].pop(str(doc_id), None)
            return self._task("documentDeletion", uid)
        if len(rest) == 1 and method == "GET":
            doc = self.indexes.get(uid, {}).get("documents", {}).get(rest[0])
            if doc is None:
                return _error(404, "document_not_found", f"Document `{rest[0]}` not found.")
            return 200, doc
        return _error(405, "method_not_allowed", "Method not allowed")

    def _settings(self, method: str, uid: str, body: Any) -> tuple[int, Any]:
        if method == "GET":
            if uid not in self.indexes:
                return self._missing(uid)
            return 200, dict(self.indexes[uid]["settings"])
        if method == "PATCH":
            if not isinstance(body, dict):
                return _error(400, "bad_request", "The settings must be an object")
            index = self.indexes.get(uid) or self._create(uid, None)
            index["settings"].update(body)
            return self._task("settingsUpdate", uid)
        return _error(405, "method_not_allowed", "Method not allowed")

    def _search(self, uid: str, body: dict[str, Any]) -> dict[str, Any]:
        q = str(body.get("q") or "")
        limit = int(body.get("limit", 20))
        offset = int(body.get("offset", 0))
        settings = self.indexes[uid]["settings"]
        stop = {word.lower() for word in settings.get("stopWords") or []}
        synonyms = {word.lower(): [other.lower() for other in others]
                    for word, others in (settings.get("synonyms") or {}).items()}
        words_of_q = _WORD.findall(q.lower())
        terms = [t for t in words_of_q if t not in stop] or words_of_q
        alternatives = [[t, *synonyms.get(t, [])] for t in terms]
        on = body.get("attributesToSearchOn")  # restricts the searched attributes when given
        scored = []
        for position, doc in enumerate(self.indexes[uid]["documents"].values()):
            fields = [_WORD.findall(str(v).lower()) for k, v in doc.items()
                      if isinstance(v, str | int | float) and (on is None or k in on)]
            words = [w for field_words in fields for w in field_words]
            if all(any(w.startswith(t) for t in alts for w in words) for alts in alternatives):
                matched_fields = sum(any(w.startswith(t) for alts in alternatives for t in alts
                                         for w in f) for f in fields)
                scored.append((-matched_fields, position, doc))
        scored.sort(key=lambda item: (item[0], item[1]))
        hits = [dict(doc) for _, _, doc in scored[offset:offset + limit]]
        return {"hits": hits, "query": q, "processingTimeMs": 0, "limit": limit,
                "offset": offset, "estimatedTotalHits": len(scored)}

    # -- state --------------------------------------------------------------------------------

    def _create(self, uid: str, primary_key: str | None) -> dict[str, Any]:
        self.indexes[uid] = {"primaryKey": primary_key, "documents": {}, "settings": {},
                             "createdAt": _now(), "updatedAt": _now()}
        return self.indexes[uid]

    def _index_info(self, uid: str) -> dict[str, Any]:
        index = self.indexes[uid]
        return {"uid": uid, "primaryKey": index["primaryKey"], "createdAt": index["createdAt"],
                "updatedAt": index["updatedAt"]}

    def _missing(self, uid: str) -> tuple[int, Any]:
        return _error(404, "index_not_found", f"Index `{uid}` not found.")

    def _task(self, kind: str, uid: str, status: str = "succeeded",
              error: dict[str, Any] | None = None) -> tuple[int, Any]:
        task_uid = len(self.tasks)
        enqueued = _now()
        self.tasks[task_uid] = {"uid": task_uid, "indexUid": uid, "status": status, "type": kind,
                                "details": {}, "error": error, "duration": "PT0S",
                                "enqueuedAt": enqueued, "startedAt": enqueued,
                                "finishedAt": _now()}
        # The write answers 202 with the summarized task, as enqueued; it is processed at once.
        return 202, {"taskUid": task_uid, "indexUid": uid, "status": "enqueued", "type": kind,
                     "enqueuedAt": enqueued}


def _infer_key(docs: list[dict[str, Any]]) -> str | None:
    candidates = [k for k in (docs[0] if docs else {}) if k.lower().endswith("id")]
    return candidates[0] if len(candidates) == 1 else None


def _handler_for(fake: FakeMeilisearch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization")
            if fake.api_key and self.path.rstrip("/") != "/health":
                if not auth:
                    self._reply(*_error(
                        401, "missing_authorization_header",
                        "The Authorization header is missing. It must use the bearer "
                        "authorization method.", "auth"))
                    return
                if auth != f"Bearer {fake.api_key}":
                    self._reply(*_error(403, "invalid_api_key",
                                        "The provided API key is invalid.", "auth"))
                    return
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                self._reply(*_error(400, "malformed_payload", "The json payload is malformed"))
                return
            split = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            self._reply(*fake.handle(self.command, split.path, query, body))

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return None

    return Handler
