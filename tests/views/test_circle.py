"""The GP-circle view's pure functions (`popmgmt.views.circle`) on tiny hand-built frames."""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any

import polars as pl
import pytest
from frames import VALUE_SCHEMA, square

from popmgmt.app import access
from popmgmt.pipeline.marts import MART_COLUMNS, PRACTICES
from popmgmt.views import circle, circle_charts, circle_map, circle_tables, labels, maps

# --------------------------------------------------------------------------- fixtures

# Three zones, three circles that cross them:
#   hak01 = zone z1 (m1, m2): coincide
#   hak02 = m3, m4 (zone z2) + m6 (zone z3, whole): spans two zones
#   hak03 = m5 (zone z2): zone z2 holds two circles
MUNICIPALITIES = {
    "m1": ("Aadorp", "z1", "hak01"),
    "m2": ("Beekdorp", "z1", "hak01"),
    "m3": ("Cederdorp", "z2", "hak02"),
    "m4": ("Duindorp", "z2", "hak02"),
    "m5": ("Eikdorp", "z2", "hak03"),
    "m6": ("Fazantdorp", "z3", "hak02"),
}
ZONES = {"z1": "Zone Een", "z2": "Zone Twee", "z3": "Zone Drie"}
CIRCLES = {"hak01": "Kring A", "hak02": "Kring B", "hak03": "Kring C"}
NAMES = CIRCLES

# GP-level fields and identifiers that must never come out (they are not in the mart;
# a frame could still carry them by mistake).
GP_LEVEL = {
    "riziv_id": "12345678",
    "RIZIV_HCI": "87654321",
    "gp_name": "Dr. Verborgen Naam",
    "hours_per_week": 77.25,
    "birth_year": 1901,
    "workload": 5,
    "wellbeing": 2,
}
SENTINELS = ("12345678", "87654321", "Verborgen", "77.25", "77,25", "1901")
FORBIDDEN_NAMES = tuple(GP_LEVEL)


