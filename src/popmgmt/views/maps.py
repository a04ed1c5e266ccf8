"""Choropleth maps of the zones (pydeck, no Streamlit, no tile server).

Flanders is drawn from its own boundaries (a GeoJSON polygon layer) with no base
map, so the map needs no network. Note: `map_style=None` is not enough in Streamlit
1.67: its frontend then loads Carto's "positron" style from the internet. Only
`map_provider=None` with pydeck's default `map_style` (serialised as the sentinel
"__MAP_STYLE__") makes the frontend draw no base map at all. pydeck 0.9
does not serialise polars frames: the layer gets a plain GeoJSON dict whose
features carry their fill colour and Dutch tooltip texts as properties. pydeck has
no legend: `legend_items` returns one for the page to draw.
"""

from __future__ import annotations

import functools
import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import polars as pl
import pydeck as pdk
import shapely
from shapely.geometry import mapping, shape

from popmgmt.views import labels

RGB = tuple[int, int, int]

# ColorBrewer YlGnBu, 5 classes: sequential, colour-blind safe, prints in grey.
SEQUENTIAL_COLOURS: Final[tuple[RGB, ...]] = (
    (255, 255, 204),
    (161, 218, 180),
    (65, 182, 196),
    (44, 127, 184),
    (37, 52, 148),
)
MISSING_COLOUR: Final[RGB] = (190, 190, 190)
OUTLINE_COLOUR: Final = (255, 255, 255)
FILL_ALPHA: Final = 230

# Flanders spans about 2.5-5.9 E and 50.7-51.5 N.
FLANDERS_VIEW: Final = {"latitude": 51.05, "longitude": 4.25, "zoom": 7.4}

BreakMethod = Literal["quantile", "equal"]
BREAK_METHOD_TEXT: Final[dict[str, str]] = {
    "quantile": "kwantielen (elke klasse telt ongeveer evenveel zones)",
    "equal": "gelijke intervallen (elke klasse is even breed)",
}
MISSING_LEGEND_TEXT: Final = "onderdrukt of geen gegevens"

TOOLTIP_HTML: Final = (
    "<b>{tt_name}</b><br/>{tt_value}<br/>{tt_interval}<br/>{tt_denominator}<br/>{tt_year}"
)
TOOLTIP_STYLE: Final = {
    "backgroundColor": "white",
    "color": "#222222",
    "fontSize": "12px",
    "border": "1px solid #999999",
}


def _clean(values: Iterable[float | None] | pl.Series) -> list[float]:
    out = []
    for v in values:
        if v is None:
            continue
        f = float(v)
        if math.isfinite(f):
            out.append(f)
    return sorted(out)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def class_breaks(
    values: Iterable[float | None] | pl.Series,
    n: int = 5,
    method: BreakMethod = "quantile",
    decimals: int | None = None,
) -> list[float]:
    """Class edges for a choropleth: `[min, b1, ..., max]`, strictly increasing.

    `quantile` puts about as many areas in each class; `equal` makes the classes
    equally wide. Missing and non-finite values are ignored. With `decimals`, inner
    edges are rounded and the outer edges widened (floor/ceil) to that precision, so
    the legend states the edges exactly. Equal edges collapse (fewer classes); one
    distinct value gives `[v, v]` (one class); no values give `[]`.
    """
    if n < 1:
        raise ValueError("n moet minstens 1 zijn")
    data = _clean(values)
    if not data:
        return []
    lo, hi = data[0], data[-1]
    if method == "quantile":
        inner = [_quantile(data, i / n) for i in range(1, n)]
    elif method == "equal":
        inner = [lo + (hi - lo) * i / n for i in range(1, n)]
    else:
        raise ValueError(f"onbekende methode voor klassengrenzen: {method}")
    if decimals is not None:
        scale = 10.0**decimals
        lo = math.floor(lo * scale) / scale
        hi = math.ceil(hi * scale) / scale
        inner = [round(b, decimals) for b in inner]
    edges = [lo]
    for b in [*inner, hi]:
        if b > edges[-1]:
            edges.append(b)
    if len(edges) == 1:
        edges.append(edges[0])
    return edges


