"""Evidence packages: BagIt bags of verified originals and the evidence about them.

    from preservation.evidence.create import Options, create
    from preservation.evidence.select import Request
    from preservation.evidence.validate import validate_bag

    made = create(catalog, Request(files=["IMG_4410.jpg"]), Options(out="appeal", letter="appeal"))
    check = validate_bag("appeal")        # every problem, typed; check.valid

Modules, each named for what it does: :mod:`.select` (which files, checked against the
catalog), :mod:`.comparisons` (the look-alike evidence among them), :mod:`.copying` (copy and
verify), :mod:`.bag` (the hidden folder, bagit, the final name), :mod:`.provenance` (the record,
JSON and PREMIS), :mod:`.report` (the PDF), :mod:`.letter` (draft letters, README),
:mod:`.validate` (full validation: it imports nothing heavy, so checking a bag is quick),
:mod:`.create` (all of it in order).
"""