def _areas() -> pl.DataFrame:
    rows: list[dict[str, Any]] = [
        {"level": "vlaanderen", "area_code": "02000", "area_name": "Vlaanderen"},
    ]
    rows += [
        {"level": "zone", "area_code": z, "area_name": n, "zone_code": z} for z, n in ZONES.items()
    ]
    rows += [
        {"level": "kring", "area_code": c, "area_name": n, "circle_code": c}
        for c, n in CIRCLES.items()
    ]
    rows += [
        {"level": "gemeente", "area_code": m, "area_name": n, "zone_code": z, "circle_code": c}
        for m, (n, z, c) in MUNICIPALITIES.items()
    ]
    schema = {
        "level": pl.String,
        "area_code": pl.String,
        "area_name": pl.String,
        "zone_code": pl.String,
        "circle_code": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def _practice(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(MART_COLUMNS[PRACTICES])
    base.update(
        year=2024,
        refnis="m1",
        zone_code="z1",
        circle_code="hak01",
        lat=51.0,
        lon=4.0,
        payment_system="prestatie",
        suppressed=False,
    )
    base.update(GP_LEVEL)
    base.update(kw)
    base["suppressed"] = base["suppressed_columns"] is not None
    return base


def _practices() -> pl.DataFrame:
    rows = [
        _practice(
            practice_id="PR-AAAAAA",
            practice_form="groep",
            patient_stop="nee",
            size_class="1.000-2.499",
            fte_estimate=2.5,
            pat_gmd=1800,
            pat_attrib=2000,
            raadpl=6000,
            bezavond=30,
            bezoekind=400,
            instel=100,
            digicont=None,
            advies=50,
            suppressed_columns="digicont",
        ),
        _practice(
            practice_id="PR-BBBBBB",
            refnis="m2",
            lat=51.1,
            lon=4.1,
            practice_form="wgc",
            payment_system="forfait",
            patient_stop="ja",
            size_class="2.500-4.999",
            fte_estimate=2.0,
            pat_gmd=3000,
            pat_attrib=3100,
        ),
        _practice(
            practice_id="PR-CCCCCC",
            practice_form="solo",
            patient_stop=None,
            size_class="< 1.000",
            fte_estimate=0.6,
            pat_gmd=None,
            pat_attrib=None,
            raadpl=2500,
            bezavond=0,
            bezoekind=300,
            instel=40,
            digicont=90,
            advies=20,
            suppressed_columns="pat_attrib,pat_gmd",
        ),
        _practice(
            practice_id="PR-AAAAAA",
            year=2023,
            size_class="1.000-2.499",
            fte_estimate=2.4,
            pat_gmd=1700,
            pat_attrib=1900,
            raadpl=5800,
            bezavond=25,
            bezoekind=380,
            instel=90,
            digicont=60,
            advies=40,
        ),
        _practice(
            practice_id="PR-DDDDDD",
            refnis="m3",
            zone_code="z2",
            circle_code="hak02",
            practice_form="duo",
            patient_stop="gedeeltelijk",
            size_class="2.500-4.999",
            fte_estimate=4.0,
            pat_gmd=2000,
            pat_attrib=2600,
            raadpl=9000,
            bezavond=60,
            bezoekind=700,
            instel=200,
            digicont=500,
            advies=100,
        ),
    ]
    ints = {c: pl.Int64 for c, kind in MART_COLUMNS[PRACTICES].items() if kind == "count"}
    floats = dict.fromkeys(("lat", "lon", "fte_estimate", "hours_per_week"), pl.Float64)
    schema: dict[str, Any] = dict.fromkeys((*MART_COLUMNS[PRACTICES], *GP_LEVEL), pl.String)
    schema.update(ints)
    schema.update(floats)
    schema.update(year=pl.Int64, suppressed=pl.Boolean, birth_year=pl.Int64, workload=pl.Int64)
    schema.update(wellbeing=pl.Int64)
    return pl.DataFrame(rows, schema=schema)


def _rows(year: int = 2024, circle_code: str = "hak01") -> pl.DataFrame:
    return circle.circle_practices(_practices(), circle_code, year)


def _by_practice(table: pl.DataFrame) -> dict[str, dict[str, str]]:
    return {row["Praktijk"]: row for row in table.iter_rows(named=True)}


def _assert_no_gp_level(text: str) -> None:
    for sentinel in SENTINELS:
        assert sentinel not in text, sentinel
    for name in FORBIDDEN_NAMES:
        assert name.lower() not in text.lower(), name


# --------------------------------------------------------------------------- circles
def test_circle_list_and_param() -> None:
    circles = circle.circle_list(_areas())
    assert circles["circle_code"].to_list() == ["hak01", "hak02", "hak03"]
    codes = circles["circle_code"].to_list()
    assert circle.parse_circle_param("HAK02 ", codes) == "hak02"
    assert circle.parse_circle_param(["hak03"], codes) == "hak03"
    assert circle.parse_circle_param("hak99", codes) is None
    assert circle.parse_circle_param(None, codes) is None
    assert "'hak99'" in circle_tables.unknown_circle_message("hak99")


def test_circle_that_coincides_with_a_zone() -> None:
    zones = circle.circle_zones(_areas(), "hak01")
    assert zones.to_dicts() == [
        {
            "zone_code": "z1",
            "zone_name": "Zone Een",
            "n_in_circle": 2,
            "n_in_zone": 2,
            "other_circles": [],
            "relation": "samen",
        }
    ]
    text = circle_tables.coverage_text(
        zones, circle_name="Kring A", circle_code="hak01", circle_names=NAMES
    )
    assert "omvat 2 gemeenten in 1 eerstelijnszone" in text
    assert "valt samen met zone Zone Een" in text


def test_circle_that_spans_two_zones() -> None:
    zones = circle.circle_zones(_areas(), "hak02")
    rows = {r["zone_code"]: r for r in zones.iter_rows(named=True)}
    assert rows["z2"]["relation"] == "deels"
    assert rows["z2"]["n_in_circle"] == 2
    assert rows["z2"]["n_in_zone"] == 3
    assert rows["z2"]["other_circles"] == ["hak03"]
    assert rows["z3"]["relation"] == "volledig"
    text = circle_tables.coverage_text(
        zones, circle_name="Kring B", circle_code="hak02", circle_names=NAMES
    )
    assert "omvat 3 gemeenten in 2 eerstelijnszones" in text
    assert "2 van de 3 gemeenten" in text
    assert "Kring C (hak03)" in text
    assert "Zone Drie (z3) ligt volledig in de kring" in text
    table = circle.zones_table(zones, NAMES)
    assert table["Andere kringen in de zone"].to_list() == ["geen", "Kring C (hak03)"]


def test_circle_municipalities() -> None:
    muni = circle.circle_municipalities(_areas(), "hak02")
    assert muni["municipality"].to_list() == ["Cederdorp", "Duindorp", "Fazantdorp"]
    assert muni["zone_name"].to_list() == ["Zone Twee", "Zone Twee", "Zone Drie"]


# --------------------------------------------------------------------------- practices
def test_practice_rows_keep_only_the_allow_list() -> None:
    rows = circle.practice_rows(_practices())
    assert tuple(rows.columns) == circle.ALLOWED_COLUMNS
    for name in GP_LEVEL:
        assert name not in rows.columns


def test_practice_rows_add_absent_columns_as_null() -> None:
    public = access.scope_practices(_practices(), access.PUBLIC)
    assert "pat_attrib" not in public.columns
    rows = circle.practice_rows(public)
    assert tuple(rows.columns) == circle.ALLOWED_COLUMNS
    assert rows["pat_attrib"].null_count() == rows.height


def test_practice_years() -> None:
    assert circle.practice_years(_practices(), "hak01") == [2024, 2023]
    assert circle.practice_years(_practices(), "hak03") == []


def test_practice_table_with_details() -> None:
    """Suppressed counts read "onderdrukt", flat-rate contacts "niet aangerekend", a rate
    with a hidden denominator is hidden too; never a 0 for a hidden value."""
    table = circle_tables.practice_table(_rows(), _areas(), details=True)
    assert table.columns == circle.practice_columns(True)
    assert table["Praktijk"].to_list() == ["PR-AAAAAA", "PR-BBBBBB", "PR-CCCCCC"]
    rows = _by_practice(table)
    raadpl = "Raadplegingen per 100 toegewezen patiënten"
    remote = "Contacten op afstand per 100 toegewezen patiënten"
    evening = "Huisbezoeken avond/weekend per 100 toegewezen patiënten"

    a = rows["PR-AAAAAA"]
    assert "Huisartsen" not in a  # no GP headcount per practice (docs/privacy.md)
    assert a["VTE (schatting)"] == "2,5"
    assert a["GMD-patiënten"] == "1.800"
    assert a["Toegewezen patiënten"] == "2.000"
    assert a[raadpl] == "300,0"
    assert a[evening] == "1,5"
    assert a[remote] == circle_tables.SUPPRESSED_TEXT
    assert a["Praktijkvorm"] == "Groepspraktijk"
    assert a["Betalingssysteem"] == labels.label("payment_system", "prestatie")
    assert a["Patiëntenstop"] == "Geen patiëntenstop"
    assert a["Gemeente"] == "Aadorp"
    assert a["Eerstelijnszone"] == "Zone Een"
    assert a["Grootteklasse (toegewezen patiënten)"] == "1.000-2.499 patiënten"
    assert a["Jaar"] == "2024"

    b = rows["PR-BBBBBB"]
    assert b["GMD-patiënten"] == "3.000"
    assert b["Betalingssysteem"] == "Forfaitaire betaling"
    for column in circle.CONTACT_COLUMNS:
        assert b[f"{circle.CONTACT_NAMES[column]} per 100 toegewezen patiënten"] == (
            circle_tables.NOT_BILLED_TEXT
        )

    c = rows["PR-CCCCCC"]
    assert c["Toegewezen patiënten"] == circle_tables.SUPPRESSED_TEXT
    assert c[raadpl] == circle_tables.SUPPRESSED_TEXT  # the denominator is hidden
    assert c["Patiëntenstop"] == circle_tables.NO_ANSWER_TEXT


def test_practice_table_not_surveyed_year() -> None:
    table = circle_tables.practice_table(_rows(2023), _areas(), details=True)
    row = table.row(0, named=True)
    assert row["Praktijkvorm"] == circle_tables.NOT_SURVEYED_TEXT
    assert row["GMD-patiënten"] == "1.700"


def test_public_table_has_no_counts() -> None:
    """A public frame (access control removed the counts): only the public facts."""
    public = access.scope_practices(_practices(), access.PUBLIC)
    rows = circle.circle_practices(public, "hak01", 2024)
    assert not circle.has_details(rows)
    table = circle_tables.practice_table(rows, _areas(), details=False)
    assert table.columns == circle.practice_columns(False)
    assert "Huisartsen" not in table.columns
    assert "onderdrukt" not in table.write_csv()
    assert _by_practice(table)["PR-BBBBBB"]["Patiëntenstop"] == "Patiëntenstop"


def test_has_details_follows_the_role() -> None:
    frame = _practices()
    own = access.scope_practices(frame, access.Role("kring", circle_code="hak01"))
    other = access.scope_practices(frame, access.Role("kring", circle_code="hak02"))
    assert circle.has_details(circle.circle_practices(own, "hak01", 2024))
    assert not circle.has_details(circle.circle_practices(other, "hak01", 2024))
    assert circle.has_details(circle.circle_practices(frame, "hak01", 2024))
    assert not circle.has_details(circle.circle_practices(frame, "hak03", 2024))


def test_practice_counts_text() -> None:
    assert circle_tables.practice_counts_text(_rows()) == (
        "3 praktijken: 2 met betaling per prestatie, 1 forfaitair."
    )


def test_practice_measures() -> None:
    measures = {
        r["practice_id"]: r for r in circle.practice_measures(_rows()).iter_rows(named=True)
    }
    a = measures["PR-AAAAAA"]
    assert a["raadpl_per_100"] == pytest.approx(300.0)
    assert a["digicont_per_100"] is None
    assert a["attrib_per_fte"] == pytest.approx(800.0)
    assert a["gmd_per_fte"] == pytest.approx(720.0)
    assert a["gmd_per_100_attrib"] == pytest.approx(90.0)
    assert measures["PR-BBBBBB"]["raadpl_per_100"] is None
    assert measures["PR-CCCCCC"]["raadpl_per_100"] is None


# --------------------------------------------------------------------------- downloads
def test_csv_is_the_table() -> None:
    table = circle_tables.practice_table(_rows(), _areas(), details=True)
    data = circle_tables.table_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(data[3:]), infer_schema=False)
    assert back.equals(table)


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def test_xlsx_holds_the_table_and_notes() -> None:
    table = circle_tables.practice_table(_rows(), _areas(), details=True)
    notes = circle_tables.download_notes(
        circle_name="Kring A", circle_code="hak01", year=2024, demo=True, details=True
    )
    text = _xlsx_text(circle_tables.table_xlsx(table, notes))
    assert "Praktijken" in text
    assert "Toelichting" in text
    assert "PR-CCCCCC" in text
    assert circle_tables.SUPPRESSED_TEXT.replace("<", "&lt;") in text
    assert circle_tables.NOT_BILLED_TEXT in text
    assert "DEMODATA" in text


def test_download_notes() -> None:
    public = circle_tables.download_notes(
        circle_name="Kring A", circle_code="hak01", year=2024, demo=False, details=False
    )
    assert circle_tables.PUBLIC_NOTE in public
    assert not any("DEMODATA" in line for line in public)
    assert any("RIZIV-nummer" in line for line in public)


def test_no_gp_level_field_or_identifier_reaches_any_output() -> None:
    """Given a practice frame that (wrongly) carries GP-level fields and identifiers,
    then none of them reaches the table, the downloads, the map or a chart."""
    frame = _practices()
    rows = circle.circle_practices(frame, "hak01", 2024)
    table = circle_tables.practice_table(rows, _areas(), details=True)
    notes = circle_tables.download_notes(
        circle_name="Kring A", circle_code="hak01", year=2024, demo=True, details=True
    )
    outputs = [
        table.write_csv(),
        " ".join(table.columns),
        circle_tables.table_csv(table).decode("utf-8"),
        _xlsx_text(circle_tables.table_xlsx(table, notes)),
        json.dumps(circle_map.practice_points(rows, "patient_stop")),
        circle_map.circle_deck([], [], circle_map.practice_points(rows, "size_class")).to_json(),
        json.dumps(
            circle_charts.gmd_fte_chart(
                circle.gmd_fte_points(rows),
                circle_ratio=1000.0,
                flanders_ratio=None,
                circle_name="Kring A",
                year=2024,
                n_left_out=1,
            ).to_dict()
        ),
        json.dumps(circle_charts.distribution_chart(rows, "attrib_per_fte", year=2024).to_dict()),
        circle.contact_funnel_units(rows, "raadpl")[0].write_csv(),
    ]
    for text in outputs:
        _assert_no_gp_level(text)


# --------------------------------------------------------------------------- funnel inputs
def test_contact_funnel_units() -> None:
    units, flat = circle.contact_funnel_units(_rows(), "digicont")
    assert flat == 1
    assert units["practice_id"].to_list() == ["PR-AAAAAA", "PR-CCCCCC"]
    assert units["observed"].to_list() == [None, 90.0]
    assert units["size"].to_list() == [2000.0, None]
    with pytest.raises(KeyError):
        circle.contact_funnel_units(_rows(), "pat_gmd")


def test_pooled_rate() -> None:
    units, _ = circle.contact_funnel_units(_rows(), "raadpl")
    assert circle.pooled_rate(units) == pytest.approx(6000 / 2000)
    assert circle.pooled_rate(units.filter(pl.col("size").is_null())) is None


def _values() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []

    def add(
        code: str, level: str, area: str, year: int, num: float | None, den: float, **kw: Any
    ) -> None:
        value = None if num is None else num / den * kw.get("mult", 100.0)
        rows.append(
            {
                "indicator_code": code,
                "level": level,
                "area_code": area,
                "year": year,
                "numerator": num,
                "denominator": den,
                "value": value,
                "ci_low": None if value is None else value * kw.get("lo", 0.9),
                "ci_high": None if value is None else value * kw.get("hi", 1.1),
                "suppressed": num is None,
                "suppression_reason": "primair" if num is None else None,
            }
        )

    add("ima_gmd", "kring", "hak01", 2024, 800.0, 1000.0, lo=0.99, hi=1.01)
    add("ima_gmd", "vlaanderen", "02000", 2024, 700.0, 1000.0)
    add("gp_per_10k", "kring", "hak01", 2024, None, 10000.0)
    add("gp_per_10k", "vlaanderen", "02000", 2024, 9.0, 10000.0)
    for year, flat, active in ((2022, 2.0, 20.0), (2023, 3.0, 21.0), (2024, 4.0, 22.0)):
        add("practices_flat_rate", "kring", "hak01", year, flat, active)
        add("practices_flat_rate", "vlaanderen", "02000", year, flat * 10, active * 9)
    add("practices_flat_rate", "kring", "hak02", 2024, 1.0, 10.0)
    add("gmd_per_fte", "vlaanderen", "02000", 2024, 1200.0, 1.0, mult=1.0)
    return pl.DataFrame(rows, schema=VALUE_SCHEMA)


def _indicators() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "indicator_code": "ima_gmd",
                "name_nl": "Inwoners met een GMD",
                "unit": "%",
                "direction": "hoger_beter",
                "denominator_label": "rechthebbenden",
                "interval_method": "wilson",
            },
            {
                "indicator_code": "gp_per_10k",
                "name_nl": "Huisartsen per 10.000 inwoners",
                "unit": "per 10.000",
                "direction": "hoger_beter",
                "denominator_label": "inwoners",
                "interval_method": "poisson",
            },
        ]
    )


