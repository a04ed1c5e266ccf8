"""The policy-annotation store: validation, persistence across connections, processes and
restarts, concurrent sessions, and where the store lives (no Streamlit)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest

from popmgmt import annotations as ann

TODAY = date(2026, 11, 23)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / ann.DB_FILE


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [date(2015, 1, 1), date(2020, 3, 15), TODAY, date(2027, 11, 23), "2019-06-30", " 2016-02-29 "],
)
def test_valid_dates(day: date | str) -> None:
    assert ann.FIRST_DATE <= ann.validate_date(day, today=TODAY) <= date(2027, 11, 23)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2014, 12, 31), "tussen 01-01-2015 en 23-11-2027"),
        (date(2027, 11, 24), "tussen 01-01-2015 en 23-11-2027"),
        ("2020-02-30", "geen geldige datum"),
        ("15/03/2020", "geen geldige datum"),
        ("", "geen geldige datum"),
    ],
)
def test_invalid_dates(day: date | str, message: str) -> None:
    with pytest.raises(ann.AnnotationError, match=message):
        ann.validate_date(day, today=TODAY)


def test_last_date_on_a_leap_day() -> None:
    assert ann.last_date(date(2028, 2, 29)) == date(2029, 2, 28)
    assert ann.last_date(TODAY) == date(2027, 11, 23)


def test_valid_labels_are_trimmed_and_normalised() -> None:
    assert ann.validate_label("  Start van een maatregel ") == "Start van een maatregel"
    assert ann.validate_label("x" * ann.LABEL_MAX) == "x" * 80
    assert ann.validate_label("e\u0301xtra") == "\u00e9xtra"  # NFC: é as one character
    assert ann.validate_label("Impulseo · 2e fase (€)") == "Impulseo · 2e fase (€)"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Geef een label op"),
        ("   ", "Geef een label op"),
        ("x" * 81, "te lang: 81 tekens"),
        ("regel een\nregel twee", "stuurtekens"),
        ("tab\there", "stuurtekens"),
        ("nul\x00byte", "stuurtekens"),
        ("escape\x1b[31m", "stuurtekens"),
        ("lijn\u2028scheiding", "stuurtekens"),
        ("del\x7f", "stuurtekens"),
    ],
)
def test_invalid_labels(label: str, message: str) -> None:
    with pytest.raises(ann.AnnotationError, match=message):
        ann.validate_label(label)


def test_bad_input_is_not_stored(store_path: Path) -> None:
    ann.add_annotation(store_path, date(2020, 1, 1), "Goed", today=TODAY)
    for day, label, code in (
        (date(2014, 1, 1), "Te vroeg", None),
        (date(2020, 1, 1), "", None),
        (date(2020, 1, 1), "a\nb", None),
        (date(2020, 1, 1), "x" * 81, None),
        (date(2020, 1, 1), "Goede tekst", "bad code; DROP TABLE"),
    ):
        with pytest.raises(ann.AnnotationError):
            ann.add_annotation(store_path, day, label, code, today=TODAY)
    assert [a.label for a in ann.list_annotations(store_path)] == ["Goed"]


def test_label_with_sql_characters_is_stored_verbatim(store_path: Path) -> None:
    text = "'); DROP TABLE annotation; --"
    ann.add_annotation(store_path, date(2020, 1, 1), text, today=TODAY)
    assert [a.label for a in ann.list_annotations(store_path)] == [text]


# --- persistence -----------------------------------------------------------------------


def test_persists_across_connections_and_scopes(store_path: Path) -> None:
    """Given annotations written through separate connections, then a new read sees all,
    sorted by date; an indicator's chart gets the general ones plus its own."""
    assert ann.list_annotations(store_path) == []  # no file yet: empty, nothing created
    assert not store_path.exists()
    first = ann.add_annotation(store_path, "2021-06-01", "Algemeen", today=TODAY)
    second = ann.add_annotation(store_path, date(2019, 1, 1), "Voor GMD", "ima_gmd", today=TODAY)
    third = ann.add_annotation(store_path, date(2022, 1, 1), "Voor artsen", "gp_per_10k")
    assert first.id != second.id != third.id
    everything = ann.list_annotations(store_path)
    assert [a.label for a in everything] == ["Voor GMD", "Algemeen", "Voor artsen"]
    assert [a.label for a in ann.list_annotations(store_path, "ima_gmd")] == [
        "Voor GMD",
        "Algemeen",
    ]
    assert [a.label for a in ann.list_annotations(store_path, "other")] == ["Algemeen"]
    assert everything[1].day == date(2021, 6, 1)
    assert everything[1].created_at.endswith("+00:00")
    assert ann.delete_annotation(store_path, first.id) is True
    assert ann.delete_annotation(store_path, first.id) is False
    assert [a.label for a in ann.list_annotations(store_path)] == ["Voor GMD", "Voor artsen"]


