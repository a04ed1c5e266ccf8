"""The practice map of a GP circle (pydeck, no tile server): practice-level facts only, the
circle's zones as outlines, and the legends the page draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl
import pydeck as pdk

from popmgmt.pipeline.codes import PATIENT_STOP, PAYMENT_SYSTEMS, PRACTICE_FORMS
from popmgmt.views import labels, maps
from popmgmt.views.circle import PUBLIC_FACTS, SIZE_CLASSES, circle_zones, practice_rows
from popmgmt.views.circle_tables import _size_text

# --------------------------------------------------------------------------- maps

ZONE_COLOURS: Final[tuple[maps.RGB, ...]] = (
    (86, 180, 233),
    (0, 158, 115),
    (230, 159, 0),
    (204, 121, 167),
    (0, 114, 178),
    (213, 94, 0),
)
OTHER_AREA_COLOUR: Final[maps.RGB] = (225, 225, 225)
ZONE_LINE_COLOUR: Final = [40, 40, 40]
UNKNOWN_COLOUR: Final[maps.RGB] = (150, 150, 150)
FACT_COLOURS: Final[dict[str, dict[str, maps.RGB]]] = {
    "patient_stop": {"ja": (213, 94, 0), "gedeeltelijk": (230, 159, 0), "nee": (0, 158, 115)},
    "payment_system": {"prestatie": (0, 114, 178), "forfait": (204, 121, 167)},
    "practice_form": {
        "solo": (86, 180, 233),
        "duo": (0, 114, 178),
        "groep": (0, 158, 115),
        "multidisciplinair": (230, 159, 0),
        "wgc": (204, 121, 167),
    },
    "size_class": dict(zip(SIZE_CLASSES, maps.SEQUENTIAL_COLOURS, strict=True)),
}
FACT_TITLES: Final[dict[str, str]] = {
    "patient_stop": "Patiëntenstop",
    "practice_form": "Praktijkvorm",
    "payment_system": "Betalingssysteem",
    "size_class": "Grootteklasse (toegewezen patiënten)",
}
FACT_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "patient_stop": PATIENT_STOP,
    "payment_system": PAYMENT_SYSTEMS,
    "practice_form": PRACTICE_FORMS,
    "size_class": SIZE_CLASSES,
}
MAP_TOOLTIP_HTML: Final = (
    "<b>{tt_name}</b><br/>{tt_line1}<br/>{tt_line2}<br/>{tt_line3}<br/>{tt_line4}"
)
_TOOLTIP_KEYS: Final = ("tt_name", "tt_line1", "tt_line2", "tt_line3", "tt_line4")


def fact_text(fact: str, code: str | None) -> str:
    """The Dutch text of a practice fact's code (size classes read as themselves)."""
    if fact == "size_class":
        return _size_text(code)
    if not code:
        return "onbekend of geen antwoord"
    return labels.label(fact, code)


def fact_legend(fact: str) -> list[maps.LegendItem]:
    """Legend rows for colouring practices by `fact`, unknown last."""
    items = [
        maps.LegendItem(colour=maps.rgb_hex(rgb), text=fact_text(fact, code), rgb=rgb)
        for code, rgb in ((c, FACT_COLOURS[fact][c]) for c in FACT_ORDER[fact])
    ]
    items.append(
        maps.LegendItem(
            colour=maps.rgb_hex(UNKNOWN_COLOUR),
            text="onbekend of geen antwoord",
            rgb=UNKNOWN_COLOUR,
        )
    )
    return items


