"""The zone profile's section "Acties en opvolging (PDCA)" (Streamlit glue).

Reads and writes through `popmgmt.app.pdca` (which checks the role itself), evaluates with
`views.pdca_display` / `metrics.evaluation`. The role is `ui.current_role()` and the writer
`ui.annotation_writer()`: sign-in and the role file, or the demo switch in demo mode only;
no query parameter or other session state decides who writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import polars as pl
import streamlit as st

from popmgmt.app import annotations as ann
from popmgmt.app import pdca, store, ui
from popmgmt.app.access import Role
from popmgmt.views import labels, pdca_display, pdf_report, zone

MESSAGE_KEY: Final = "pdca_message"
FIELDS: Final = ("title", "day", "indicator", "target_value", "target_year", "owner", "note")
ADD_PREFIX: Final = "pdca_add_"
CHOICE_KEY: Final = "pdca_choice"


def _indicators(marts: store.Marts) -> tuple[dict[str, str], dict[str, str | None], list[str]]:
    """Option labels, units, and the codes a target may use (indicators with zone values)."""
    catalogue = store.indicator_catalogue(marts, level="zone")
    option_labels = {
        row["indicator_code"]: store.indicator_option_label(row)
        for row in catalogue.iter_rows(named=True)
    }
    units = dict(marts.indicators.select("indicator_code", "unit").iter_rows())
    return option_labels, units, list(option_labels)


def _draft(prefix: str) -> pdca.Draft:
    state = st.session_state
    return pdca.Draft(
        title=state.get(f"{prefix}title") or "",
        day=state.get(f"{prefix}day"),
        indicator_code=state.get(f"{prefix}indicator"),
        target_value=state.get(f"{prefix}target_value"),
        target_year=state.get(f"{prefix}target_year"),
        owner=state.get(f"{prefix}owner") or "",
        note=state.get(f"{prefix}note") or "",
    )


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE_KEY] = (kind, text)


def _known(units: dict[str, str | None], codes: list[str]) -> dict[str, str]:
    return {c: units.get(c) or "" for c in codes}


def _add(zone_code: str, known: dict[str, str]) -> None:
    try:
        added = pdca.add_action(
            ann.default_store(),
            zone_code,
            _draft(ADD_PREFIX),
            writer=ui.annotation_writer(),
            indicators=known,
        )
    except (pdca.PdcaError, pdca.PdcaStoreError) as exc:
        _say("error", "\n".join(getattr(exc, "problems", None) or [str(exc)]))
        return
    for name in FIELDS:
        st.session_state.pop(f"{ADD_PREFIX}{name}", None)
    st.session_state[CHOICE_KEY] = added.id
    _say("success", f"Actie '{added.title}' toegevoegd aan het logboek.")


def _edit(action_id: int, known: dict[str, str]) -> None:
    try:
        changed = pdca.update_action(
            ann.default_store(),
            action_id,
            _draft(f"pdca_edit_{action_id}_"),
            writer=ui.annotation_writer(),
            indicators=known,
        )
    except (pdca.PdcaError, pdca.PdcaStoreError) as exc:
        _say("error", "\n".join(getattr(exc, "problems", None) or [str(exc)]))
        return
    _say("success" if changed else "warning",
         "Wijzigingen bewaard." if changed else "Deze actie bestaat niet meer.")  # fmt: skip


def _status(action_id: int, status: str) -> None:
    try:
        changed = pdca.set_status(
            ann.default_store(), action_id, status, writer=ui.annotation_writer()
        )
    except (pdca.PdcaError, pdca.PdcaStoreError) as exc:
        _say("error", str(exc))
        return
    if changed is None:
        _say("warning", "Deze actie bestaat niet meer.")
    else:
        _say("success", f"Actie '{changed.title}' is nu {changed.status}.")


def _delete(action_id: int) -> None:
    try:
        removed = pdca.delete_action(ann.default_store(), action_id, writer=ui.annotation_writer())
    except (pdca.PdcaError, pdca.PdcaStoreError) as exc:
        _say("error", str(exc))
        return
    st.session_state.pop(CHOICE_KEY, None)
    _say("success" if removed else "warning",
         "Actie verwijderd." if removed else "Deze actie bestaat niet meer.")  # fmt: skip


def _fields(prefix: str, option_labels: dict[str, str], codes: list[str], current: Any) -> None:
    """The form's inputs (Dutch labels); `current` prefills an edit (None: empty)."""
    st.text_input(
        "Titel",
        value=current.title if current else "",
        max_chars=pdca.TITLE_MAX,
        key=f"{prefix}title",
    )
    c1, c2 = st.columns(2)
    c1.date_input(
        "Datum van de actie",
        value=current.day if current else date.today(),
        min_value=ann.FIRST_DATE,
        max_value=ann.last_date(),
        format="DD-MM-YYYY",
        key=f"{prefix}day",
    )
    c2.text_input(
        "Eigenaar (naam of functie)",
        value=current.owner if current else "",
        max_chars=pdca.OWNER_MAX,
        key=f"{prefix}owner",
    )
    st.selectbox(
        "Doelindicator",
        codes,
        index=codes.index(current.indicator_code)
        if current and current.indicator_code in codes
        else None,
        format_func=lambda c: option_labels.get(c, c),
        placeholder="Kies een indicator",
        key=f"{prefix}indicator",
    )
    c3, c4 = st.columns(2)
    c3.number_input(
        "Streefwaarde (in de eenheid van de indicator)",
        value=current.target_value if current else None,
        format="%.2f",
        key=f"{prefix}target_value",
    )
    c4.number_input(
        "Doeljaar",
        value=current.target_year if current else None,
        step=1,
        format="%d",
        key=f"{prefix}target_year",
    )
    st.text_area(
        "Toelichting",
        value=current.note if current else "",
        max_chars=pdca.NOTE_MAX,
        key=f"{prefix}note",
    )


