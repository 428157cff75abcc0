"""Google Takeout sidecars: which photo each describes, what it says, and its time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from preservation.analyse import takeout


def sc(title: str | None = "IMG_1234.jpg", taken: int | None = 1561104000) -> takeout.Sidecar:
    return takeout.Sidecar(f"/x/{title}.json", title, taken)


@pytest.mark.parametrize(("name", "base", "counter"), [
    ("IMG_1234.jpg.json", "IMG_1234.jpg", None),
    ("IMG_1234.jpg(1).json", "IMG_1234.jpg", 1),
    ("IMG_1234.jpg.supplemental-metadata.json", "IMG_1234.jpg", None),
    ("IMG_1234.jpg.supplemental-metad.json", "IMG_1234.jpg", None),
    ("IMG_1234.jpg.supp.json", "IMG_1234.jpg", None),
    ("IMG_1234.jpg.supplemental-metadata(2).json", "IMG_1234.jpg", 2),
    ("3f2a9c1e.jpg.json", "3f2a9c1e.jpg", None),
    ("metadata.json", "metadata", None),
])
def test_sidecar_base(name: str, base: str, counter: int | None) -> None:
    assert takeout.sidecar_base(name) == (base, counter)


def test_each_sidecar_naming_finds_its_photo() -> None:
    names = ["IMG_1234.jpg", "IMG_1234(1).jpg", "IMG_5678.JPG", "3f2a9c1e.jpg", "IMG_9999-edited.jpg",
             "Screenshot_20200101-120000_Some-very-long-app.jpg", "unrelated.png"]
    sidecars = {
        "IMG_1234.jpg.json": sc("IMG_1234.jpg", 1),
        "IMG_1234.jpg(1).json": sc("IMG_1234.jpg", 2),  # the second copy's: the counter moves
        "IMG_5678.JPG.supplemental-metadata.json": sc("IMG_5678.JPG", 3),
        "3f2a9c1e.jpg.json": sc("IMG_0003.jpg", 4),  # renamed: the title is the original name
        "IMG_9999.jpg.json": sc("IMG_9999.jpg", 5),  # the original is gone, its edit shares this
        "Screenshot_20200101-120000_Some-very-long-ap.json": sc("Screenshot_20200101-120000_Some-very-long-application.jpg", 6),
    }
    got = {photo: (s.taken, edited) for photo, (s, edited) in takeout.match_directory(names, sidecars).items()}
    assert got == {
        "IMG_1234.jpg": (1, False),
        "IMG_1234(1).jpg": (2, False),
        "IMG_5678.JPG": (3, False),
        "3f2a9c1e.jpg": (4, False),
        "IMG_9999-edited.jpg": (5, True),
        "Screenshot_20200101-120000_Some-very-long-app.jpg": (6, False),
    }


def test_an_edited_copy_shares_its_originals_sidecar_but_the_original_wins_its_own() -> None:
    got = takeout.match_directory(["IMG_1.jpg", "IMG_1-edited.jpg", "IMG_1-bearbeitet.jpg"],
                                  {"IMG_1.jpg.json": sc("IMG_1.jpg", 7)})
    assert {k: v[1] for k, v in got.items()} == {"IMG_1.jpg": False, "IMG_1-edited.jpg": True,
                                                  "IMG_1-bearbeitet.jpg": True}


def test_an_ambiguous_truncated_name_is_not_guessed() -> None:
    names = ["A-very-long-name-one.jpg", "A-very-long-name-two.jpg"]
    assert takeout.match_directory(names, {"A-very-long-name-.json": sc("A-very-long-name-three.jpg")}) == {}


def test_parse_reads_title_time_and_place_and_refuses_what_is_not_takeout() -> None:
    doc = {"title": "IMG_1.jpg", "photoTakenTime": {"timestamp": "1561104000", "formatted": "x"},
           "geoData": {"latitude": 48.85, "longitude": 2.35, "altitude": 35.0}}
    s = takeout.parse(json.dumps(doc).encode(), "/t/IMG_1.jpg.json")
    assert s is not None and s.title == "IMG_1.jpg" and s.taken == 1561104000
    assert (s.latitude, s.longitude, s.altitude) == (48.85, 2.35, 35.0) and s.has_geo
    assert s.to_json()["taken"] == "2019-06-21T08:00:00Z"
    assert takeout.Sidecar.from_json(s.to_json()) == s
    # unknown place and time are zeros in exports
    blank = takeout.parse(json.dumps({"title": "a.jpg", "photoTakenTime": {"timestamp": "0"},
                                      "geoData": {"latitude": 0.0, "longitude": 0.0}}).encode(), "p")
    assert blank is not None and blank.taken is None and not blank.has_geo
    assert not takeout.is_media_sidecar(blank)
    assert takeout.parse(b"not json", "p") is None
    assert takeout.parse(b"[1, 2]", "p") is None
    assert takeout.parse(json.dumps({"name": "package.json"}).encode(), "p") is None
    assert takeout.parse(json.dumps({"title": "a document that is not Takeout's"}).encode(), "p") is None
    album = takeout.parse(json.dumps({"title": "Photos from 2019", "description": "",
                                      "date": {"timestamp": "1561104000"}}).encode(), "p")
    assert album is not None and not takeout.is_media_sidecar(album)


def test_capture_times_in_the_photos_time_zone() -> None:
    ts = int(datetime(2019, 6, 21, 8, 0, 12, tzinfo=UTC).timestamp())
    assert takeout.offset_of("2019-06-21T10:00:12.700+02:00") == timedelta(hours=2)
    assert takeout.offset_of("2019-06-21T10:00:12-05:30") == -timedelta(hours=5, minutes=30)
    assert takeout.offset_of("2019-06-21T10:00:12") is None
    assert takeout.local_time(ts, timedelta(hours=2)) == "2019-06-21T10:00:12+02:00"
    assert takeout.local_time(ts, -timedelta(hours=5, minutes=30)) == "2019-06-21T02:30:12-05:30"


def test_the_time_zone_is_inferred_only_when_most_photos_agree() -> None:
    def sample(wall: str, utc: str) -> tuple[datetime, int]:
        return datetime.fromisoformat(wall), int(datetime.fromisoformat(utc).replace(tzinfo=UTC).timestamp())

    agree = [sample("2019-06-21T10:00:12", "2019-06-21T08:00:12"),
             sample("2019-06-21T11:30:00", "2019-06-21T09:30:01"),  # a second of rounding
             sample("2019-06-22T09:00:00", "2019-06-22T03:17:00")]  # an odd one out
    assert takeout.infer_offset(agree) == timedelta(hours=2)
    assert takeout.infer_offset(agree[1:]) is None  # one against one: no majority
    assert takeout.infer_offset([]) is None


def test_an_unreadable_json_is_taken_for_a_sidecar_only_by_a_telling_name() -> None:
    names = ["IMG_1.jpg", "IMG_1.jpg.json", "IMG_2.jpg.supplemental-metadata.json", "data.json"]
    assert takeout.probably_sidecar("IMG_1.jpg.json", names)
    assert takeout.probably_sidecar("IMG_2.jpg.supplemental-metadata.json", names)
    assert not takeout.probably_sidecar("data.json", names)
    assert not takeout.probably_sidecar("IMG_1.jpg", names)
