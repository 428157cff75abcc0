"""End-to-end scans through the real CLI: what is recorded, incrementality, bad input."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from preservation.catalog.engine import open_catalog
from preservation.catalog.events import event_record, iter_events
from preservation.provenance.chain import verify_records
from tests.conftest import PHOTOS, snapshot, validate


def chain_ok(catalog_path: Path) -> tuple[int, object]:
    c = open_catalog(catalog_path)
    try:
        with c.session() as s:
            return verify_records(event_record(e) for e in iter_events(s))
    finally:
        c.dispose()


def test_scan_records_hashes_formats_and_perceptual_fingerprints(run, make_tree, catalog_path) -> None:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    res = run("scan", "Laptop", "-j", "1", "--operator", "Ada")
    assert "5 files" in res.stdout
    files = run.json("files", "--location", "Laptop")
    validate("files", files)
    by_path = {f["path"]: f for f in files["files"]}
    assert set(by_path) == {"notes.txt", "copy-of-first.jpg", "2024/summer/IMG_0000.jpg",
                            "2024/summer/IMG_0001.jpg", "2024/summer/IMG_0002.jpg"}
    for rel, f in by_path.items():
        assert f["sha256"] == hashlib.sha256((tree / rel).read_bytes()).hexdigest()
        assert f["state"] == "present" and f["problem"] is None
    assert by_path["2024/summer/IMG_0000.jpg"]["format"] == "jpeg"
    assert by_path["copy-of-first.jpg"]["sha256"] == by_path["2024/summer/IMG_0000.jpg"]["sha256"]
    shown = run.json("show", str(tree / "2024/summer/IMG_0001.jpg"))
    validate("show", shown)
    algos = {h["algorithm"] for h in shown["content"]["perceptual_hashes"]}
    # the whole picture's hashes; a picture with plain edges also gets its trimmed view's
    assert {a for a in algos if not a.endswith("-trim")} == {"phash", "dhash", "ahash", "whash", "colorhash",
                                                             "dihash", "pdq"}
    assert {a for a in algos if a.endswith("-trim")} <= {"phash-trim", "dhash-trim", "ahash-trim", "whash-trim",
                                                        "dihash-trim"}
    for h in shown["content"]["perceptual_hashes"]:
        assert h["library"].startswith("pdqhash" if h["algorithm"] == "pdq" else "ImageHash")
        assert ("quality" in h and len(h["variants"]) == 8) == (h["algorithm"] == "pdq")
    assert shown["content"]["width"] and shown["content"]["height"]
    first = run.json("show", str(tree / "copy-of-first.jpg"))
    assert [c["path"] for c in first["copies"]] == ["2024/summer/IMG_0000.jpg"]
    # provenance: the run's events carry the agent and the operator
    c = open_catalog(catalog_path)
    with c.session() as s:
        evs = [event_record(e) for e in iter_events(s)]
    c.dispose()
    types = {e["type"] for e in evs}
    assert {"ingestion", "message digest calculation", "format identification",
            "metadata extraction"} <= types
    ingest = next(e for e in evs if e["type"] == "ingestion")
    assert ingest["operator"] == "Ada" and ingest["agent"].startswith("preservation ")
    assert ingest["detail"]["files"] == 5 and ingest["detail"]["new"] == 5
    assert chain_ok(catalog_path)[1] is None


def test_scan_never_changes_the_tree(run, make_tree) -> None:
    tree = make_tree()
    before = snapshot(tree)
    run("scan", str(tree), "-j", "2")
    run("scan", str(tree), "-j", "1", "--rehash")
    assert snapshot(tree) == before


def test_scan_opens_nothing_for_writing_in_the_tree(run, make_tree) -> None:
    """An audit hook sees every open/rename/remove the scan makes in this process."""
    tree = make_tree()
    root = os.fsencode(tree)
    violations: list[tuple] = []
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def hook(event: str, args: tuple) -> None:
        if not watching:
            return
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            path = os.fsencode(args[0])
            mode, flags = args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags)
            if path.startswith(root) and writing:
                violations.append((event, args))
        elif event in ("os.rename", "os.remove", "os.rmdir", "os.truncate", "os.utime",
                       "os.chmod", "os.chown", "os.link", "os.symlink", "shutil.rmtree",
                       "shutil.move", "os.mkdir") and any(
                isinstance(a, (str, bytes)) and os.fsencode(a).startswith(root) for a in args):
            violations.append((event, args))

    watching = True
    sys.addaudithook(hook)
    try:
        run("scan", str(tree), "-j", "1")
        run("scan", str(tree), "-j", "1", "--rehash")
    finally:
        watching = False
    assert violations == []


def test_a_read_only_tree_scans(run, make_tree, tmp_path) -> None:
    tree = make_tree()
    for dirpath, _dirs, names in os.walk(tree, topdown=False):
        for n in names:
            os.chmod(Path(dirpath) / n, 0o444)
        os.chmod(dirpath, 0o555)
    try:
        res = run("scan", str(tree), "--json")
        validate("scan", res_json := __import__("json").loads(res.stdout))
        assert res_json["locations"][0]["hashed"] == 5
    finally:
        for dirpath, _dirs, _names in os.walk(tree):
            os.chmod(dirpath, 0o755)


def test_rescan_is_incremental_and_records_changes(run, make_tree, catalog_path) -> None:
    tree = make_tree()
    run("location", "add", "L", str(tree))
    first = run.json("scan", "L", "-j", "1")["locations"][0]
    assert first["hashed"] == 5 and first["new"] == 5
    again = run.json("scan", "L", "-j", "1")["locations"][0]
    assert again["hashed"] == 0 and again["unchanged"] == 5 and again["bytes_read"] == 0
    # change one, delete one, add one, delete a folder
    notes = tree / "notes.txt"
    notes.write_text("family notes, edited\n")
    os.utime(notes, ns=(1_000_000_000, 1_000_000_000))
    (tree / "copy-of-first.jpg").unlink()
    (tree / "new.txt").write_text("new")
    for p in (tree / "2024" / "summer").iterdir():
        p.unlink()
    (tree / "2024" / "summer").rmdir()
    third = run.json("scan", "L", "-j", "1")["locations"][0]
    assert (third["new"], third["changed"], third["missing"], third["hashed"]) == (1, 1, 4, 2)
    files = {f["path"]: f for f in run.json("files")["files"]}
    assert files["copy-of-first.jpg"]["state"] == "missing"
    assert files["2024/summer/IMG_0001.jpg"]["state"] == "missing"
    assert files["notes.txt"]["sha256"] == hashlib.sha256(notes.read_bytes()).hexdigest()
    c = open_catalog(catalog_path)
    with c.session() as s:
        evs = [event_record(e) for e in iter_events(s)]
    c.dispose()
    assert sum(e["type"] == "deletion-detected" for e in evs) == 4
    changed = [e for e in evs if e["type"] == "fixity check"]
    assert len(changed) == 1 and changed[0]["detail"]["path"] == "notes.txt"
    # a file that comes back is present again
    (tree / "copy-of-first.jpg").write_bytes(b"back")
    run.json("scan", "L", "-j", "1", expect=1)  # "back" is no JPEG: an extension mismatch
    files = {f["path"]: f for f in run.json("files")["files"]}
    assert files["copy-of-first.jpg"]["state"] == "present"


def test_rehash_reads_everything_again(run, make_tree) -> None:
    tree = make_tree()
    run("scan", str(tree), "-j", "1")
    out = run.json("scan", str(tree), "-j", "1", "--rehash")["locations"][0]
    assert out["hashed"] == 5 and out["changed"] == 0


def test_rehash_brings_perceptual_hashes_up_to_date(run, make_tree) -> None:
    """A hash missing from a content row (a new algorithm), or one made by another library
    version, is filled in by --rehash; without that, old and new pictures are never compared."""
    tree = make_tree(photos=2)
    run("scan", str(tree), "-j", "1")

    def rows() -> dict[tuple[int, str], tuple[str, str]]:
        with sqlite3.connect(run.catalog_path) as db:
            return {(cid, alg): (value, lib) for cid, alg, value, lib in db.execute(
                "SELECT content_id, algorithm, value, library FROM perceptual_hashes")}

    before = rows()
    assert {alg for _, alg in before} >= {"phash", "whash"}
    with sqlite3.connect(run.catalog_path) as db:
        db.execute("DELETE FROM perceptual_hashes WHERE algorithm = 'whash'")
        db.execute("UPDATE perceptual_hashes SET library = 'ImageHash 0.1', value = '0000000000000000' "
                   "WHERE algorithm = 'phash'")
    run("scan", str(tree), "-j", "1")  # an ordinary rescan reads nothing: rows stay as they are
    assert not any(alg == "whash" for _, alg in rows())
    run("scan", str(tree), "-j", "1", "--rehash")
    assert rows() == before


def test_worker_processes_fingerprint_like_the_main_process(make_tree) -> None:
    """With jobs > 1 chunks go to worker processes, and give the same fingerprints."""
    from preservation.scan.workers import Fingerprinter, Item, fingerprint_chunk

    tree = make_tree(photos=5)
    root = os.fsencode(tree)
    items = [Item(os.fsencode(p.relative_to(tree)), p.stat().st_size, p.stat().st_mtime_ns)
             for p in sorted(tree.rglob("*.jpg"))]
    with Fingerprinter(root, ("sha256",), jobs=2) as fpr:
        assert list(fpr.submit("pool", items)) == []  # queued, not done in-process
        assert fpr._pool is not None and len(fpr._pending) == 1
        done = list(fpr.drain())
    assert [t for t, _, _ in done] == ["pool"]
    inline = fingerprint_chunk(root, items, ("sha256",))
    assert [(f.sha256, [h.value for h in f.hashes]) for f in done[0][2]] == [
        (f.sha256, [h.value for h in f.hashes]) for f in inline]


def test_jobs_give_the_same_catalog(run, make_tree, tmp_path) -> None:
    from preservation.scan.run import CHUNK_FILES

    tree = make_tree(photos=5)
    extra = CHUNK_FILES * 7
    for i, src in enumerate(sorted(PHOTOS.glob("*.jpg")) * (extra // 5 + 1)):
        if i == extra:
            break
        (tree / f"extra{i:03d}.jpg").write_bytes(src.read_bytes() + bytes([i]))
    run("scan", str(tree), "-j", "1")
    one = {(f["path"], f["sha256"], f["width"]) for f in run.json("files")["files"]}
    run2 = type(run)(tmp_path / "other.sqlite")
    run2("scan", str(tree), "-j", "2")
    two = {(f["path"], f["sha256"], f["width"]) for f in run2.json("files")["files"]}
    assert one == two and len(one) == 7 + extra


def test_bad_files_are_recorded_and_the_scan_goes_on(run, make_tree, photos) -> None:
    tree = make_tree()
    (tree / "empty.jpg").write_bytes(b"")
    good = photos[0].read_bytes()
    (tree / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (tree / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))
    os.mkfifo(tree / "pipe")
    res = run("scan", str(tree), "-j", "2", expect=1)
    assert "Traceback" not in res.output
    files = {f["path"]: f for f in run.json("files")["files"]}
    assert files["empty.jpg"]["sha256"] == hashlib.sha256(b"").hexdigest()
    assert files["truncated.jpg"]["sha256"] == hashlib.sha256(good[: len(good) // 3]).hexdigest()
    codes = {p["code"] for p in files["truncated.jpg"]["content_problems"]}
    assert "corrupt-image" in codes
    assert files["garbage.png"]["content_problems"]
    assert "pipe" not in files  # never opened, listed as skipped
    assert files["2024/summer/IMG_0000.jpg"]["width"]  # the rest was fingerprinted
    assert "FIFO" in res.stdout
    problems = run("files", "--problems").stdout
    assert "truncated.jpg" in problems and "IMG_0000" not in problems


def test_unregistered_path_is_registered(run, make_tree) -> None:
    tree = make_tree("stick")
    res = run("scan", str(tree))
    assert "Registered new location 'stick'" in res.stdout
    loc = run.json("location", "show", "stick")
    validate("location", loc)
    assert loc["media"] == "unknown" and loc["files"] == 5


def test_unreachable_location_is_one_line_not_thousands_of_missing(run, make_tree) -> None:
    tree = make_tree()
    run("location", "add", "USB", str(tree), "--media", "usb-flash")
    run("scan", "USB")
    moved = tree.with_name("unplugged")
    tree.rename(moved)
    res = run("scan", "USB", expect=1)
    assert "unreachable" in res.stdout and res.stdout.count("\n") <= 3
    assert all(f["state"] == "present" for f in run.json("files")["files"])


def test_user_errors_have_no_traceback(run, tmp_path) -> None:
    res = run("scan", "NoSuchPlace", expect=2)
    assert "No location named 'NoSuchPlace'" in res.stderr and "Traceback" not in res.output
    res = run("show", str(tmp_path / "nothing.jpg"), expect=2)
    assert "not inside any registered location" in res.stderr
    bad = tmp_path / "not-a-catalog.sqlite"
    bad.write_text("hello")
    res = type(run)(bad)("location", "list", expect=2)
    assert "not a preservation catalog" in res.stderr and "Traceback" not in res.output


def test_invalid_utf8_names_show_and_round_trip(run, tmp_path) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    name = b"caf\xe9-\xff.txt"
    with open(os.path.join(os.fsencode(root), name), "wb") as fh:
        fh.write(b"odd")
    run("scan", str(root))
    files = run.json("files")["files"]
    assert files[0]["path"] == "caf\\xe9-\\xff.txt"
    c = sqlite3.connect(run.catalog_path)
    assert c.execute("select path_bytes from files").fetchone()[0] == name
    c.close()
    shown = run.json("show", os.fsdecode(os.path.join(os.fsencode(root), name)))
    assert shown["sha256"] == hashlib.sha256(b"odd").hexdigest()


def test_nfd_and_nfc_names_are_the_same_for_show(run, tmp_path) -> None:
    import unicodedata

    root = tmp_path / "mac"
    root.mkdir()
    nfd = unicodedata.normalize("NFD", "Zoë.txt")
    (root / nfd).write_text("x")
    run("scan", str(root))
    shown = run.json("show", str(root / unicodedata.normalize("NFC", "Zoë.txt")))
    assert shown["path"] == nfd


def test_module_entry_point_help() -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-m", "preservation", "--help"], capture_output=True,
                         text=True, check=True)
    assert "Usage:" in out.stdout and "scan" in out.stdout


@pytest.mark.parametrize("algos", ["sha512", "md5,sha512"])
def test_extra_digests_on_request(run, make_tree, algos) -> None:
    tree = make_tree()
    run("scan", str(tree), "--algorithms", algos)
    shown = run.json("show", str(tree / "notes.txt"))
    data = (tree / "notes.txt").read_bytes()
    assert shown["content"]["sha512"] == hashlib.sha512(data).hexdigest()
    if "md5" in algos:
        assert shown["content"]["md5"] == hashlib.md5(data).hexdigest()
