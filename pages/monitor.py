"""Vlaamse monitor (Departement Zorg): trends, spread between zones, funnel plot, map,
two-year comparison, payment systems and policy annotations.

Layout only; the numbers come from `popmgmt.views.monitor` (tables in `monitor_tables`,
charts and maps in `monitor_charts`) and `popmgmt.app.store`, the
annotations from `popmgmt.app.annotations`. One view is drawn per run (the "Weergave"
choice) to stay within the page's time budget. A link restores a view through its query
parameters: view, indicator, year, level (and split, from, od, breaks).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, cast

import polars as pl
import streamlit as st

from popmgmt.app import annotations as ann
from popmgmt.app import store, ui
from popmgmt.metrics.indicators import FLAT_RATE_POPULATION, GP_PER_10K
from popmgmt.pipeline.codes import ANTWERP_ZONE
from popmgmt.views import compare_flanders, labels, maps, monitor, monitor_charts, monitor_tables

VIEWS = {
    "trend": "Trend",
    "trechter": "Spreiding (trechter)",
    "kaart": "Kaart",
    "vergelijking": "Twee jaren vergelijken",
    "betaling": "Betalingssystemen",
}
LEVELS = {"zone": "Eerstelijnszones", "gemeente": "Gemeenten"}
LEVEL_WORDS = {"zone": "zones", "gemeente": "gemeenten"}
PAYMENT_INDICATORS = ("practices_flat_rate", FLAT_RATE_POPULATION)
N_CLASSES = 5

marts = ui.page_start()  # data check and demo label, on every page
build_key = (str(marts.folder), str(marts.manifest.get("built_at")))
bv = store.boundary_version(marts)


# --- cached helpers (keyed by the build) ---------------------------------------------------


# The cached helpers below use only the aggregate marts (values, areas, indicators),
# which are the same for every role (access scoping touches only the practices): the
# build key is enough to key them.


@st.cache_resource(max_entries=4, show_spinner=False)
def _by_indicator(key: tuple[str, str], _values: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """`indicator_values` split per indicator: a query then scans a few thousand rows."""
    del key
    parts = _values.partition_by("indicator_code", as_dict=True)
    return {str(code[0]): frame for code, frame in parts.items()}


@st.cache_resource(max_entries=4, show_spinner=False)
def _catalogue(key: tuple[str, str], _marts: store.Marts) -> pl.DataFrame:
    del key
    return store.indicator_catalogue(_marts, level="zone")


def for_indicator(code: str) -> store.Marts:
    """This session's marts with `values` cut down to one indicator."""
    frame = _by_indicator(build_key, marts.values).get(code)
    return dataclasses.replace(marts, values=marts.values.clear() if frame is None else frame)


@st.cache_data(max_entries=32, show_spinner=False)
def _series_table(key: tuple[str, str], code: str, split: str) -> pl.DataFrame:
    """The per-province or per-zone series of one indicator as a Dutch table (cached: it
    formats every area and year)."""
    del key
    im = for_indicator(code)
    unit = store.indicator_meta(im, code).get("unit")
    rows = monitor.split_trend(im.values, im.areas, code, cast("monitor.Split", split))
    return monitor_tables.series_table(rows, unit=unit, decimals=labels.default_decimals(unit))


@st.cache_data(max_entries=16, show_spinner=False)
def _heatmap(key: tuple[str, str], code: str) -> dict[str, Any]:
    """The zone x year heatmap spec of one indicator (cached, copied per run)."""
    del key
    im = for_indicator(code)
    meta = store.indicator_meta(im, code)
    unit = meta.get("unit")
    zones = monitor.split_trend(im.values, im.areas, code, "zone")
    return monitor_charts.heatmap_chart(
        zones,
        indicator_name=str(meta.get("name_nl") or code),
        unit=unit,
        decimals=labels.default_decimals(unit),
    )


@st.cache_resource(max_entries=4, show_spinner=False)
def _geometry(key: tuple[str, str], level: str, _geojson: dict[str, Any]) -> dict[str, str]:
    del key
    return maps.display_geometry(_geojson)


