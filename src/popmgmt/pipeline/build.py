"""Validate raw files and build the marts atomically.

The new marts are written to a temporary folder beside DATA and swapped in
only when complete. A failed or interrupted build leaves DATA as it was.

Around that:
- one build per DATA folder at a time: a lock file beside DATA
  (`.<name>-build.lock`, `fcntl.flock`, removed when the build ends); a second
  build stops with a message;
- temporary folders of a build that was killed (`.<name>.tmp-<pid>`,
  `.<name>.old-<pid>` whose process is gone, or older than `STALE_AFTER`) are
  removed at the start of the next build;
- a full, read-only or forbidden target ends in a Dutch `BuildError` (exit 2),
  never a traceback, and the previous DATA stays byte-identical;
- demo mode only for the demo generator's unchanged output
  (`popmgmt.provenance`); real data need `POPMGMT_PSEUDONYM_KEY` (at least
  16 bytes), checked before anything is computed or written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl
from threadpoolctl import threadpool_limits

from popmgmt import __version__
from popmgmt.config import cache_dir
from popmgmt.pipeline import codes
from popmgmt.pipeline.audit import AuditResult, audit_marts
from popmgmt.pipeline.control import DisclosureError
from popmgmt.pipeline.geo import simplified_layer
from popmgmt.pipeline.marts import (
    BREAKDOWNS,
    COMPARISONS,
    GP_AGE,
    GP_INFLOW,
    INDICATOR_VALUES,
    INDICATORS,
    MART_COLUMNS,
    POPULATION,
    PRACTICES,
    STANDARDISED,
    SURVEY,
)
from popmgmt.pipeline.privacy import assert_no_small_counts
from popmgmt.pipeline.problems import ValidationError
from popmgmt.pipeline.provenance import DemoCheck, confirm_claim, inspect_claim
from popmgmt.pipeline.published import (
    changed_indicators,
    derived_marts,
    refresh_derived,
    standardised_mart,
)
from popmgmt.pipeline.refdata import ATTRIBUTION, RefData, load_refdata
from popmgmt.pipeline.survey import GP_INDICATORS
from popmgmt.pipeline.transform import compute_marts, publish_recoverable
from popmgmt.pipeline.validate import RawData, validate_raw

PSEUDONYM_KEY_ENV = "POPMGMT_PSEUDONYM_KEY"
# Used only for verified demo data when the environment gives no key; the
# manifest says so. Real deliveries must set POPMGMT_PSEUDONYM_KEY.
DEMO_PSEUDONYM_KEY = b"popmgmt-demo-key"
MIN_KEY_BYTES: Final = 16
STALE_AFTER: Final = 6 * 3600
"""Seconds after which a temporary folder counts as stale even if its pid is alive (reused)."""
MANIFEST = "manifest.json"
# Column names that betray GP-level data; none may appear in a mart.
FORBIDDEN_COLUMNS = (
    "RIZIV_ID",
    "riziv_id",
    "RIZIV_HCI",
    "riziv_hci",
    "BIRTH_YEAR",
    "HOURS_PER_WEEK",
    "WORKLOAD",
    "WELLBEING",
)

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The build could not finish; DATA is untouched. The message is Dutch and says what to do."""


@dataclass(frozen=True)
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    seconds: float


def _quiet(_: str) -> None:
    return None


# ----------------------------------------------------------------------------
# Pseudonym key
# ----------------------------------------------------------------------------