def practice_points(rows: pl.DataFrame, colour_by: str) -> list[dict[str, Any]]:
    """Map records of the practices: position, colour and practice-level facts only.

    Only `practice_id`, `lat`, `lon` and `PUBLIC_FACTS` are read; practices without a
    position are left out.
    """
    if colour_by not in FACT_COLOURS:
        raise KeyError(colour_by)
    frame = practice_rows(rows).select("practice_id", "lat", "lon", *PUBLIC_FACTS)
    records = []
    for r in frame.iter_rows(named=True):
        if r["lat"] is None or r["lon"] is None:
            continue
        rgb = FACT_COLOURS[colour_by].get(r[colour_by] or "", UNKNOWN_COLOUR)
        records.append(
            maps.tooltip_fields(
                {
                    "lon": float(r["lon"]),
                    "lat": float(r["lat"]),
                    "fill_color": [*rgb, 235],
                    "tt_name": f"Praktijk {r['practice_id']}",
                    "tt_line1": f"Praktijkvorm: {fact_text('practice_form', r['practice_form'])}",
                    "tt_line2": (
                        f"Betalingssysteem: {fact_text('payment_system', r['payment_system'])}"
                    ),
                    "tt_line3": f"Patiëntenstop: {fact_text('patient_stop', r['patient_stop'])}",
                    "tt_line4": f"Grootteklasse: {fact_text('size_class', r['size_class'])}",
                }
            )
        )
    return records


def _coordinates(geometry: Mapping[str, Any] | None) -> Iterable[tuple[float, float]]:
    if not geometry:
        return
    coords = geometry.get("coordinates") or []
    kind = geometry.get("type")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        for ring in polygon:
            for point in ring:
                yield float(point[0]), float(point[1])


def view_for(
    features: Sequence[Mapping[str, Any]],
    *,
    width_px: float = 600.0,
    height_px: float = 340.0,
    margin: float = 0.85,
) -> dict[str, float]:
    """A view state (centre and zoom) that fits the features' outlines in the map.

    Web Mercator as deck.gl draws it: the world is 512 px wide at zoom 0, and a degree
    of latitude is 1/cos(latitude) times as tall as a degree of longitude is wide.
    """
    points = [p for f in features for p in _coordinates(f.get("geometry"))]
    if not points:
        return dict(maps.FLANDERS_VIEW)
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    latitude = (min(lats) + max(lats)) / 2.0
    lon_span = max(max(lons) - min(lons), 0.01)
    lat_span = max(max(lats) - min(lats), 0.01)
    zoom_lon = math.log2(360.0 * width_px * margin / (512.0 * lon_span))
    zoom_lat = math.log2(
        360.0 * height_px * margin * math.cos(math.radians(latitude)) / (512.0 * lat_span)
    )
    zoom = max(6.0, min(13.0, zoom_lon, zoom_lat))
    return {
        "latitude": latitude,
        "longitude": (min(lons) + max(lons)) / 2.0,
        "zoom": round(zoom, 2),
    }


