"""Who sees what: roles and the filter applied where the marts are loaded (no Streamlit).

Four kinds of user (`ROLE_KINDS`):

* `publiek`: not signed in. Flanders, zone, circle and municipality aggregates
  (suppressed as always); practices only with their public practice-level facts.
* `zorgraad` (care council of one zone): as public, plus the detailed municipality
  views of its own zone (practice counts per municipality).
* `kring` (GP circle): as public, plus the practice table, funnel plots and downloads
  of its own practices.
* `departement` (Departement Zorg): everything the marts hold.

The aggregate marts (areas, indicators, indicator values, population) are public:
disclosure control is applied in the build. Only the practices mart differs by
role, and `scope_marts` is the one place that cuts it: `popmgmt.app.ui.load_marts`
calls it, so a page never holds rows or columns its role may not see, whatever
widget state or query parameter it receives. The `can_see_*` checks and the
refusing helpers (`practice_detail`, `practice_counts_by_municipality`) let a page
say clearly what it will not show; every refusal is logged on the logger
`popmgmt.access`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, cast

import polars as pl

from popmgmt.app.store import Marts
from popmgmt.pipeline import codes
from popmgmt.pipeline.marts import MART_COLUMNS, PRACTICES
from popmgmt.views import labels

LOGGER_NAME: Final = "popmgmt.access"
logger = logging.getLogger(LOGGER_NAME)

RoleKind = Literal["publiek", "zorgraad", "kring", "departement"]
ROLE_KINDS: Final[tuple[RoleKind, ...]] = ("publiek", "zorgraad", "kring", "departement")

PUBLIC_PRACTICE_COLUMNS: Final = (
    "practice_id",
    "year",
    "refnis",
    "zone_code",
    "circle_code",
    "lat",
    "lon",
    "practice_form",
    "payment_system",
    "patient_stop",
    "size_class",
)
"""Practice-level facts that anyone may see (on maps): place, form, payment
system, patient stop and size class. Everything else in the practices mart (FTE,
patient and contact counts, and the suppression flags that would
tell which counts are 1-4) is detail for the practice's own circle and the
Departement."""

DETAIL_PRACTICE_COLUMNS: Final = tuple(
    c for c in MART_COLUMNS[PRACTICES] if c not in PUBLIC_PRACTICE_COLUMNS
)

KIND_TEXT: Final[dict[str, str]] = {
    "publiek": "Publiek (niet aangemeld)",
    "zorgraad": "Zorgraad",
    "kring": "Huisartsenkring",
    "departement": "Departement Zorg",
}

COUNT_DIMENSIONS: Final = ("totaal", "practice_form", "payment_system", "patient_stop")
"""The breakdowns of `practice_counts_by_municipality`, in display order."""
UNKNOWN_CATEGORY: Final = "onbekend"
TOTAL_CATEGORY: Final = "alle"

PRACTICE_COUNT_SCHEMA: Final = pl.Schema(
    {
        "refnis": pl.String,
        "municipality": pl.String,
        "zone_code": pl.String,
        "year": pl.Int64,
        "dimension": pl.String,
        "category": pl.String,
        "practices": pl.Int64,
    }
)


class RoleError(ValueError):
    """A role that cannot exist (a council without a zone, a circle without a code...)."""


@dataclass(frozen=True)
class Role:
    """One user's role. `zone_code` only for `zorgraad`, `circle_code` only for `kring`.

    `label` is a display name for the role's area (e.g. the zone's name); it plays no
    part in what the role may see.
    """

    kind: RoleKind = "publiek"
    zone_code: str | None = None
    circle_code: str | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ROLE_KINDS:
            raise RoleError(f"onbekende rol {self.kind!r}; kies uit {', '.join(ROLE_KINDS)}")
        if self.kind == "zorgraad":
            if not self.zone_code:
                raise RoleError("de rol zorgraad heeft een zone nodig")
            if self.circle_code:
                raise RoleError("de rol zorgraad heeft geen huisartsenkring")
        elif self.kind == "kring":
            if not self.circle_code:
                raise RoleError("de rol kring heeft een huisartsenkring nodig")
            if self.zone_code:
                raise RoleError("de rol kring heeft geen zone")
        elif self.zone_code or self.circle_code:
            raise RoleError(f"de rol {self.kind} hoort bij geen zone of kring")

    @property
    def key(self) -> str:
        """A short stable name for logs and caches: `publiek`, `zorgraad:elz13`, `kring:hak07`."""
        area = self.zone_code or self.circle_code
        return f"{self.kind}:{area}" if area else self.kind

    @classmethod
    def from_key(cls, key: str, label: str = "") -> Role:
        """The inverse of `key` (RoleError when malformed)."""
        kind, _, area = key.partition(":")
        if kind not in ROLE_KINDS:
            raise RoleError(f"onbekende rol {kind!r}")
        role_kind: RoleKind = kind
        if role_kind == "zorgraad":
            return cls(role_kind, zone_code=area or None, label=label)
        if role_kind == "kring":
            return cls(role_kind, circle_code=area or None, label=label)
        if area:
            raise RoleError(f"de rol {kind} hoort bij geen zone of kring")
        return cls(role_kind, label=label)


PUBLIC: Final = Role()


def area_names(marts: Marts, level: str) -> dict[str, str]:
    """Code -> name of every area of `level` (`zone`, `kring`, `gemeente`), by name."""
    rows = marts.areas.filter(pl.col("level") == level).sort("area_name", "area_code")
    return dict(zip(rows["area_code"].to_list(), rows["area_name"].to_list(), strict=True))


def role_in_marts(role: Role, marts: Marts) -> bool:
    """Does the role's zone or circle exist in the marts? (publiek/departement: always.)"""
    if role.kind == "zorgraad":
        return role.zone_code in area_names(marts, "zone")
    if role.kind == "kring":
        return role.circle_code in area_names(marts, "kring")
    return True


