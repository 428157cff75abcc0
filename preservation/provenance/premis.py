"""PREMIS 3.0 XML: the catalog's files as objects, its provenance log as events, and agents.

* **objects**: one ``premis:file`` per catalogued path, identified as ``file`` /
  ``<location>/<path>`` (how events name it), with its SHA-256 fixity, size, format name and
  storage location.
* **events**: every event of the log in chain order, with its PREMIS event type
  (:class:`preservation.vocabulary.EventType`), time, detail (canonical JSON), outcome, agents and
  linked objects. The chain fields (``seq``, ``prev_hash``, ``hash``) travel in an
  ``eventDetailExtension`` so the chain can be re-verified from the export; a file's catalog
  state and last verification in an ``objectCharacteristicsExtension``.
* **agents**: the software versions and the operators named by the events.

The document is streamed: each object and event is built with ElementTree (which escapes text
and attributes) and written on its own, so memory stays flat for millions of files. Characters
XML 1.0 cannot carry at all (control characters, as a file name may hold) are written as
``\\xNN``, as in the catalog's printable paths.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import IO, Any

from preservation import agent
from preservation.catalog.engine import Catalog
from preservation.catalog.events import event_record, iter_events
from preservation.catalog.inventory import iter_files
from preservation.catalog.locations import list_locations
from preservation.provenance.chain import format_time

PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TOOL_NS = "urn:x-preservation:1"  # our extensions: object state, event chain links
SCHEMA_LOCATION = f"{PREMIS_NS} https://www.loc.gov/standards/premis/premis.xsd"
AGENT_ROLE_SOFTWARE = "executing program"  # id.loc.gov eventRelatedAgentRole
AGENT_ROLE_OPERATOR = "implementer"

_NOT_XML = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry unchanged (a parser would turn a carriage return into a newline)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _sub(parent: ET.Element, tag: str, text: object | None = None,
         attrib: dict[str, str] | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib or {})
    if text is not None:
        el.text = xml_text(text)
    return el


def _ident(parent: ET.Element, tag: str, kind: str, value: object, role: str | None = None
           ) -> ET.Element:
    """PREMIS's type/value pairs: ``<tag><tagType/><tagValue/>[<...Role/>]</tag>``."""
    el = _sub(parent, tag)
    _sub(el, f"{tag}Type", kind)
    _sub(el, f"{tag}Value", value)
    if role is not None:  # linkingAgentIdentifier -> linkingAgentRole
        _sub(el, tag.removesuffix("Identifier") + "Role", role)
    return el


def file_object(f: dict[str, Any], media: str | None) -> ET.Element:
    """One catalogued file (an :func:`~preservation.catalog.inventory.file_summary`) as a
    ``premis:file`` object."""
    obj = ET.Element("object", {"xsi:type": "premis:file"})
    _ident(obj, "objectIdentifier", "file", f"{f['location']}/{f['path']}")
    chars = _sub(obj, "objectCharacteristics")
    _sub(chars, "compositionLevel", 0)
    if f["sha256"]:
        fixity = _sub(chars, "fixity")
        _sub(fixity, "messageDigestAlgorithm", "SHA-256")
        _sub(fixity, "messageDigest", f["sha256"])
        _sub(fixity, "messageDigestOriginator", agent())
    _sub(chars, "size", f["size"])
    fmt = _sub(chars, "format")
    _sub(_sub(fmt, "formatDesignation"), "formatName", f["format"] or "unknown")
    ext = _sub(chars, "objectCharacteristicsExtension")
    _sub(ext, "pres:state", f["state"])  # present | missing (not found by the latest check)
    _sub(ext, "pres:lastSeen", f["last_seen"])
    if f["last_verified"]:
        _sub(ext, "pres:lastVerified", f["last_verified"])
        _sub(ext, "pres:lastVerifyStatus", f["last_verify_status"])
    _sub(obj, "originalName", f["path"])
    storage = _sub(obj, "storage")
    _ident(storage, "contentLocation", "filepath", f["absolute_path"])
    if media:
        _sub(storage, "storageMedium", media)
    return obj


def _event(rec: dict[str, Any]) -> ET.Element:
    ev = ET.Element("event")
    _ident(ev, "eventIdentifier", "local", f"event:{rec['seq']}")
    _sub(ev, "eventType", rec["type"])
    _sub(ev, "eventDateTime", format_time(rec["time"]))
    info = _sub(ev, "eventDetailInformation")
    _sub(info, "eventDetail", json.dumps(rec["detail"], sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False))
    link = _sub(_sub(info, "eventDetailExtension"), "pres:chain")
    for k in ("seq", "prev_hash", "hash"):
        _sub(link, f"pres:{k}", rec[k])
    outcome = _sub(ev, "eventOutcomeInformation")
    _sub(outcome, "eventOutcome", rec["outcome"])
    message = rec["detail"].get("message") if isinstance(rec["detail"], dict) else None
    if message:
        _sub(_sub(outcome, "eventOutcomeDetail"), "eventOutcomeDetailNote", message)
    _ident(ev, "linkingAgentIdentifier", "software", rec["agent"], AGENT_ROLE_SOFTWARE)
    if rec["operator"]:
        _ident(ev, "linkingAgentIdentifier", "person", rec["operator"], AGENT_ROLE_OPERATOR)
    for o in rec["objects"]:
        kind, _, value = str(o).partition(":")
        _ident(ev, "linkingObjectIdentifier", kind, value)
    return ev


def _agent(kind: str, name: str) -> ET.Element:
    ag = ET.Element("agent")
    _ident(ag, "agentIdentifier", kind, name)
    if kind == "software":
        software, _, version = name.rpartition(" ")
        _sub(ag, "agentName", software or name)
        _sub(ag, "agentType", "software")
        if software:
            _sub(ag, "agentVersion", version)
    else:
        _sub(ag, "agentName", name)
        _sub(ag, "agentType", "person")
    return ag


def write_premis(catalog: Catalog, out: IO[bytes]) -> dict[str, int]:
    """Stream the catalog as one PREMIS 3.0 document; returns how many of each were written."""
    with catalog.session() as s:
        media = {loc.name: loc.media for loc in list_locations(s)}
        return write_document(out, (file_object(f, media.get(f["location"])) for f in iter_files(s)),
                              (event_record(e) for e in iter_events(s)))


def write_document(out: IO[bytes], objects: Iterable[ET.Element],
                   events: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Stream one PREMIS 3.0 document: the given objects (:func:`file_object`), the events
    (:func:`~preservation.catalog.events.event_record` records) and the agents they name.
    An evidence package writes its own files and their events with it."""
    def put(el: ET.Element) -> None:
        out.write(b"  " + ET.tostring(el, encoding="utf-8", xml_declaration=False) + b"\n")

    counts = {"objects": 0, "events": 0, "agents": 0}
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write((f'<premis xmlns="{PREMIS_NS}" xmlns:premis="{PREMIS_NS}" xmlns:xsi="{XSI_NS}" '
               f'xmlns:pres="{TOOL_NS}" xsi:schemaLocation="{SCHEMA_LOCATION}" '
               'version="3.0">\n').encode())
    agents: dict[tuple[str, str], None] = {("software", agent()): None}
    for obj in objects:
        put(obj)
        counts["objects"] += 1
    for rec in events:
        put(_event(rec))
        counts["events"] += 1
        agents.setdefault(("software", rec["agent"]), None)
        if rec["operator"]:
            agents.setdefault(("person", rec["operator"]), None)
    for kind, name in agents:
        put(_agent(kind, name))
        counts["agents"] += 1
    out.write(b"</premis>\n")
    return counts