def coverage_features(
    municipalities_geo: Mapping[str, Any],
    areas: pl.DataFrame,
    circle_code: str,
    circle_names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The municipalities of the zones the circle touches, as plain GeoJSON features.

    Municipalities in the circle are coloured by their zone; the zones' other
    municipalities are light grey. Each carries Dutch tooltip texts.
    """
    muni = areas.filter(pl.col("level") == "gemeente")
    zones = circle_zones(areas, circle_code)
    zone_colour = {
        code: ZONE_COLOURS[i % len(ZONE_COLOURS)] for i, code in enumerate(zones["zone_code"])
    }
    zone_names = dict(zip(zones["zone_code"], zones["zone_name"], strict=True))
    info = {
        r["area_code"]: r
        for r in muni.filter(pl.col("zone_code").is_in(list(zone_colour))).iter_rows(named=True)
    }
    features = []
    for feature in municipalities_geo.get("features", []):
        props = feature.get("properties") or {}
        row = info.get(str(props.get("area_code", "")))
        if row is None:
            continue
        inside = row["circle_code"] == circle_code
        rgb = zone_colour[row["zone_code"]] if inside else OTHER_AREA_COLOUR
        circle = row["circle_code"]
        features.append(
            {
                "type": "Feature",
                "geometry": feature.get("geometry"),
                "properties": maps.tooltip_fields(
                    {
                        "area_code": row["area_code"],
                        "inside": inside,
                        "fill_color": [*rgb, 170 if inside else 120],
                        "tt_name": f"{row['area_name']} ({row['area_code']})",
                        "tt_line1": f"Zone: {zone_names.get(row['zone_code'], row['zone_code'])}",
                        "tt_line2": f"Kring: {circle_names.get(circle, circle)}"
                        + ("" if inside else " (andere kring)"),
                        "tt_line3": "",
                        "tt_line4": "",
                    }
                ),
            }
        )
    return features


def zone_outline_features(
    zones_geo: Mapping[str, Any], zone_codes: Iterable[str]
) -> list[dict[str, Any]]:
    """The outlines of the given zones (plain GeoJSON features, no fill)."""
    wanted = set(zone_codes)
    return [
        {
            "type": "Feature",
            "geometry": f.get("geometry"),
            "properties": {
                "area_code": (f.get("properties") or {}).get("area_code"),
                **dict.fromkeys(_TOOLTIP_KEYS, ""),
            },
        }
        for f in zones_geo.get("features", [])
        if str((f.get("properties") or {}).get("area_code")) in wanted
    ]


def zone_legend(zones: pl.DataFrame) -> list[maps.LegendItem]:
    """Legend rows of the coverage map: one colour per zone, grey for the zones' parts
    that belong to another circle (only when there are such parts)."""
    items = [
        maps.LegendItem(
            colour=maps.rgb_hex(ZONE_COLOURS[i % len(ZONE_COLOURS)]),
            text=f"{r['zone_name']} ({r['zone_code']})",
            rgb=ZONE_COLOURS[i % len(ZONE_COLOURS)],
        )
        for i, r in enumerate(zones.iter_rows(named=True))
    ]
    if zones.height and bool((zones["relation"] == "deels").any()):
        items.append(
            maps.LegendItem(
                colour=maps.rgb_hex(OTHER_AREA_COLOUR),
                text="andere kring, zelfde zone",
                rgb=OTHER_AREA_COLOUR,
            )
        )
    return items


def circle_deck(
    coverage: Sequence[Mapping[str, Any]],
    outlines: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]] | None = None,
    *,
    width_px: float = 600.0,
    height_px: float = 340.0,
) -> pdk.Deck:
    """A pydeck map of the circle: municipalities, zone outlines and optionally practices.

    No base map (`map_provider=None`, see `popmgmt.views.maps`): nothing is fetched. With
    points, the municipalities are drawn pale so the practices stand out.
    """
    faded = points is not None
    polygons = [
        {
            **f,
            "properties": {
                **f["properties"],
                "fill_color": (
                    [*f["properties"]["fill_color"][:3], 60]
                    if faded
                    else f["properties"]["fill_color"]
                ),
            },
        }
        for f in coverage
    ]
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": polygons},
            id="gemeenten",
            stroked=True,
            filled=True,
            pickable=not faded,
            get_fill_color="properties.fill_color",
            get_line_color=[255, 255, 255],
            line_width_min_pixels=1,
        ),
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": list(outlines)},
            id="zones",
            stroked=True,
            filled=False,
            pickable=False,
            get_line_color=ZONE_LINE_COLOUR,
            line_width_min_pixels=2.5,
        ),
    ]
    if points is not None:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=list(points),
                id="praktijken",
                get_position=["lon", "lat"],
                get_fill_color="fill_color",
                get_line_color=[30, 30, 30],
                stroked=True,
                line_width_min_pixels=1,
                get_radius=120,
                radius_min_pixels=5,
                radius_max_pixels=14,
                pickable=True,
                auto_highlight=True,
            )
        )
    # The area map shows the whole zones around the circle; the practice map the circle.
    inside = [f for f in coverage if f["properties"].get("inside")]
    view = view_for(
        inside if faded and inside else list(coverage), width_px=width_px, height_px=height_px
    )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view),
        map_provider=None,
        tooltip={"html": MAP_TOOLTIP_HTML, "style": maps.TOOLTIP_STYLE},
    )
