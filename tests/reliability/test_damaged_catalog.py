"""A damaged catalog never answers quietly: every command that reads it exits 2, "is damaged".

Reproduces issue 17: bytes flipped in a scanned catalog so that SQLite's integrity check fails.
Before, ``files --json`` listed part of the files (exit 0), ``files --problems`` said "No files
match." and ``log verify`` said "intact".
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import PHOTOS, Run

DAMAGED = "is damaged"


def _tree(root: Path, n: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    photos = sorted(PHOTOS.glob("*.jpg"))
    for i in range(n):
        sub = root / f"d{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note{i:04d}.txt").write_bytes(rng.randbytes(rng.randint(10, 400)))
    for i, p in enumerate(photos[:3]):
        (root / f"IMG_{i}.jpg").write_bytes(p.read_bytes())
    (root / "cut.jpg").write_bytes(photos[0].read_bytes()[:600])  # a problem to list


def flip(path: Path) -> None:
    """The issue's damage: XOR 0xff into every 97th byte over 16 KiB from a third of the size."""
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    for i in range(start, min(len(data), start + 16384), 97):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def quick_check(path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        con.close()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("damage")
    tree = base / "tree"
    _tree(tree, 1500)
    good = base / "good.sqlite"
    Run(good)("scan", str(tree), "-q", "-j", "1", expect=1)  # cut.jpg is a problem
    con = sqlite3.connect(good)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return tree, good


def _damaged_copy(scanned: tuple[Path, Path], tmp_path: Path) -> Path:
    bad = tmp_path / "bad.sqlite"
    shutil.copyfile(scanned[1], bad)
    flip(bad)
    assert quick_check(bad) != ["ok"]
    return bad


def read_commands(tree: Path, out: Path) -> list[list[str]]:
    photo = str(tree / "IMG_0.jpg")
    return [
        ["files"], ["files", "--json"], ["files", "--problems"], ["files", "--problems", "--json"],
        ["show", photo], ["show", photo, "--json"], ["history", photo], ["history", photo, "--json"],
        ["status"], ["status", "--json"], ["copies"], ["copies", "--json"],
        ["lookalikes"], ["lookalikes", "--json"], ["log", "verify"], ["log", "verify", "--json"],
        ["export", "--format", "json", "-o", str(out / "e.json")],
        ["export", "--format", "sha256sum", "--location", "tree", "-o", str(out / "e.sha256")],
        ["export", "--format", "premis", "-o", str(out / "e.xml")],
        ["report", "--out", str(out / "r.html")],
        ["location", "list"], ["location", "show", "tree"],
        ["evidence", "create", "--out", str(out / "bag"), "--file", photo],
        ["compare", "tree", str(out.parent)],
        ["verify"], ["scan", "-q"], ["audit", str(tree), "-q"],
    ]


def test_every_command_refuses_a_damaged_catalog(scanned: tuple[Path, Path], tmp_path: Path) -> None:
    tree, _good = scanned
    bad = _damaged_copy(scanned, tmp_path)
    run = Run(bad)
    out = tmp_path / "out"
    out.mkdir()
    for args in read_commands(tree, out):
        r = run(*args, expect=None)
        assert r.exit_code == 2, (args, r.exit_code, r.stdout[-300:], r.stderr[-300:])
        assert DAMAGED in r.stderr and "integrity check failed" in r.stderr, (args, r.stderr)
        assert r.stdout.strip() == "", (args, r.stdout[:300])  # nothing half-read is shown
    assert sorted(p.name for p in out.iterdir()) == []  # and nothing half-written


def test_the_undamaged_catalog_answers(scanned: tuple[Path, Path], tmp_path: Path) -> None:
    """The same commands on the catalog before the damage: none says "damaged"."""
    _tree_path, good = scanned
    cat = tmp_path / "good.sqlite"
    shutil.copyfile(good, cat)
    run = Run(cat)
    assert len(run.json("files")["files"]) == 1504
    for args in (["files", "--problems"], ["log", "verify"], ["status"]):
        r = run(*args, expect=None)
        assert r.exit_code in (0, 1) and DAMAGED not in r.stderr, (args, r.stderr)


def test_a_value_that_cannot_be_decoded_is_damage_too(scanned: tuple[Path, Path], tmp_path: Path) -> None:
    """A row whose text is not UTF-8 passes SQLite's page checks; reading it says "damaged"."""
    tree, good = scanned
    cat = tmp_path / "c.sqlite"
    shutil.copyfile(good, cat)
    con = sqlite3.connect(cat)
    con.execute("UPDATE files SET path = CAST(x'6e6f74ff' AS TEXT) WHERE path LIKE 'd03/%'")
    con.execute("UPDATE contents SET exif = 'not json {' WHERE format = 'jpeg'")
    con.commit()
    con.close()
    assert quick_check(cat) == ["ok"]
    run = Run(cat)
    for args in (["files", "--json"], ["files", "--problems"], ["show", str(tree / "IMG_0.jpg"), "--json"],
                 ["export", "--format", "json"]):
        r = run(*args, expect=None)
        assert r.exit_code == 2 and DAMAGED in r.stderr, (args, r.exit_code, r.stderr[-400:])


def test_read_commands_refuse_a_catalog_that_does_not_exist(tmp_path: Path) -> None:
    """A mistyped --catalog is refused, never created empty and answered from ("intact: 0 events")."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "IMG_0.jpg").write_bytes(b"x")
    out = tmp_path / "out"
    out.mkdir()
    missing = tmp_path / "typo.sqlite"
    run = Run(missing)
    creating = {"scan", "audit", "compare"}
    for args in read_commands(tree, out):
        if args[0] in creating:
            continue
        r = run(*args, expect=None)
        assert r.exit_code == 2, (args, r.exit_code, r.stdout[-300:], r.stderr[-300:])
        assert f"no catalog at {missing}; scan something first" in r.stderr, (args, r.stderr)
        assert not missing.exists() and not list(out.iterdir()), args
    run("location", "add", "tree", str(tree))  # a command that starts a catalog still does
    assert missing.exists()