# --- decisions ---------------------------------------------------------------------------


def can_see_practice_detail(role: Role, circle_code: str | None) -> bool:
    """May `role` see the practice table, funnel plots and downloads of circle `circle_code`?"""
    if role.kind == "departement":
        return True
    return role.kind == "kring" and circle_code is not None and circle_code == role.circle_code


def can_see_zone_detail(role: Role, zone_code: str | None) -> bool:
    """May `role` see the detailed municipality views (practice counts) of zone `zone_code`?"""
    if role.kind == "departement":
        return True
    return role.kind == "zorgraad" and zone_code is not None and zone_code == role.zone_code


def log_denied(role: Role, what: str, *, who: str | None = None) -> None:
    """Record a refused request for detail on the `popmgmt.access` logger (WARNING)."""
    logger.warning("access denied: role=%s user=%s asked=%s", role.key, who or "-", what)


def log_limited(role: Role, what: str, *, who: str | None = None) -> None:
    """Record a link beyond the role's remit, answered with aggregates only (INFO)."""
    logger.info(
        "access limited: role=%s user=%s asked=%s -> aggregates only", role.key, who or "-", what
    )


# --- the filter --------------------------------------------------------------------------


def _known_practice_columns(practices: pl.DataFrame) -> list[str]:
    """The contract's practice columns, in frame order: anything else is never passed on."""
    known = MART_COLUMNS[PRACTICES]
    return [c for c in practices.columns if c in known]


def scope_practices(practices: pl.DataFrame, role: Role) -> pl.DataFrame:
    """The practices mart as `role` may hold it.

    * departement: every contract column, every row;
    * kring C: every row and contract column, but outside C every detail column
      (`DETAIL_PRACTICE_COLUMNS`) is null; one frame cannot drop a column for some
      rows only;
    * publiek and zorgraad: every row, only `PUBLIC_PRACTICE_COLUMNS` (the detail
      columns are removed, not nulled).

    Columns outside the data contract are dropped for every role.
    """
    columns = _known_practice_columns(practices)
    if role.kind == "departement":
        return practices.select(columns)
    if role.kind == "kring":
        own = pl.col("circle_code") == pl.lit(role.circle_code)
        return practices.select(
            *[
                pl.col(c)
                if c in PUBLIC_PRACTICE_COLUMNS
                else pl.when(own.fill_null(False)).then(pl.col(c)).otherwise(None).alias(c)
                for c in columns
            ]
        )
    return practices.select([c for c in columns if c in PUBLIC_PRACTICE_COLUMNS])


