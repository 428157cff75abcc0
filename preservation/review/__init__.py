"""``preservation review``: people decide about look-alikes in a local web page.

:mod:`.model` (what the page shows: groups most at risk first, pairs, decisions that stand),
:mod:`.pictures` (previews by content id), :mod:`.app` (the Starlette application and its
guard: loopback, Host, token), :mod:`.server` (uvicorn on 127.0.0.1, a free port).
Decisions are recorded by :mod:`preservation.provenance.decisions`.
"""
