"""Full validation of a BagIt bag (RFC 8493) that lists every problem it finds.

The bagit library's validator stops at its first kind of failure (a Payload-Oxum mismatch, an
unsafe manifest entry); a person repairing or judging a bag needs all of them at once. Each
problem is typed as bagit-python types them (``checksum-mismatch`` for its ChecksumMismatch,
``file-missing`` for FileMissing, ``unexpected-file`` for UnexpectedFile) plus the structural
ones it raises as errors.

Manifest entries that would lead outside the bag (``../``, absolute paths, a drive letter, a
home folder, a symbolic link) are refused: reported, never opened. Nothing in the bag is
written; files are opened read-only and never through a symbolic link.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import posixpath
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

#: Digest lengths (hex) of the algorithms RFC 8493 names or allows.
ALGORITHMS = {"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}
VERSIONS = ("0.96", "0.97", "1.0")
CHUNK = 1 << 20
_LINES = re.compile(r"\r\n|\r|\n")
_ENTRY = re.compile(r"^(\S+)[ \t]+(.+)$")
_MANIFEST = re.compile(r"^(tag)?manifest-([A-Za-z0-9]+)\.txt$")


@dataclass(frozen=True, slots=True)
class Problem:
    type: str
    message: str
    path: str | None = None
    manifest: str | None = None
    algorithm: str | None = None
    expected: str | None = None
    found: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Validation:
    """The outcome of validating one bag."""

    bag: str
    version: str | None = None
    algorithms: list[str] = field(default_factory=list)
    payload_files: int = 0
    payload_bytes: int = 0
    oxum: str | None = None
    info: dict[str, list[str]] = field(default_factory=dict)
    tag_files: int = 0
    irregular: set[str] = field(default_factory=set)  # entries that are not regular files (nfc)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, type: str, message: str, **kw: Any) -> None:
        self.problems.append(Problem(type, message, **kw))

    def to_json(self) -> dict[str, Any]:
        return {"bag": self.bag, "valid": self.valid, "version": self.version,
                "algorithms": list(self.algorithms),
                "payload": {"files": self.payload_files, "bytes": self.payload_bytes},
                "payload_oxum": self.oxum, "tag_files": self.tag_files,
                "bag_info": {k: list(v) for k, v in self.info.items()},
                "problems": [p.to_json() for p in self.problems],
                "warnings": [w.to_json() for w in self.warnings]}


def nfc(path: str) -> str:
    return unicodedata.normalize("NFC", path)


def decode_path(raw: str) -> str:
    """A manifest path as RFC 8493 writes it: CR, LF and % percent-encoded."""
    return re.sub(r"%(0[aAdD]|25)", lambda m: {"0a": "\n", "0d": "\r", "25": "%"}[m[1].lower()], raw)


def unsafe(path: str) -> str | None:
    """Why a manifest path could lead outside the bag (None: it cannot, by its text)."""
    if not path:
        return "an empty path"
    if "\x00" in path:
        return "a path with a NUL character"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return "an absolute path"
    if path.startswith("~"):
        return "a path in someone's home folder"
    if ".." in re.split(r"[/\\]", path):
        return "a path that climbs out with '..'"
    return None


def _read_text(path: str, encoding: str, v: Validation, name: str) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        v.add("unreadable", f"{name} cannot be read ({exc.strerror or exc}).", path=name)
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            v.add("not-a-regular-file", f"{name} is not a regular file.", path=name)
            return None
        chunks = []
        while chunk := os.read(fd, CHUNK):
            chunks.append(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if data.startswith(codecs.BOM_UTF8):
        v.add("byte-order-mark", f"{name} starts with a byte-order mark, which BagIt forbids.", path=name)
        data = data[3:]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        v.add("bad-encoding", f"{name} is not valid {encoding} (byte {exc.start}).", path=name)
        return data.decode(encoding, "replace")


def _tags(text: str, v: Validation, name: str) -> dict[str, list[str]]:
    """Label: value lines, with continuation lines that start with whitespace."""
    out: dict[str, list[str]] = {}
    last: str | None = None
    for n, line in enumerate(_LINES.split(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t" and last is not None:
            out[last][-1] += " " + line.strip()
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip() or label != label.strip():
            v.add("bad-tag-line", f"{name} line {n} is not 'Label: value'.", path=name, line=n)
            continue
        last = label
        out.setdefault(label, []).append(value.strip())
    return out


def _declaration(v: Validation, root: str) -> str:
    """bagit.txt; returns the tag files' encoding."""
    path = os.path.join(root, "bagit.txt")
    if not os.path.lexists(path):
        v.add("missing-declaration", "bagit.txt is missing: this is not a bag (or not a whole one).",
              path="bagit.txt")
        return "utf-8"
    text = _read_text(path, "utf-8", v, "bagit.txt")
    tags = _tags(text or "", v, "bagit.txt")
    version = next(iter(tags.get("BagIt-Version", [])), None)
    encoding = next(iter(tags.get("Tag-File-Character-Encoding", [])), None)
    v.version = version
    if version is None:
        v.add("bad-declaration", "bagit.txt does not state the BagIt-Version.", path="bagit.txt")
    elif version not in VERSIONS:
        v.add("bad-declaration", f"bagit.txt states BagIt-Version {version}, which is not one this "
              f"validator knows ({', '.join(VERSIONS)}).", path="bagit.txt")
    if encoding is None:
        v.add("bad-declaration", "bagit.txt does not state the Tag-File-Character-Encoding.", path="bagit.txt")
        return "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        v.add("bad-declaration", f"bagit.txt names an unknown encoding: {encoding}.", path="bagit.txt")
        return "utf-8"
    return encoding


