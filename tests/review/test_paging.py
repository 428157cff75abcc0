"""The list pages 10,000+ groups, most at risk first, and filters by location, verdict and
whether anybody decided."""

from __future__ import annotations

import hashlib
import http.client
import re

from preservation.analyse.lookalikes import Evidence, Group, LookalikeResult, Member, Pair
from preservation.catalog.engine import open_catalog
from preservation.provenance.decisions import current, record_decision
from preservation.review.model import PAGE_SIZE, Filters, ReviewData
from preservation.vocabulary import Decision, Verdict

N = 10_500
CYCLE = [Verdict.SIMILAR, Verdict.IDENTICAL, Verdict.BURST, Verdict.EDITED, Verdict.DERIVATIVE]


def sha(i: int, side: str) -> str:
    return hashlib.sha256(f"{i}{side}".encode()).hexdigest()


def synthetic() -> LookalikeResult:
    result = LookalikeResult(12, None)
    for i in range(1, N + 1):
        verdict = CYCLE[i % len(CYCLE)]
        loc = "Archive" if i % 3 == 0 else "Laptop"
        a = Member(f"/{loc}/a{i}.jpg", loc, sha(i, "a"), f"a{i}.jpg")
        b_sha = a.sha256 if verdict == Verdict.IDENTICAL else sha(i, "b")
        b = Member(f"/Backup/b{i}.jpg", "Backup", b_sha, f"b{i}.jpg")
        pair = Pair(a, b, verdict, f"pair {i}", [], Evidence().to_json())
        result.groups.append(Group(i, a.sha256[:12], a, [], [a], [a, b], [pair]))
    return result


def test_ten_thousand_groups_page_and_filter(catalog_path) -> None:
    data = ReviewData.from_result(synthetic())
    page = data.page(Filters(), {})
    assert page["all_groups"] == N and page["pages"] == -(-N // PAGE_SIZE)
    assert len(page["rows"]) == PAGE_SIZE and page["first"] == 1
    # most at risk first: every edited group before any exact copy
    order = [str(g.pairs[0].verdict) for g in data.groups]
    assert order[0] == "edited" and order[-1] == "identical"
    assert order.index("identical") > len(order) - 1 - order[::-1].index("edited")
    last = data.page(Filters(page=10_000), {})  # past the end: the last page
    assert last["page"] == page["pages"] and last["last"] == N
    assert len(last["rows"]) == N - (page["pages"] - 1) * PAGE_SIZE

    burst = data.page(Filters(verdict="burst"), {})
    assert burst["total"] == N // len(CYCLE)
    assert all(r["verdicts"][0]["verdict"] == "burst" for r in burst["rows"])
    archive = data.page(Filters(location="Archive"), {})
    assert archive["total"] == N // 3
    assert all("Archive" in r["locations"] for r in archive["rows"])

    # decide two groups: the undecided filter leaves them out
    cat = open_catalog(catalog_path)
    try:
        g1, g2 = data.groups[0], data.groups[1]
        for g in (g1, g2):
            p = g.pairs[0]
            record_decision(cat, Decision.KEEP_BOTH, [p.a.sha256, p.b.sha256], operator="Ana")
        from preservation.provenance.decisions import iter_decisions

        with cat.session() as s:
            decided = current(iter_decisions(s))
    finally:
        cat.dispose()
    open_ = data.page(Filters(undecided=True), decided)
    assert open_["total"] == N - 2 and open_["undecided_groups"] == N - 2
    assert {r["id"] for r in open_["rows"]}.isdisjoint({g1.id, g2.id})
    row = data.page(Filters(), decided)["rows"][0]
    assert row["undecided"] == 0 and row["reviewed"].startswith("reviewed by Ana on ")


def test_the_page_serves_the_last_of_ten_thousand_groups(catalog_path) -> None:
    from preservation.review.app import Review, new_token
    from preservation.review.server import Running

    cat = open_catalog(catalog_path)
    try:
        data = ReviewData.from_result(synthetic())
        with Running(Review(cat, data, operator="t", token=new_token())) as srv:
            conn = http.client.HTTPConnection("127.0.0.1", srv.review.port, timeout=60)
            conn.request("GET", f"/?token={srv.review.token}&page=210&verdict=similar",
                         headers={"Host": f"127.0.0.1:{srv.review.port}"})
            r = conn.getresponse()
            html = r.read().decode()
            conn.close()
    finally:
        cat.dispose()
    assert r.status == 200
    total = N // len(CYCLE)
    pages = -(-total // PAGE_SIZE)
    assert f"of {total} (page {pages} of {pages})" in html
    assert len(re.findall(r'class="open-group"', html)) == total - (pages - 1) * PAGE_SIZE
    assert 'rel="prev"' in html and 'rel="next"' not in html
