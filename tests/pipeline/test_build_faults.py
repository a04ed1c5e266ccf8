"""Faults around the build (issue 11): every one ends in a Dutch message, DATA untouched.

Read-only and full target folders, a killed build's temporary folders, two
builds into one folder, the pseudonym key, and the demo flag that a data file
alone cannot set. Each test checks the outcome (exception or exit code and
message) and that the previous DATA folder is byte-identical.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import types
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from popmgmt.cli import EXIT_ERROR, EXIT_INVALID, main
from popmgmt.pipeline import build as build_module
from popmgmt.pipeline.build import (
    DEMO_PSEUDONYM_KEY,
    PSEUDONYM_KEY_ENV,
    BuildError,
    build,
    build_lock,
    pseudonym_key,
    remove_stale_temporaries,
)
from popmgmt.pipeline.demo import demo_municipalities
from popmgmt.pipeline.problems import ValidationError
from popmgmt.pipeline.provenance import (
    DemoCheck,
    DemoClaim,
    check_demo,
    confirm_claim,
    inspect_claim,
)
from popmgmt.pipeline.refdata import RefData
from popmgmt.pipeline.validate import validate_raw

FIXTURE = Path(__file__).parents[1] / "fixtures" / "raw_small"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def data(built_data: Path, tmp_path: Path) -> Path:
    """A copy of a built DATA folder, the 'previous data' that must survive."""
    target = tmp_path / "data"
    shutil.copytree(built_data, target)
    return target


@pytest.fixture
def raw(demo_raw: Path, tmp_path: Path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(demo_raw, target)
    return target


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.glob(f".{folder.name}.*"))


# ----------------------------------------------------------------------------
# Read-only and full targets
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (OSError(errno.EROFS, "Read-only file system"), "alleen-lezen"),
        (OSError(errno.EACCES, "Permission denied"), "geen schrijfrechten"),
        (
            pl.exceptions.ComputeError(
                "parquet: File out of specification: underlying IO error: No space left on "
                "device (os error 28)"
            ),
            "de schijf is vol",
        ),
    ],
    ids=["read-only", "no-permission", "disk-full"],
)
def test_a_write_error_ends_in_a_message_and_exit_2(
    raw: Path,
    data: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    expected: str,
) -> None:
    before = _tree_digest(data)

    def fail(*_: object, **__: object) -> None:
        raise failure

    monkeypatch.setattr(pl.DataFrame, "write_parquet", fail)

    code = main(["build", "--input", str(raw), "--out", str(data)])

    assert code == EXIT_ERROR
    err = capsys.readouterr().err
    assert expected in err
    assert "vorige data" in err
    assert "Traceback" not in err
    assert _tree_digest(data) == before
    assert _leftovers(data) == []


@pytest.fixture
def tiny_disk(tmp_path: Path, built_data: Path) -> Iterator[Path]:
    """A tmpfs with room for one DATA folder of the scaled demo, not two: 1.4 times the
    folder (rounded up to 64 KiB for the file system's own blocks), so the size follows
    the marts as they are added."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    folder = sum(-(-p.stat().st_size // 4096) * 4096 for p in built_data.rglob("*") if p.is_file())
    size_kib = -(-int(folder * 1.4) // (64 * 1024)) * 64
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk(tiny_disk: Path, built_data: Path, raw: Path, refdata: RefData) -> None:
    data = tiny_disk / "data"
    shutil.copytree(built_data, data)
    before = _tree_digest(data)

    with pytest.raises(BuildError, match="de schijf is vol") as caught:
        build(raw, data, refdata=refdata)

    assert "Traceback" not in str(caught.value)
    assert _tree_digest(data) == before
    assert _leftovers(data) == []


def test_a_really_read_only_disk(
    tiny_disk: Path, built_data: Path, raw: Path, refdata: RefData
) -> None:
    data = tiny_disk / "data"
    shutil.copytree(built_data, data)
    before = _tree_digest(data)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)

    with pytest.raises(BuildError, match="alleen-lezen"):
        build(raw, data, refdata=refdata)

    assert _tree_digest(data) == before


# ----------------------------------------------------------------------------
# A killed build, two builds at once
# ----------------------------------------------------------------------------


_KILLABLE_BUILD = """
import sys, time
from pathlib import Path
from popmgmt.pipeline import build as b

def hang(tmp, out):
    print("geschreven", flush=True)
    time.sleep(120)

b._swap_in = hang
b.build(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_a_killed_build_leaves_a_temporary_folder_that_the_next_build_removes(
    raw: Path, data: Path, refdata: RefData
) -> None:
    """Given a build killed (SIGKILL) after writing its marts, and the temporary folder of
    a build still running, when the next build starts (here it then stops on invalid
    input), then the killed one's folder is gone, the running one's kept, DATA unchanged."""
    before = _tree_digest(data)
    killed = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE_BUILD, str(raw), str(data)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": SRC},
        text=True,
    )
    assert killed.stdout is not None
    try:
        assert killed.stdout.readline().strip() == "geschreven"
    finally:
        killed.kill()
        killed.wait()
        killed.stdout.close()
    stale = data.with_name(f".data.tmp-{killed.pid}")
    assert (stale / "manifest.json").is_file()  # what a killed build leaves
    stale_old = data.with_name(f".data.old-{killed.pid}")
    stale_old.mkdir()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = data.with_name(f".data.tmp-{running.pid}")
        live.mkdir()
        (raw / "bevolking.csv").write_text("YEAR,REFNIS,SEX,AGE,POPULATION\n", encoding="utf-8")

        with pytest.raises(ValidationError):
            build(raw, data, refdata=refdata)

        assert not stale.exists()
        assert not stale_old.exists()
        assert live.is_dir()  # a running build's folder is never touched
    finally:
        running.kill()
        running.wait()
    assert _tree_digest(data) == before


def test_a_temporary_folder_of_a_reused_pid_is_stale_after_some_hours(tmp_path: Path) -> None:
    out = tmp_path / "data"
    folder = tmp_path / f".data.tmp-{os.getpid()}"
    folder.mkdir()
    now = folder.stat().st_mtime
    assert remove_stale_temporaries(out, now=now + 60) == []
    assert remove_stale_temporaries(out, now=now + build_module.STALE_AFTER + 1) == [folder]


def test_a_second_build_into_the_same_folder_is_refused(
    raw: Path, data: Path, refdata: RefData, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another process holds the lock (as a running build does): this build says so."""
    before = _tree_digest(data)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from popmgmt.pipeline.build import build_lock\n"
            f"with build_lock(Path({str(data)!r})):\n"
            "    print('vast', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": SRC},
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "vast"

        with pytest.raises(BuildError, match="Er loopt al een build") as caught:
            build(raw, data, refdata=refdata)
        assert f"proces {holder.pid}" in str(caught.value)
        assert main(["build", "--input", str(raw), "--out", str(data)]) == EXIT_ERROR
        assert "Er loopt al een build" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert _tree_digest(data) == before
    # Released with its holder: the lock can be taken again.
    with build_lock(data):
        pass