def scope_marts(marts: Marts, role: Role) -> Marts:
    """A new `Marts` that holds only what `role` may see (see `scope_practices`).

    The aggregate marts are shared unchanged: they are public, suppressed in the build.
    """
    return dataclasses.replace(marts, practices=scope_practices(marts.practices, role))


# --- refusing helpers for the pages -------------------------------------------------------


def practice_detail(
    marts: Marts,
    role: Role,
    circle_code: str,
    *,
    year: int | None = None,
    who: str | None = None,
) -> pl.DataFrame | None:
    """The full practice rows (every contract column) of one circle, for its table,
    funnel plots and downloads; None (and a log line) when `role` may not see them.

    Pass the marts of `ui.load_marts()`: they are already scoped, so even a wrong
    decision here could not reveal more than the role holds.
    """
    if not can_see_practice_detail(role, circle_code):
        log_denied(role, f"praktijkdetail kring={circle_code}", who=who)
        return None
    missing = [c for c in DETAIL_PRACTICE_COLUMNS if c not in marts.practices.columns]
    if missing:  # marts scoped for another role: refuse rather than return less
        log_denied(role, f"praktijkdetail kring={circle_code} (marts zonder detail)", who=who)
        return None
    rows = marts.practices.filter(pl.col("circle_code") == circle_code)
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    return rows.sort("year", "practice_id")


def practice_counts_by_municipality(
    marts: Marts,
    role: Role,
    zone_code: str,
    *,
    year: int | None = None,
    who: str | None = None,
) -> pl.DataFrame | None:
    """Practice counts per municipality of zone `zone_code` for one year (the newest
    by default): the detailed municipality view of a care council.

    Long format (`PRACTICE_COUNT_SCHEMA`): one row per municipality x dimension x
    category, `dimension` in `COUNT_DIMENSIONS` ("totaal" has category "alle"),
    categories from the code lists plus "onbekend" (no survey answer). Every
    municipality of the zone appears, with 0 where it has no practice. Counts of
    practices are not counts of persons: they are not suppressed (the public map
    shows each practice anyway). None (and a log line) outside the role's remit.
    """
    if not can_see_zone_detail(role, zone_code):
        log_denied(role, f"gemeentedetail zone={zone_code}", who=who)
        return None
    municipalities = marts.areas.filter(
        (pl.col("level") == "gemeente") & (pl.col("zone_code") == zone_code)
    ).select(pl.col("area_code").alias("refnis"), pl.col("area_name").alias("municipality"))
    practices = marts.practices.filter(pl.col("zone_code") == zone_code)
    if year is None:
        newest = practices["year"].max() if practices.height else marts.practices["year"].max()
        year = None if newest is None else int(cast(int, newest))
    if year is None:
        return pl.DataFrame(schema=PRACTICE_COUNT_SCHEMA)
    practices = practices.filter(pl.col("year") == year)
    categories: dict[str, tuple[str, ...]] = {
        "totaal": (TOTAL_CATEGORY,),
        "practice_form": (*codes.PRACTICE_FORMS, UNKNOWN_CATEGORY),
        "payment_system": (*codes.PAYMENT_SYSTEMS, UNKNOWN_CATEGORY),
        "patient_stop": (*codes.PATIENT_STOP, UNKNOWN_CATEGORY),
    }
    grid = pl.DataFrame(
        [(d, c, i, j) for i, d in enumerate(COUNT_DIMENSIONS) for j, c in enumerate(categories[d])],
        schema={"dimension": pl.String, "category": pl.String, "_d": pl.Int64, "_c": pl.Int64},
        orient="row",
    )
    long = pl.concat(
        [
            practices.select(
                "refnis",
                pl.lit("totaal").alias("dimension"),
                pl.lit(TOTAL_CATEGORY).alias("category"),
            ),
            *[
                practices.select(
                    "refnis",
                    pl.lit(d).alias("dimension"),
                    pl.col(d).fill_null(UNKNOWN_CATEGORY).alias("category"),
                )
                for d in COUNT_DIMENSIONS[1:]
            ],
        ]
    )
    counts = long.group_by("refnis", "dimension", "category").agg(
        pl.len().cast(pl.Int64).alias("practices")
    )
    return (
        municipalities.join(grid, how="cross")
        .join(counts, on=["refnis", "dimension", "category"], how="left")
        .with_columns(
            pl.col("practices").fill_null(0),
            pl.lit(zone_code).alias("zone_code"),
            pl.lit(year, dtype=pl.Int64).alias("year"),
        )
        .sort("municipality", "refnis", "_d", "_c")
        .select(list(PRACTICE_COUNT_SCHEMA))
    )


