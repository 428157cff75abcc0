"""The queries where SQLite and PostgreSQL could disagree give the same answers on both: byte
order of paths, LIKE (case, escapes), JSON read as text, row-value keyset paging over
timestamps, and names sorted as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from preservation.catalog import auditstore, evidencestore, exportstore, fixitystore, reportstore
from preservation.catalog.engine import Catalog
from preservation.catalog.models import Content, File, Location
from preservation.vocabulary import FileState, FixityStatus

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)

# Paths whose byte order differs from most human orders: upper case before lower, a byte that
# is not UTF-8 after every ASCII one, a prefix before its extensions, NUL-free.
PATHS = [b"a.jpg", b"B.jpg", b"a/b.jpg", b"a.jpg.bak", b"caf\xe9.jpg", "café.jpg".encode(),
         b"100%_done.jpg", b"100x_done.jpg", b"Z/a.jpg"]


def _printable(p: bytes) -> str:
    return p.decode("utf-8", "backslashreplace")


def _populate(catalog: Catalog) -> dict[str, int]:
    def work(s: Session) -> dict[str, int]:
        locs = {}
        for name in ("Zeta", "alpha", "beta"):
            loc = Location(name=name, root=f"/{name}", root_bytes=f"/{name}".encode(), media="hdd",
                           site="onsite", created_at=T0)
            s.add(loc)
            s.flush()
            locs[name] = loc.id
        for i, p in enumerate(PATHS):
            problems = [{"code": "corrupt-image", "message": "truncated"}] if i % 3 == 0 else None
            c = Content(sha256=f"{i:064x}", size=i + 1, first_seen=T0, problems=problems)
            s.add(c)
            s.flush()
            for loc in ("Zeta", "alpha"):
                s.add(File(location_id=locs[loc], path_bytes=p, dir_bytes=p.rpartition(b"/")[0],
                           path=_printable(p), path_key=_printable(p), size=i + 1, mtime_ns=i,
                           inode=i, content_id=c.id, first_seen=T0, last_seen=T0, hashed_at=T0,
                           state=FileState.PRESENT if i != 4 else FileState.MISSING,
                           last_verified_at=None if i % 2 else T0 + timedelta(microseconds=i % 4),
                           last_verify_status=None if i % 2 else (
                               FixityStatus.OK if i != 2 else FixityStatus.CHANGED)))
        return locs

    return catalog.transact(work)


def test_paths_come_in_byte_order(catalog: Catalog) -> None:
    locs = _populate(catalog)
    with catalog.session() as s:
        manifest = [p for p, _sha in exportstore.iter_manifest(s, locs["Zeta"])]
    assert manifest == sorted(p for i, p in enumerate(PATHS) if i != 4)
    assert manifest[0] == b"100%_done.jpg" and manifest[-1] == "café.jpg".encode()


def test_locations_sort_as_bytes_upper_case_first(catalog: Catalog) -> None:
    """As SQLite does (BINARY); on PostgreSQL with the C collation the agencies guide asks for."""
    locs = _populate(catalog)
    with catalog.session() as s:
        problems = list(reportstore.iter_problems(s))
    assert [p.location for p in problems] == sorted(p.location for p in problems)
    assert problems[0].location == "Zeta" and problems[-1].location == "alpha"  # not "a" < "Z"
    assert {(p.path, p.status) for p in problems if p.location == "Zeta"} == {
        ("a/b.jpg", "changed"), ("caf\\xe9.jpg", "missing")}
    assert locs["beta"] not in {p.location for p in problems}


def test_like_with_escapes_is_exact_on_both(catalog: Catalog) -> None:
    """SQLite's LIKE ignores ASCII case and PostgreSQL's does not; ``%`` and ``_`` in a name
    are literal. The answers are the same."""
    _populate(catalog)
    with catalog.session() as s:
        assert {(f.location, f.path) for f in evidencestore.files_named(s, "b.jpg")} == {
            ("alpha", "a/b.jpg"), ("Zeta", "a/b.jpg")}
        assert {f.path for f in evidencestore.files_named(s, "B.jpg")} == {"B.jpg"}
        assert {f.path for f in evidencestore.files_named(s, "100%_done.jpg")} == {"100%_done.jpg"}
        assert evidencestore.files_named(s, "100__done.jpg") == []
        assert {f.path for f in evidencestore.files_named(s, "a.jpg")} == {"a.jpg", "Z/a.jpg"}


def test_json_read_as_text_finds_damaged_files(catalog: Catalog) -> None:
    locs = _populate(catalog)
    with catalog.session() as s:
        damaged = auditstore.damaged(s, locs["Zeta"])
    expected = sorted(p for i, p in enumerate(PATHS) if i % 3 == 0 and i != 4)
    assert [d.path for d in damaged] == [_printable(p) for p in expected]
    assert {d.problem for d in damaged} == {"corrupt-image"}


def test_verify_pages_through_every_due_file_once(catalog: Catalog) -> None:
    """Never-verified files first (by id), then by last verification time: a keyset over
    (timestamp, id) compared as a row, at one file per page and at three."""
    locs = _populate(catalog)
    for limit in (1, 3):
        seen: list[int] = []
        after: fixitystore.Cursor | None = None
        with catalog.session() as s:
            while page := fixitystore.next_due(s, locs["Zeta"], run_id=999, stale_before=None,
                                               after=after, limit=limit):
                seen += [d.id for d in page]
                after = (page[-1].last_verified_at, page[-1].id)
            n, size = fixitystore.count_due(s, locs["Zeta"], 999, None)
        assert len(seen) == len(set(seen)) == n == len(PATHS)
        with catalog.session() as s:
            rows = {f.id: f for f in s.query(File).filter(File.id.in_(seen))}
        order = [(rows[i].last_verified_at is not None, rows[i].last_verified_at or T0, i) for i in seen]
        assert order == sorted(order)
        assert size == sum(range(1, len(PATHS) + 1))
