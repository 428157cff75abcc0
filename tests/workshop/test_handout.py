"""The participant handout: every command in it is run, in order, and prints what it promises.

The handout (``preservation/templates/workshop/handout.md``, also ``workshop/handout.md``) is
parsed here: each ```sh block is a step, and the ``**You should see:**`` note after it states
the answer: every `backticked` piece must appear in what the step's commands print, and
"exit code N" is the exit code of its last command (the others must exit 0). The steps run in
one empty folder, as a participant would type them: ``preservation`` lines through the real CLI
(the default catalog, ``./preservation.sqlite``), ``cd`` by the test, anything else with bash.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from preservation.workshop import SampleManifest, build_sample
from preservation.workshop.handout import source_text
from tests.conftest import Run

ROOT = Path(__file__).resolve().parent.parent.parent
FENCE = re.compile(r"^```\s*(\S*)\s*$")
SEE = re.compile(r"^>\s*\*\*You should see:\*\*\s*(.*)$")


@dataclass
class Step:
    number: int
    section: str
    line: int  # where the block starts in the handout (1-based)
    commands: list[str]
    expect: list[str] = field(default_factory=list)
    exit_code: int = 0
    stated: bool = False  # a "You should see" note follows the block

    @property
    def id(self) -> str:
        words = [w.lstrip("-") for w in shlex.split(self.commands[-1])[1:]
                 if not w.startswith("--catalog") and not w.endswith(".sqlite")]
        return f"{self.number:02d}-" + re.sub(r"[^\w.-]+", "_", "-".join(words[:2]))[:40]


def parse(text: str) -> list[Step]:
    """The ```sh blocks of a Markdown text, each with the answer stated after it."""
    steps: list[Step] = []
    lines = text.splitlines()
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        fence = FENCE.match(line)
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            if fence.group(1) == "sh":
                body = [c.strip() for c in lines[i + 1:end] if c.strip() and not c.strip().startswith("#")]
                steps.append(Step(len(steps) + 1, section, i + 1, body))
            i = end + 1
            continue
        see = SEE.match(line)
        if see:
            assert steps and not steps[-1].stated, f"line {i + 1}: a 'You should see' note without a command"
            note = [see.group(1)]
            while i + 1 < len(lines) and lines[i + 1].startswith(">"):
                i += 1
                note.append(lines[i].lstrip("> "))
            text_ = " ".join(note)
            steps[-1].stated = True
            steps[-1].expect = re.findall(r"`([^`]+)`", text_)
            code = re.search(r"exit code (\d)", text_)
            steps[-1].exit_code = int(code.group(1)) if code else 0
        i += 1
    return steps


STEPS = parse(source_text())


@dataclass
class Outcome:
    codes: list[int]
    output: str


def _run_line(command: str, cwd: Path) -> tuple[int, str, Path]:
    from click.testing import CliRunner

    from preservation.cli.main import cli

    words = shlex.split(command)
    if words[0] == "cd":
        target = (cwd / words[1]).resolve()
        return (0 if target.is_dir() else 1), "", target if target.is_dir() else cwd
    if words[0] == "preservation":
        os.chdir(cwd)
        res = CliRunner().invoke(cli, words[1:], env={"PRESERVATION_CATALOG": None, "COLUMNS": "80"},
                                 catch_exceptions=True)
        if res.exception and not isinstance(res.exception, SystemExit):
            raise res.exception
        return res.exit_code, res.stdout + res.stderr, cwd
    done = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr, cwd


def test_the_handout_has_steps_and_states_every_answer() -> None:
    assert len(STEPS) >= 12
    for step in STEPS:
        assert step.commands, f"line {step.line}: an empty command block"
        assert step.stated and step.expect, f"line {step.line}: no 'You should see' note with `output`"
    sections = " ".join(s.section for s in STEPS)
    for topic in ("Inventory", "Fixity", "Look-alikes", "3-2-1", "audit"):
        assert topic in sections, topic


@pytest.fixture(scope="module")
def manifest() -> SampleManifest:
    """What the sample archive (default seed) holds, as the generator describes it."""
    return build_sample()


def run_handout(start: Path) -> dict[int, Outcome]:
    """Every step of the handout, in order, in ``start`` (an empty folder)."""
    cwd, here = start, os.getcwd()
    outcomes: dict[int, Outcome] = {}
    try:
        for step in STEPS:
            codes, output = [], []
            for command in step.commands:
                code, out, cwd = _run_line(command, cwd)
                codes.append(code)
                output.append(out)
            outcomes[step.number] = Outcome(codes, "\n".join(output))
    finally:
        os.chdir(here)
    return outcomes


@pytest.mark.slow
def test_every_command_prints_what_the_handout_says(tmp_path: Path, manifest: SampleManifest) -> None:
    """One test for the whole handout, run as a participant would: the steps depend on each
    other, and one run (not one per parallel test worker) keeps the suite fast. Every step is
    checked, and every mismatch reported."""
    outcomes = run_handout(tmp_path)
    wrong: list[str] = []
    for step in STEPS:
        got = outcomes[step.number]
        where = f"handout line {step.line} ({step.section}), {step.id}"
        if got.codes[:-1] != [0] * (len(got.codes) - 1) or got.codes[-1] != step.exit_code:
            wrong.append(f"{where}: exit codes {got.codes}, expected {step.exit_code} for the last")
        wrong += [f"{where}: {piece!r} is not in the output" for piece in step.expect
                  if piece not in got.output]
        if any(w.startswith(where) for w in wrong):
            wrong.append(f"--- output of {step.id}:\n{got.output}")
    assert not wrong, "\n".join(wrong)

    # the tool changed nothing on the drives but the one file the participant edited on
    # purpose (exercise 2); what the commands wrote is beside the drives, never inside them
    data = tmp_path / "workshop-data"
    drives = {d.name for d in manifest.drives}
    found = {}
    for dirpath, _dirs, names in os.walk(data):
        for n in names:
            p = Path(dirpath) / n
            rel = p.relative_to(data).as_posix()
            if rel.split("/")[0] in drives:
                found[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    expected = {f.rel: manifest.content_of(f).sha256 for f in manifest.files}
    assert found.keys() == expected.keys()
    assert {k for k in expected if found[k] != expected[k]} == {"laptop/Documents/photo-notes.txt"}
    for made in ("audit.pdf", "burst.png", "preservation.sqlite", "what-if.sqlite"):
        assert (data / made).is_file(), made


def test_workshop_folder_shows_the_shipped_handout() -> None:
    assert (ROOT / "workshop" / "handout.md").read_text(encoding="utf-8") == source_text()


def test_handout_prints_as_a_pdf(run: Run, tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "handout.pdf"
    printed = run("workshop", "handout", "--out", str(out), "--paper", "a4")
    assert f"Wrote {out}" in printed.stdout
    reader = PdfReader(out)
    assert len(reader.pages) >= 4
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (595, 842)
               for p in reader.pages)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Keeping family photos safe: workshop handout" in text
    for heading in ("Exercise 1: Inventory", "Exercise 2: Fixity", "Exercise 3: Look-alikes",
                    "Exercise 4: 3-2-1", "Exercise 5: Everything at once"):
        assert heading in text, heading
    assert "preservation location add laptop laptop --media ssd --site onsite" in text
    assert "You should see: 12 ok, 1 changed" in text
    assert "Editors:" not in text  # the note for editors is not printed
    assert "Page 2 of" in text


def test_handout_as_html_and_never_inside_a_location(run: Run, tmp_path: Path) -> None:
    page = tmp_path / "handout.html"
    run("workshop", "handout", "--out", str(page))
    html = page.read_text(encoding="utf-8")
    assert '<code class="language-sh">preservation scan' in html
    assert "<blockquote>" in html and "<strong>You should see:</strong>" in html
    # questions are numbered on across exercises, also where <ol start> is not honoured
    assert '<ol start="4" style="counter-reset: list-item 3">' in html
    drive = tmp_path / "drive"
    drive.mkdir()
    run("location", "add", "drive", str(drive))
    refused = run("workshop", "handout", "--out", str(drive / "handout.pdf"), expect=2)
    assert "never writes there" in refused.stderr
    assert list(drive.iterdir()) == []
    assert "end it in .pdf or .html" in run("workshop", "handout", "--out", str(tmp_path / "h.docx"),
                                            expect=2).stderr


def test_exercise_answers_agree_with_the_sample(manifest: SampleManifest) -> None:
    """workshop/exercises.md states facts about the sample archive: each is derived here from
    the manifest that writes the archive, and must be in the page."""
    from collections import Counter

    from preservation.analyse.copies import AT_RISK, MEETS, SHORT

    m = manifest
    page = (ROOT / "workshop" / "exercises.md").read_text(encoding="utf-8")
    # every question of the handout is answered, under the same number
    asked = [int(n) for n in re.findall(r"^(\d+)\. ", source_text(), re.M)]
    answered = [int(n) for n in re.findall(r"^\*\*(\d+)\. ", page, re.M)]
    assert asked == answered == list(range(1, len(asked) + 1)) and len(asked) >= 10
    text = " ".join(page.split())
    per_drive = ", ".join(f"{d.name} {len(m.files_on(d.name))}" for d in m.drives)
    facts = [f"{per_drive} ({len(m.files)} files in all)"]
    ((broken, code),) = m.damaged_files()
    intact = m.contents[m.content_of(broken).source or ""]
    facts += [f"`{code}`", f"first {m.content_of(broken).size:,} of the {intact.size:,} bytes"]
    facts += [f"`{f.rel}` is a HEIC picture named `.jpg`" for f in m.extension_mismatches()]
    verdicts = Counter(str(p.verdict) for p in m.lookalike_pairs())
    ranked = sorted(verdicts.items(), key=lambda vn: (-vn[1], vn[0]))
    facts.append(", ".join(f"{n} {v}" for v, n in ranked) + f" ({sum(verdicts.values())} pairs)")
    facts.append(f"{len(m.exact_copies())} contents are stored in more than one place")
    st = Counter(s.status for s in m.statuses().values())
    facts.append(f"{st[MEETS]} meet 3-2-1, {st[SHORT]} short, {st[AT_RISK]} at risk")
    facts.append(f"{st[AT_RISK]} contents are at risk")
    what_if = Counter(s.status for s in m.statuses(sync_counts=True).values())
    facts.append(f"{what_if[MEETS]} meet 3-2-1 — the photos that are on all three drives")
    only = [k for k, c in m.contents.items() if c.kind == "original" and len(m.files_of(k)) == 1]
    assert only == ["cameraman"]
    facts.append(f"`{m.files_of('cameraman')[0].name}`, which exists only on the "
                 f"{'USB drive' if m.files_of('cameraman')[0].drive == 'usb-drive' else '?'}")
    for fact in facts:
        assert fact in text, fact