@st.cache_resource(max_entries=64, show_spinner=False)
def _funnel(
    key: tuple[str, str], code: str, year: int, level: str, adjust: bool
) -> monitor.Funnel | str:
    """The funnel of one view, or a Dutch reason why there is none."""
    del key
    im = for_indicator(code)
    meta = store.indicator_meta(im, code)
    kind = monitor.indicator_kind(meta)
    if kind is None:
        return "Voor deze indicator is geen trechterdiagram mogelijk: ze heeft geen interval."
    flemish = store.flanders_value(im, code, year)
    if flemish is None or not flemish["numerator"] or not flemish["denominator"]:
        return f"Geen Vlaamse teller en noemer voor {year}: geen trechterdiagram mogelijk."
    rows = store.indicator_map_values(im, code, year, level=level)
    try:
        return monitor.funnel(
            rows,
            target_numerator=float(flemish["numerator"]),
            target_denominator=float(flemish["denominator"]),
            kind=kind,
            multiplier=float(meta.get("multiplier") or 1.0),
            adjust_overdispersion=adjust,
            # The funnel plots crude values: age-standardised labels do not fit it.
            comparisons=store.comparison_rows(marts, code, year, level=level, crude_only=True),
            direction=str(meta.get("direction") or "neutraal"),
        )
    except ValueError as exc:
        return f"Geen trechterdiagram mogelijk: {exc}."


def table(frame: pl.DataFrame, stem: str, key: str) -> None:
    st.dataframe(frame, hide_index=True, width="stretch")
    ui.download_buttons(frame, stem, key)


# --- query parameters ----------------------------------------------------------------------

# A link is checked on the session's first run only: later runs carry the page's own state.
link_problems: list[str] = []
first_run = "monitor_seen" not in st.session_state
st.session_state["monitor_seen"] = True


def _param(name: str, allowed: list[str], default: str, what: str) -> str:
    raw = st.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw in allowed:
        return raw
    if first_run:
        link_problems.append(f"onbekende {what} '{labels.md_text(raw)}'")
    return default


def _index(options: list[Any], value: Any) -> int:
    return options.index(value) if value in options else 0


catalogue = _catalogue(build_key, marts)
codes = catalogue["indicator_code"].to_list()
option_labels = {
    row["indicator_code"]: store.indicator_option_label(row)
    for row in catalogue.iter_rows(named=True)
}
names = {row["indicator_code"]: str(row["name_nl"]) for row in catalogue.iter_rows(named=True)}

p_view = _param("view", list(VIEWS), "trend", "weergave")
p_code = _param(
    "indicator", codes, GP_PER_10K if GP_PER_10K in codes else (codes[0] if codes else ""),
    "indicator",
)  # fmt: skip
p_level = _param("level", list(LEVELS), "zone", "niveau")
p_split = _param("split", list(monitor_tables.SPLITS), "geen", "opsplitsing")
p_breaks = _param("breaks", list(monitor_tables.BREAK_CHOICES), "vast", "klassenindeling")
p_od = _param("od", ["0", "1"], "1", "keuze voor overdispersie")

# --- page head ------------------------------------------------------------------------------

st.title("Vlaamse monitor")
st.caption(
    "Voor Departement Zorg: heel Vlaanderen door de jaren heen. Waar staan huisartsencapaciteit "
    "en toegang onder druk, hoe snel groeien de forfaitaire praktijken, welke zones wijken af, "
    "en had een beleidsmaatregel effect?"
)
st.caption(
    f"**Eén grensversie:** alle jaren staan op de grenzen van {bv}. Gegevens van oudere jaren "
    f"zijn omgezet naar de gemeenten en eerstelijnszones van {bv}, zodat een zone in elk jaar "
    "hetzelfde gebied is."
)
if not codes:
    st.info("Er zijn geen indicatoren met waarden op zoneniveau in deze gegevens.")
    ui.footer(marts)
    st.stop()

link_slot = st.empty()
view_list = list(VIEWS)
view = st.radio(
    "Weergave",
    view_list,
    index=_index(view_list, p_view),
    format_func=VIEWS.__getitem__,
    horizontal=True,
    key="monitor_view",
)
state: dict[str, str] = {"view": view}


def pick_indicator() -> tuple[str, dict[str, Any]]:
    code = st.selectbox(
        "Indicator (per thema)",
        codes,
        index=_index(codes, p_code),
        format_func=option_labels.__getitem__,
        key="monitor_indicator",
    )
    state["indicator"] = code
    return code, store.indicator_meta(marts, code)


