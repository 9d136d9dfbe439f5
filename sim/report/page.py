"""The HTML shell of a report: one self-contained page (inline CSS and SVG, no script, no
network, no external font). Every piece of text passes through :func:`esc`."""

from __future__ import annotations

import html
from dataclasses import dataclass

from matplotlib.figure import Figure

from sim.charts import to_svg

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif;
       color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1.5rem;
       line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6rem; margin: 0 0 0.3rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 0.6rem; border-bottom: 1px solid #ccc; }
.sub { color: #555; font-size: 0.9rem; margin: 0 0 1rem; }
.key { background: #eef4fb; border-left: 5px solid #0072B2; padding: 0.8rem 1rem;
       font-size: 1.1rem; margin: 0.5rem 0 1rem; }
figure.chart { margin: 0.8rem 0 1.4rem; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { display: block; width: 100%; height: auto; max-height: 240mm; }
figcaption { font-size: 0.92rem; color: #222; margin-top: 0.3rem; }
figcaption p { margin: 0.25rem 0; }
table { border-collapse: collapse; font-size: 0.8rem; overflow-wrap: anywhere;
        margin: 0.5rem 0 1rem; width: 100%;
        break-inside: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.35rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; white-space: pre-line; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
.better { color: #1b7837; } .worse { color: #b2182b; } .unclear { color: #666; }
.note { color: #555; font-size: 0.85rem; }
ul.notes { font-size: 0.88rem; margin-top: -0.6rem; }
ul { margin: 0.3rem 0 0.8rem; }
code { font-size: 0.85em; overflow-wrap: anywhere; }
@page { size: A4; margin: 14mm 13mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  h2 { margin-top: 0; }
}
"""


def esc(text: object) -> str:
    """Text as HTML (``<``, ``>``, ``&`` and quotes escaped): labels never become markup."""
    return html.escape(str(text), quote=True)


@dataclass
class Section:
    """One part of the page: a heading and its (already escaped) HTML body."""

    sid: str
    title: str
    body: str

    def html(self) -> str:
        return f'<section id="{esc(self.sid)}">\n<h2>{esc(self.title)}</h2>\n{self.body}\n</section>'


def para(text: str, cls: str = "") -> str:
    """One escaped paragraph."""
    return f'<p class="{cls}">{esc(text)}</p>' if cls else f"<p>{esc(text)}</p>"


def figure(fig: Figure, uid: str, captions: list[str], alt: str,
           notes: list[str] | None = None) -> str:
    """A chart as inline SVG with its caption paragraphs (each escaped) and an accessible name;
    ``notes``: longer computed sentences after the figure (they may flow onto the next page,
    the chart and its caption never split)."""
    svg = to_svg(fig, uid).replace("<svg", f'<svg aria-label="{esc(alt)}"', 1)
    caps = "".join(f"<p>{esc(c)}</p>" for c in captions if c)
    after = "".join(f"<li>{esc(c)}</li>" for c in notes or [] if c)
    return (f'<figure class="chart" id="{esc(uid)}">\n{svg}\n<figcaption>{caps}</figcaption>\n'
            f"</figure>\n" + (f'<ul class="notes">{after}</ul>\n' if after else ""))


def table(header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """A table: ``rows`` of (text, css class) cells; every cell escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{esc(v)}</td>' if c else f"<td>{esc(v)}</td>"
                                    for v, c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, subtitle: str, key_message: str, sections: list[Section], lang: str) -> str:
    """The whole document."""
    parts = "\n".join(s.html() for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            # nothing may load or run: no script, no request (styles and SVG are inline)
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f"style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{esc(title)}</h1>\n<p class=\"sub\">{esc(subtitle)}</p>\n"
            f'<p class="key" id="key-message">{esc(key_message)}</p></header>\n'
            f"{parts}\n</body>\n</html>\n")