@dataclass
class _Manifest:
    name: str
    algorithm: str
    tag: bool
    entries: dict[str, tuple[str, str]] = field(default_factory=dict)  # nfc path -> (path, digest)


def _manifests(v: Validation, root: str, encoding: str) -> list[_Manifest]:
    found: list[_Manifest] = []
    for name in sorted(os.listdir(root)):
        m = _MANIFEST.match(name)
        if not m:
            continue
        alg = m[2].lower()
        if alg not in ALGORITHMS:
            v.add("unsupported-algorithm", f"{name} uses an algorithm this validator does not know "
                  f"({m[2]}); its entries are not checked.", manifest=name, algorithm=m[2])
            continue
        man = _Manifest(name, alg, bool(m[1]))
        text = _read_text(os.path.join(root, name), encoding, v, name)
        for n, line in enumerate(_LINES.split(text or ""), 1):
            if not line.strip():
                continue
            e = _ENTRY.match(line)
            if not e or not re.fullmatch(f"[0-9A-Fa-f]{{{ALGORITHMS[alg]}}}", e[1]):
                v.add("bad-manifest-line", f"{name} line {n} is not '<{alg} checksum> <path>'.",
                      manifest=name, line=n)
                continue
            raw = decode_path(e[2])
            why = unsafe(raw)
            if why is None and not _inside(root, raw):
                why = "a path that leads outside the bag through a symbolic link"
            if why is not None:
                v.add("unsafe-path", f"{name} line {n} names {raw!r}: {why}. Refused: it is not read.",
                      path=raw, manifest=name, line=n)
                continue
            path = posixpath.normpath(raw.replace("\\", "/")) if "\\" in raw else posixpath.normpath(raw)
            if not man.tag and not path.startswith("data/"):
                v.add("outside-payload", f"{name} line {n} lists {path!r}, which is not in the payload "
                      "folder data/.", path=path, manifest=name, line=n)
                continue
            key = nfc(path)
            if key in man.entries:
                v.add("duplicate-entry", f"{name} lists {path!r} more than once.", path=path,
                      manifest=name, line=n)
                continue
            man.entries[key] = (path, e[1].lower())
        found.append(man)
    return found


def _inside(root: str, rel: str) -> bool:
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(root, rel))
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _walk(v: Validation, root: str, top: str) -> Iterator[tuple[str, int]]:
    """Regular files below ``root/top`` as (bag-relative path, size); anything else is a problem."""
    base = os.path.join(root, top)
    for dirpath, dirnames, filenames in os.walk(base, onerror=lambda e: v.add(
            "unreadable", f"a folder cannot be listed: {e.filename} ({e.strerror}).",
            path=os.path.relpath(str(e.filename), root))):
        dirnames.sort()
        for d in list(dirnames):
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                dirnames.remove(d)
                v.irregular.add(nfc(os.path.relpath(full, root).replace(os.sep, "/")))
                v.add("not-a-regular-file", f"{os.path.relpath(full, root)} is a symbolic link: not "
                      "followed.", path=os.path.relpath(full, root).replace(os.sep, "/"))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            try:
                st = os.lstat(full)
            except OSError as exc:
                v.add("unreadable", f"{rel} cannot be examined ({exc.strerror}).", path=rel)
                continue
            if not stat.S_ISREG(st.st_mode):
                v.irregular.add(nfc(rel))
                kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
                v.add("not-a-regular-file", f"{rel} is {kind}: not read.", path=rel)
                continue
            yield rel, st.st_size


def _digests(path: str, algorithms: set[str]) -> dict[str, str]:
    hashers = {a: hashlib.new(a) for a in sorted(algorithms)}
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        while chunk := os.read(fd, CHUNK):
            for h in hashers.values():
                h.update(chunk)
    finally:
        os.close(fd)
    return {a: h.hexdigest() for a, h in hashers.items()}