def pick_level(column: Any) -> str:
    level_list = list(LEVELS)
    level: str = column.selectbox(
        "Niveau",
        level_list,
        index=_index(level_list, p_level),
        format_func=LEVELS.__getitem__,
        key="monitor_level",
    )
    state["level"] = level
    return level


def _param_year(name: str, years: list[int], default: int) -> int:
    raw = st.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        year = int(raw)
    except ValueError:
        year = -1
    if year in years:
        return year
    if first_run:
        link_problems.append(f"jaar '{labels.md_text(raw)}' niet beschikbaar voor deze keuze")
    return default


def pick_year(column: Any, code: str, level: str, label: str = "Jaar", name: str = "year") -> int:
    years = store.available_years(for_indicator(code), code, level=level)
    if not years:
        st.info("Geen jaren met gegevens voor deze indicator op dit niveau.")
        ui.footer(marts)
        st.stop()
    default = years[0] if name == "year" else years[-1]
    year: int = column.selectbox(
        label,
        years,
        index=years.index(_param_year(name, years, default)),
        key=f"monitor_{name}_{code}_{level}",
    )
    state[name] = str(year)
    return year


# --- annotations --------------------------------------------------------------------------

ann_path = ann.default_store()
MSG_KEY = "monitor_annotation_message"


def _add_annotation(code: str) -> None:
    scope = st.session_state.get("monitor_ann_scope", "alle")
    try:
        added = ann.add_annotation(
            ann_path,
            st.session_state.get("monitor_ann_date"),  # type: ignore[arg-type]
            str(st.session_state.get("monitor_ann_label") or ""),
            indicator_code=code if scope == "indicator" else None,
            writer=ui.annotation_writer(),
            scope=ann.FLANDERS,
        )
    except (ann.AnnotationError, ann.AnnotationStoreError) as exc:
        st.session_state[MSG_KEY] = ("error", labels.md_text(str(exc)))
        return
    st.session_state["monitor_ann_label"] = ""
    st.session_state[MSG_KEY] = (
        "success",
        f"Markering toegevoegd: {labels.md_text(ann.option_text(added))}. Ze staat meteen op "
        "de trendgrafieken van iedereen die deze app gebruikt.",
    )


def _delete_annotation() -> None:
    chosen = st.session_state.get("monitor_ann_delete")
    if chosen is None:
        return
    try:
        removed = ann.delete_annotation(ann_path, int(chosen), writer=ui.annotation_writer())
    except (ann.AnnotationError, ann.AnnotationStoreError) as exc:
        st.session_state[MSG_KEY] = ("error", labels.md_text(str(exc)))
        return
    st.session_state[MSG_KEY] = (
        ("success", "Markering verwijderd.")
        if removed
        else ("error", "Die markering bestond niet meer (al verwijderd?).")
    )


def load_annotations(code: str | None) -> list[ann.Annotation]:
    try:
        return ann.list_annotations(ann_path, code, scope=ann.FLANDERS)
    except ann.AnnotationStoreError as exc:
        st.warning(labels.md_text(str(exc)), icon=":material/warning:")
        return []