def test_reference_rate() -> None:
    values = _values()
    assert circle.reference_rate(
        values, "ima_gmd", level="kring", area_code="hak01", year=2024
    ) == pytest.approx(0.8)
    assert (
        circle.reference_rate(values, "gp_per_10k", level="kring", area_code="hak01", year=2024)
        is None
    )
    assert (
        circle.reference_rate(values, "ima_gmd", level="kring", area_code="hak01", year=2015)
        is None
    )


def test_circle_units() -> None:
    units = circle.circle_units(_values(), _areas(), "practices_flat_rate", 2024, "hak02")
    assert units.select("circle_code", "observed", "size", "own").to_dicts() == [
        {"circle_code": "hak01", "observed": 4.0, "size": 22.0, "own": False},
        {"circle_code": "hak02", "observed": 1.0, "size": 10.0, "own": True},
    ]


def test_funnel_kind() -> None:
    assert circle.funnel_kind({"interval_method": "wilson"}) == "proportion"
    assert circle.funnel_kind({"interval_method": "poisson"}) == "rate"


def test_aggregate_table() -> None:
    table = circle_tables.aggregate_table(
        _values(), _indicators(), "hak01", 2024, ("ima_gmd", "gp_per_10k")
    )
    gmd, gp = table.iter_rows(named=True)
    assert gmd["Indicator"] == "Inwoners met een GMD"
    assert gmd["Kring"] == "80,0 %"
    assert gmd["Vlaanderen"] == "70,0 %"
    # The comparisons mart's label (beter_998: outside the 99.8% limits as well); the
    # old rule only asked whether the 95% interval contains the Flemish value.
    assert gmd["Verschil met Vlaanderen"] == "Beter dan Vlaanderen (99,8%)"
    assert gmd["Methode"].startswith("exacte grenzen")
    assert gmd["Noemer (kring)"] == "1.000 rechthebbenden"
    assert gp["Kring"] == labels.suppressed_text("primair") == "onderdrukt (< 5)"
    assert gp["Verschil met Vlaanderen"] == "niet te beoordelen"
    assert gp["95%-betrouwbaarheidsinterval"] == ""