# --- links ---------------------------------------------------------------------------------

LINK_PARAMS: Final = {"kring": "kring", "zone": "zone"}
"""Query parameters that name an area whose detail is role-bound: `kring` (practice
detail) and `zone` (municipality detail)."""


def link_notices(
    role: Role,
    params: Mapping[str, str],
    *,
    circles: Mapping[str, str],
    zones: Mapping[str, str],
) -> list[tuple[str, str]]:
    """What a link asks that the role may not see: a list of (what, Dutch notice).

    `circles` and `zones` map known codes to names; unknown codes are left to the page
    (which says the code is unknown). The caller shows the notice and logs `what`.
    """
    out: list[tuple[str, str]] = []
    circle = params.get("kring")
    if circle and circle in circles and not can_see_practice_detail(role, circle):
        out.append(
            (
                f"link kring={circle}",
                f"U ziet {circles[circle]} ({circle}) alleen als geaggregeerde cijfers. "
                "De praktijktabel, funnelplots en downloads per praktijk zijn voorbehouden "
                "aan de huisartsenkring zelf en aan Departement Zorg.",
            )
        )
    zone = params.get("zone")
    if zone and zone in zones and not can_see_zone_detail(role, zone):
        out.append(
            (
                f"link zone={zone}",
                f"U ziet zone {zones[zone]} ({zone}) alleen als geaggregeerde cijfers. "
                "De gedetailleerde gemeenteweergave (praktijken per gemeente) is voorbehouden "
                "aan de zorgraad van die zone en aan Departement Zorg.",
            )
        )
    return out


# --- the access mode: demo or real ----------------------------------------------------------


@dataclass(frozen=True)
class AccessMode:
    """How this server decides roles, from what it finds at start.

    * `demo_data`: the manifest says the build is demo data (`manifest.json` key `demo`).
    * `sign_in`: sign-in is configured: an `[auth]` section in Streamlit's secrets, or a
      role file (named in `POPMGMT_ROLES`, or the default file present).

    The demo role switch exists only with demo data AND no sign-in configured: then the
    server cannot hold real users, so letting a visitor pick a role opens nothing. With
    sign-in configured the roles come from sign-in only, whatever the manifest says; a
    demo flag in a real deployment (a real delivery that kept a demo provenance file, a
    hand-edited manifest) then only adds a warning.
    """

    demo_data: bool
    sign_in: bool

    @property
    def demo_switch(self) -> bool:
        """Does the sidebar offer the demo role switch?"""
        return self.demo_data and not self.sign_in

    @property
    def name(self) -> str:
        """`demo`, `aanmelding` or `publiek`: the short name in the sidebar and the log."""
        if self.demo_switch:
            return "demo"
        return "aanmelding" if self.sign_in else "publiek"

    def sidebar_text(self) -> str:
        """The line in every page's sidebar that tells an operator the mode (Dutch)."""
        if self.demo_switch:
            return (
                "Toegangsmodus: demo (demodata, geen aanmelding ingesteld; de rol is vrij te "
                "kiezen)."
            )
        if self.sign_in:
            extra = " Let op: de geladen gegevens zijn demodata." if self.demo_data else ""
            return f"Toegangsmodus: aanmelding (rollen uit de aanmelding).{extra}"
        return "Toegangsmodus: publiek (geen aanmelding ingesteld; iedereen is publiek)."

    def log_text(self) -> str:
        """The line logged once at start: `access mode: demo data=demo sign-in=no`."""
        return (
            f"access mode: {self.name} data={'demo' if self.demo_data else 'real'} "
            f"sign-in={'yes' if self.sign_in else 'no'} "
            f"demo-switch={'yes' if self.demo_switch else 'no'}"
        )


