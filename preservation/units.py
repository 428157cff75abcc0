"""Numbers for people: sizes and counts in the words reports and the terminal share."""

from __future__ import annotations


def human_bytes(n: float) -> str:
    """Decimal units, as drives and cloud bills count them (1 GB = 10^9 bytes)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun for it, grouped by thousands: ``1 file``, ``1,204 files``, ``2 copies``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