def test_trend_and_payment_counts() -> None:
    trend = circle.trend_rows(_values(), "practices_flat_rate", "hak01")
    assert trend.filter(pl.col("series") == "kring")["year"].to_list() == [2022, 2023, 2024]
    assert trend.filter(pl.col("series") == "vlaanderen").height == 3
    counts = circle.payment_counts(_values(), "hak01")
    assert counts.filter(pl.col("year") == 2024).to_dicts() == [
        {"year": 2024, "payment_system": "forfait", "practices": 4},
        {"year": 2024, "payment_system": "prestatie", "practices": 18},
    ]
    chart = circle_charts.trend_chart(
        trend, circle_name="Kring A", indicator_name="Forfait", unit="%", source="IMA"
    ).to_dict()
    assert "95%-betrouwbaarheidsinterval" in json.dumps(chart["title"])
    bars = circle_charts.payment_chart(counts, circle_name="Kring A").to_dict()
    assert "betalingssysteem" in bars["title"]["text"]


# --------------------------------------------------------------------------- scatter
def test_gmd_per_fte_ratio() -> None:
    rows = _rows()
    # PR-CCCCCC has no shown GMD count: left out.
    assert circle.gmd_per_fte_ratio(rows) == pytest.approx((1800 + 3000) / 4.5)
    assert circle.gmd_fte_points(rows)["practice_id"].to_list() == ["PR-AAAAAA", "PR-BBBBBB"]


