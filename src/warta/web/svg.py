"""Small server-side SVG charts for the corpus page (no script, no CDN).

Every label is escaped here (outlet names come from the captures), and colours
are presentation attributes rather than `style`, so the page's content security
policy can forbid inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

#: Colours for series (colour-blind friendly, Okabe-Ito plus greys).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#999999", "#666666")  # fmt: skip
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def stacked_bars(
    labels: Sequence[str], series: Mapping[str, Sequence[int]], title: str, width: int = 760
) -> Markup:
    """Vertical bars per label (a day or a month), stacked by series (outlets), with a legend.

    Example:
        >>> "<rect" in stacked_bars(["2025-06-01"], {"a": [3]}, "Articles")
        True
    """
    height, left, top, bottom = 240, 40, 24, 46
    plot_w, plot_h = width - left - 10, height - top - bottom
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(labels), 1)
    bar_w = max(step * 0.8, 1.0)
    parts = [_open(width, height + 18 * ((len(series) + 3) // 4), title)]
    parts.append(_axis(left, top, plot_h, peak))
    colours = dict(zip(series, _colours(len(series)), strict=True))
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = float(top + plot_h)
        for name, values in series.items():
            if not values[i]:
                continue
            h = values[i] / peak * plot_h
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                f' fill="{colours[name]}"><title>{escape(label)} {escape(name)}:'
                f" {values[i]}</title></rect>"
            )
    every = max(1, len(labels) // 8)
    for i in range(0, len(labels), every):
        x = left + i * step + step / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>'
            f"{escape(labels[i])}</text>"
        )
    for k, name in enumerate(series):
        lx, ly = left + (k % 4) * (plot_w / 4), height + 18 * (k // 4) - 10
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{colours[name]}"/>'
            f'<text x="{lx + 14:.1f}" y="{ly}" {FONT}>{escape(_short(name))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def hbars(values: Mapping[str, int], title: str, width: int = 760) -> Markup:
    """Horizontal bars, one per label (removals by reason), with the count at the end.

    Example:
        >>> "repeated" in hbars({"repeated": 9}, "Removals")
        True
    """
    row, left = 22, 150
    height = row * max(len(values), 1) + 30
    peak = max(values.values(), default=0) or 1
    parts = [_open(width, height, title)]
    for i, (label, n) in enumerate(values.items()):
        y = 20 + i * row
        w = n / peak * (width - left - 70)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {FONT}>{escape(_short(label))}'
            f'</text><rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 6}"'
            f' fill="{PALETTE[0]}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}" {FONT}>{n:,}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(values: Mapping[str, int], title: str, x_label: str, width: int = 760) -> Markup:
    """Vertical bars, one per label (clusters by size), counts on a log-free linear axis.

    Example:
        >>> "size" in columns({"1": 5, "2": 1}, "Clusters", "size")
        True
    """
    height, left, top, bottom = 220, 40, 24, 40
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max(values.values(), default=0) or 1
    step = plot_w / max(len(values), 1)
    parts = [_open(width, height, title), _axis(left, top, plot_h, peak)]
    for i, (label, n) in enumerate(values.items()):
        h = n / peak * plot_h
        x = left + i * step + step * 0.1
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.8:.1f}"'
            f' height="{h:.1f}" fill="{PALETTE[2]}"><title>{escape(x_label)} {escape(label)}:'
            f" {n}</title></rect>"
            f'<text x="{x + step * 0.4:.1f}" y="{top + plot_h + 14}" text-anchor="middle"'
            f" {FONT}>{escape(label)}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" {FONT}>'
        f"{escape(x_label)}</text></svg>"
    )
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _axis(left: int, top: int, plot_h: int, peak: int) -> str:
    """The y axis line with its zero and peak labels."""
    return (
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {FONT}>{peak:,}</text>'
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" {FONT}>0</text>'
    )


def _colours(n: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def _short(label: str, size: int = 24) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"
