from __future__ import annotations

from tests.conftest import snapshot, validate


def test_add_list_show_remove(run, make_tree) -> None:
    a, b = make_tree("laptop"), make_tree("cloud")
    run("location", "add", "Laptop", str(a), "--media", "ssd", "--site", "onsite")
    run("location", "add", "Cloud", str(b), "--media", "cloud", "--site", "offsite", "--sync")
    listing = run.json("location", "list")
    validate("locations", listing)
    assert [(x["name"], x["media"], x["site"], x["sync"]) for x in listing["locations"]] == [
        ("Cloud", "cloud", "offsite", True), ("Laptop", "ssd", "onsite", False)]
    assert "Laptop" in run("location", "list").stdout
    run("scan", "-q")
    before = snapshot(b)
    aborted = run("location", "remove", "Cloud", input="n\n", expect=1)
    assert "Aborted" in aborted.output
    assert len(run.json("location", "list")["locations"]) == 2
    out = run("location", "remove", "Cloud", input="y\n")
    assert "No file was touched" in out.stdout
    assert snapshot(b) == before
    assert [x["name"] for x in run.json("location", "list")["locations"]] == ["Laptop"]
    assert {f["location"] for f in run.json("files")["files"]} == {"Laptop"}


def test_bad_location_input(run, make_tree, tmp_path) -> None:
    t = make_tree()
    run("location", "add", "A", str(t))
    assert "already exists" in run("location", "add", "A", str(make_tree("other")), expect=2).stderr
    assert "overlaps" in run("location", "add", "Inner", str(t / "2024"), expect=2).stderr
    assert "overlaps" in run("location", "add", "Outer", str(tmp_path), expect=2).stderr
    assert "not a folder" in run("location", "add", "Gone", str(tmp_path / "nope"), expect=2).stderr
    assert "is not one of" in run("location", "add", "X", str(tmp_path), "--media", "floppy",
                                   expect=2).stderr
    assert "No location named" in run("location", "show", "Nope", expect=2).stderr