DEMO_WITH_SIGN_IN_WARNING: Final = (
    "**Demodata op een server met aanmelding.** De gegevens zijn als demodata gebouwd, maar "
    "aanmelding is ingesteld: de app draait daarom in de gewone toegangsmodus (rollen uit de "
    "aanmelding, geen demorol). Laad echte gegevens of verwijder de aanmelding als dit een "
    "demoserver is."
)


def manifest_is_demo(manifest: Mapping[str, object]) -> bool:
    """Does the manifest say demo data? Only the JSON boolean `true` counts (a text
    "false" is not a yes)."""
    return manifest.get("demo") is True


def access_mode(*, demo_data: bool, auth_configured: bool, role_file: bool) -> AccessMode:
    """The access mode (see `AccessMode`): sign-in counts as configured when either an
    `[auth]` section or a role file is there."""
    return AccessMode(demo_data=bool(demo_data), sign_in=bool(auth_configured or role_file))


# --- texts -----------------------------------------------------------------------------------


def role_title(role: Role) -> str:
    """ "Publiek (niet aangemeld)", "Zorgraad van zone Gent (elz13)", "Huisartsenkring Gent
    (hak13)", "Departement Zorg"."""
    if role.kind == "zorgraad":
        name = f"{role.label} ({role.zone_code})" if role.label else str(role.zone_code)
        return f"Zorgraad van zone {name}"
    if role.kind == "kring":
        label = role.label or "Huisartsenkring"
        if not label.lower().startswith("huisartsenkring"):
            label = f"Huisartsenkring {label}"
        return f"{label} ({role.circle_code})"
    return KIND_TEXT[role.kind]


def role_allows(role: Role) -> str:
    """What the role may see, in one Dutch sentence or two."""
    public = (
        "cijfers voor Vlaanderen, zones, huisartsenkringen en gemeenten (kleine aantallen "
        "onderdrukt) en praktijken op de kaart met enkel praktijkkenmerken (patiëntenstop, "
        "praktijkvorm, betalingssysteem, grootteklasse)"
    )
    if role.kind == "departement":
        return (
            "U ziet alle zones en huisartsenkringen op elk niveau dat de gegevens bevatten, "
            "met de praktijkdetails van elke kring. Nooit gegevens per huisarts."
        )
    if role.kind == "zorgraad":
        return (
            f"U ziet {public}, plus de gedetailleerde gemeenteweergave van uw zone "
            f"{role.zone_code} (praktijken per gemeente). Andere zones: enkel aggregaten."
        )
    if role.kind == "kring":
        return (
            f"U ziet {public}, plus de praktijktabel, funnelplots en downloads van de "
            f"praktijken van uw kring {role.circle_code}. Andere kringen: enkel aggregaten."
        )
    return f"U ziet {public}."


def refusal_text(what: str) -> str:
    """The Dutch refusal a page shows instead of data the role may not see."""
    return (
        f"{what}: niet beschikbaar voor uw rol. U ziet hier enkel geaggregeerde cijfers "
        "(zie 'Uw rol' in de zijbalk)."
    )


def count_dimension_label(dimension: str, category: str) -> str:
    """Dutch label of one row of `practice_counts_by_municipality`."""
    if dimension == "totaal":
        return "Alle praktijken"
    if category == UNKNOWN_CATEGORY:
        return "Onbekend (niet bevraagd of geen antwoord)"
    return labels.label(dimension, category)