def class_index(value: float | None, breaks: Sequence[float]) -> int | None:
    """The class (0-based) of a value; None for a missing value or no breaks.

    Classes include their lower edge; the last also includes the maximum. Values
    outside the edges fall in the first or last class.
    """
    if value is None or len(breaks) < 2:
        return None
    f = float(value)
    if not math.isfinite(f):
        return None
    return bisect_right(list(breaks[1:-1]), f)


def class_colours(n_classes: int, palette: Sequence[RGB] = SEQUENTIAL_COLOURS) -> list[RGB]:
    """`n_classes` colours spread over the palette, light to dark."""
    if n_classes <= 0:
        return []
    if n_classes == 1:
        return [palette[len(palette) // 2]]
    last = len(palette) - 1
    return [palette[round(i * last / (n_classes - 1))] for i in range(n_classes)]


def rgb_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a colour swatch and the range (or status) it stands for."""

    colour: str
    """Hex colour, e.g. "#ffffcc"."""
    text: str
    rgb: RGB


def legend_items(
    breaks: Sequence[float],
    *,
    unit: str | None,
    decimals: int | None = None,
    include_missing: bool = True,
    palette: Sequence[RGB] = SEQUENTIAL_COLOURS,
) -> list[LegendItem]:
    """The legend of a choropleth, light to dark, then grey for suppressed/missing.

    Range texts read "12,0 tot 15,5" (lower edge included) and the last class
    "18,0 t/m 22,1 per 1.000" (both edges included).
    """
    dec = labels.default_decimals(unit) if decimals is None else decimals
    items: list[LegendItem] = []
    n_classes = max(len(breaks) - 1, 0)
    colours = class_colours(n_classes, palette)
    for i, rgb in enumerate(colours):
        lo, hi = breaks[i], breaks[i + 1]
        last = i == n_classes - 1
        word = "t/m" if last else "tot"
        hi_text = labels.fmt_value(hi, unit, dec) if last else labels.fmt_number(hi, dec)
        items.append(
            LegendItem(
                colour=rgb_hex(rgb),
                text=f"{labels.fmt_number(lo, dec)} {word} {hi_text}",
                rgb=rgb,
            )
        )
    if include_missing:
        items.append(
            LegendItem(colour=rgb_hex(MISSING_COLOUR), text=MISSING_LEGEND_TEXT, rgb=MISSING_COLOUR)
        )
    return items


def tooltip_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with every tooltip text (`tt_*`) HTML-escaped: deck.gl puts the tooltip
    template, filled in, into the page as HTML, so a name from the data must be inert."""
    return {
        key: labels.html_text(value, quote=False)
        if key.startswith("tt_") and isinstance(value, str)
        else value
        for key, value in fields.items()
    }


_CSS_COLOUR: Final = re.compile(r"^(#[0-9A-Fa-f]{3,8}|rgba?\([0-9., ]+\))$")


def legend_html(items: Sequence[LegendItem], title: str = "") -> str:
    """The legend as a small HTML block (swatch + text per row) for the page; every text
    (the title holds an indicator name from the data) is escaped."""
    rows = "".join(
        '<div style="display:flex;align-items:center;margin:2px 0;">'
        '<span style="display:inline-block;width:18px;height:14px;'
        f"background:{item.colour if _CSS_COLOUR.match(item.colour) else '#cccccc'};"
        'border:1px solid #888;margin-right:8px;"></span>'
        f"<span>{labels.html_text(item.text)}</span></div>"
        for item in items
    )
    head = (
        f"<div style='font-weight:600;margin-bottom:4px;'>{labels.html_text(title)}</div>"
        if title
        else ""
    )
    return f"<div class='popmgmt-legend'>{head}{rows}</div>"


def _feature_properties(
    row: dict[str, Any] | None,
    *,
    name: str,
    breaks: Sequence[float],
    colours: Sequence[RGB],
    unit: str | None,
    denominator_label: str | None,
    year: int | None,
    decimals: int | None,
) -> dict[str, Any]:
    if row is None:
        row = {}
    suppressed = bool(row.get("suppressed") or False)
    value = None if suppressed else row.get("value")
    texts = labels.value_texts(
        value=value,
        ci_low=row.get("ci_low"),
        ci_high=row.get("ci_high"),
        denominator=row.get("denominator"),
        suppressed=suppressed,
        reason=row.get("suppression_reason"),
        unit=unit,
        denominator_label=denominator_label,
        year=year,
        decimals=decimals,
    )
    idx = class_index(value, breaks)
    rgb = MISSING_COLOUR if idx is None else colours[idx]
    return tooltip_fields(
        {
            "fill_color": [*rgb, FILL_ALPHA],
            "tt_name": name,
            "tt_value": texts["value_text"],
            "tt_interval": texts["interval_text"],
            "tt_denominator": texts["denominator_text"],
            "tt_year": texts["year_text"],
            "class_index": -1 if idx is None else idx,
        }
    )


def choropleth_geojson(
    geojson: dict[str, Any],
    values: pl.DataFrame,
    *,
    breaks: Sequence[float],
    value_col: str = "value",
    code_col: str = "area_code",
    label_col: str = "area_name",
    code_property: str = "area_code",
    unit: str | None = None,
    denominator_label: str | None = None,
    year: int | None = None,
    decimals: int | None = None,
) -> dict[str, Any]:
    """A new FeatureCollection (plain dicts) whose features carry colour and tooltip.

    The input `geojson` is not modified (it may be a cached object). Features with
    no row in `values`, a missing value or a suppressed value are grey.
    """
    colours = class_colours(max(len(breaks) - 1, 0))
    by_code: dict[str, dict[str, Any]] = {}
    for row in values.iter_rows(named=True):
        rec = dict(row)
        rec["value"] = row.get(value_col)
        by_code[str(row[code_col])] = rec
    features = []
    for feature in geojson.get("features", []):
        props = dict(feature.get("properties") or {})
        code = str(props.get(code_property, ""))
        match = by_code.get(code)
        name = str(match.get(label_col) or code) if match else str(props.get("name") or code)
        props.update(
            _feature_properties(
                match,
                name=f"{name} ({code})" if code and code != name else name,
                breaks=breaks,
                colours=colours,
                unit=unit,
                denominator_label=denominator_label,
                year=year,
                decimals=decimals,
            )
        )
        features.append(
            {"type": "Feature", "geometry": feature.get("geometry"), "properties": props}
        )
    return {"type": "FeatureCollection", "features": features}


def zone_choropleth(
    geojson: dict[str, Any],
    values: pl.DataFrame,
    *,
    value_col: str = "value",
    label_col: str = "area_name",
    code_col: str = "area_code",
    code_property: str = "area_code",
    unit: str | None = None,
    denominator_label: str | None = None,
    year: int | None = None,
    breaks: Sequence[float] | None = None,
    n_classes: int = 5,
    method: BreakMethod = "quantile",
    decimals: int | None = None,
    layer_id: str = "zones",
) -> pdk.Deck:
    """A pydeck map of the areas coloured by `value_col` in a sequential scale.

    `breaks` defaults to `class_breaks(values[value_col], n_classes, method)`. Grey
    with an "onderdrukt" / "geen gegevens" tooltip for suppressed or missing areas.
    Tooltips (Dutch): area name and code, value, interval, denominator, year. No base
    map (`map_provider=None`, see the module docstring): nothing is fetched.
    """
    dec = labels.default_decimals(unit) if decimals is None else decimals
    if breaks is None:
        shown = (
            values.filter(~pl.col("suppressed").fill_null(False))
            if "suppressed" in values.columns
            else values
        )
        breaks = class_breaks(shown[value_col], n=n_classes, method=method, decimals=dec)
    data = choropleth_geojson(
        geojson,
        values,
        breaks=breaks,
        value_col=value_col,
        code_col=code_col,
        label_col=label_col,
        code_property=code_property,
        unit=unit,
        denominator_label=denominator_label,
        year=year,
        decimals=dec,
    )
    layer = pdk.Layer(
        "GeoJsonLayer",
        data=data,
        id=layer_id,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
        get_fill_color="properties.fill_color",
        get_line_color=list(OUTLINE_COLOUR),
        line_width_min_pixels=1,
    )
    return pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(**FLANDERS_VIEW),
        map_provider=None,
        tooltip={"html": TOOLTIP_HTML, "style": TOOLTIP_STYLE},
    )


def deck_layer_data(deck: pdk.Deck, index: int = 0) -> Any:
    """The data handed to a layer of a deck (for tests and checks)."""
    return deck.layers[index].data


# --------------------------------------------------------------------------- fast maps
#
# pydeck's `Deck.to_json` walks the whole structure in Python on every page run
# (0.2 s for the zones, 0.5-1 s for the municipalities). Streamlit only calls
# `to_json`, so a page that caches each area's geometry as JSON text once per
# build can assemble the same JSON in milliseconds.

LAYER_PLACEHOLDER: Final = "__POPMGMT_LAYER_DATA__"


def _round_coords(coords: Any, decimals: int) -> Any:
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], int | float):
        return [round(float(c), decimals) for c in coords]
    if isinstance(coords, list | tuple):
        return [_round_coords(c, decimals) for c in coords]
    return coords