def test_flanders_gmd_per_fte() -> None:
    frame = _practices()
    empty_values = _values().filter(pl.col("indicator_code") != "gmd_per_fte")
    # From the aggregate when the build has it.
    assert circle.flanders_gmd_per_fte(_values(), frame, "hak01", 2024) == pytest.approx(1200.0)
    # Else from every practice, when the frame holds the other circles' counts.
    assert circle.flanders_gmd_per_fte(empty_values, frame, "hak01", 2024) == pytest.approx(
        (1800 + 3000 + 2000) / (2.5 + 2.0 + 4.0)
    )
    # A circle's own role: the other circles' counts are null: no (wrong) Flemish value.
    own = access.scope_practices(frame, access.Role("kring", circle_code="hak01"))
    assert circle.flanders_gmd_per_fte(empty_values, own, "hak01", 2024) is None


def test_gmd_fte_chart_lines() -> None:
    rows = _rows()
    spec = circle_charts.gmd_fte_chart(
        circle.gmd_fte_points(rows),
        circle_ratio=1000.0,
        flanders_ratio=None,
        circle_name="Kring A",
        year=2024,
        n_left_out=1,
    ).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert "Kring A: 1.000 GMD-patiënten per VTE" in text
    assert circle.FLANDERS_RATIO_MISSING[:40] in " ".join(spec["title"]["subtitle"])


