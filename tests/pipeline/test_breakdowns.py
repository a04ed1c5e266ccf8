"""The Atlas breakdowns mart and the standardised figures: disclosure control, the
audit over them, and an independent recomputation from the raw demo files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from popmgmt.pipeline.audit import audit_marts
from popmgmt.pipeline.breakdowns import breakdown_cells, breakdown_mart
from popmgmt.pipeline.build import standardised_from_published
from popmgmt.pipeline.geography import membership
from popmgmt.pipeline.published import standardised_mart
from popmgmt.pipeline.refdata import RefData

BANDS = ("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")
# ESP2013 (Eurostat 2013) per 10-year band, written out independently of the code:
# 0-9 = 1,000 + 4,000 + 5,500; ...; 90+ = 800 + 200.
ESP_10 = dict(
    zip(
        BANDS,
        (10500, 11000, 12000, 13500, 14000, 13500, 11500, 9000, 4000, 1000),
        strict=True,
    )
)
MARTS = (
    "indicator_values",
    "indicator_breakdowns",
    "standardised",
    "indicators",
    "areas",
    "population",
    "practices",
)


@pytest.fixture(scope="module")
def marts(built_data: Path) -> dict[str, pl.DataFrame]:
    return {m: pl.read_parquet(built_data / f"{m}.parquet") for m in MARTS}


def test_no_breakdown_count_of_1_to_4_is_published(marts: dict[str, pl.DataFrame]) -> None:
    b = marts["indicator_breakdowns"]
    assert b.height > 1000
    assert set(b["level"].unique()) == {"zone", "vlaanderen"}
    for col in ("numerator", "denominator"):
        assert b.filter(pl.col(col).is_between(1, 4)).height == 0
    hidden = b.filter(pl.col("suppressed"))
    assert hidden.height > 0  # the demo has small cells: the control did something
    assert (
        hidden.filter(pl.col("numerator").is_not_null() | pl.col("value").is_not_null()).height == 0
    )
    assert set(hidden["suppression_reason"].unique()) == {"primair", "secundair"}


def test_breakdown_cells_add_up_to_the_published_totals(marts: dict[str, pl.DataFrame]) -> None:
    """Where every band of a zone is published, the bands sum to the indicator's
    published numerator in indicator_values (so the audit must see them together)."""
    keys = ["indicator_code", "level", "area_code", "year"]
    b = marts["indicator_breakdowns"].filter(
        (pl.col("sex") == "T") & (pl.col("age_band") != "totaal")
    )
    sums = (
        b.group_by(keys)
        .agg(pl.col("numerator").sum().alias("s"), pl.col("suppressed").any().alias("h"))
        .filter(~pl.col("h"))
        .join(marts["indicator_values"].filter(~pl.col("suppressed")), on=keys)
    )
    assert sums.height > 100
    assert (sums["s"] - sums["numerator"]).abs().max() < 1e-6  # type: ignore[operator]


def _one_year(marts: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    year = int(marts["indicator_values"]["year"].max())  # type: ignore[arg-type]
    return {
        n: f.filter(pl.col("year") == year) if "year" in f.columns else f for n, f in marts.items()
    }


def _open_zone(marts: dict[str, pl.DataFrame], code: str) -> str:
    b = marts["indicator_breakdowns"].filter(
        (pl.col("indicator_code") == code) & (pl.col("level") == "zone")
    )
    open_zones = b.group_by("area_code").agg((~pl.col("suppressed")).all().alias("o"))
    return str(open_zones.filter(pl.col("o")).sort("area_code")["area_code"][0])


def _hide_cells(frame: pl.DataFrame, where: pl.Expr, cols: tuple[str, ...]) -> pl.DataFrame:
    return frame.with_columns(
        *[pl.when(where).then(None).otherwise(pl.col(c)).alias(c) for c in cols],
        pl.when(where).then(True).otherwise(pl.col("suppressed")).alias("suppressed"),
        pl.when(where)
        .then(pl.lit("primair"))
        .otherwise(pl.col("suppression_reason"))
        .alias("suppression_reason"),
    )


def test_a_breakdown_cell_its_margins_give_back_is_a_leak(
    marts: dict[str, pl.DataFrame],
) -> None:
    """Plant a leak: one age x sex cell hidden alone (its band total, its sex's
    total and the published indicator total give it back)."""
    latest = _one_year(marts)
    code = "ima_gmd"
    zone = _open_zone(latest, code)
    where = (
        (pl.col("indicator_code") == code)
        & (pl.col("area_code") == zone)
        & (pl.col("age_band") == "40-49")
        & (pl.col("sex") == "V")
    )
    assert latest["indicator_breakdowns"].filter(where).height == 1
    planted = {
        **latest,
        "indicator_breakdowns": _hide_cells(
            latest["indicator_breakdowns"], where, ("numerator", "denominator")
        ),
    }
    leaks = audit_marts(planted).leaks
    assert any(f"b|{code}|bnum|zone|{zone}|" in line and "|40-49|V" in line for line in leaks)
    assert audit_marts(latest).leaks == []


def test_a_published_dsr_gives_back_two_hidden_bands(marts: dict[str, pl.DataFrame]) -> None:
    """Two bands hidden (both sexes, numerators only) in one zone, with no other zone
    and no Flanders beside it: the margins give only their sum; the published DSR, a
    second linear equation over the band numerators, gives each of them (a leak the
    audit must see, and the build's guard refuses such a DSR anyway)."""
    latest = _one_year(marts)
    code = "ima_chron"
    zone = _open_zone(latest, code)
    mine = pl.col("indicator_code") == code
    here = mine & (pl.col("area_code") == zone) & (pl.col("level") == "zone")
    two = here & pl.col("age_band").is_in(["30-39", "40-49"])
    alone = {
        **latest,
        "indicator_breakdowns": _hide_cells(
            latest["indicator_breakdowns"].filter(here), two, ("numerator",)
        ),
        "standardised": latest["standardised"].filter(here),
    }
    assert alone["standardised"]["dsr"].is_not_null().all()
    leaks = audit_marts(alone).leaks
    assert any(f"b|{code}|bnum|zone|{zone}|" in line and "|30-39|" in line for line in leaks)
    without_dsr = {**alone, "standardised": alone["standardised"].head(0)}
    assert not any("|30-39|" in line for line in audit_marts(without_dsr).leaks)
    assert standardised_from_published(alone)  # the guard names the DSR


def test_standardised_figures_only_from_published_cells(marts: dict[str, pl.DataFrame]) -> None:
    assert standardised_from_published(marts) == []
    std = marts["standardised"]
    bands = marts["indicator_breakdowns"].filter(
        (pl.col("sex") == "T") & (pl.col("age_band") != "totaal")
    )
    hidden = bands.filter(pl.col("suppressed")).select(
        "indicator_code", "level", "area_code", "year"
    )
    over_hidden = std.join(hidden.unique(), on=["indicator_code", "level", "area_code", "year"])
    assert over_hidden.height > 0
    assert over_hidden["dsr"].is_null().all()
    assert over_hidden["expected"].is_null().all()
    # DSR needs >= 10 events
    assert std.filter(pl.col("dsr").is_not_null() & (pl.col("events") < 10)).height == 0


def test_standardised_mart_on_a_hand_made_table() -> None:
    """Two bands; zone a with a hidden band (no DSR, no expected), zone b published, and
    zone c with 9 events (expected given, no DSR)."""
    rows = []
    cells = {
        ("vlaanderen", "F"): [(100, 1000), (300, 1000)],
        ("zone", "a"): [(None, None), (30, 100)],
        ("zone", "b"): [(10, 200), (20, 100)],
        ("zone", "c"): [(4, 100), (5, 100)],
    }
    for (level, area), values in cells.items():
        for band, (num, den) in zip(("80-89", "90+"), values, strict=True):
            rows.append(
                {
                    "indicator_code": "x",
                    "level": level,
                    "area_code": area,
                    "year": 2024,
                    "age_band": band,
                    "sex": "T",
                    "numerator": num,
                    "denominator": den,
                    "suppressed": num is None,
                }
            )
    breakdowns = pl.DataFrame(rows, schema_overrides={"numerator": pl.Float64})
    values = pl.DataFrame(
        {
            "indicator_code": ["x"] * 4,
            "level": ["vlaanderen", "zone", "zone", "zone"],
            "area_code": ["F", "a", "b", "c"],
            "year": [2024] * 4,
            "value": [20.0, 20.0, 10.0, 4.5],
            "numerator": [400.0, 40.0, 30.0, 9.0],
        }
    )
    catalogue = pl.DataFrame({"indicator_code": ["x"], "multiplier": [100.0]})
    std = standardised_mart(breakdowns, values, catalogue).sort("area_code")
    by = {r["area_code"]: r for r in std.iter_rows(named=True)}
    assert by["a"]["dsr"] is None
    assert by["a"]["expected"] is None
    # weights 4,000 and 1,000: (4000 x 10/200 + 1000 x 20/100) / 5000 x 100 = 8.0
    assert by["b"]["dsr"] == pytest.approx(8.0)
    # expected = 200 x 0.1 + 100 x 0.3 = 50; ISR = 30 / 50
    assert by["b"]["expected"] == pytest.approx(50.0)
    assert by["b"]["isr"] == pytest.approx(0.6)
    assert by["b"]["indirect_rate"] == pytest.approx(0.6 * 20.0)
    assert by["c"]["dsr"] is None
    assert by["c"]["expected"] == pytest.approx(40.0)
    assert by["F"]["isr"] == pytest.approx(1.0)


def test_standardised_rates_recomputed_from_the_raw_files(
    marts: dict[str, pl.DataFrame], demo_raw: Path
) -> None:
    """Done-means of issue 15: DSR and ISR of two indicators for two zones, recomputed
    with numpy from atlas_waarden.csv and the zones of the areas mart."""
    raw = pl.read_csv(demo_raw / "atlas_waarden.csv", schema_overrides={"REFNIS": pl.String})
    zone_of = dict(
        marts["areas"]
        .filter(pl.col("level") == "gemeente")
        .select("area_code", "zone_code")
        .iter_rows()
    )
    flemish = set(
        marts["areas"]
        .filter((pl.col("level") == "gemeente") & pl.col("province_code").is_not_null())[
            "area_code"
        ]
        .to_list()
    )
    std = marts["standardised"]
    year = int(std["year"].max())  # type: ignore[arg-type]
    checked = 0
    for code in ("ima_chron", "ima_gpcontact"):
        mult = 100.0
        part = raw.filter((pl.col("INDICATOR_CODE") == code) & (pl.col("YEAR") == year))
        rows = part.to_dicts()
        ref_d = dict.fromkeys(BANDS, 0.0)
        ref_n = dict.fromkeys(BANDS, 0.0)
        for r in rows:
            if r["REFNIS"] in flemish:
                ref_d[r["AGE_BAND"]] += r["NUMERATOR"]
                ref_n[r["AGE_BAND"]] += r["DENOMINATOR"]
        published = std.filter(
            (pl.col("indicator_code") == code)
            & (pl.col("level") == "zone")
            & (pl.col("year") == year)
            & pl.col("dsr").is_not_null()
            & pl.col("isr").is_not_null()
        ).sort("area_code")
        for zone in published["area_code"].head(2).to_list():
            d = dict.fromkeys(BANDS, 0.0)
            n = dict.fromkeys(BANDS, 0.0)
            for r in rows:
                if zone_of.get(r["REFNIS"]) == zone:
                    d[r["AGE_BAND"]] += r["NUMERATOR"]
                    n[r["AGE_BAND"]] += r["DENOMINATOR"]
            w = np.array([ESP_10[b] for b in BANDS], dtype=float)
            rate = np.array([d[b] / n[b] for b in BANDS])
            dsr = float((w * rate).sum() / w.sum() * mult)
            expected = sum(n[b] * ref_d[b] / ref_n[b] for b in BANDS)
            isr = sum(d.values()) / expected
            row = published.filter(pl.col("area_code") == zone).row(0, named=True)
            assert row["dsr"] == pytest.approx(dsr, rel=1e-9)
            assert row["expected"] == pytest.approx(expected, rel=1e-9)
            assert row["isr"] == pytest.approx(isr, rel=1e-9)
            checked += 1
    assert checked == 4


def test_zone_comparisons_use_the_standardised_value_and_say_so(
    built_data: Path, marts: dict[str, pl.DataFrame]
) -> None:
    cmp = pl.read_parquet(built_data / "comparisons.parquet")
    std_rows = cmp.filter(pl.col("basis") == "leeftijdsgestandaardiseerd")
    assert std_rows.height > 0
    assert set(std_rows["level"].unique()) == {"zone"}
    assert set(std_rows["reference"].unique()) == {"vlaanderen"}
    joined = std_rows.join(
        marts["standardised"], on=["indicator_code", "level", "area_code", "year"]
    )
    assert joined.height == std_rows.height
    diff = (joined["value"] - joined["indirect_rate"]).abs().max()
    assert diff is not None
    assert diff < 1e-3
    # derived indicators (no breakdown) stay crude
    assert (
        cmp.filter(
            pl.col("indicator_code").str.starts_with("gp_") & (pl.col("basis") != "ruw")
        ).height
        == 0
    )


# ----------------------------------------------------------------------------- VT/BIM


def _bim(value: str) -> pl.Expr:
    return (pl.col("bim") == value) & (pl.col("age_band") == "totaal") & (pl.col("sex") == "T")


def test_bim_cells_add_up_to_the_published_totals(marts: dict[str, pl.DataFrame]) -> None:
    """The demo's VT/BIM indicators have a ja and a nee cell per zone, Flanders and year
    (all ages, both sexes) that add up to the published indicator total; no other
    indicator has one, and the age x sex cells carry bim 'totaal'."""
    b = marts["indicator_breakdowns"]
    keys = ["indicator_code", "level", "area_code", "year"]
    cells = b.filter(pl.col("bim") != "totaal")
    assert set(cells["indicator_code"]) == {"ima_gmd", "ima_gpcontact", "ima_flu65"}
    assert set(cells["bim"]) == {"ja", "nee"}
    assert (cells["age_band"] == "totaal").all()
    assert (cells["sex"] == "T").all()
    sums = (
        cells.group_by(keys)
        .agg(pl.col("numerator", "denominator").sum(), pl.len().alias("n"))
        .join(marts["indicator_values"].filter(~pl.col("suppressed")), on=keys, suffix="_v")
    )
    assert sums.height > 100
    assert (sums["n"] == 2).all()
    assert (sums["numerator"] - sums["numerator_v"]).abs().max() < 1e-6  # type: ignore[operator]
    assert (sums["denominator"] - sums["denominator_v"]).abs().max() < 1e-6  # type: ignore[operator]


def test_a_bim_cell_hidden_beside_its_partner_is_a_leak(marts: dict[str, pl.DataFrame]) -> None:
    """Plant a leak: a zone's BIM 'ja' cell hidden alone; the published total minus the
    published 'nee' cell gives it back, so the audit must report it."""
    latest = _one_year(marts)
    code = "ima_flu65"
    zone = _open_zone(latest, code)
    where = (pl.col("indicator_code") == code) & (pl.col("area_code") == zone) & _bim("ja")
    assert latest["indicator_breakdowns"].filter(where).height == 1
    planted = {
        **latest,
        "indicator_breakdowns": _hide_cells(
            latest["indicator_breakdowns"], where, ("numerator", "denominator")
        ),
    }
    leaks = audit_marts(planted).leaks
    assert any(f"b|{code}|bnum|zone|{zone}|" in line and "|totaal|T|ja" in line for line in leaks)
    # with its partner hidden too (and Flanders' ja, which the zones add up to), nothing
    partner = (
        (pl.col("indicator_code") == code)
        & pl.col("area_code").is_in([zone, "02000"])
        & pl.col("bim").is_in(["ja", "nee"])
    )
    closed = {
        **planted,
        "indicator_breakdowns": _hide_cells(
            planted["indicator_breakdowns"], partner, ("numerator", "denominator")
        ),
    }
    assert not any(
        f"|{zone}|" in line and "|totaal|T|" in line for line in audit_marts(closed).leaks
    )


@pytest.fixture(scope="module")
def members(demo_raw: Path, refdata: RefData) -> pl.DataFrame:
    circles = pl.read_csv(demo_raw / "huisartsenkringen.csv", infer_schema=False)
    atlas = pl.read_csv(demo_raw / "atlas_waarden.csv", infer_schema=False)
    return membership(refdata, circles, atlas["REFNIS"].unique().to_list())


def test_the_control_protects_a_small_bim_cell_from_its_total_and_partner(
    members: pl.DataFrame,
) -> None:
    """Two zones, one indicator: in the first zone only 2 persons with VT/BIM have the
    event (a primary cell). The control hides it and enough of its partners (the 'nee'
    cell, beside the published total; the other zone's or Flanders' 'ja' cell, beside
    Flanders = its zones) that it is not recoverable; its internal exact audit would
    refuse otherwise. The age x sex cells stay as they were."""
    flemish = members.filter(pl.col("flanders_code").is_not_null())
    zones = flemish["zone_code"].unique().sort().to_list()[:2]
    munis = flemish.filter(pl.col("zone_code").is_in(zones))
    rows = []
    for refnis, zone in munis.select("refnis", "zone_code").iter_rows():
        for band in ("0-9", "10-19"):
            for sex in ("M", "V"):
                small = zone == zones[0]
                j_num = 0 if small else 40
                rows.append((refnis, band, sex, "J", j_num, 300))
                rows.append((refnis, band, sex, "N", 500, 1000))
    atlas = pl.DataFrame(
        rows,
        schema=["REFNIS", "AGE_BAND", "SEX", "BIM", "NUMERATOR", "DENOMINATOR"],
        orient="row",
    ).with_columns(pl.lit("x_ind").alias("INDICATOR_CODE"), pl.lit(2024).alias("YEAR"))
    # two persons with the event in one cell of the first zone
    first = atlas.filter(
        pl.col("REFNIS").is_in(munis.filter(pl.col("zone_code") == zones[0])["refnis"].implode())
    )["REFNIS"][0]
    atlas = atlas.with_columns(
        pl.when(
            (pl.col("REFNIS") == first)
            & (pl.col("AGE_BAND") == "0-9")
            & (pl.col("SEX") == "M")
            & (pl.col("BIM") == "J")
        )
        .then(2)
        .otherwise(pl.col("NUMERATOR"))
        .alias("NUMERATOR")
    )
    cells = breakdown_cells(atlas, members)
    values = cells.filter(
        (pl.col("age_band") == "totaal") & (pl.col("sex") == "T") & (pl.col("bim") == "totaal")
    ).select("indicator_code", "level", "area_code", "year", pl.lit(False).alias("suppressed"))
    catalogue = pl.DataFrame(
        {"indicator_code": ["x_ind"], "multiplier": [100.0], "interval_method": ["wilson"]}
    )
    mart, conflicts = breakdown_mart(atlas, members, values, catalogue)
    assert conflicts.height == 0
    bim = mart.filter(pl.col("bim") != "totaal")
    assert bim.height == 2 * 3  # ja and nee for two zones and Flanders
    hidden = {
        (r["area_code"], r["bim"]): r["suppression_reason"]
        for r in bim.filter(pl.col("suppressed")).iter_rows(named=True)
    }
    assert hidden[(zones[0], "ja")] == "primair"
    assert hidden[(zones[0], "nee")] == "secundair"
    assert (zones[1], "ja") in hidden or ("02000", "ja") in hidden
    assert bim.filter(pl.col("suppressed"))["numerator"].is_null().all()
    age_sex = mart.filter(pl.col("bim") == "totaal")
    assert age_sex.height > 0
    assert age_sex.filter(pl.col("numerator").is_between(1, 4)).height == 0
    # a release from before the BIM cells (no `bim` column) hid an age x sex cell: it
    # stays hidden
    cell = (
        (pl.col("area_code") == zones[1]) & (pl.col("age_band") == "10-19") & (pl.col("sex") == "V")
    )
    earlier = age_sex.filter(cell).drop("bim")
    assert earlier.height == 1
    assert not earlier["suppressed"][0]
    again, _ = breakdown_mart(atlas, members, values, catalogue, earlier)
    assert again.filter(cell & (pl.col("bim") == "totaal"))["suppressed"].to_list() == [True]