def geometry_index(
    geojson: Mapping[str, Any],
    *,
    decimals: int | None = 5,
    code_property: str = "area_code",
    simplify: float | None = None,
) -> dict[str, str]:
    """area_code -> the JSON text of its geometry (coordinates rounded to `decimals`;
    5 decimals is about 1 m). With `simplify` (degrees), the features are first simplified
    together as one coverage (`shapely.coverage_simplify`: shared borders stay shared, no
    gaps or overlaps appear). Computed once per boundary file and cached by the page."""
    features = list(geojson.get("features", []))
    geometries = [f.get("geometry") for f in features]
    if simplify is not None:
        geometries = _coverage_simplified(geometries, simplify)
    out: dict[str, str] = {}
    for feature, geometry in zip(features, geometries, strict=True):
        code = str((feature.get("properties") or {}).get(code_property, ""))
        shown = geometry
        if decimals is not None and isinstance(geometry, dict):
            shown = {**geometry, "coordinates": _round_coords(geometry["coordinates"], decimals)}
        out[code] = json.dumps(shown, separators=(",", ":"))
    return out


# What the browser gets for a map (issue 14, bench/browser.py): the boundaries simplified
# as one coverage (Visvalingam-Whyatt, tolerance 0.002 degrees: about 140 m north-south, 220 m
# east-west; a pixel is about 400 m on the Flanders view) and rounded to 4 decimals
# (about 7-11 m). The zone layer drops from 14.0k to 8.5k points (267 to 146 KB of JSON),
# the municipality layer from 26.6k to 15.8k (516 to 281 KB); the published boundary
# files keep their full detail.
DISPLAY_TOLERANCE: Final = 0.002
DISPLAY_DECIMALS: Final = 4


