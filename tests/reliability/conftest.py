"""The fingerprint tests' ``fp`` fixture (write bytes to a file, fingerprint it), shared here."""

from tests.fingerprint.conftest import fp

__all__ = ["fp"]
