"""Plotly figures of a shown run, as plain dicts for ``<script type="application/json">``.

Every figure is built from rows that went through ``scoring.display.shown``: a hidden
(suppressed) figure is None and never becomes a bar, a segment or a cell. Figures use
``plotly.graph_objects`` only (no numpy or pandas) and are drawn by static/results.js with
the plotly.js served from our own origin.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
from flask_babel import gettext as _
from plotly.colors import sample_colorscale

#: Colours: 十佳, 末位, everyone else, and the 不了解 level.
TOP, BOTTOM, PLAIN, UNKNOWN = "#1f7a4d", "#b4232a", "#8a9bb0", "#c7ccd3"
#: Horizontal charts list at most this many targets (the lowest totals first).
MAX_ROWS = 60
FONT = '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'


def _figure(traces: list, **layout) -> dict:
    fig = go.Figure(data=traces)
    fig.update_layout(template="none", font={"family": FONT, "size": 12}, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    fig.update_layout(**layout)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return json.loads(fig.to_json())


def _label(row: dict) -> str:
    return f"{row['code']} {row['name']}"


def lowest(rows: list[dict], limit: int = MAX_ROWS) -> list[dict]:
    """The ``limit`` targets with the lowest shown totals, lowest first (those to look at)."""
    scored = sorted((r for r in rows if r["total"] is not None), key=lambda r: r["total"])
    return scored[:limit]


def score_bars(rows: list[dict]) -> dict:
    """Each ranked target's shown total as a bar, highest first; 十佳 green, 末位 red."""
    scored = sorted((r for r in rows if r["status"] == "ranked" and r["total"] is not None), key=lambda r: -r["total"])
    colours = [TOP if "top" in r["flags"] else BOTTOM if "bottom" in r["flags"] else PLAIN for r in scored]
    bar = go.Bar(
        x=[_label(r) for r in scored],
        y=[r["total"] for r in scored],
        marker={"color": colours},
        hovertemplate="%{x}<br>" + _("总分") + " %{y:.2f}<extra></extra>",
    )
    title = _("总分（绿色：十佳，红色：末位）")
    return _figure([bar], title=title, yaxis={"title": _("总分")}, xaxis={"showticklabels": len(scored) <= 40})


def level_colours(points: dict[str, float | None]) -> dict[str, str]:
    """Red for the fewest points through yellow to green for the most; grey for 不了解."""
    scored = [p for p in points.values() if p is not None]
    low, high = (min(scored), max(scored)) if scored else (0.0, 1.0)
    span = (high - low) or 1.0
    return {
        label: UNKNOWN if p is None else sample_colorscale("RdYlGn", [0.1 + 0.8 * (p - low) / span])[0]
        for label, p in points.items()
    }


def level_shares(rows: list[dict], points: dict[str, float | None] | None = None) -> dict:
    """Stacked shares of each rating level per target (round components added up); ``points``
    (label → points, None for 不了解) colours the levels from red to green."""
    counted = [(row, counts) for row in lowest(rows) if (counts := level_counts(row))]
    labels = list(dict.fromkeys(label for _row, levels in counted for label in levels))
    colours = level_colours(points or {})
    traces = [
        go.Bar(
            name=label,
            orientation="h",
            y=[_label(row) for row, _levels in counted],
            x=[levels.get(label, 0) for _row, levels in counted],
            marker={"color": colours[label]} if label in colours else None,
            hovertemplate="%{y}<br>" + label + " %{x:.1f}%<extra></extra>",
        )
        for label in labels
    ]
    return _figure(
        traces,
        title=_("各等级评价占比"),
        barmode="stack",
        barnorm="percent",
        height=_height(len(counted)),
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h"},
    )


def level_counts(row: dict) -> dict[str, int]:
    """Answers per level label over a target's round components; hidden counts left out."""
    counts: dict[str, int] = {}
    for component in row["components"]:
        for lv in component.get("levels", []):
            if lv["count"] is not None:
                counts[lv["label"]] = counts.get(lv["label"], 0) + lv["count"]
    return counts if sum(counts.values()) else {}


def item_means(row: dict) -> dict[str, float]:
    """Mean points of each item over the shown groups of all round components; an item
    whose every group is hidden has no value."""
    sums: dict[str, list[float]] = {}
    for component in row["components"]:
        for group in component.get("groups", []):
            for item in group.get("items", []):
                if item["mean"] is None or not item["n"]:
                    continue
                total = sums.setdefault(item["code"], [0.0, 0])
                total[0] += item["mean"] * item["n"]
                total[1] += item["n"]
    return {code: s / n for code, (s, n) in sums.items()}


def level_points(config: dict) -> dict[str, float | None]:
    """Level label → points over a run's round components (None for an excluded level)."""
    points: dict[str, float | None] = {}
    for component in config["components"]:
        for level in (component.get("round") or {}).get("levels", []):
            points.setdefault(level["label"], None if level.get("is_excluded") else level.get("points"))
    return points


def item_heatmap(rows: list[dict], items: list[tuple[str, str]]) -> dict:
    """Targets × items: the mean points of each item, so a low cell shows what pulls a target down."""
    shown = lowest(rows)
    means = [item_means(r) for r in shown]
    heat = go.Heatmap(
        x=[f"{code} {text[:8]}" for code, text in items],
        y=[_label(r) for r in shown],
        z=[[m.get(code) for code, _text in items] for m in means],
        colorscale="RdYlGn",
        zmin=40,
        zmax=100,
        hoverongaps=False,
        hovertemplate="%{y}<br>%{x}<br>" + _("平均分") + " %{z:.1f}<extra></extra>",
    )
    title = _("各指标平均分（越红越低）")
    return _figure([heat], title=title, height=_height(len(shown)), yaxis={"autorange": "reversed"})


def gap_bars(rows: list[dict], kinds: dict[str, str]) -> dict | None:
    """Internal minus external round score per target; None when the campaign lacks either."""
    internal = [name for name, kind in kinds.items() if kind == "internal"]
    external = [name for name, kind in kinds.items() if kind == "external"]
    if not internal or not external:
        return None
    pairs = []
    for row in lowest(rows):
        scores = {c["name"]: c["score"] for c in row["components"]}
        inside, outside = scores.get(internal[0]), scores.get(external[0])
        if inside is not None and outside is not None:
            pairs.append((row, inside, outside))
    bar = go.Bar(
        orientation="h",
        y=[_label(row) for row, _i, _o in pairs],
        x=[inside - outside for _row, inside, outside in pairs],
        customdata=[[inside, outside] for _row, inside, outside in pairs],
        marker={"color": [TOP if inside >= outside else BOTTOM for _row, inside, outside in pairs]},
        hovertemplate="%{y}<br>"
        + _("内部 %(a)s，外部 %(b)s", a="%{customdata[0]:.2f}", b="%{customdata[1]:.2f}")
        + "<extra></extra>",
    )
    title = _("内部评议与外部评议得分之差（内部减外部）")
    return _figure([bar], title=title, height=_height(len(pairs)), yaxis={"autorange": "reversed"})


def trend_lines(labels: list[str], series: dict[str, list[float | None]], names: dict[str, str]) -> dict:
    """One line per target across campaigns (oldest first); a hidden total is a gap."""
    traces = [
        go.Scatter(x=labels, y=totals, mode="lines+markers", name=f"{code} {names.get(code, '')}", connectgaps=False)
        for code, totals in series.items()
    ]
    return _figure(traces, title=_("历次评议总分走势"), yaxis={"title": _("总分")}, xaxis={"type": "category"})


def _height(rows: int) -> int:
    return max(260, 80 + 22 * rows)