def annotation_panel(code: str, name: str, shown: list[ann.Annotation]) -> None:
    """The Flemish markers: a table for everyone; add and delete only for a role that may
    write Flemish markers (Departement Zorg). Others get no form and no buttons at all."""
    message = st.session_state.pop(MSG_KEY, None)
    may_write = ann.can_write(ui.current_role(), ann.FLANDERS)
    with st.expander(
        f"Beleidsmarkeringen ({len(shown)} op deze grafiek)", expanded=message is not None
    ):
        st.caption(
            "Een markering is een datum met een kort label (bv. 'start van een maatregel'): ze "
            "verschijnt als verticale lijn op de trendgrafieken. Markeringen worden op de server "
            "bewaard, blijven na een herstart bestaan en zijn gedeeld door alle gebruikers."
        )
        if message:
            kind, text = message
            (st.success if kind == "success" else st.error)(text)
        if not may_write:
            st.caption(
                "Alleen Departement Zorg voegt Vlaamse beleidsmarkeringen toe of verwijdert ze; "
                "u kunt ze hier bekijken."
            )
        else:
            with st.form("monitor_annotation_form"):
                left, right = st.columns([1, 3])
                left.date_input(
                    "Datum",
                    value=date.today(),
                    min_value=ann.FIRST_DATE,
                    max_value=ann.last_date(),
                    format="DD/MM/YYYY",
                    key="monitor_ann_date",
                )
                right.text_input(
                    f"Label (1 tot {ann.LABEL_MAX} tekens)",
                    max_chars=ann.LABEL_MAX,
                    placeholder="bv. start van een maatregel",
                    key="monitor_ann_label",
                )
                st.radio(
                    "Tonen bij",
                    ["alle", "indicator"],
                    format_func={
                        "alle": "alle indicatoren",
                        "indicator": f"enkel '{labels.md_text(name)}'",
                    }.get,
                    horizontal=True,
                    key="monitor_ann_scope",
                )
                st.form_submit_button(
                    "Markering toevoegen", on_click=_add_annotation, args=(code,), type="primary"
                )
        if shown:
            frame = ann.display_table(shown, names)
            table(frame, monitor.file_stem("markeringen", code), "monitor_ann_table")
            if may_write:
                ids = [a.id for a in shown]
                by_id = {a.id: a for a in shown}
                left, right = st.columns([3, 1])
                left.selectbox(
                    "Markering verwijderen",
                    ids,
                    format_func=lambda i: ann.option_text(by_id[i]),
                    key="monitor_ann_delete",
                )
                right.button(
                    "Verwijderen", on_click=_delete_annotation, key="monitor_ann_delete_btn"
                )


# --- views --------------------------------------------------------------------------------


def trend_view() -> None:
    code, meta = pick_indicator()
    im = for_indicator(code)
    name = str(meta.get("name_nl") or code)
    unit = meta.get("unit")
    decimals = labels.default_decimals(unit)
    left, right = st.columns([1, 2])
    level = pick_level(left)
    split_list = list(monitor_tables.SPLITS)
    split = cast(
        "monitor.Split",
        right.radio(
            "Opsplitsen",
            split_list,
            index=_index(split_list, p_split),
            format_func=monitor_tables.SPLITS.__getitem__,
            horizontal=True,
            key="monitor_split",
        ),
    )
    state["split"] = split
    flanders = monitor.flanders_trend(im.values, code)
    spread = monitor.spread_by_year(im.values, code, level=level)
    split_rows = monitor.split_trend(im.values, im.areas, code, split)
    shown = load_annotations(code)
    last = store.latest_year(im, code, level="vlaanderen")
    if last is not None and (summary := ui.flanders_summary(im, code, last)):
        st.markdown(summary)
    st.markdown(
        monitor_tables.flanders_trend_text(
            store.trend_rows(marts, code, level="vlaanderen"), meta.get("direction")
        )
    )
    ui.vega_chart(
        monitor_charts.trend_chart(
            flanders,
            spread,
            split_rows,
            shown,
            indicator_name=name,
            unit=unit,
            split=split,
            decimals=decimals,
            spread_label=LEVEL_WORDS[level],
        )
    )
    st.caption(
        f"Jaarcijfers staan midden in hun jaar. Spreiding over de {LEVEL_WORDS[level]} met een "
        "getoonde waarde (onderdrukte waarden tellen niet mee). Grenzen "
        f"{bv} voor alle jaren. Bron: {labels.md_text(meta.get('source') or 'onbekend')}."
    )
    annotation_panel(code, name, shown)
    st.subheader("Tabel: Vlaanderen en spreiding per jaar")
    trend_frame = monitor_tables.trend_table(flanders, spread, unit=unit, decimals=decimals)
    if level == "gemeente":
        trend_frame = trend_frame.rename(
            {c: c.replace("zones", "gemeenten") for c in trend_frame.columns if "zones" in c}
        )
    table(trend_frame, monitor.file_stem("trend", code, level), "monitor_trend_table")
    if split != "geen":
        with st.expander(f"Tabel: {monitor_tables.SPLITS[split].lower()}, alle jaren"):
            table(
                _series_table(build_key, code, split),
                monitor.file_stem("trend", code, split),
                "monitor_split_table",
            )
    with st.expander(f"Definitie: {labels.md_text(name)}"):
        st.markdown(ui.definition_markdown(meta))


