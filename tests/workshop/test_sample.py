"""The workshop sample archive: deterministic, never overwrites, and the exercise gives the answers.

The exercise runs as a participant would: ``workshop sample``, the printed ``location add``
commands, ``scan``, ``files --problems``, ``copies`` and ``lookalikes``; every answer is checked
against the manifest that also wrote ``ANSWERS.md``.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from pathlib import Path

import pytest

from preservation.errors import UsageError
from preservation.vocabulary import ProblemCode, Verdict
from preservation.workshop import DEFAULT_SEED, SampleManifest, build_sample, write_sample
from preservation.workshop.sample import ANSWERS, check_target
from tests.conftest import Run, snapshot, validate


def _tree(root: Path) -> dict[str, tuple[str, int]]:
    """SHA-256 and modification time of every file below root, by relative path."""
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def api_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleManifest]:
    d = tmp_path_factory.mktemp("api") / "sample"
    return d, write_sample(d, seed=DEFAULT_SEED)


@pytest.fixture(scope="module")
def cli_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample written by the real CLI (default seed), and what the command printed."""
    base = tmp_path_factory.mktemp("cli")
    d = base / "workshop"
    out = Run(base / "catalog.sqlite")("workshop", "sample", str(d))
    return d, out.stdout


def test_generation_is_deterministic(api_sample, cli_sample) -> None:
    (a, manifest), (b, _out) = api_sample, cli_sample
    ta, tb = _tree(a), _tree(b)
    assert ta == tb  # same paths, same SHA-256, same modification times
    expected = {f"{f.drive}/{f.path}": (manifest.content_of(f).sha256, int(f.mtime.timestamp()) * 10**9)
                for f in manifest.files}  # whole seconds, as a camera or a copy tool sets them
    assert {k: v for k, v in ta.items() if k != ANSWERS} == expected
    assert (a / ANSWERS).read_text(encoding="utf-8") == manifest.answers()
    assert sorted(os.listdir(a)) == sorted([ANSWERS, *(d.name for d in manifest.drives)])


def test_sample_is_a_modest_family_collection(api_sample) -> None:
    d, m = api_sample
    assert 8e6 < m.total_bytes < 25e6
    kinds = {c.kind for c in m.contents.values()}
    assert {"original", "burst shot", "edit", "EXIF-stripped copy", "re-encode", "corrupted copy"} <= kinds
    assert any(c.kind == "original" and len(m.files_of(k)) == 1 for k, c in m.contents.items())  # one place only
    assert m.extension_mismatches(), "a HEIC picture named .jpg"
    from PIL import Image

    for f in m.files:
        c = m.content_of(f)
        if c.format != "jpeg" or c.problem:
            continue
        with Image.open(d / f.drive / f.path) as im:
            assert 700 <= max(im.size) <= 1600
            exif = im.getexif()
            if c.has_exif:
                assert exif.get(0x010F) and exif.get(0x0110)  # camera make and model
                gps = exif.get_ifd(0x8825)
                if gps:  # public places only, and well-formed (minutes and seconds below 60)
                    assert all(float(x) < 60 for x in (*gps[2][1:], *gps[4][1:]))
            else:
                assert not exif.get(0x010F)


def test_another_seed_tells_the_same_story_with_other_bytes(api_sample) -> None:
    _, m = api_sample
    other = build_sample(seed=1)
    assert [(f.drive, f.path, f.content, f.mtime) for f in other.files] == [
        (f.drive, f.path, f.content, f.mtime) for f in m.files]
    assert other.statuses() == m.statuses() and other.lookalike_pairs() == m.lookalike_pairs()
    pictures = [k for k, c in m.contents.items() if c.is_picture]
    assert all(other.contents[k].sha256 != m.contents[k].sha256 for k in pictures)


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path, run) -> None:
    d = tmp_path / "mine"
    (d / "photos").mkdir(parents=True)
    (d / "photos" / "IMG_0001.JPG").write_bytes(b"not mine to touch")
    (d / "notes.txt").write_text("keep\n")
    before, names = snapshot(d), sorted(p.name for p in d.rglob("*"))
    res = run("workshop", "sample", str(d), expect=2)
    assert "not empty" in res.stderr and "nothing was written" in res.stderr
    assert snapshot(d) == before and sorted(p.name for p in d.rglob("*")) == names
    f = tmp_path / "a-file"
    f.write_text("x")
    assert "is a file" in run("workshop", "sample", str(f), expect=2).stderr
    assert f.read_text() == "x"
    with pytest.raises(UsageError):
        write_sample(d)
    assert snapshot(d) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_target(empty) == empty  # an empty folder is accepted
    assert "does not exist" in run("workshop", "sample", str(tmp_path / "no" / "such"), expect=2).stderr
    assert not (tmp_path / "no").exists()  # only DIR itself is ever created, never its parents


def test_refuses_to_write_inside_or_around_a_registered_location(tmp_path: Path, run) -> None:
    loc = tmp_path / "drive"
    loc.mkdir()
    run("location", "add", "drive", str(loc))
    res = run("workshop", "sample", str(loc / "sample"), expect=2)
    assert "overlaps the registered location 'drive'" in res.stderr
    assert not (loc / "sample").exists()
    assert "overlaps" in run("workshop", "sample", str(tmp_path), expect=2).stderr