def test_the_lock_file_holds_the_pid_and_is_gone_after_the_build(tmp_path: Path) -> None:
    out = tmp_path / "data"
    lock = tmp_path / ".data-build.lock"
    with build_lock(out):
        assert lock.read_text(encoding="ascii").strip() == str(os.getpid())
        with pytest.raises(BuildError, match=f"proces {os.getpid()}"), build_lock(out):
            pass
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------
# Pseudonym key
# ----------------------------------------------------------------------------


def test_real_data_without_a_key_stop_before_anything_is_written(
    data: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given data that passed validation but are no verified demo, without the key."""
    before = _tree_digest(data)
    real = validate_raw(
        FIXTURE, refdata, expected_municipalities=("11002", "24062", "44021", "44087")
    )
    monkeypatch.setattr(build_module, "validate_raw", lambda *_, **__: real)

    def never(*_: object, **__: object) -> None:
        raise AssertionError("computed without a key")

    monkeypatch.setattr(build_module, "compute_marts", never)

    with pytest.raises(BuildError) as caught:
        build(FIXTURE, data, refdata=refdata)

    message = str(caught.value)
    assert PSEUDONYM_KEY_ENV in message
    assert "niets geschreven" in message
    assert _tree_digest(data) == before
    assert _leftovers(data) == []


def test_a_short_key_is_refused_even_for_the_demo(
    raw: Path, data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tree_digest(data)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "kort-15-bytes!!")

    assert main(["build", "--input", str(raw), "--out", str(data)]) == EXIT_ERROR

    err = capsys.readouterr().err
    assert f"{PSEUDONYM_KEY_ENV} is te kort (15 bytes)" in err
    assert "minstens 16 bytes" in err
    assert _tree_digest(data) == before


def test_key_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pseudonym_key(demo=True) == (DEMO_PSEUDONYM_KEY, "demo-sleutel")
    with pytest.raises(BuildError, match=PSEUDONYM_KEY_ENV):
        pseudonym_key(demo=False)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, DEMO_PSEUDONYM_KEY.decode())
    with pytest.raises(BuildError, match="publieke demosleutel"):
        pseudonym_key(demo=False)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "x" * 16)
    assert pseudonym_key(demo=False) == (b"x" * 16, "omgeving")


# ----------------------------------------------------------------------------
# The demo flag: only the generator's unchanged output
# ----------------------------------------------------------------------------


def test_the_generators_output_is_verified_demo(demo_raw: Path, refdata: RefData) -> None:
    check = check_demo(demo_raw, refdata)
    assert (check.demo, check.claimed, check.warning) == (True, True, None)
    assert check.municipalities == demo_municipalities(refdata, 0.1)


def test_a_demo_file_swapped_after_the_check_is_caught(
    raw: Path, data: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified, then a file changes before validation reads it: no demo build."""
    before = _tree_digest(data)
    claim = inspect_claim(raw, refdata)
    assert isinstance(claim, DemoClaim)
    checked = confirm_claim(raw, claim, refdata)
    path = raw / "enquete_praktijken.csv"
    path.write_bytes(path.read_bytes().replace(b",nee,", b",ja,", 1))
    monkeypatch.setattr(build_module, "inspect_claim", lambda *_: claim)
    monkeypatch.setattr(build_module, "confirm_claim", lambda *_: checked)

    with pytest.raises(BuildError, match="tijdens de build veranderd"):
        build(raw, data, refdata=refdata)

    assert _tree_digest(data) == before


def test_the_built_demo_manifest_says_verified(built_data: Path) -> None:
    manifest = json.loads((built_data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["demo"] is True
    assert manifest["demo_verified"] is True
    assert manifest["pseudonym_key"] == "demo-sleutel"


def test_a_tampered_data_file_is_not_demo(raw: Path, refdata: RefData) -> None:
    path = raw / "enquete_praktijken.csv"
    path.write_bytes(path.read_bytes().replace(b",nee,", b",ja,", 1))

    check = check_demo(raw, refdata)

    assert (check.demo, check.claimed) == (False, True)
    assert check.warning is not None
    assert "enquete_praktijken.csv verschilt" in check.warning
    assert "als echte gegevens gebouwd" in check.warning


def test_a_forged_fingerprint_is_caught_by_regenerating(raw: Path, refdata: RefData) -> None:
    """The files changed and their hashes rewritten in herkomst.json: still not demo."""
    path = raw / "enquete_praktijken.csv"
    path.write_bytes(path.read_bytes().replace(b",nee,", b",ja,", 1))
    provenance = json.loads((raw / "herkomst.json").read_text(encoding="utf-8"))
    provenance["fingerprint"]["files"]["enquete_praktijken.csv"] = hashlib.sha256(
        path.read_bytes()
    ).hexdigest()
    (raw / "herkomst.json").write_text(json.dumps(provenance), encoding="utf-8")

    check = check_demo(raw, refdata)

    assert check.demo is False
    assert check.warning is not None
    assert "niet wat de demogenerator met seed" in check.warning


def test_a_copied_herkomst_json_does_not_make_real_files_demo(
    demo_raw: Path, tmp_path: Path, refdata: RefData
) -> None:
    real = tmp_path / "echt"
    shutil.copytree(FIXTURE, real)
    shutil.copy(demo_raw / "herkomst.json", real / "herkomst.json")
    assert check_demo(real, refdata).demo is False
    (real / "herkomst.json").write_text('{"demo": true}', encoding="utf-8")
    check = check_demo(real, refdata)
    assert check.demo is False
    assert check.warning is not None
    assert "vingerafdruk" in check.warning


def test_a_tampered_demo_builds_as_real_data_with_a_warning(
    raw: Path, data: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a key, a tampered demo is treated as real: warned, then held to real rules
    (a real delivery must cover all of Flanders, which the scaled demo does not)."""
    before = _tree_digest(data)
    path = raw / "enquete_praktijken.csv"
    path.write_bytes(path.read_bytes().replace(b",nee,", b",ja,", 1))
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "een-echte-geheime-sleutel")
    warnings: list[str] = []

    with pytest.raises(ValidationError) as caught:
        build(raw, data, refdata=refdata, warn=warnings.append)

    assert len(warnings) == 1
    assert "als echte gegevens gebouwd" in warnings[0]
    assert any("van de 285 verwachte" in p.message for p in caught.value.problems)
    assert _tree_digest(data) == before


def test_a_forged_fingerprint_builds_as_real_data_with_a_warning(
    raw: Path, data: Path, refdata: RefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim passes the cheap checks (hashes rewritten) and fails only when the
    generator runs again, which the build does beside the validation: the files are
    then validated again as real data, with the warning, as if one step came after the
    other."""
    before = _tree_digest(data)
    path = raw / "enquete_praktijken.csv"
    path.write_bytes(path.read_bytes().replace(b",nee,", b",ja,", 1))
    provenance = json.loads((raw / "herkomst.json").read_text(encoding="utf-8"))
    provenance["fingerprint"]["files"]["enquete_praktijken.csv"] = hashlib.sha256(
        path.read_bytes()
    ).hexdigest()
    (raw / "herkomst.json").write_text(json.dumps(provenance), encoding="utf-8")
    assert isinstance(inspect_claim(raw, refdata), DemoClaim)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "een-echte-geheime-sleutel")
    warnings: list[str] = []

    with pytest.raises(ValidationError) as caught:
        build(raw, data, refdata=refdata, warn=warnings.append)

    assert len(warnings) == 1
    assert "niet wat de demogenerator met seed" in warnings[0]
    assert any("van de 285 verwachte" in p.message for p in caught.value.problems)
    assert _tree_digest(data) == before


def test_a_rejected_claim_is_written_as_not_demo_in_the_manifest(refdata: RefData) -> None:
    real = validate_raw(
        FIXTURE, refdata, expected_municipalities=("11002", "24062", "44021", "44087")
    )
    claimed = dataclasses.replace(real, provenance={"demo": True, "seed": 1})
    check = DemoCheck(demo=False, claimed=True, warning="herkomst.json ...", municipalities=None)

    manifest = build_module._manifest(claimed, check, "omgeving")

    assert manifest["demo"] is False
    assert manifest["demo_verified"] is False
    assert manifest["provenance"]["demo"] is False
    assert manifest["provenance"]["demo_claim_rejected"] == "herkomst.json ..."


def _as_folder(raw: Path) -> None:
    (raw / "atlas_waarden.csv").unlink()
    (raw / "atlas_waarden.csv").mkdir()


def _as_zip(raw: Path) -> None:
    path = raw / "atlas_waarden.csv"
    data = path.read_bytes()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("atlas_waarden.csv", data)


def _symlink_out(raw: Path) -> None:
    outside = raw.parent / "buiten.csv"
    outside.write_text("GEHEIME-INHOUD\n", encoding="utf-8")
    (raw / "atlas_waarden.csv").unlink()
    (raw / "atlas_waarden.csv").symlink_to(outside)


def _as_xlsx(raw: Path) -> None:
    with zipfile.ZipFile(raw / "praktijkregister.csv", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")


def _excel_semicolons(raw: Path) -> None:
    path = raw / "praktijkregister.csv"
    text = path.read_text(encoding="utf-8").replace(",", ";")
    path.write_text(text.replace(".", ","), encoding="utf-8")


def _ten_to_the_twelfth(raw: Path) -> None:
    path = raw / "bevolking.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",1000000000000"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cut_population(raw: Path) -> None:
    path = raw / "bevolking.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) * 55 // 100]))


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (_as_folder, "atlas_waarden.csv: is een map, geen bestand"),
        (_as_zip, "atlas_waarden.csv: het bestand is een zip-archief"),
        (_symlink_out, "atlas_waarden.csv: is een symbolische koppeling naar een bestand buiten"),
        (_cut_population, "bevolking.csv: kolom REFNIS: jaar 2020: "),
        (_as_xlsx, "praktijkregister.csv: het bestand is een Excel-werkmap (.xlsx)"),
        (_excel_semicolons, "';' als scheidingsteken en komma's als decimaalteken"),
        (_ten_to_the_twelfth, "bevolking.csv: regel 2, kolom POPULATION: waarde 1000000000000"),
    ],
    ids=["folder", "zip", "symlink-out", "cut", "xlsx", "excel-csv", "10^12"],
)
def test_cli_build_of_broken_input_exits_1_and_keeps_data(
    raw: Path,
    data: Path,
    capsys: pytest.CaptureFixture[str],
    breaks: Callable[[Path], None],
    expected: str,
) -> None:
    before = _tree_digest(data)
    breaks(raw)

    assert main(["build", "--input", str(raw), "--out", str(data)]) == EXIT_INVALID

    err = capsys.readouterr().err
    assert expected in err
    assert "GEHEIME-INHOUD" not in err
    assert "Traceback" not in err
    assert _tree_digest(data) == before
    assert _leftovers(data) == []


def _exit_in_child(parent: int) -> str:
    """Dies when run in another process; returns when run in `parent`."""
    if os.getpid() != parent:
        os._exit(3)
    return "hier"


def test_a_helper_process_that_dies_leaves_its_work_to_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build's helper process killed mid-task (for memory, say): the work is done
    in the build's own process, and the build goes on."""
    # A main module a spawned process need not import again (Streamlit's AppTest leaves
    # its page script as __main__, which rightly makes the build use threads).
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    helper = build_module._Helper()
    try:
        assert helper._process is not None
        future = helper.submit(_exit_in_child, os.getpid())
        assert helper.result(future, _exit_in_child, os.getpid()) == "hier"
        # later work runs on the thread, in this process
        later = helper.submit(_exit_in_child, os.getpid())
        assert helper.result(later, _exit_in_child, os.getpid()) == "hier"
        assert helper._process is None
    finally:
        helper.close()