def funnel_view() -> None:
    code, meta = pick_indicator()
    im = for_indicator(code)
    name = str(meta.get("name_nl") or code)
    unit = meta.get("unit")
    decimals = labels.default_decimals(unit)
    c1, c2, c3 = st.columns([1, 1, 2])
    level = pick_level(c1)
    year = pick_year(c2, code, level)
    adjust = c3.toggle(
        compare_flanders.ADJUSTED_SWITCH_LABEL,
        value=p_od == "1",
        key="monitor_od",
        help=compare_flanders.ADJUSTED_SWITCH_HELP,
    )
    state["od"] = "1" if adjust else "0"
    if summary := ui.flanders_summary(im, code, year):
        st.markdown(summary)
    result = _funnel(build_key, code, year, level, adjust)
    if isinstance(result, str):
        st.info(result)
        return
    size_label = str(meta.get("denominator_label") or "noemer")
    ui.vega_chart(
        monitor_charts.funnel_chart(
            result,
            indicator_name=name,
            unit=unit,
            year=year,
            size_label=size_label,
            decimals=decimals,
        )
    )
    st.caption(monitor_tables.phi_text(result))
    outliers = result.outliers
    if outliers.height:
        lines = []
        for klass in ("hoog_998", "laag_998", "hoog_95", "laag_95"):
            part = outliers.filter(pl.col("funnel_class") == klass)
            if part.height:
                text = monitor_tables.comparison_text(klass, meta.get("direction"))
                areas = ", ".join(
                    labels.md_text(
                        f"{r['area_name']} ({labels.fmt_value(r['value'], unit, decimals)})"
                    )
                    for r in part.iter_rows(named=True)
                )
                lines.append(f"- **{text}** ({part.height}): {areas}")
        st.markdown(
            "**Buiten de grenzen** (waarde tussen haakjes; interval en grenzen in de tabel):\n"
            + "\n".join(lines)
        )
    else:
        st.markdown(f"**Alle {LEVEL_WORDS[level]} liggen binnen de 95%-grenzen.**")
    left_out = result.points.height - result.n_assessed
    if left_out:
        st.caption(
            f"{left_out} {LEVEL_WORDS[level]} zonder getoonde waarde (onderdrukt of geen "
            "gegevens) staan niet in het diagram; de tabel toont ze."
        )
    st.subheader(f"Kaart: {LEVEL_WORDS[level]} tegenover Vlaanderen, {year}")
    deck, legend = monitor_charts.comparison_map(
        _geometry(build_key, level, ui.load_geojson(level)),
        result.points,
        direction=meta.get("direction"),
        unit=unit,
        year=year,
        decimals=decimals,
        layer_id=f"monitor_cmp_{level}",
    )
    map_col, legend_col = st.columns([4, 1])
    with map_col:
        st.pydeck_chart(
            deck, height=520, alt=f"Kaart van de {LEVEL_WORDS[level]}: {name} tegenover Vlaanderen"
        )
    with legend_col:
        st.html(maps.legend_html(legend, title=f"{name} ({year})"))
    st.caption(monitor_tables.phi_text(result))
    with st.expander("Secundaire weergave: alle gebieden met hun interval (geen rangschikking)"):
        ui.vega_chart(
            monitor_charts.interval_chart(
                result, indicator_name=name, unit=unit, year=year, decimals=decimals
            )
        )
    st.subheader("Tabel: alle gebieden tegenover Vlaanderen")
    direction = meta.get("direction")
    points = monitor.with_trends(result.points, store.trend_rows(marts, code, level=level))
    only_worse = st.checkbox(
        compare_flanders.WORSE_AND_WORSENING,
        key="monitor_worse_worsening",
        disabled=direction not in ("hoger_beter", "lager_beter"),
        help="Slechter dan Vlaanderen volgens de vergelijking hierboven, en met een "
        "significante trend de verkeerde kant op over de laatste 5 jaren. Niet voor "
        "indicatoren zonder richting.",
    )
    if only_worse:
        points = monitor.worse_and_worsening(points, direction)
        st.markdown(monitor_tables.worse_and_worsening_text(points.height, LEVEL_WORDS[level]))
    table(
        monitor_tables.funnel_table(
            result, unit=unit, decimals=decimals, direction=direction, year=year, points=points
        ),
        monitor.file_stem("trechter", code, level, year),
        "monitor_funnel_table",
    )
    st.caption(compare_flanders.TREND_METHOD)


