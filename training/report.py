"""The evaluation report (report.html) written beside every model, rendered from its model card alone.

Self-contained: inline CSS and SVG, no scripts, fonts or images from elsewhere.
"""

from html import escape

from training.labels import OUTLOOKS, TOPICS

_COLOURS = {"security": "#c0392b", "arms_trade": "#8e44ad", "diplomacy": "#2471a3"}
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.curves{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:.85rem;color:#555;text-align:center}code{background:#f4f4f4;padding:0 .2rem}
"""


def _f(x: float) -> str:
    return f"{x:.3f}"


def _pr_svg(topic: str, points: list[dict], threshold: float) -> str:
    """Precision (y) against recall (x), one point per threshold, the chosen threshold circled."""
    size, pad = 260, 34
    span = size - 2 * pad

    def xy(p):
        return pad + p["recall"] * span, size - pad - p["precision"] * span

    ordered = sorted((p for p in points if p["precision"] > 0 or p["recall"] > 0), key=lambda p: p["recall"])
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, ordered))
    chosen = min(points, key=lambda p: abs(p["threshold"] - threshold))
    cx, cy = xy(chosen)
    colour = _COLOURS.get(topic, "#333")
    ticks = "".join(
        f'<text x="{pad + v * span:.0f}" y="{size - pad + 14}" font-size="10" text-anchor="middle">{v:.1f}</text>'
        f'<text x="{pad - 6}" y="{size - pad - v * span + 3:.0f}" font-size="10" text-anchor="end">{v:.1f}</text>'
        for v in (0, 0.5, 1)
    )
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="precision-recall curve for {escape(topic)}">'
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="#fafafa" stroke="#999"/>{ticks}'
        f'<text x="{size / 2}" y="{size - 4}" font-size="11" text-anchor="middle">recall</text>'
        f'<text x="10" y="{size / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 10 {size / 2})">'
        f"precision</text>"
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="none" stroke="#000" stroke-width="2"/>'
        f"</svg><figcaption><b>{escape(topic)}</b>: threshold {threshold:.2f} "
        f"(P {_f(chosen['precision'])}, R {_f(chosen['recall'])})</figcaption></figure>"
    )


def _confusion_table(outlook: dict) -> str:
    matrix = outlook["confusion_matrix"]["rows_true_columns_predicted"]
    biggest = max(max(row) for row in matrix) or 1
    head = "".join(f"<th>{escape(o)}</th>" for o in OUTLOOKS)
    rows = []
    for label, row in zip(OUTLOOKS, matrix, strict=True):
        cells = "".join(f'<td style="background:rgba(36,113,163,{0.08 + 0.6 * v / biggest:.2f})">{v}</td>' for v in row)
        rows.append(f'<tr><th class="l">{escape(label)}</th>{cells}</tr>')
    return f'<table><tr><th class="l">true \\ predicted</th>{head}</tr>{"".join(rows)}</table>'


def render_report(card: dict) -> str:
    cv = card["metrics"]["cross_validation"]
    topics, outlook, corpus = cv["topics"], cv["outlook"], card["corpus"]
    topic_rows = "".join(
        f'<tr><td class="l">{escape(t)}</td><td>{_f(m["precision"])}</td><td>{_f(m["recall"])}</td>'
        f"<td>{_f(m['f1'])}</td><td>{m['support']}</td><td>{card['thresholds'][t]:.2f}</td>"
        f"<td>{_f(cv['calibration'][t]['brier'])}</td></tr>"
        for t, m in topics["per_topic"].items()
    )
    outlook_rows = "".join(
        f'<tr><td class="l">{escape(o)}</td><td>{_f(m["precision"])}</td><td>{_f(m["recall"])}</td>'
        f"<td>{_f(m['f1'])}</td><td>{m['support']}</td></tr>"
        for o, m in outlook["per_class"].items()
    )
    curves = "".join(
        _pr_svg(t, cv["pr_curves"][t], card["thresholds"][t]) for t in TOPICS if t in cv.get("pr_curves", {})
    )
    counts = "".join(
        f'<tr><td class="l">{escape(k)}</td><td>{v}</td></tr>'
        for k, v in [
            *corpus["topics"].items(),
            ("no topic", corpus["no_topic"]),
            ("two or more topics", corpus["multi_topic"]),
            *((f"outlook {o}", n) for o, n in corpus["outlooks"].items()),
        ]
    )
    combos = "".join(f'<tr><td class="l">{escape(k)}</td><td>{v}</td></tr>' for k, v in corpus["combinations"].items())
    libraries = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in card["libraries"].items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>topicstance model {escape(card["version"])}</title>
<style>{_STYLE}</style></head><body>
<h1>topicstance model <code>{escape(card["version"])}</code></h1>
<p>Created {escape(card["created_at"])} from {corpus["records"]} records (corpus sha256
<code>{escape(corpus["sha256"][:16])}…</code>). Figures: {escape(cv["method"])}.</p>
<h2>Topics</h2>
<table><tr><th class="l">topic</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>threshold</th>
<th>Brier</th></tr>{topic_rows}</table>
<p>micro-F1 {_f(topics["micro_f1"])}, macro-F1 {_f(topics["macro_f1"])},
exact topic-set match {_f(topics["exact_match"])}.</p>
<h2>Precision-recall curves (out-of-fold probabilities; circle: the chosen threshold)</h2>
<div class="curves">{curves}</div>
<h2>Outlook</h2>
<table><tr><th class="l">outlook</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{outlook_rows}</table>
<p>macro-F1 {_f(outlook["macro_f1"])}, accuracy {_f(outlook["accuracy"])}.</p>
{_confusion_table(outlook)}
<h2>Corpus</h2>
<table><tr><th class="l">label</th><th>records</th></tr>{counts}</table>
<table><tr><th class="l">topic combination</th><th>records</th></tr>{combos}</table>
<p>Words per text: min {corpus["words"]["min"]}, median {corpus["words"]["median"]:g}, max {corpus["words"]["max"]}.
Files: {escape(", ".join(corpus["files"]))}.</p>
<h2>Versions</h2><p>{libraries}</p>
</body></html>
"""