def _show_action(
    action: pdca.Action,
    marts: store.Marts,
    values: pl.DataFrame,
    zone_code: str,
    zone_label: str,
    names: dict[str, str],
) -> None:
    st.markdown(
        labels.md_text(
            f"Eigenaar: {action.owner} · doelindicator: "
            f"{names.get(action.indicator_code, action.indicator_code)} · status: {action.status}"
            + (
                f" (afgerond op {pdca_display.labels_date(action.closed_on)})"
                if action.closed_on
                else ""
            )
        )
    )
    for line in action.note.splitlines():
        if line.strip():
            st.markdown(labels.md_text(line))
    try:
        meta = store.indicator_meta(marts, action.indicator_code)
    except KeyError:
        st.info("De doelindicator van deze actie staat niet (meer) in de gegevens.")
        return
    series, result = pdca_display.evaluate_action(action, values, meta, zone_code)
    for line in pdca_display.evaluation_lines(action, result, meta, store.attribution_text(marts)):
        st.markdown(labels.md_text(line))
    if series["value"].drop_nulls().len() == 0:
        st.info("Deze indicator heeft voor deze zone geen gepubliceerde waarden.")
        return
    st.vega_lite_chart(
        spec=pdca_display.action_chart_spec(
            series,
            action,
            result,
            unit=meta.get("unit"),
            indicator_name=str(meta.get("name_nl") or action.indicator_code),
            zone_label=zone_label,
            interval_method=meta.get("interval_method"),
        ),
        width="stretch",
    )


def _all_logs(
    marts: store.Marts,
    values: pl.DataFrame,
    role: Role,
    names: dict[str, str],
    units: dict[str, str | None],
    notes: list[str],
) -> None:
    """Every zone's log in one table (Departement Zorg reads them all)."""
    with st.expander("Alle PDCA-logboeken (Departement Zorg)"):
        try:
            everything = pdca.list_actions(ann.default_store(), None, reader=role)
        except (pdca.PdcaStoreError, pdca.PdcaPermissionError) as exc:
            st.error(str(exc))
            return
        if not everything:
            st.info("Nog geen enkele zone heeft acties in haar logboek.")
            return
        results = {
            a.id: pdca_display.evaluate_action(
                a, values, store.indicator_meta(marts, a.indicator_code), a.zone_code
            )[1]
            for a in everything
            if a.indicator_code in names
        }
        zones = dict(
            marts.areas.filter(pl.col("level") == "zone")
            .select("area_code", "area_name")
            .iter_rows()
        )
        table = pdca_display.actions_table(everything, names, units, results, zones=zones)
        st.dataframe(table.to_arrow(), hide_index=True, width="stretch")
        ui.download_buttons(
            table, "pdca_alle_zones", "pdca_all_download", sheet="PDCA", notes=notes[1:]
        )


def pdf_section(
    marts: store.Marts, values: pl.DataFrame, zone_code: str, zone_label: str
) -> pdf_report.Section | None:
    """The zone's PDCA log as a chapter of the omgevingsanalyse PDF, for a role that may
    read it (None otherwise: the public report has no log). A store fault gives a
    chapter that says so, not a report without it."""
    role = ui.current_role()
    if not pdca.can_read(role, zone_code):
        return None
    try:
        actions = pdca.list_actions(ann.default_store(), zone_code, reader=role)
    except (pdca.PdcaStoreError, pdca.PdcaPermissionError) as exc:
        return pdf_report.Section("Acties en opvolging (PDCA)", intro=str(exc), new_page=True)
    metas = {}
    for code in {a.indicator_code for a in actions}:
        try:
            metas[code] = store.indicator_meta(marts, code)
        except KeyError:
            continue
    evaluated = {
        a.id: pdca_display.evaluate_action(a, values, metas[a.indicator_code], zone_code)
        for a in actions
        if a.indicator_code in metas
    }
    return pdca_display.pdf_section(
        actions, evaluated, metas, zone_label=zone_label, source=store.attribution_text(marts)
    )