def map_view() -> None:
    code, meta = pick_indicator()
    im = for_indicator(code)
    name = str(meta.get("name_nl") or code)
    unit = meta.get("unit")
    decimals = labels.default_decimals(unit)
    c1, c2, c3 = st.columns([1, 1, 2])
    level = pick_level(c1)
    year = pick_year(c2, code, level)
    choice_list = list(monitor_tables.BREAK_CHOICES)
    choice = cast(
        "monitor.BreakChoice",
        c3.radio(
            "Klassen",
            choice_list,
            index=_index(choice_list, p_breaks),
            format_func=monitor_tables.BREAK_CHOICES.__getitem__,
            key="monitor_breaks",
        ),
    )
    state["breaks"] = choice
    values = store.indicator_map_values(im, code, year, level=level)
    breaks = monitor.map_breaks(
        im.values, code, level=level, year=year, choice=choice, n_classes=N_CLASSES,
        decimals=decimals,
    )  # fmt: skip
    if summary := ui.flanders_summary(im, code, year):
        st.markdown(summary)
    geometry = _geometry(build_key, level, ui.load_geojson(level))
    deck = monitor_charts.choropleth_deck(
        geometry,
        values,
        breaks=breaks,
        unit=unit,
        denominator_label=meta.get("denominator_label"),
        year=year,
        decimals=decimals,
        layer_id=f"monitor_{level}",
    )
    map_col, legend_col = st.columns([4, 1])
    with map_col:
        st.pydeck_chart(deck, height=560, alt=f"Kaart van de {LEVEL_WORDS[level]}: {name}, {year}")
    with legend_col:
        st.html(maps.legend_html(maps.legend_items(breaks, unit=unit), title=f"{name} ({year})"))
    years = store.available_years(im, code, level=level)
    st.caption(
        f"{monitor_tables.breaks_text(choice, breaks, years)} Grijs: onderdrukt of geen gegevens. "
        f"Grenzen {bv} (oudere jaren omgezet naar de grenzen van {bv}). "
        f"{labels.ANTWERP_NOTE.replace('elz2', ANTWERP_ZONE)}"
    )
    st.subheader(f"Tabel: alle {LEVEL_WORDS[level]}, {year}")
    table(
        store.display_table(values, unit=unit, area_title=LEVELS[level][:-1]),
        monitor.file_stem("kaart", code, level, year),
        "monitor_map_table",
    )


