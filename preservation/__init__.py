"""preservation: a read-only digital-preservation audit toolkit.

The public API is organised by stage (see docs/internals): :mod:`preservation.catalog` holds
all database access, :mod:`preservation.scan` walks locations, :mod:`preservation.fingerprint`
computes hashes and metadata, :mod:`preservation.analyse` draws conclusions. The command line
(:mod:`preservation.cli`) is one client of that API.
"""

__version__ = "0.1.0"

AGENT_NAME = "preservation"


def agent() -> str:
    """The software agent string recorded in provenance events."""
    return f"{AGENT_NAME} {__version__}"