def test_distribution_leaves_flat_rate_out_of_contacts() -> None:
    spec = circle_charts.distribution_chart(_rows(), "raadpl_per_100", year=2024).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["practice"] for r in rows] == ["PR-AAAAAA"]
    assert "Forfaitaire betaling (n = 0)" in json.dumps(spec, ensure_ascii=False)
    assert "Enkel praktijken met betaling per prestatie." in spec["title"]["subtitle"]
    spec = circle_charts.distribution_chart(_rows(), "attrib_per_fte", year=2024).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert sorted(r["practice"] for r in rows) == ["PR-AAAAAA", "PR-BBBBBB"]


# --------------------------------------------------------------------------- maps
def test_practice_points_show_practice_facts_only() -> None:
    points = circle_map.practice_points(_rows(), "patient_stop")
    assert len(points) == 3
    allowed = {
        "lon",
        "lat",
        "fill_color",
        "tt_name",
        "tt_line1",
        "tt_line2",
        "tt_line3",
        "tt_line4",
    }
    for point in points:
        assert set(point) == allowed
    by_name = {p["tt_name"]: p for p in points}
    b = by_name["Praktijk PR-BBBBBB"]
    assert b["fill_color"][:3] == list(circle_map.FACT_COLOURS["patient_stop"]["ja"])
    assert b["tt_line3"] == "Patiëntenstop: Patiëntenstop"
    assert by_name["Praktijk PR-CCCCCC"]["fill_color"][:3] == list(circle_map.UNKNOWN_COLOUR)
    with pytest.raises(KeyError):
        circle_map.practice_points(_rows(), "pat_gmd")