def compare_view() -> None:
    code, meta = pick_indicator()
    im = for_indicator(code)
    name = str(meta.get("name_nl") or code)
    unit = meta.get("unit")
    decimals = labels.default_decimals(unit)
    c1, c2, c3 = st.columns([1, 1, 1])
    level = pick_level(c1)
    year_from = pick_year(c2, code, level, label="Van jaar", name="from")
    year_to = pick_year(c3, code, level, label="Naar jaar", name="year")
    if year_from == year_to:
        st.info("Kies twee verschillende jaren.")
        return
    comparison = monitor.compare_years(
        im.values, im.areas, code, level=level, year_from=year_from, year_to=year_to
    )
    flemish = monitor.compare_years(
        im.values, im.areas, code, level="vlaanderen", year_from=year_from, year_to=year_to
    )
    flemish_change = None
    if flemish.height and flemish["change"][0] is not None:
        row = flemish.row(0, named=True)
        flemish_change = row["change"]
        cunit = monitor.change_unit(unit)
        # Units come from the metadata: escaped for Markdown (plain units stay as they are).
        md_unit = labels.md_text(unit) if unit else unit
        md_cunit = labels.md_text(cunit) if cunit else cunit
        st.markdown(
            f"**Vlaanderen, {year_from} → {year_to}: "
            f"{monitor_tables.signed_text(row['change'], md_cunit, decimals)}** "
            f"(95%-BI {monitor_tables.signed_text(row['change_low'], None, decimals)} tot "
            f"{monitor_tables.signed_text(row['change_high'], md_cunit, decimals)}; van "
            f"{labels.fmt_value(row['value_from'], md_unit, decimals)} naar "
            f"{labels.fmt_value(row['value_to'], md_unit, decimals)}) · "
            f"bron: {labels.md_text(meta.get('source') or 'onbekend')}"
        )
    counts = dict(comparison.group_by("change_class").len().iter_rows())
    st.markdown(
        " · ".join(
            f"{monitor_tables.change_class_text(k)}: **{counts.get(k, 0)}**"
            for k in (*monitor_tables.CHANGE_CLASSES, monitor.NOT_ASSESSED)
            if counts.get(k, 0)
        )
    )
    ui.vega_chart(
        monitor_charts.change_chart(
            comparison,
            flemish_change=flemish_change,
            indicator_name=name,
            unit=unit,
            year_from=year_from,
            year_to=year_to,
            decimals=decimals,
        )
    )
    st.caption(
        f"Beide jaren op de grenzen van {bv}. Het interval van de verandering combineert de "
        "95%-intervallen van beide jaren (MOVER); omdat grotendeels dezelfde mensen in beide "
        "jaren meetellen, is het eerder te breed dan te smal."
    )
    st.subheader(f"Tabel: verandering per gebied, {year_from}–{year_to}")
    table(
        monitor_tables.compare_table(
            comparison, unit=unit, decimals=decimals, year_from=year_from, year_to=year_to
        ),
        monitor.file_stem("vergelijking", code, level, year_from, year_to),
        "monitor_compare_table",
    )


def payment_view() -> None:
    present = [c for c in PAYMENT_INDICATORS if c in codes]
    if not present:
        st.info("Deze gegevens bevatten geen indicatoren over betalingssystemen.")
        return
    st.markdown(
        "Het aandeel **praktijken** met forfaitaire betaling (naar plaats van de praktijk) en "
        "het aandeel **inwoners** ingeschreven in een forfaitaire praktijk (medisch huis, naar "
        "woonplaats), voor Vlaanderen en per zone."
    )
    shown = load_annotations(None)
    general = [a for a in shown if a.indicator_code is None]
    for code in present:
        im = for_indicator(code)
        meta = store.indicator_meta(im, code)
        name = str(meta.get("name_nl") or code)
        unit = meta.get("unit")
        decimals = labels.default_decimals(unit)
        marks = [a for a in shown if a.indicator_code in (None, code)]
        st.subheader(labels.md_text(name))
        last = store.latest_year(im, code, level="vlaanderen")
        if last is not None and (summary := ui.flanders_summary(im, code, last)):
            st.markdown(summary)
        flanders = monitor.flanders_trend(im.values, code)
        spread = monitor.spread_by_year(im.values, code, level="zone")
        ui.vega_chart(
            monitor_charts.trend_chart(
                flanders,
                spread,
                monitor.split_trend(im.values, im.areas, code, "geen"),
                marks,
                indicator_name=name,
                unit=unit,
                split="geen",
                decimals=decimals,
            )
        )
        with st.expander(f"Per zone en jaar: {labels.md_text(name)}"):
            ui.vega_chart(_heatmap(build_key, code))
            table(
                _series_table(build_key, code, "zone"),
                monitor.file_stem("betaling", code, "zone"),
                f"monitor_pay_{code}",
            )
    st.caption(
        f"Grenzen {bv} voor alle jaren. Beleidsmarkeringen voor alle indicatoren staan op beide "
        "grafieken; een markering voor één indicator enkel op die van die indicator."
    )
    annotation_panel(present[0], names.get(present[0], present[0]), general)


{
    "trend": trend_view,
    "trechter": funnel_view,
    "kaart": map_view,
    "vergelijking": compare_view,
    "betaling": payment_view,
}[view]()

if link_problems:
    link_slot.warning(
        "De link bevat waarden die deze app niet kent: "
        + "; ".join(link_problems)
        + ". De standaardkeuze wordt getoond.",
        icon=":material/link_off:",
    )

# Keep the link in step with the view (a copied URL restores it).
if dict(st.query_params) != state:
    st.query_params.from_dict(state)

ui.footer(marts)
