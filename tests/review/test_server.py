"""The review server's guard: loopback only, its own Host, the token on every request, the
form token on every change; pictures only of catalogued contents, by content id."""

from __future__ import annotations

import asyncio
import http.client
import urllib.parse
from typing import Any

from preservation.catalog.engine import open_catalog
from preservation.provenance.decisions import current_decisions
from tests.review.conftest import HOSTILE


def request(server, path: str, *, method: str = "GET", host: str | None = None,
            headers: dict[str, str] | None = None, body: str | None = None) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", server.review.port, timeout=60)
    try:
        h = {"Host": host or f"127.0.0.1:{server.review.port}", **(headers or {})}
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()


def cookie(server) -> dict[str, str]:
    return {"Cookie": f"preservation_review_{server.review.port}={server.review.token}"}


def test_requests_without_the_token_are_refused(served) -> None:
    status, text, _ = request(served, "/")
    assert status == 403 and "token" in text
    assert request(served, "/?token=not-the-token")[0] == 403
    status, html, headers = request(served, "/?token=" + served.review.token)
    assert status == 200 and "Look-alikes and exact copies" in html
    assert f"preservation_review_{served.review.port}={served.review.token}" in headers["set-cookie"]
    assert "SameSite=Strict" in headers["set-cookie"] and "HttpOnly" in headers["set-cookie"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert request(served, "/", headers=cookie(served))[0] == 200  # the cookie stands for the token
    sha = served.review.data.groups[0].members[0].sha256
    assert request(served, f"/picture/{sha}/screen.jpg")[0] == 403  # pictures too


def test_a_wrong_host_is_refused_even_with_the_token(served) -> None:
    for host in ("evil.example", f"evil.example:{served.review.port}", "127.0.0.1:1"):
        status, text, _ = request(served, "/?token=" + served.review.token, host=host)
        assert status == 421, host
        assert "its own address" in text
    assert request(served, "/?token=" + served.review.token, host=f"localhost:{served.review.port}")[0] == 200


def test_a_non_loopback_client_is_refused() -> None:
    """The server listens on 127.0.0.1 only; the guard refuses any other client all the same."""
    from preservation.review.app import Guard

    called: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(scope)

    guard = Guard(app, "tok", lambda: 8000)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def scope(client: str) -> dict[str, Any]:
        return {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"token=tok",
                "headers": [(b"host", b"127.0.0.1:8000")], "client": (client, 5555),
                "server": ("127.0.0.1", 8000), "scheme": "http", "http_version": "1.1", "root_path": ""}

    asyncio.run(guard(scope("192.168.1.20"), receive, send))
    assert sent[0]["status"] == 403 and not called
    sent.clear()
    asyncio.run(guard(scope("127.0.0.1"), receive, send))
    assert called  # the same request from this computer goes through


def _form(served, **change: str) -> str:
    g = served.review.data.groups[0]
    p = g.pairs[1]
    fields = {"token": served.review.token, "group": str(g.id), "index": "1", "sha_a": p.a.sha256,
              "sha_b": p.b.sha256, "decision": "not-sure", "note": ""}
    fields.update(change)
    return urllib.parse.urlencode(fields)


def test_a_change_needs_the_form_token_and_this_page_as_origin(served, catalog_path) -> None:
    ok_headers = cookie(served)
    # the cookie alone is not enough to change anything: the form must carry the token
    assert request(served, "/decide", method="POST", headers=ok_headers,
                   body=_form(served, token="forged"))[0] == 403
    # nor may another site's page post to it
    for origin in ("http://evil.example", "null"):
        assert request(served, "/decide", method="POST", headers={**ok_headers, "Origin": origin},
                       body=_form(served))[0] == 403
    # a pair that is not the one on the page is refused
    assert request(served, "/decide", method="POST", headers=ok_headers,
                   body=_form(served, sha_b="0" * 64))[0] == 409
    cat = open_catalog(catalog_path)
    try:
        assert current_decisions(cat) == {}
        status, _text, headers = request(served, "/decide", method="POST",
                                         headers={**ok_headers, "Origin": f"http://127.0.0.1:{served.review.port}"},
                                         body=_form(served, note="checked"))
        assert status == 303 and "recorded=" in headers["location"]
        (rec,) = current_decisions(cat).values()
        assert rec.operator == "Test Operator" and rec.note == "checked" and str(rec.decision) == "not-sure"
    finally:
        cat.dispose()


def test_only_catalogued_contents_of_the_review_are_served_by_content_id(served) -> None:
    h = cookie(served)
    sha = served.review.data.groups[0].members[0].sha256
    status, _body, headers = request(served, f"/picture/{sha}/screen.jpg", headers=h)
    assert status == 200 and headers["content-type"] == "image/jpeg"
    for bad in ("0" * 64, "..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", sha.upper()):
        assert request(served, f"/picture/{bad}/screen.jpg", headers=h)[0] == 404, bad
    assert request(served, "/static/..%2F..%2F__init__.py", headers=h)[0] == 404
    assert request(served, "/static/app.py", headers=h)[0] == 404


def test_hostile_file_names_are_escaped(served) -> None:
    h = cookie(served)
    g = served.review.data.groups[0]
    index = next(i for i, p in enumerate(g.pairs) if HOSTILE in (p.a.relative_path, p.b.relative_path))
    status, html, _ = request(served, f"/group/{g.id}/pair/{index}", headers=h)
    assert status == 200
    assert "onerror=" in html  # the name is shown...
    assert '<img src=x onerror="alert(1)">' not in html  # ...as text, never as markup
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;amp;.jpg" in html
    status, html, _ = request(served, "/", headers=h)
    assert status == 200 and '<img src=x onerror' not in html


def test_the_platform_view_is_shown_when_this_version_has_one(served) -> None:
    h = cookie(served)
    status, html, _ = request(served, "/group/1/pair/1", headers=h)
    assert status == 200 and "platform view (which published matchers would merge this pair) is not available" in html
    served.review.platform = lambda pair: [
        {"matcher": "PDQ", "distance": 12, "threshold": 31, "merge": True, "source": "<b>Meta</b> 2019"}]
    status, html, _ = request(served, "/group/1/pair/1", headers=h)
    assert status == 200
    assert "<th scope=\"row\">PDQ</th><td>12</td><td>31</td><td>yes</td><td>&lt;b&gt;Meta&lt;/b&gt; 2019</td>" in html


def test_nothing_on_the_page_can_delete_move_or_rename(served, collection) -> None:
    """The only change the server can make is recording a decision: no such button, no such route."""
    import re

    from starlette.routing import Route

    app = served.review
    h = cookie(served)
    pages = ["/"] + [f"/group/{g.id}/pair/{i}" for g in app.data.groups for i in range(len(g.pairs))]
    for path in pages:
        status, html, _ = request(served, path, headers=h)
        assert status == 200
        controls = " ".join(re.findall(r"<(?:button|input|a)\b[^>]*>[^<]*", html, re.I)).lower()
        assert not re.search(r"\b(delete|remove|move|rename|trash)\b", controls), path
        assert re.findall(r'<form[^>]*method="post"[^>]*>', html, re.I) in ([], ['<form method="post" action="/decide" id="decision-form">'])
    from preservation.review.app import make_app

    guard = make_app(app)
    routes = guard.app.routes  # the Starlette app behind the guard
    changing = [r.path for r in routes if isinstance(r, Route) and r.methods and set(r.methods) - {"GET", "HEAD"}]
    assert changing == ["/decide"]
    before = {p: p.read_bytes() for p in collection.values()}
    status, _t, _h = request(served, "/decide", method="POST", headers=h,
                             body=urllib.parse.urlencode({"token": app.token, "group": "1", "index": "0",
                                                          "sha_a": app.data.groups[0].pairs[0].a.sha256,
                                                          "sha_b": app.data.groups[0].pairs[0].b.sha256,
                                                          "decision": "same-picture"}))
    assert status == 303
    assert {p: p.read_bytes() for p in collection.values()} == before


def test_the_platform_view_names_the_matchers_that_would_merge_a_pair(served) -> None:
    from preservation.cli.review import platform_view

    g = served.review.data.groups[0]
    index = next(i for i, p in enumerate(g.pairs) if str(p.verdict) == "burst")
    rows = platform_view(served.review.catalog)(g.pairs[index])
    assert [r["matcher"] for r in rows][:1] == ["PDQ (Meta)"]
    assert all(isinstance(r["merge"], bool) and "threshold" in r["source"] for r in rows)
    served.review.platform = platform_view(served.review.catalog)
    status, html, _ = request(served, f"/group/{g.id}/pair/{index}", headers=cookie(served))
    assert status == 200 and "<th scope=\"row\">PDQ (Meta)</th>" in html