def display_geometry(
    geojson: Mapping[str, Any], *, code_property: str = "area_code"
) -> dict[str, str]:
    """`geometry_index` with the simplification and rounding used for the maps."""
    return geometry_index(
        geojson,
        decimals=DISPLAY_DECIMALS,
        code_property=code_property,
        simplify=DISPLAY_TOLERANCE,
    )


def _coverage_simplified(geometries: Sequence[Any], tolerance: float) -> list[Any]:
    """GeoJSON geometries simplified together as a coverage; a missing geometry stays
    None. Falls back to the input when the layer is not a valid coverage."""
    present = [i for i, g in enumerate(geometries) if isinstance(g, dict)]
    shapes = [shape(geometries[i]) for i in present]
    if not shapes or not bool(shapely.coverage_is_valid(shapes)):
        return list(geometries)
    simplified = shapely.coverage_simplify(shapes, tolerance)
    out = list(geometries)
    for i, geom in zip(present, simplified, strict=True):
        out[i] = _as_lists(mapping(geom))
    return out


def _as_lists(value: Any) -> Any:
    """shapely's `mapping` writes tuples; the JSON is the same, the tests compare lists."""
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


class PrebuiltDeck(pdk.Deck):  # type: ignore[misc]
    """A pydeck Deck whose JSON was assembled beforehand (`prebuilt_deck`)."""

    def __init__(self, json_text: str, tooltip: dict[str, Any]) -> None:
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self._json_text = json_text

    def to_json(self) -> str:
        return self._json_text

    @property
    def spec(self) -> dict[str, Any]:
        """The parsed deck (for tests and checks)."""
        parsed: dict[str, Any] = json.loads(self._json_text)
        return parsed