def test_fact_legend() -> None:
    legend = circle_map.fact_legend("size_class")
    assert [item.text for item in legend][:2] == ["< 1.000 patiënten", "1.000-2.499 patiënten"]
    assert legend[-1].text == "onbekend of geen antwoord"


def _geo(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area_code": c},
                "geometry": square(4 + i / 10, 51, size=0.1),
            }
            for i, c in enumerate(codes)
        ],
    }


def test_coverage_map() -> None:
    geo = _geo(list(MUNICIPALITIES))
    features = circle_map.coverage_features(geo, _areas(), "hak02", NAMES)
    inside = {f["properties"]["area_code"]: f["properties"]["inside"] for f in features}
    assert inside == {"m3": True, "m4": True, "m5": False, "m6": True}
    m5 = next(f for f in features if f["properties"]["area_code"] == "m5")
    assert m5["properties"]["tt_line2"] == "Kring: Kring C (andere kring)"
    outlines = circle_map.zone_outline_features(_geo(["z1", "z2", "z3"]), ["z2", "z3"])
    assert [f["properties"]["area_code"] for f in outlines] == ["z2", "z3"]
    deck = circle_map.circle_deck(
        features, outlines, circle_map.practice_points(_rows(), "payment_system")
    )
    assert [layer.id for layer in deck.layers] == ["gemeenten", "zones", "praktijken"]
    for layer in deck.layers:
        assert isinstance(layer.data, dict | list)
        assert layer.data
    assert deck.map_provider is None  # no tile server
    legend = circle_map.zone_legend(circle.circle_zones(_areas(), "hak02"))
    assert [i.text for i in legend] == [
        "Zone Drie (z3)",
        "Zone Twee (z2)",
        "andere kring, zelfde zone",
    ]
    legend = circle_map.zone_legend(circle.circle_zones(_areas(), "hak01"))
    assert [i.text for i in legend] == ["Zone Een (z1)"]


def test_view_for() -> None:
    view = circle_map.view_for(
        [{"geometry": square(4.0, 51.0, size=0.1)}, {"geometry": square(4.5, 51.2, size=0.1)}]
    )
    assert view["longitude"] == pytest.approx(4.3)
    assert view["latitude"] == pytest.approx(51.15)
    # At the zoom found, the outline fits the map (world = 512 px at zoom 0) and fills
    # it in its binding direction (here: height).
    px_per_degree = 512 * 2 ** view["zoom"] / 360
    width = 0.6 * px_per_degree
    height = 0.3 * px_per_degree / math.cos(math.radians(51.15))
    assert width <= 600 * 0.85
    assert height == pytest.approx(340 * 0.85, rel=0.01)
    assert circle_map.view_for([]) == dict(maps.FLANDERS_VIEW)


def test_contact_indicator() -> None:
    assert circle.contact_indicator("bezavond") == "bezavond_per_100_attrib"
    with pytest.raises(KeyError):
        circle.contact_indicator("hours_per_week")
