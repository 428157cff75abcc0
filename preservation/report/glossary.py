"""Words a report uses, explained for someone who has never met them."""

from __future__ import annotations

from preservation.vocabulary import Verdict

VERDICT_LABELS: dict[str, str] = {
    Verdict.IDENTICAL: "Exact copy",
    Verdict.SAME_PIXELS: "Same picture, different file",
    Verdict.DERIVATIVE: "Re-saved or resized copy",
    Verdict.EDITED: "Edited version",
    Verdict.BURST: "Another shot moments apart",
    Verdict.SIMILAR: "A different photo that looks alike",
}

#: How many of each, in a sentence: (one, many).
VERDICT_COUNTED: dict[str, tuple[str, str]] = {
    Verdict.IDENTICAL: ("exact copy", "exact copies"),
    Verdict.SAME_PIXELS: ("same picture stored in a different file", "same pictures stored in different files"),
    Verdict.DERIVATIVE: ("re-saved or resized copy", "re-saved or resized copies"),
    Verdict.EDITED: ("edited version", "edited versions"),
    Verdict.BURST: ("other shot taken moments apart", "other shots taken moments apart"),
    Verdict.SIMILAR: ("different photo that looks alike", "different photos that look alike"),
}

VERDICT_GUIDANCE: dict[str, str] = {
    Verdict.IDENTICAL: "Keep them: copies in different places are backups.",
    Verdict.SAME_PIXELS: "Keep both: the picture is the same, but only one file may still hold the "
                         "date, camera or place stored inside it.",
    Verdict.DERIVATIVE: "Keep both: preserve the likely original, which has the most detail; the copy "
                        "may be the one that was shared.",
    Verdict.EDITED: "Keep both: the edit and the original are different versions of the photo.",
    Verdict.BURST: "Keep both: these are two different photographs taken moments apart.",
    Verdict.SIMILAR: "Keep both: these are different photographs that only look alike.",
}

GLOSSARY: list[tuple[str, str]] = [
    ("3-2-1", "A simple rule for keeping files safe: at least three copies, on at least two different "
              "kinds of storage (for example a computer and an external drive), with at least one copy "
              "kept somewhere else (another building, or a cloud service). This report counts a copy "
              "only if its contents were checked recently."),
    ("At risk", "A file with only one copy that can be counted on. If that drive fails or is lost, the "
                "file is gone."),
    ("Checksum", "A short code calculated from every byte of a file, like a fingerprint of its "
                 "contents. If even one byte changes, the checksum changes. This tool uses SHA-256."),
    ("SHA-256", "The kind of checksum this tool records: 64 letters and digits. Two files with the same "
                "SHA-256 have exactly the same contents."),
    ("Fixity", "Whether a file is still exactly as it was when it was recorded. A fixity check reads "
               "the file again and compares its checksum with the one recorded."),
    ("Exact copy", "Two files with exactly the same contents (the same checksum), wherever they are "
                   "stored and whatever their names."),
    ("Perceptual hash", "A fingerprint of what a picture looks like rather than of its bytes. Pictures "
                        "that look alike get similar perceptual hashes, even if they are different "
                        "files. Some online services use them to throw away \"duplicates\"; this report "
                        "shows which of those look-alikes are really different."),
    ("Look-alike", "Two files whose pictures look so similar that a service might treat them as "
                   "duplicates. This report compares them and says what the difference is."),
    *[(f"Look-alike verdict: {label}", text) for label, text in (
        ("Exact copy", "the same bytes; a copy."),
        ("Same picture, different file", "every pixel is the same, but the files differ, for example "
                                         "because the date, camera or location details were removed."),
        ("Re-saved or resized copy", "the same picture saved again or made smaller, with no visible "
                                     "change made on purpose."),
        ("Edited version", "the same picture with deliberate changes: cropped, brightened, turned to "
                           "black and white, retouched..."),
        ("Another shot moments apart", "a different exposure of the same scene, such as burst mode."),
        ("A different photo that looks alike", "the pictures are close, but they are different "
                                               "photographs."),
    )],
    ("Likely original", "The copy most likely to be the first one made: it usually has the most pixels "
                        "and still carries the camera's date and model. The reasons are given for "
                        "each group."),
    ("Loss audit", "A comparison of your own copy of a collection with what a platform (a photo "
                   "service, a cloud library) still holds of it: for each of your files, whether the "
                   "platform still has it, has only a look-alike of it (another shot, an edit), or "
                   "has nothing like it."),
    ("Difference map", "A picture of where two look-alikes differ: white where they are the same, "
                       "darker where they differ more."),
    ("Metadata", "Information stored inside a file besides the picture itself: the date it was taken, "
                 "the camera, sometimes the place (GPS)."),
    ("GPS location", "Coordinates a phone or camera may record inside a photo. This report does not "
                     "print them unless asked to."),
    ("Location (storage)", "A place where files are kept: a computer folder, an external drive, a "
                           "cloud folder. Each has a kind of media and is on-site or off-site."),
    ("Sync service", "A folder kept the same on several devices (such as a cloud drive). If a file is "
                     "deleted in one place, it is deleted everywhere, so it is not a backup on its own."),
    ("Off-site", "Stored in another building or with a cloud service, so that a fire, flood or theft "
                 "at home cannot take every copy."),
    ("NDSA levels", "The Levels of Digital Preservation of the National Digital Stewardship Alliance "
                    "(2019): a ladder of good practice from level 1 (know what you have) to level 4, in "
                    "five areas. This report shows what the catalog can prove."),
    ("Provenance", "The record of where files came from and what was done with them, and when. This "
                   "tool keeps it as a chain of events that cannot be changed without it showing."),
    ("Event log hash", "The checksum of the newest record in the provenance log. Anyone holding the "
                       "log can check it later: if earlier records were altered, it would not match."),
    ("File format", "The kind of file (JPEG, PNG, HEIC...), recognised from its contents. A file whose "
                    "name ends in the wrong extension may not open in some programs."),
    ("Catalog", "The database in which this tool records what it found. It never changes the files "
                "themselves."),
]
