"""Is a raw folder the demo generator's own output? Decides the manifest's demo flag.

A data file alone can never make a build "demo": `herkomst.json` saying
`"demo": true` is only a claim. The build labels data as demo when

1. `herkomst.json` carries the generator's `fingerprint` (generator, popmgmt
   version, seed, scale and the SHA-256 of every data file it wrote),
2. the folder holds exactly those data files (no Statbel population files
   beside them) with exactly those SHA-256 digests, and
3. running the generator again with that seed and scale on the same reference
   data gives byte-identical files, `herkomst.json` included. (Step 3 is what
   makes a forged fingerprint useless: anyone can hash their own files, nobody
   can make the generator produce them.)

Anything else that claims to be demo is built as real data, with a warning
(see docs/data-contract.md, "Provenance and demo mode"): real mode is the safe
direction (no demo role switch, the pseudonym key is required).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from popmgmt import __version__
from popmgmt.pipeline import demo, demo_world, statbel
from popmgmt.pipeline.read_raw import read_input
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.schemas import DEMO_FILES, PROVENANCE_FILE


@dataclass(frozen=True)
class DemoCheck:
    """The outcome of `check_demo`."""

    demo: bool
    """True only for a verified, unchanged output of the demo generator."""
    claimed: bool
    """`herkomst.json` says `"demo": true`."""
    warning: str | None
    """Dutch: why a demo claim was not accepted (None when nothing was claimed or all is well)."""
    municipalities: list[str] | None
    """For a verified demo: the 2025 codes its data files cover (the scaled demo covers a block)."""
    files: dict[str, str] | None = None
    """For a verified demo: the SHA-256 of every file checked (the build compares them with
    what validation read, so a file swapped during the build cannot pass as demo)."""


def _claim(folder: Path) -> dict[str, object] | None:
    data = read_input(folder, PROVENANCE_FILE)
    if not isinstance(data, bytes):
        return None
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return content if isinstance(content, dict) else None


def _not_demo(reason: str) -> DemoCheck:
    warning = (
        f"{PROVENANCE_FILE} noemt deze gegevens demogegevens, maar {reason}. De gegevens worden "
        "daarom als echte gegevens gebouwd: geen demomodus, en de pseudonimiseringssleutel "
        "POPMGMT_PSEUDONYM_KEY is nodig. Is dit een echte levering, verwijder dan "
        f'{PROVENANCE_FILE} (of zet "demo": false); wil je de demo, maak ze dan opnieuw met '
        "'python -m popmgmt demo --out <map>' en verander niets aan de bestanden"
    )
    return DemoCheck(demo=False, claimed=True, warning=warning, municipalities=None)


def _digest(path: Path) -> str | None:
    data = read_input(path.parent, path.name)
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else None


@dataclass(frozen=True)
class DemoClaim:
    """A demo claim whose fingerprint and digests check out; only the regeneration of
    the files (`confirm_claim`) is left."""

    seed: int
    scale: float
    municipalities: list[str]
    """What `DemoCheck.municipalities` will be when the claim is confirmed."""


def inspect_claim(folder: Path, refdata: RefData) -> DemoCheck | DemoClaim:
    """Steps 1 and 2 of the module text (cheap): a `DemoCheck` when they already decide
    (no claim, or a claim that fails), otherwise the `DemoClaim` to confirm."""
    folder = Path(folder)
    content = _claim(folder)
    if content is None or content.get("demo") is not True:
        return DemoCheck(demo=False, claimed=False, warning=None, municipalities=None)
    fingerprint = content.get("fingerprint")
    if not isinstance(fingerprint, dict):
        return _not_demo("het bevat geen vingerafdruk van de demogenerator ('fingerprint')")
    seed, scale, files = fingerprint.get("seed"), fingerprint.get("scale"), fingerprint.get("files")
    if (
        fingerprint.get("generator") != demo_world.GENERATOR
        or not isinstance(seed, int)
        or isinstance(seed, bool)
        or not isinstance(scale, int | float)
        or isinstance(scale, bool)
        or not 0.0 < float(scale) <= 1.0
        or not isinstance(files, dict)
        or set(files) != set(DEMO_FILES)
    ):
        return _not_demo("de vingerafdruk ('fingerprint') is niet die van de demogenerator")
    if fingerprint.get("version") != __version__:
        return _not_demo(
            f"de demo is gemaakt met popmgmt {fingerprint.get('version')}, niet met deze versie "
            f"({__version__})"
        )
    try:
        extra = sorted(e.name for e in folder.iterdir() if statbel.FILE_PATTERN.fullmatch(e.name))
    except OSError:
        extra = []
    if extra:
        return _not_demo(f"de map bevat ook {', '.join(extra)}, dat de demogenerator niet schrijft")
    for name in sorted(DEMO_FILES):
        if _digest(folder / name) != files[name]:
            return _not_demo(f"{name} verschilt van het bestand dat de demogenerator schreef")
    return DemoClaim(
        seed=seed,
        scale=float(scale),
        municipalities=demo.demo_municipalities(refdata, float(scale)),
    )


def confirm_claim(folder: Path, claim: DemoClaim, refdata: RefData) -> DemoCheck:
    """Step 3 of the module text: run the generator again and compare every file."""
    regenerated = demo.generate_demo(refdata=refdata, seed=claim.seed, scale=claim.scale)
    for name, data in regenerated.items():
        if hashlib.sha256(data).hexdigest() != _digest(Path(folder) / name):
            return _not_demo(
                f"{name} is niet wat de demogenerator met seed {claim.seed} en schaal "
                f"{claim.scale:g} maakt"
            )
    return DemoCheck(
        demo=True,
        claimed=True,
        warning=None,
        municipalities=claim.municipalities,
        files=demo.fingerprint(regenerated),
    )


def check_demo(folder: Path, refdata: RefData) -> DemoCheck:
    """Decide whether `folder` holds the demo generator's unchanged output (see module doc)."""
    first = inspect_claim(folder, refdata)
    return first if isinstance(first, DemoCheck) else confirm_claim(folder, first, refdata)
