"""Command line: `python -m popmgmt demo|validate|build`."""

from __future__ import annotations

import argparse
import errno
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from popmgmt.config import ConfigError
from popmgmt.pipeline.build import BuildError, build
from popmgmt.pipeline.demo import write_demo
from popmgmt.pipeline.problems import ValidationError
from popmgmt.pipeline.provenance import check_demo
from popmgmt.pipeline.refdata import load_refdata
from popmgmt.pipeline.validate import validate_raw

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_ERROR = 2


class _Steps:
    """Prints each step with the time the previous one took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last: float | None = None
        self.n = 0

    def __call__(self, text: str) -> None:
        now = time.perf_counter()
        if self.last is not None:
            print(f"      klaar in {now - self.last:.1f} s", flush=True)
        self.n += 1
        self.last = now
        print(f"[{self.n}] {text} ...", flush=True)

    def done(self) -> float:
        if self.last is not None:
            print(f"      klaar in {time.perf_counter() - self.last:.1f} s", flush=True)
        return time.perf_counter() - self.started


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="popmgmt",
        description="Bouw de data van het popmgmt-dashboard (eerstelijnszones Vlaanderen).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="schrijf een synthetische ruwe demodataset")
    demo.add_argument("--out", type=Path, required=True, help="map voor de ruwe bestanden")
    demo.add_argument("--seed", type=int, default=20261123)
    demo.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fractie van de zones (kleiner = sneller, voor tests)",
    )
    val = sub.add_parser("validate", help="controleer ruwe bestanden; schrijft niets")
    val.add_argument("--input", type=Path, required=True)
    bld = sub.add_parser("build", help="valideer en bouw de marts (atomair)")
    bld.add_argument("--input", type=Path, required=True)
    bld.add_argument("--out", type=Path, required=True)
    for p in (demo, val, bld):
        p.add_argument(
            "--refdata",
            type=Path,
            default=None,
            help="map met de referentiegeografie (anders POPMGMT_REFDATA of ../shared/refdata)",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        refdata = load_refdata(args.refdata)
        if args.command == "demo":
            steps = _Steps()
            steps(f"Demodata schrijven naar {args.out}")
            rows = write_demo(args.out, refdata=refdata, seed=args.seed, scale=args.scale)
            seconds = steps.done()
            for name, n in rows.items():
                print(f"  {name}: {n:,} rijen".replace(",", "."))
            print(f"Demodata klaar in {seconds:.1f} s (synthetisch, gelabeld als demo).")
        elif args.command == "validate":
            if not args.input.is_dir():
                print(f"Fout: invoermap {args.input} bestaat niet.", file=sys.stderr)
                return EXIT_ERROR
            check = check_demo(args.input, refdata)
            if check.warning:
                _warn(check.warning)
            validate_raw(args.input, refdata, covered_municipalities=check.municipalities)
            kind = "ongewijzigde demogegevens" if check.demo else "echte gegevens"
            print(f"{args.input}: alle bestanden zijn geldig ({kind}).")
        else:
            if not args.input.is_dir():
                print(f"Fout: invoermap {args.input} bestaat niet.", file=sys.stderr)
                return EXIT_ERROR
            steps = _Steps()
            result = build(args.input, args.out, refdata=refdata, progress=steps, warn=_warn)
            seconds = steps.done()
            print(f"Marts gebouwd in {result.out} ({seconds:.1f} s).")
    except ValidationError as exc:
        print(
            f"Validatie mislukt: {len(exc.problems)} probleem/problemen. "
            "Er is niets geschreven; de vorige data blijven ongewijzigd.",
            file=sys.stderr,
        )
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except (ConfigError, BuildError, FileNotFoundError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"Fout: {_os_error(exc)}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _warn(text: str) -> None:
    print(f"Waarschuwing: {text}", file=sys.stderr, flush=True)


def _os_error(exc: OSError) -> str:
    """A Dutch line for an operating-system error outside the build's own handling."""
    where = f" ({exc.filename})" if exc.filename else ""
    if isinstance(exc, PermissionError):
        return (
            f"geen toegang{where}: geef de gebruiker die dit commando draait lees- of "
            "schrijfrecht, "
            "of kies een andere map"
        )
    if exc.errno == errno.ENOSPC:
        return f"de schijf is vol{where}: maak ruimte vrij of kies een map op een andere schijf"
    if exc.errno == errno.EROFS:
        return f"het bestandssysteem is alleen-lezen{where}: kies een beschrijfbare map"
    return f"{exc.strerror or exc}{where}; controleer de map en de schijf"