def pseudonym_key(demo: bool) -> tuple[bytes, str]:
    """The key for practice pseudonyms and how the manifest describes it.

    Real data: `POPMGMT_PSEUDONYM_KEY` is required, at least `MIN_KEY_BYTES`
    bytes, and not the public demo key. Verified demo data: the environment's
    key when set (same rules), else the demo key.

    Raises:
        BuildError: before anything is computed or written.
    """
    value = os.environ.get(PSEUDONYM_KEY_ENV, "")
    how = (
        f"zet {PSEUDONYM_KEY_ENV} op een geheime, willekeurige waarde van minstens "
        f'{MIN_KEY_BYTES} bytes (bv. de uitvoer van: python -c "import secrets; '
        'print(secrets.token_hex(32))") en bewaar ze veilig: met dezelfde sleutel blijven '
        "de praktijkpseudoniemen over de jaren gelijk"
    )
    if value:
        key = value.encode()
        if len(key) < MIN_KEY_BYTES:
            raise BuildError(
                f"{PSEUDONYM_KEY_ENV} is te kort ({len(key)} bytes); er is niets geschreven. "
                + how[0].upper()
                + how[1:]
                + "."
            )
        if key == DEMO_PSEUDONYM_KEY and not demo:
            raise BuildError(
                f"{PSEUDONYM_KEY_ENV} is de publieke demosleutel; die mag niet voor echte "
                f"gegevens gebruikt worden. Er is niets geschreven. {how[0].upper()}{how[1:]}."
            )
        return key, "omgeving"
    if demo:
        return DEMO_PSEUDONYM_KEY, "demo-sleutel"
    raise BuildError(
        f"Dit zijn geen (geverifieerde) demogegevens en {PSEUDONYM_KEY_ENV} is niet gezet; "
        "er is niets geschreven. Echte gegevens krijgen praktijkpseudoniemen met een geheime "
        f"sleutel: {how}."
    )


# ----------------------------------------------------------------------------
# Target folder: lock, stale temporary folders, write errors
# ----------------------------------------------------------------------------

_WRITE_ERRORS: Final = {
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "het schijfquotum is bereikt",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.EACCES: "geen schrijfrechten",
    errno.EPERM: "geen schrijfrechten",
}


def _errno_of(exc: BaseException) -> int | None:
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    found = re.search(r"os error (\d+)", str(exc))
    return int(found.group(1)) if found else None


def write_error_message(exc: BaseException, target: Path) -> str:
    """A Dutch message for an error while writing into the folder of `target`."""
    code = _errno_of(exc)
    what = _WRITE_ERRORS.get(code) if code is not None else None
    if what is None:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        what = f"schrijven lukt niet ({detail.splitlines()[0] if detail else type(exc).__name__})"
    todo = {
        errno.ENOSPC: "maak ruimte vrij op die schijf of kies met --out een map op een "
        "andere schijf",
        errno.EDQUOT: "maak ruimte vrij binnen het quotum of kies met --out een andere map",
        errno.EROFS: "kies met --out een map op een beschrijfbare schijf",
        errno.EACCES: "geef de gebruiker die de build draait schrijfrecht op die map, of kies "
        "met --out een andere map",
        errno.EPERM: "geef de gebruiker die de build draait schrijfrecht op die map, of kies "
        "met --out een andere map",
    }.get(code or 0, "controleer de schijf en de rechten, of kies met --out een andere map")
    return (
        f"De nieuwe data konden niet geschreven worden in {target.parent}: {what}. "
        f"De vorige data in {target} zijn ongewijzigd; {todo}, en start de build opnieuw."
    )


def lock_path(out: Path) -> Path:
    """The lock file of builds into `out` (beside it, never swapped)."""
    return out.with_name(f".{out.name}-build.lock")