@functools.lru_cache(maxsize=32)
def _deck_template(layer_id: str, tooltip_html: str) -> str:
    """pydeck's JSON for a GeoJSON polygon layer, with a placeholder for its data."""
    return str(
        pdk.Deck(
            layers=[
                pdk.Layer(
                    "GeoJsonLayer",
                    data=LAYER_PLACEHOLDER,
                    id=layer_id,
                    stroked=True,
                    filled=True,
                    pickable=True,
                    auto_highlight=True,
                    get_fill_color="properties.fill_color",
                    get_line_color=list(OUTLINE_COLOUR),
                    line_width_min_pixels=1,
                )
            ],
            initial_view_state=pdk.ViewState(**FLANDERS_VIEW),
            map_provider=None,
            tooltip={"html": tooltip_html, "style": TOOLTIP_STYLE},
        ).to_json()
    )


def prebuilt_deck(
    geometry: Mapping[str, str],
    properties: Mapping[str, Mapping[str, Any]],
    *,
    tooltip_html: str = TOOLTIP_HTML,
    layer_id: str,
) -> PrebuiltDeck:
    """A GeoJSON polygon map (no base map, `map_provider=None`) of the areas in
    `geometry`, each with its `properties` (`fill_color` [r, g, b, a] and tooltip
    fields). The JSON equals what pydeck writes for the same deck (tests check it),
    but is assembled from the cached geometry texts."""
    features = ",".join(
        '{"type":"Feature","geometry":'
        + geom
        + ',"properties":'
        + json.dumps({"area_code": code, **properties.get(code, {})}, separators=(",", ":"))
        + "}"
        for code, geom in geometry.items()
    )
    data = '{"type":"FeatureCollection","features":[' + features + "]}"
    text = _deck_template(layer_id, tooltip_html).replace(json.dumps(LAYER_PLACEHOLDER), data, 1)
    return PrebuiltDeck(text, {"html": tooltip_html, "style": TOOLTIP_STYLE})


def fast_choropleth(
    geometry: Mapping[str, str],
    values: pl.DataFrame,
    *,
    breaks: Sequence[float],
    unit: str | None,
    denominator_label: str | None,
    year: int,
    decimals: int | None,
    layer_id: str = "areas",
) -> PrebuiltDeck:
    """`zone_choropleth`'s colours and tooltips on cached geometry (`geometry_index`)."""
    skeleton = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": {"area_code": code}}
            for code in geometry
        ],
    }
    coloured = choropleth_geojson(
        skeleton,
        values,
        breaks=breaks,
        unit=unit,
        denominator_label=denominator_label,
        year=year,
        decimals=decimals,
    )
    properties = {str(f["properties"]["area_code"]): f["properties"] for f in coloured["features"]}
    return prebuilt_deck(geometry, properties, layer_id=layer_id)