def test_answers_cover_every_file_and_the_expected_results(api_sample) -> None:
    d, m = api_sample
    text = (d / ANSWERS).read_text(encoding="utf-8")
    for f in m.files:
        assert f"`{f.path}`" in text, f.rel
    for c in m.contents.values():
        assert c.sha256 in text
    for line in m.location_commands():
        assert line in text
    for bad, code in m.problem_files():
        assert f"`{bad.rel}`: `{code}`" in text
    for p in m.lookalike_pairs():
        assert f"`{p.verdict}`" in text
    for st in m.statuses().values():
        assert st.status in text
    # the verdicts are derived from how each picture was made, and agree with what each one is
    for c in m.contents.values():
        if c.source is not None and c.relation is not None:
            assert m.truth(m.contents[c.source], c)[0] == c.relation, c.key


@pytest.mark.slow
def test_the_workshop_exercise(cli_sample, api_sample, run) -> None:
    """A participant's session, checked against the answer key."""
    root, printed = cli_sample
    _, m = api_sample  # byte-identical to the CLI's sample (test_generation_is_deterministic)
    real = Path(os.path.realpath(root))
    key_of = {str(real / f.drive / f.path): f.content for f in m.files}
    sha = {k: c.sha256 for k, c in m.contents.items()}

    # 1. register the drives with the commands the generator printed
    commands = [shlex.split(line.strip()) for line in printed.splitlines()
                if line.strip().startswith("preservation location add")]
    assert [c[3] for c in commands] == [d.name for d in m.drives]
    for c in commands:
        run(*c[1:])

    # 2. scan: finishes with problems (exit 1) because of the truncated JPEG and the HEIC named
    # .jpg (-j 1: for thirty files, starting worker processes costs more than it saves)
    scanned = run.json("scan", "-j", "1", expect=1)
    validate("scan", scanned)
    per_drive = {loc["location"]: loc for loc in scanned["locations"]}
    assert {n: v["files"] for n, v in per_drive.items()} == {d.name: len(m.files_on(d.name)) for d in m.drives}
    (bad, code), = m.damaged_files()
    assert code == ProblemCode.CORRUPT_IMAGE
    expected = m.problem_files()
    assert len(expected) == 2 and {c for _f, c in expected} == {code, ProblemCode.EXTENSION_MISMATCH}
    assert {n: v["problems"] for n, v in per_drive.items()} == {
        d.name: sum(f.drive == d.name for f, _c in expected) for d in m.drives}

    # 3. files --problems: exactly those files, with those problems
    problems = run.json("files", "--problems")
    validate("files", problems)
    assert sorted((f["location"], f["path"]) for f in problems["files"]) == sorted(
        (f.drive, f.path) for f, _c in expected)
    damaged = next(f for f in problems["files"] if f["path"] == bad.path)
    assert [p["code"] for p in damaged["content_problems"]] == [str(code)]
    assert damaged["sha256"] == sha[bad.content]
    table = run("files", "--problems").stdout
    assert "usb-drive" in table and "corrupt" in table
    files = run.json("files")["files"]
    assert sorted((f["location"], f["path"]) for f in files if f["extension_mismatch"]) == sorted(
        (f.drive, f.path) for f in m.extension_mismatches())

    # 4. copies: the 3-2-1 status of every content, as ANSWERS.md states it
    def statuses() -> dict[str, str]:
        out = run("copies", "--json", expect=None)
        data = __import__("json").loads(out.stdout)
        validate("copies", data)
        assert out.exit_code == (0 if data["summary"]["at_risk"] + data["summary"]["short"] == 0 else 1)
        return {c["sha256"]: c["status"] for c in data["contents"]}

    assert statuses() == {sha[k]: st.status for k, st in m.statuses().items()}

    # 5. lookalikes: every expected pair with its verdict, and no other
    la = run.json("lookalikes", "-j", "1")
    validate("lookalikes", la)
    found: dict[frozenset[str], str] = {}
    members: dict[str, set[str]] = {}
    for g in la["groups"]:
        for mem in g["members"]:
            members.setdefault(mem["sha256"], set()).add(mem["path"])
        for p in g["pairs"]:
            if p["verdict"] != Verdict.IDENTICAL:
                found[frozenset((key_of[p["a"]], key_of[p["b"]]))] = p["verdict"]
    expected = {frozenset((p.a, p.b)): str(p.verdict) for p in m.lookalike_pairs()}
    assert found == expected
    # exact copies: every copy of a content in several places, in one group
    copies = {c.sha256: {str(real / f.drive / f.path) for f in fs} for c, fs in m.exact_copies()}
    assert {s: members[s] for s in copies} == copies
    assert sha[bad.content] not in members  # the corrupt file has no fingerprints

    # 6. fixity right after the scan: every file intact (the truncated one was broken before)
    run("verify", "-q", "-j", "1")

    # 7. what if cloud-sync were a real off-site backup, not a sync folder?
    cloud = m.drive("cloud-sync")
    run("location", "remove", cloud.name, "--yes")
    run("location", "add", cloud.name, str(root / cloud.name), "--media", str(cloud.media),
        "--site", str(cloud.site))
    run("scan", cloud.name, "-q", "-j", "1")
    assert statuses() == {sha[k]: st.status for k, st in m.statuses(sync_counts=True).items()}
