"""URL helpers shared by the 'Nood en aanbod' pages: write and read a shared proposal
(weights, choices, numbers) in the link, with Dutch problem messages.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

# --------------------------------------------------------------------------- URL helpers


def format_number(value: float) -> str:
    """A number for a URL: "0.15", "35", "1250000" (up to 4 decimals, no trailing zeros)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


_fmt_float = format_number


def format_mapping(mapping: Mapping[str, float]) -> str:
    """ "a:35,b:25" (keys in the mapping's order, numbers without trailing zeros)."""
    return ",".join(f"{key}:{_fmt_float(float(value))}" for key, value in mapping.items())


def parse_mapping(
    text: str,
    allowed: Collection[str],
    *,
    minimum: float = 0.0,
    maximum: float = math.inf,
    what: str = "gewicht",
) -> tuple[dict[str, float], list[str]]:
    """Read "a:35,b:25" back. Returns (values, Dutch problems).

    Unknown keys, unreadable or out-of-range numbers are skipped and each gives one
    problem message; the rest is returned.
    """
    values: dict[str, float] = {}
    problems: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, raw = part.partition(":")
        key = key.strip()
        if not sep:
            problems.append(f"'{part}' is geen paar naam:getal")
            continue
        if key not in allowed:
            problems.append(f"onbekende code '{key}'")
            continue
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            problems.append(f"{what} van '{key}' is geen getal: '{raw}'")
            continue
        if not math.isfinite(number) or not minimum <= number <= maximum:
            high = "" if math.isinf(maximum) else f" en {_fmt_float(maximum)}"
            problems.append(
                f"{what} van '{key}' moet tussen {_fmt_float(minimum)}{high} liggen, niet {raw}"
            )
            continue
        values[key] = number
    return values, problems


def parse_choice(
    text: str | None, options: Sequence[Any], *, what: str
) -> tuple[Any | None, str | None]:
    """The option whose text equals `text` (None if absent), or a Dutch problem."""
    if text is None or text == "":
        return None, None
    for option in options:
        if str(option) == text:
            return option, None
    return None, f"{what} '{text}' uit de link bestaat niet in deze gegevens"


def parse_number(
    text: str | None, *, minimum: float, maximum: float, what: str
) -> tuple[float | None, str | None]:
    """A number from the URL within [minimum, maximum], or a Dutch problem."""
    if text is None or text == "":
        return None, None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, f"{what} '{text}' uit de link is geen getal"
    if not math.isfinite(value) or not minimum <= value <= maximum:
        return None, (
            f"{what} '{text}' uit de link ligt niet tussen {_fmt_float(minimum)} en "
            f"{_fmt_float(maximum)}"
        )
    return value, None