def trend_layers(zone_code: str, indicator_code: str, years: list[int]) -> list[dict[str, Any]]:
    """The zone's actions on `indicator_code` as rules for the zone profile's trend chart,
    for a role that may read the zone's log (else none); a store fault draws none (the
    PDCA section says it)."""
    role = ui.current_role()
    if not pdca.can_read(role, zone_code):
        return []
    try:
        actions = pdca.list_actions(ann.default_store(), zone_code, reader=role)
    except (pdca.PdcaStoreError, pdca.PdcaPermissionError):
        return []
    chosen = [a for a in actions if a.indicator_code == indicator_code]
    return pdca_display.trend_rule_layers(chosen, years)


def render(
    marts: store.Marts, values: pl.DataFrame, zone_code: str, zone_label: str, notes: list[str]
) -> None:
    """The section: the log (for those who may read it), each action's evaluation and
    chart, and the forms (for the zone's council only)."""
    st.header("Acties en opvolging (PDCA)")
    st.caption(
        "Het logboek van de zorgraad: welke acties de zone neemt, met welk doel op welke "
        "indicator, en of het doel gehaald werd (plan-do-check-act). Alleen de zorgraad van "
        "de zone schrijft in dit logboek; Departement Zorg leest alle logboeken."
    )
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        getattr(st, message[0])(labels.md_text(message[1]))
    role = ui.current_role()
    if not pdca.can_read(role, zone_code):
        st.info(pdca.READ_REFUSAL, icon=":material/lock:")
        return
    option_labels, units, codes = _indicators(marts)
    names = dict(marts.indicators.select("indicator_code", "name_nl").iter_rows())
    known = _known(units, codes)
    try:
        actions = pdca.list_actions(ann.default_store(), zone_code, reader=role)
    except pdca.PdcaStoreError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    except pdca.PdcaPermissionError as exc:  # pragma: no cover - can_read said yes
        st.info(str(exc))
        return
    writes = pdca.can_write(role, zone_code)

    if not actions:
        st.info("Nog geen acties in het logboek van deze zone.", icon=":material/checklist:")
    else:
        results = {
            a.id: pdca_display.evaluate_action(
                a, values, store.indicator_meta(marts, a.indicator_code), zone_code
            )[1]
            for a in actions
            if a.indicator_code in names
        }
        table = pdca_display.actions_table(actions, names, units, results)
        st.dataframe(table.to_arrow(), hide_index=True, width="stretch")
        ui.download_buttons(
            table, zone.file_stem(zone_code, "pdca"), "pdca_download", sheet="PDCA", notes=notes
        )
        st.caption(pdca_display.METHOD_TEXT)
        for i, action in enumerate(actions):
            with st.expander(labels.md_text(pdca_display.option_text(action)), expanded=i == 0):
                _show_action(action, marts, values, zone_code, zone_label, names)

    if role.kind == "departement":
        _all_logs(marts, values, role, names, units, notes)
    if not writes:
        st.caption("U leest dit logboek; alleen de zorgraad van deze zone schrijft erin.")
        return
    with st.expander("Actie toevoegen", expanded=not actions), st.form("pdca_add_form"):
        _fields(ADD_PREFIX, option_labels, codes, None)
        st.form_submit_button(
            "Actie toevoegen", on_click=_add, args=(zone_code, known), type="primary"
        )
    if not actions:
        return
    with st.expander("Actie wijzigen, afsluiten of verwijderen"):
        by_id = {a.id: a for a in actions}
        if st.session_state.get(CHOICE_KEY) not in by_id:
            st.session_state[CHOICE_KEY] = actions[0].id
        chosen_id = st.selectbox(
            "Actie",
            list(by_id),
            format_func=lambda i: pdca_display.option_text(by_id[i]),
            key=CHOICE_KEY,
        )
        chosen = by_id[int(chosen_id)]
        with st.form(f"pdca_edit_form_{chosen.id}"):
            _fields(f"pdca_edit_{chosen.id}_", option_labels, codes, chosen)
            st.form_submit_button("Wijzigingen bewaren", on_click=_edit, args=(chosen.id, known))
        row = st.container(horizontal=True)
        if chosen.status == pdca.OPEN:
            row.button("Actie afsluiten", on_click=_status, args=(chosen.id, pdca.CLOSED),
                       key="pdca_close")  # fmt: skip
        else:
            row.button("Heropenen", on_click=_status, args=(chosen.id, pdca.OPEN),
                       key="pdca_reopen")  # fmt: skip
        row.button("Verwijderen", on_click=_delete, args=(chosen.id,), key="pdca_delete")