def _take_lock(path: Path, out: Path) -> int:
    """Open and lock `path`; retry when a releasing holder removed it in between."""
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise BuildError(write_error_message(exc, out)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
            os.close(fd)
            who = f" (proces {holder})" if holder.isdigit() else ""
            raise BuildError(
                f"Er loopt al een build naar {out}{who}. Twee builds tegelijk in dezelfde map "
                "kunnen niet: wacht tot die build klaar is en start dan opnieuw. De data in "
                f"{out} zijn niet aangeraakt."
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # locked a file its holder had just removed: take the new one
    raise BuildError(f"De bouwvergrendeling {path} blijft veranderen; start de build opnieuw.")


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold the build lock of `out`; a second holder gets a `BuildError` at once.

    The lock file (`lock_path`) holds the pid of the build; it is removed when
    the build ends (while still locked, so a waiting process notices and takes
    a fresh file), so a finished build leaves nothing beside DATA.
    """
    path = lock_path(out)
    fd = _take_lock(path, out)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(out: Path, *, now: float | None = None) -> list[Path]:
    """Remove `.<name>.tmp-<pid>` and `.<name>.old-<pid>` folders of builds that died.

    A folder is stale when its process no longer runs, or when it is older than
    `STALE_AFTER` (its pid was reused). Call it while holding `build_lock`, so no
    running build of the same folder can own one. Returns what was removed.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)")
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            age = now - entry.stat().st_mtime
        except OSError:
            continue
        if _alive(int(match.group(2))) and age < STALE_AFTER:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _vintage(raw: RawData) -> dict[str, dict[str, object]]:
    def span(frame: pl.DataFrame, col: str) -> list[int]:
        return [int(frame[col].min()), int(frame[col].max())] if frame.height else []  # type: ignore[arg-type]

    return {
        "ima_patienteel": {
            "years": span(raw.ima, "YEAR"),
            "label": "IMA-AIM Patiënteel huisartsen",
        },
        "atlas": {"years": span(raw.atlas_values, "YEAR"), "label": "IMA-AIM Atlas"},
        "bevolking": {"years": span(raw.population, "YEAR"), "label": "Statbel, bevolking 1/1"},
        "enquete": {
            "years": span(raw.survey_practices, "SURVEY_YEAR"),
            "label": "Departement Zorg, bevraging huisartsen",
        },
    }


def final_guards(marts: dict[str, pl.DataFrame]) -> list[str]:
    """Last checks before anything is written: privacy invariants of the marts."""
    problems = []
    for name, frame in marts.items():
        bad = [c for c in frame.columns if c in FORBIDDEN_COLUMNS]
        if bad:
            problems.append(f"{name}: GP-niveaukolommen in een mart: {bad}")
        expected = list(MART_COLUMNS[name])
        if frame.columns != expected:
            problems.append(
                f"{name}: kolommen {frame.columns} wijken af van het contract {expected}"
            )
    values = marts[INDICATOR_VALUES].join(
        marts["indicators"].select("indicator_code", "count_unit", "denominator_unit"),
        on="indicator_code",
    )
    # Person (and contact) counts only: FTE and counts of practices are not persons.
    persons = ("personen", "contacten")
    problems += assert_no_small_counts(
        values.filter(pl.col("count_unit").is_in(persons)), ["numerator"]
    )
    problems += assert_no_small_counts(
        values.filter(pl.col("denominator_unit").is_in(persons)), ["denominator"]
    )
    problems += assert_no_small_counts(marts[POPULATION], ["population"])
    for name in (GP_AGE, GP_INFLOW):
        if name in marts:
            kinds = MART_COLUMNS[name].items()
            problems += assert_no_small_counts(marts[name], [c for c, k in kinds if k == "count"])
    if BREAKDOWNS in marts:
        problems += assert_no_small_counts(marts[BREAKDOWNS], ["numerator", "denominator"])
    problems += derived_from_published(marts)
    problems += standardised_from_published(marts)
    counts = [c for c, kind in MART_COLUMNS[PRACTICES].items() if kind == "count"]
    problems += assert_no_small_counts(marts[PRACTICES], counts)
    problems += survey_guards(marts)
    return problems


def survey_guards(marts: dict[str, pl.DataFrame]) -> list[str]:
    """The survey mart: only zone, circle, province and Flanders; no shown cell on fewer
    than 10 respondents; no count of GPs between 1 and 4."""
    if SURVEY not in marts:
        return []
    survey = marts[SURVEY]
    problems = []
    below = survey.filter(~pl.col("level").is_in(list(codes.SURVEY_LEVELS)))
    if below.height:
        problems.append(f"{SURVEY}: {below.height} rijen onder zone- of kringniveau")
    few = survey.filter(
        ~pl.col("suppressed") & (pl.col("respondents") < codes.MIN_SURVEY_RESPONDENTS)
    )
    if few.height:
        problems.append(f"{SURVEY}: {few.height} getoonde cellen met minder dan 10 respondenten")
    gp_rows = survey.filter(pl.col("indicator_code").is_in(list(GP_INDICATORS)))
    problems += assert_no_small_counts(gp_rows, ["respondents", "population"])
    person_counts = gp_rows.filter(pl.col("indicator_code").is_in(["hours_band", "workload_high"]))
    problems += assert_no_small_counts(person_counts, ["numerator"])
    return problems


def standardised_from_published(marts: dict[str, pl.DataFrame]) -> list[str]:
    """Every published DSR and expected count uses only published breakdown cells (over
    both sexes): a DSR over a hidden band would give that band's rate, an expected count
    over a hidden denominator that denominator (`docs/privacy.md`, "Standardised
    figures")."""
    if STANDARDISED not in marts or BREAKDOWNS not in marts:
        return []
    keys = ["indicator_code", "level", "area_code", "year"]
    bands = marts[BREAKDOWNS].filter((pl.col("sex") == "T") & (pl.col("age_band") != "totaal"))
    state = bands.group_by(keys).agg(
        pl.col("numerator").is_null().any().alias("_num_hidden"),
        pl.col("denominator").is_null().any().alias("_den_hidden"),
    )
    std = marts[STANDARDISED].join(state, on=keys, how="left")
    no_cells = pl.col("_num_hidden").is_null()
    bad_dsr = std.filter(
        pl.col("dsr").is_not_null() & (no_cells | pl.col("_num_hidden") | pl.col("_den_hidden"))
    )
    bad_exp = std.filter(pl.col("expected").is_not_null() & (no_cells | pl.col("_den_hidden")))
    problems = []
    if bad_dsr.height:
        problems.append(f"{STANDARDISED}: {bad_dsr.height} DSR's over verborgen cellen")
    if bad_exp.height:
        problems.append(
            f"{STANDARDISED}: {bad_exp.height} verwachte aantallen over verborgen cellen"
        )
    return problems


def derived_from_published(marts: dict[str, pl.DataFrame]) -> list[str]:
    """The comparisons say nothing about a suppressed cell: label `niet_te_bepalen`,
    no z-score, no value (they are derived from published figures only)."""
    if COMPARISONS not in marts:
        return []
    hidden = (
        marts[INDICATOR_VALUES]
        .filter(pl.col("suppressed"))
        .select("indicator_code", "level", "area_code", "year")
    )
    told = (
        marts[COMPARISONS]
        .join(hidden, on=["indicator_code", "level", "area_code", "year"], how="semi")
        .filter(
            (pl.col("label") != "niet_te_bepalen")
            | (pl.col("label_unadjusted") != "niet_te_bepalen")
            | pl.col("z").is_not_null()
            | pl.col("value").is_not_null()
        )
    )
    if told.height:
        return [f"{COMPARISONS}: {told.height} vergelijkingen over onderdrukte cellen"]
    return []


def _write_geo(refdata: RefData, out: Path, marts: dict[str, pl.DataFrame]) -> dict[str, str]:
    areas = marts["areas"]
    geo = out / "geo"
    geo.mkdir()
    cache = cache_dir() / "geo"
    written = {}
    for key, source, prop, level in (
        ("zones", refdata.zones_geojson, "elz", "zone"),
        ("municipalities", refdata.municipalities_geojson, "geoitem", "gemeente"),
    ):
        names = dict(
            areas.filter(pl.col("level") == level).select("area_code", "area_name").iter_rows()
        )
        # Simplified once per reference-data version (cached outside the data folder).
        layer = simplified_layer(source, prop, cache)
        features = [
            {
                "type": "Feature",
                "properties": {"area_code": code, "area_name": names[code]},
                "geometry": geometry,
            }
            for code, geometry in layer.items()
            if code in names
        ]
        path = geo / f"{key}.geojson"
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
        written[key] = f"geo/{key}.geojson"
    return written


def recover_interrupted_swap(out: Path) -> bool:
    """If a previous build died between its two renames, put the old data back."""
    if out.exists():
        return False
    olds = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not olds:
        return False
    os.replace(olds[-1], out)
    return True


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp`; on failure put the previous `out` back."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    had_previous = out.exists()
    if had_previous:
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if had_previous:
            os.replace(old, out)
        raise
    if had_previous:
        shutil.rmtree(old, ignore_errors=True)


class _Helper:
    """A second process for work that runs beside the build's main line: the demo's
    regeneration (beside the validation) and the derived marts (beside the audit).
    Both are mostly Python, so a thread would wait for the interpreter lock; a process
    uses the second core. Started first, so that its imports overlap the work before.
    The results are the same as in-process (pure functions, one BLAS thread in both).
    Where a process cannot be started, or a function cannot be sent to one (a test's
    stand-in), the work runs on a thread instead."""

    def __init__(self) -> None:
        self._threads = ThreadPoolExecutor(max_workers=1)
        self._process: ProcessPoolExecutor | None = None
        self._started: ProcessPoolExecutor | None = None  # shut down at the end
        if not _spawn_is_safe():
            return
        try:
            self._started = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
            )
            self._started.submit(_helper_ready)
            self._process = self._started
        except (OSError, RuntimeError):
            self._process = None

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        if self._process is not None:
            try:
                pickle.dumps(fn)
            except (pickle.PicklingError, AttributeError, TypeError):
                pass
            else:
                try:
                    return self._process.submit(fn, *args)
                except (BrokenProcessPool, RuntimeError):
                    self._process = None
        return self._threads.submit(fn, *args)

    def result(self, future: Future[Any], fn: Callable[..., Any], /, *args: Any) -> Any:
        """`future`'s result; when the helper process died (killed for memory, say),
        the work is done again here, so the build does not fail for it."""
        try:
            return future.result()
        except BrokenProcessPool:
            self._process = None
            return fn(*args)

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        if self._started is not None:
            self._started.shutdown(wait=True, cancel_futures=True)


def _spawn_is_safe() -> bool:
    """Whether a spawned process may start here. It imports the parent's main module
    again: by name for `python -m ...` (popmgmt's and pytest's are guarded), by path for
    a plain script, which would run the script's build once more unless guarded; so a
    plain script gets threads."""
    main = sys.modules.get("__main__")
    return (
        main is None
        or getattr(main, "__spec__", None) is not None
        or not getattr(main, "__file__", None)
    )


def _helper_ready() -> int:
    """A first task for the helper process: receiving it imports this module, and with
    it everything the helper's work needs, while the main process reads the files."""
    return os.getpid()


def _derive(marts: dict[str, pl.DataFrame], standardised: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """`published.derived_marts` with one BLAS thread (as the audit beside it)."""
    with threadpool_limits(limits=1):
        return derived_marts(marts, standardised)


def _check_and_validate(
    input_dir: Path, refdata: RefData, warn: Progress, helper: _Helper
) -> tuple[DemoCheck, RawData]:
    """The demo check (`provenance`) and the validation of the raw files; `warn` gets
    the check's warning as soon as it is known (before validation can fail). A demo
    claim is confirmed by running the generator again, in the helper process while the
    files are validated as the claim's municipalities. When the claim fails, the files
    are validated again as real data, so the outcome is the same as one step after the
    other."""
    first = inspect_claim(input_dir, refdata)
    if isinstance(first, DemoCheck):
        if first.warning:
            warn(first.warning)
        return first, validate_raw(input_dir, refdata, covered_municipalities=first.municipalities)
    confirming = helper.submit(confirm_claim, input_dir, first, refdata)
    try:
        raw: RawData | None = validate_raw(
            input_dir, refdata, covered_municipalities=first.municipalities
        )
    except ValidationError:
        if helper.result(confirming, confirm_claim, input_dir, first, refdata).demo:
            raise
        raw = None
    check: DemoCheck = helper.result(confirming, confirm_claim, input_dir, first, refdata)
    if check.warning:
        warn(check.warning)
    if raw is None or not check.demo:
        raw = validate_raw(input_dir, refdata, covered_municipalities=check.municipalities)
    return check, raw


def _audit_and_derive(
    marts: dict[str, pl.DataFrame], audited: dict[str, pl.DataFrame], helper: _Helper
) -> tuple[AuditResult, dict[str, pl.DataFrame]]:
    """The privacy audit of `audited` and, in the helper process at the same time, the
    derived marts (comparisons, trends, standardised) from the values before the audit
    (`published.refresh_derived` brings them up to date afterwards). Both run with one
    BLAS thread: competing BLAS threads make LAPACK many times slower on a small
    machine, and a fixed thread count keeps every figure the same from build to build."""
    inputs = {name: marts[name] for name in (INDICATOR_VALUES, INDICATORS, BREAKDOWNS)}
    derived = helper.submit(_derive, inputs, audited[STANDARDISED])
    with threadpool_limits(limits=1):
        audit = audit_marts(audited)
    result: dict[str, pl.DataFrame] = helper.result(derived, _derive, inputs, audited[STANDARDISED])
    return audit, result


def build(
    input_dir: Path,
    out: Path,
    *,
    refdata: RefData | None = None,
    progress: Progress = _quiet,
    warn: Progress = _quiet,
) -> BuildResult:
    """Validate `input_dir`, compute the marts and swap them into `out`.

    Raises `popmgmt.validate.ValidationError` (nothing written) when the raw
    files are invalid or incomplete, `BuildError` (nothing written, DATA
    unchanged) when another build holds the lock, the pseudonym key is missing
    or weak, a privacy guard fails, or the target cannot be written. `warn`
    receives Dutch warnings (a demo claim that was not accepted).
    """
    started = time.perf_counter()
    out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(write_error_message(exc, out)) from exc
    with build_lock(out), contextlib.closing(_Helper()) as helper:
        try:
            recover_interrupted_swap(out)
        except OSError as exc:
            raise BuildError(write_error_message(exc, out)) from exc
        remove_stale_temporaries(out)
        refdata = refdata or load_refdata()
        progress("Herkomst controleren en ruwe bestanden valideren")
        check, raw = _check_and_validate(input_dir, refdata, warn, helper)
        if check.files is not None and any(
            raw.checksums.get(name) != digest for name, digest in check.files.items()
        ):
            raise BuildError(
                f"De bestanden in {input_dir} zijn tijdens de build veranderd (na de controle "
                "van de demoherkomst); er is niets geschreven. Start de build opnieuw wanneer "
                "niemand meer in de map schrijft."
            )
        key, key_source = pseudonym_key(check.demo)
        progress("Marts berekenen (indicatoren, intervallen, onderdrukking)")
        # The disclosure audit uses LAPACK; competing BLAS threads on a small
        # machine make it many times slower.
        try:
            with threadpool_limits(limits=1):
                marts = compute_marts(raw, refdata, key, previous_release(out, demo=check.demo))
        except DisclosureError as exc:
            raise BuildError(f"Privacycontrole mislukt; er is niets geschreven: {exc}") from exc
        # The raw files are not needed after this point: free their memory before the
        # audit, the build's peak (docs/performance.md).
        manifest = _manifest(raw, check, key_source)
        del raw
        progress("Privacycontroles")
        problems = final_guards(marts)
        if problems:
            raise BuildError(
                "Privacycontrole mislukt; er is niets geschreven:\n" + "\n".join(problems)
            )
        progress("Aanvaller over alle marts samen (audit)")
        # The standardised figures are audited too (their DSRs and expected counts are
        # linear in the breakdown cells).
        standardised = standardised_mart(
            marts[BREAKDOWNS], marts[INDICATOR_VALUES], marts[INDICATORS]
        )
        audited = {**marts, STANDARDISED: standardised}
        problems = standardised_from_published(audited)
        if problems:
            raise BuildError(
                "Privacycontrole mislukt; er is niets geschreven:\n" + "\n".join(problems)
            )
        audit, derived = _audit_and_derive(marts, audited, helper)
        if audit.leaks:
            raise BuildError(
                "Privacycontrole mislukt: verborgen cijfers zijn af te leiden door gepubliceerde "
                "tabellen te combineren; er is niets geschreven. Meld dit aan de beheerders van "
                "popmgmt (het is een fout in de onderdrukking, niet in uw bestanden):\n"
                + "\n".join(audit.leaks)
            )
        # A hidden (secondary) cell whose value follows anyway is published:
        # the same figure, nothing new for a reader, no false "unknown".
        before = marts[INDICATOR_VALUES]
        marts[INDICATOR_VALUES] = publish_recoverable(
            before, marts[INDICATORS], audit.recoverable_cells
        )
        # The comparisons and trends derive from the published figures only (not part
        # of the audit: they add no figure that the published values do not fix). They
        # were computed from the values before the step above, while the audit ran;
        # the indicators that step changed are computed again, so that every published
        # cell is compared.
        progress("Vergelijkingen met Vlaanderen en trends (uit de gepubliceerde cijfers)")
        with threadpool_limits(limits=1):
            marts.update(
                refresh_derived(derived, marts, changed_indicators(before, marts[INDICATOR_VALUES]))
            )
        problems = final_guards(marts)
        if problems:
            raise BuildError(
                "Privacycontrole mislukt; er is niets geschreven:\n" + "\n".join(problems)
            )
        manifest["privacy_audit"] = audit.summary()
        _write(marts, refdata, manifest, out, progress)
    return BuildResult(out=out, manifest=manifest, seconds=time.perf_counter() - started)


def previous_release(out: Path, *, demo: bool) -> dict[str, pl.DataFrame] | None:
    """The marts this build replaces, when they are an earlier release of the same
    kind (demo or real) on the same boundaries: cells they hide stay hidden."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("demo") is not demo:
            return None
        if manifest.get("boundary_version") != codes.BOUNDARY_VERSION:
            return None
        previous = {
            name: pl.read_parquet(out / f"{name}.parquet")
            for name in (INDICATOR_VALUES, POPULATION, PRACTICES)
        }
        # A release from before the breakdowns mart has none: nothing to keep hidden.
        if (out / f"{BREAKDOWNS}.parquet").exists():
            previous[BREAKDOWNS] = pl.read_parquet(out / f"{BREAKDOWNS}.parquet")
        return previous
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None


def _manifest(raw: RawData, check: DemoCheck, key_source: str) -> dict[str, Any]:
    provenance = dict(raw.provenance)
    provenance["demo"] = check.demo
    if check.claimed and not check.demo:
        provenance["demo_claim_rejected"] = check.warning
    return {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "popmgmt_version": __version__,
        "boundary_version": codes.BOUNDARY_VERSION,
        "demo": check.demo,
        "demo_verified": check.demo,
        "provenance": provenance,
        "pseudonym_key": key_source,
        "inputs": raw.checksums,
        "vintage": _vintage(raw),
        "attribution": [ATTRIBUTION],
    }


def _write(
    marts: dict[str, pl.DataFrame],
    refdata: RefData,
    manifest: dict[str, Any],
    out: Path,
    progress: Progress,
) -> None:
    """Write into a temporary folder beside `out` and swap it in; DATA stays as it was on error."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        progress("Marts schrijven")
        mart_info: dict[str, Any] = {}
        for name, frame in marts.items():
            file = f"{name}.parquet"
            frame.write_parquet(tmp / file, compression="zstd", statistics=True)
            mart_info[name] = {
                "file": file,
                "rows": frame.height,
                "columns": dict(MART_COLUMNS[name]),
            }
        manifest["marts"] = mart_info
        manifest["geo"] = _write_geo(refdata, tmp, marts)
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        progress("Nieuwe data in gebruik nemen")
        _swap_in(tmp, out)
    except (OSError, pl.exceptions.PolarsError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if _errno_of(exc) is None and not isinstance(exc, OSError):
            raise
        raise BuildError(write_error_message(exc, out)) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
