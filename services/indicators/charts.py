"""Server-rendered SVG charts: bars per year with the expected value drawn as a line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from babel.numbers import format_compact_decimal
from markupsafe import Markup, escape

from services.indicators import labels

# PAD_LEFT holds the axis's top value in its language's short form ("123 tys.", "1,5 млн").
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 320, 160, 52, 24, 12


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[tuple[int, Decimal | None]],
    expected: Decimal | None,
    lang: str = "en",
) -> Markup:
    """An accessible SVG (role img, <title>, <desc>); the data table beside it carries the numbers.
    The axis's top value is written in `lang`."""
    values = [v for _, v in points if v is not None]
    top = max([*values, expected or Decimal(0), Decimal(1)])
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(points), 1)

    def y_of(v: Decimal) -> float:
        return PAD_TOP + plot_h - float(v / top) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + plot_h}" stroke="#4a4f54"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11" fill="#1b1b1b">{escape(_short(top, lang))}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="11" fill="#1b1b1b">0</text>',
    ]
    for i, (year, value) in enumerate(points):
        x = PAD_LEFT + i * step + step * 0.2
        if value is not None and value > 0:
            y = y_of(value)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{PAD_TOP + plot_h - y:.1f}" fill="#1a4fa0"/>'
            )
        parts.append(
            f'<text x="{x + step * 0.3:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="11" fill="#1b1b1b">{year}</text>'
        )
    if expected is not None:
        y = y_of(expected)
        parts.append(
            f'<line class="chart-expected" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
            f'stroke="#b3261e" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: Decimal, lang: str) -> str:
    """The axis's top value, short, as `lang` writes it: "1,5 mln", "12 tys.", "1.5M", "9,5"."""
    if value >= 10_000:
        digits = 1 if value >= 1_000_000 else 0
        return format_compact_decimal(
            value, format_type="short", locale=lang, fraction_digits=digits
        )
    return labels.number(value, lang)
