"""The review page: a Starlette application served on the loopback interface only.

Every request must come from a loopback address, name this server in its ``Host`` header (so
that a web page elsewhere cannot reach it through DNS rebinding) and carry the random token the
command printed: in the URL (``?token=``) the first time, then in a cookie scoped to this port
(``SameSite=Strict``, ``HttpOnly``). A request that changes anything (recording a decision)
must also carry the token in its form, and come from this page (its ``Origin``). Pictures are
served by content id (SHA-256) from the catalog's own paths, never from a path in a request.
Templates escape everything (Jinja2 autoescape): a file name is always text.

The only thing the page can change is the provenance log: it appends decisions. It has no
button, route or code path that deletes, moves or renames a file.
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from preservation import paths
from preservation.analyse.lookalikes import Evidence, Pair
from preservation.catalog.engine import Catalog
from preservation.errors import UsageError
from preservation.provenance.decisions import DecisionRecord, append_decision, current_decisions
from preservation.review.model import Filters, ReviewData, file_ref, pair_order, pair_view, subject
from preservation.review.pictures import PictureError, Pictures
from preservation.vocabulary import Decision, Verdict

#: The platform view of a pair, when this version has one: rows of ``matcher``, ``distance``,
#: ``threshold``, ``merge`` (would that matcher merge the two files) and ``source``.
PlatformView = Callable[[Pair], Sequence[dict[str, Any]]]
TEMPLATES = "templates/review"
STATIC = {"review.css": "text/css; charset=utf-8", "review.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; "
                               "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a same-origin form post then names its Origin
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware: loopback client, this server's Host, and the token, on every request."""

    def __init__(self, app: ASGIApp, token: str, port_of: Any) -> None:
        self.app = app
        self.token = token
        self.port_of = port_of  # callable: the port the server listens on (known once bound)

    def cookie_name(self) -> str:
        return f"preservation_review_{self.port_of()}"

    def hosts(self) -> set[str]:
        port = self.port_of()
        return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self.refusal(request)
        if refusal is not None:
            status, text = refusal
            await PlainTextResponse(text, status_code=status, headers=SECURITY_HEADERS)(scope, receive, send)
            return
        from_url = request.query_params.get("token")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _v in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                            if k.lower().encode() not in have]
                if from_url is not None:  # the first visit: remember the token for this port
                    headers.append((b"set-cookie", (f"{self.cookie_name()}={self.token}; Path=/; "
                                                    "HttpOnly; SameSite=Strict").encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, request: Request) -> tuple[int, str] | None:
        client = request.client.host if request.client else ""
        try:
            loopback = ipaddress.ip_address(client).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return 403, "Refused: the review page answers only this computer (loopback)."
        if request.headers.get("host", "") not in self.hosts():
            return 421, "Refused: this server answers only to its own address (127.0.0.1 or localhost)."
        given = request.query_params.get("token") or request.cookies.get(self.cookie_name()) or ""
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return 403, ("Refused: open the page with the link that `preservation review` printed "
                         "(it carries a token).")
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and f"{origin.removeprefix('http://')}" not in self.hosts():
                return 403, "Refused: a change must come from the review page itself."
        return None


class Review:
    """The application's state: the analysis, the pictures, who is deciding."""

    def __init__(self, catalog: Catalog, data: ReviewData, *, operator: str, token: str,
                 platform: PlatformView | None = None) -> None:
        self.catalog = catalog
        self.data = data
        self.operator = operator
        self.token = token
        self.platform = platform
        self.pictures = Pictures(catalog, {m.sha256 for g in data.groups for m in g.members})
        self.port = 0
        self._write = threading.Lock()
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("preservation", TEMPLATES), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["visible"] = lambda v: paths.visible(str(v), one_line=True)
        self.env.globals["qs"] = lambda d: urlencode(d)

    def decisions(self) -> dict[frozenset[str], DecisionRecord]:
        return current_decisions(self.catalog)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(token=self.token, operator=self.operator, **context)
        return HTMLResponse(html, status_code=status)

    # --- pages ---------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        f = filters(request)
        decisions = self.decisions()
        page = self.data.page(f, decisions)
        verdicts = [str(v) for v in Verdict]
        return self.render("list.html.j2", page=page, f=f, locations=self.data.locations,
                           verdicts=verdicts, stats=self.data.result.stats)

    async def group(self, request: Request) -> Response:
        gid = request.path_params["gid"]
        g = self.data.by_id.get(gid)
        start = pair_order(g)[0] if g is not None else 0
        return RedirectResponse(f"/group/{gid}/pair/{start}?{urlencode(filters(request).query())}", 303)

    async def pair(self, request: Request) -> Response:
        gid, index = request.path_params["gid"], request.path_params["index"]
        found = self.data.pair(gid, index)
        if found is None:
            return self.render("missing.html.j2", status=404, what=f"group {gid}, pair {index + 1}")
        g, p = found
        f = filters(request)
        decisions = self.decisions()
        prev, nxt = self.data.neighbours(gid, index, f, decisions)
        view = pair_view(g, index, decisions, self.platform(p) if self.platform else None)
        recorded = request.query_params.get("recorded")
        return self.render("pair.html.j2", p=view, f=f, prev=prev, next=nxt,
                           recorded=recorded if recorded and recorded.isdigit() else None,
                           error=None)

    async def decide(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)

        def one(name: str) -> str:
            return (form.get(name) or [""])[0]

        if not secrets.compare_digest(one("token").encode(), self.token.encode()):
            return PlainTextResponse("Refused: the form did not carry the page's token.", 403)
        try:
            gid, index = int(one("group")), int(one("index"))
        except ValueError:
            return PlainTextResponse("Which pair? The form named none.", 400)
        found = self.data.pair(gid, index)
        if found is None:
            return PlainTextResponse("There is no such pair in this review.", 404)
        g, p = found
        if subject(p) != frozenset({one("sha_a"), one("sha_b")}):
            return PlainTextResponse("The pair on the page is not the pair in this review any more; "
                                     "reload the page.", 409)
        f = Filters(one("location") or None, one("verdict") or None, one("undecided") == "1")
        choice = one("decision")
        authoritative = None
        if choice in ("authoritative-a", "authoritative-b"):
            authoritative = file_ref(p.a if choice.endswith("a") else p.b)
            choice = str(Decision.AUTHORITATIVE)
        if choice not in {str(d) for d in Decision} or choice == Decision.ACCEPT_CHANGE:
            decisions = self.decisions()
            view = pair_view(g, index, decisions, self.platform(p) if self.platform else None)
            prev, nxt = self.data.neighbours(gid, index, f, decisions)
            return self.render("pair.html.j2", status=400, p=view, f=f, prev=prev, next=nxt,
                               recorded=None, error="Choose one of the decisions first.")
        files = list(dict.fromkeys([file_ref(p.a), file_ref(p.b)]))
        context = {"verdict": str(p.verdict), "group_key": g.key, "explanation": p.explanation,
                   "likely_original": file_ref(g.original).to_json(), "via": "review page"}
        try:
            with self._write:
                rec = self.catalog.transact(lambda s: append_decision(
                    s, choice, [p.a.sha256, p.b.sha256], files=files, authoritative=authoritative,
                    note=one("note") or None, operator=self.operator, context=context))
        except UsageError as exc:
            return PlainTextResponse(str(exc), 400)
        target = self.data.next_undecided((gid, index), f, self.decisions()) or (gid, index)
        query = {**f.query(page=None), "recorded": str(rec.seq)}
        return RedirectResponse(f"/group/{target[0]}/pair/{target[1]}?{urlencode(query)}", 303)

    # --- pictures ------------------------------------------------------------------------

    async def picture(self, request: Request) -> Response:
        sha, size = request.path_params["sha"], request.path_params["size"]
        try:
            data = (self.pictures.full(sha) if size == "full" else self.pictures.screen(sha))
        except PictureError as exc:
            return PlainTextResponse(f"No picture: {exc}", 404)
        return Response(data, media_type="image/jpeg")

    async def difference(self, request: Request) -> Response:
        found = self.data.pair(request.path_params["gid"], request.path_params["index"])
        if found is None:
            return PlainTextResponse("There is no such pair in this review.", 404)
        _g, p = found
        try:
            data = self.pictures.difference_map(p.a.sha256, p.b.sha256, Evidence.from_json(p.evidence))
        except PictureError as exc:
            return PlainTextResponse(f"No difference map: {exc}", 404)
        except Exception as exc:  # a map is an illustration: say why there is none
            return PlainTextResponse(f"No difference map could be drawn ({type(exc).__name__}).", 404)
        return Response(data, media_type="image/jpeg")

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("Not found", 404)
        text = resources.files("preservation").joinpath(TEMPLATES, name).read_text(encoding="utf-8")
        return Response(text, media_type=STATIC[name])


def filters(request: Request) -> Filters:
    q = request.query_params
    try:
        page = int(q.get("page", "1"))
    except ValueError:
        page = 1
    verdict = q.get("verdict") or None
    return Filters(q.get("location") or None, verdict if verdict in {str(v) for v in Verdict} else None,
                   q.get("undecided") == "1", page)


def make_app(review: Review) -> ASGIApp:
    routes = [
        Route("/", review.index),
        Route("/group/{gid:int}", review.group),
        Route("/group/{gid:int}/pair/{index:int}", review.pair),
        Route("/group/{gid:int}/pair/{index:int}/map.jpg", review.difference),
        Route("/decide", review.decide, methods=["POST"]),
        Route("/picture/{sha:str}/{size:str}.jpg", review.picture),
        Route("/static/{name:str}", review.static),
        Route("/favicon.ico", lambda _request: Response(status_code=204)),
    ]
    app = Starlette(routes=routes)
    return Guard(app, review.token, lambda: review.port)
