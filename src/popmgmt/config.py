"""Where things are: reference data, raw data and built marts."""

from __future__ import annotations

import os
from pathlib import Path

REFDATA_ENV = "POPMGMT_REFDATA"
DATA_ENV = "POPMGMT_DATA"
CACHE_ENV = "POPMGMT_CACHE"

# The repository root when the package runs from a checkout (src layout).
REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(RuntimeError):
    """A path the user must provide is missing; the message says what to do."""


def refdata_dir() -> Path:
    """The folder with the real Flemish reference geography and population.

    `POPMGMT_REFDATA` wins; otherwise `../shared/refdata` beside the repository
    (or beside the current directory).
    """
    env = os.environ.get(REFDATA_ENV)
    if env:
        path = Path(env)
        if not (path / "municipalities_2025.csv").is_file():
            raise ConfigError(
                f"{REFDATA_ENV}={env} bevat geen municipalities_2025.csv. "
                "Wijs de variabele naar de map met de referentiegeografie (refdata)."
            )
        return path
    candidates = [REPO_ROOT.parent / "shared" / "refdata", Path.cwd().parent / "shared" / "refdata"]
    for path in candidates:
        if (path / "municipalities_2025.csv").is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise ConfigError(
        f"Referentiegeografie niet gevonden (gezocht in: {tried}). "
        f"Zet {REFDATA_ENV} op de map met municipalities_2025.csv."
    )


def data_dir() -> Path:
    """The folder the app reads its marts from: `POPMGMT_DATA` or `data/`."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO_ROOT / "data"


def cache_dir() -> Path:
    """Derived files kept between builds (simplified boundaries): `POPMGMT_CACHE` or `.cache/`.

    Outside the data folder on purpose: a build swaps that folder whole. Deleting the cache
    is always safe; the next build computes what it needs again.
    """
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else REPO_ROOT / ".cache" / "popmgmt"