def _check_entries(v: Validation, root: str, manifests: list[_Manifest], on_disk: dict[str, str]) -> None:
    """Every listed file present, every present file listed, every checksum right."""
    for man in manifests:
        for key, (path, _digest) in man.entries.items():
            if key not in on_disk and key not in v.irregular:
                v.add("file-missing", f"{path} is listed in {man.name} but is not in the bag.",
                      path=path, manifest=man.name)
        if not man.tag:
            for key, path in on_disk.items():
                if path.startswith("data/") and key not in man.entries:
                    v.add("unexpected-file", f"{path} is in the bag but not listed in {man.name}.",
                          path=path, manifest=man.name)
    wanted: dict[str, set[str]] = {}
    for man in manifests:
        for key in man.entries:
            if key in on_disk:
                wanted.setdefault(key, set()).add(man.algorithm)
    for key in sorted(wanted):
        path = on_disk[key]
        try:
            got = _digests(os.path.join(root, path), wanted[key])
        except OSError as exc:
            v.add("unreadable", f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc}).", path=path)
            continue
        for man in manifests:
            entry = man.entries.get(key)
            if entry is not None and got[man.algorithm] != entry[1]:
                v.add("checksum-mismatch", f"{path}: its {man.algorithm} checksum is not the one in "
                      f"{man.name}; the file has changed since the bag was made.", path=path,
                      manifest=man.name, algorithm=man.algorithm, expected=entry[1],
                      found=got[man.algorithm])


def _oxum(v: Validation) -> None:
    values = v.info.get("Payload-Oxum") or []
    if not values:
        return
    v.oxum = values[0]
    m = re.fullmatch(r"(\d+)\.(\d+)", values[0])
    if not m:
        v.add("bad-oxum", f"bag-info.txt has a malformed Payload-Oxum: {values[0]!r} (expected "
              "<bytes>.<files>).", path="bag-info.txt")
        return
    octets, count = int(m[1]), int(m[2])
    if (octets, count) != (v.payload_bytes, v.payload_files):
        v.add("oxum-mismatch", f"bag-info.txt's Payload-Oxum says {count:,} files and {octets:,} bytes; "
              f"the payload holds {v.payload_files:,} files and {v.payload_bytes:,} bytes.",
              path="bag-info.txt", expected=values[0], found=f"{v.payload_bytes}.{v.payload_files}")


def validate_bag(path: str | os.PathLike[str]) -> Validation:
    """Validate the bag in folder ``path`` completely; see :class:`Validation`."""
    root = os.path.abspath(os.fspath(path))
    v = Validation(root)
    if not os.path.isdir(root):
        v.add("not-a-folder", f"{root} is not a folder.")
        return v
    encoding = _declaration(v, root)
    info_path = os.path.join(root, "bag-info.txt")
    if os.path.lexists(info_path):
        v.info = _tags(_read_text(info_path, encoding, v, "bag-info.txt") or "", v, "bag-info.txt")
    if os.path.lexists(os.path.join(root, "fetch.txt")):
        v.add("fetch-file", "fetch.txt is present: this bag expects files to be downloaded before "
              "it is complete.", path="fetch.txt")
    payload: dict[str, str] = {}
    if not os.path.isdir(os.path.join(root, "data")) or os.path.islink(os.path.join(root, "data")):
        v.add("missing-payload-folder", "The payload folder data/ is missing.", path="data")
    else:
        for rel, size in _walk(v, root, "data"):
            payload[nfc(rel)] = rel
            v.payload_files += 1
            v.payload_bytes += size
    manifests = _manifests(v, root, encoding)
    v.algorithms = sorted({m.algorithm for m in manifests if not m.tag})
    if not any(not m.tag for m in manifests):
        v.add("no-manifest", "There is no payload manifest (manifest-<algorithm>.txt).")
    tags: dict[str, str] = {}
    for name in sorted(os.listdir(root)):
        full = os.path.join(root, name)
        if name == "data" or name.startswith("tagmanifest-"):
            continue
        if os.path.isdir(full) and not os.path.islink(full):
            for rel, _size in _walk(v, root, name):
                tags[nfc(rel)] = rel
        elif os.path.isfile(full) and not os.path.islink(full):
            tags[nfc(name)] = name
    v.tag_files = len(tags)
    files = {**tags, **payload}
    _check_entries(v, root, manifests, files)
    tag_manifests = [m for m in manifests if m.tag]
    for key, rel in sorted(tags.items()):
        for man in tag_manifests:
            if key not in man.entries:
                v.warnings.append(Problem("unlisted-tag-file", f"{rel} is not listed in {man.name}, so "
                                          "a change to it would not be noticed.", path=rel, manifest=man.name))
    _oxum(v)
    return v


__all__ = ["ALGORITHMS", "Problem", "Validation", "decode_path", "unsafe", "validate_bag"]