def _run(code: str, path: Path) -> str:
    script = textwrap.dedent(code).replace("PATH", repr(str(path)))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_survives_a_restart(store_path: Path) -> None:
    """Written by one process, read by another (a restarted server), and the other way."""
    _run(
        """
        from datetime import date
        from pathlib import Path
        from popmgmt import annotations as ann
        ann.add_annotation(Path(PATH), date(2020, 3, 1), "Start maatregel")
        """,
        store_path,
    )
    assert [a.label for a in ann.list_annotations(store_path)] == ["Start maatregel"]
    ann.add_annotation(store_path, date(2021, 3, 1), "Evaluatie")
    out = _run(
        """
        from pathlib import Path
        from popmgmt import annotations as ann
        print("|".join(a.label for a in ann.list_annotations(Path(PATH))))
        """,
        store_path,
    )
    assert out.strip() == "Start maatregel|Evaluatie"


def test_concurrent_sessions_lose_nothing(store_path: Path) -> None:
    """Eight sessions (threads) and two other processes write at the same time: every
    annotation is stored once, with its own id."""
    errors: list[BaseException] = []

    def session(n: int) -> None:
        try:
            for i in range(15):
                ann.add_annotation(store_path, date(2020, 1, 1 + i), f"sessie {n} nr {i}")
                ann.list_annotations(store_path)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = """
        from datetime import date
        from pathlib import Path
        from popmgmt import annotations as ann
        for i in range(20):
            ann.add_annotation(Path(PATH), date(2021, 1, 1 + i), f"proces nr {i}")
        """
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(writer).replace(
            "PATH", repr(str(store_path)))])
        for _ in range(2)
    ]  # fmt: skip
    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for p in procs:
        assert p.wait(timeout=120) == 0
    assert not errors, errors
    stored = ann.list_annotations(store_path)
    assert len(stored) == 8 * 15 + 2 * 20
    assert len({a.id for a in stored}) == len(stored)
    assert sum(a.label.startswith("sessie 3 ") for a in stored) == 15


def test_store_limit(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ann, "MAX_ANNOTATIONS", 2)
    ann.add_annotation(store_path, date(2020, 1, 1), "een")
    ann.add_annotation(store_path, date(2020, 1, 2), "twee")
    with pytest.raises(ann.AnnotationError, match="al 2 markeringen"):
        ann.add_annotation(store_path, date(2020, 1, 3), "drie")
    assert len(ann.list_annotations(store_path)) == 2


def test_unwritable_or_corrupt_store(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(ann.AnnotationStoreError, match="POPMGMT_STATE"):
        ann.add_annotation(blocker / "sub" / ann.DB_FILE, date(2020, 1, 1), "x")
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ann.AnnotationStoreError):
        ann.list_annotations(corrupt)


# --- where the store lives --------------------------------------------------------------


def test_state_dir_is_beside_the_data_not_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild swaps the data folder atomically: the store must live outside it."""
    monkeypatch.delenv(ann.STATE_ENV, raising=False)
    monkeypatch.setenv("POPMGMT_DATA", str(tmp_path / "deploy" / "data"))
    assert ann.state_dir() == (tmp_path / "deploy" / "state").resolve()
    assert ann.default_path() == (tmp_path / "deploy" / "state" / ann.DB_FILE).resolve()
    monkeypatch.setenv(ann.STATE_ENV, str(tmp_path / "elders"))
    assert ann.default_path() == tmp_path / "elders" / ann.DB_FILE


def test_display_table() -> None:
    marks = [
        ann.Annotation(1, date(2020, 3, 1), "Start", None, ""),
        ann.Annotation(2, date(2021, 3, 1), "GMD", "ima_gmd", ""),
    ]
    table = ann.display_table(marks, {"ima_gmd": "Inwoners met een GMD"})
    assert table.rows() == [
        ("01-03-2020", "Start", "alle indicatoren"),
        ("01-03-2021", "GMD", "Inwoners met een GMD"),
    ]
    assert ann.option_text(marks[0]) == "01-03-2020 · Start"
    assert ann.annotations_frame(marks).height == 2
