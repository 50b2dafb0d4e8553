# The report's figures (src/evaluation/report.h runs this script).
#
#   /usr/bin/python3 -I figures.py METRICS.json FIGURE_DIR
#
# reads a metrics JSON (src/evaluation/README.md), writes FIGURE_DIR/NAME.png
# and FIGURE_DIR/NAME.svg for every figure in FIGURES, and prints on stdout a
# JSON list of {"name", "title", "caption", "png", "svg"} in report order.
# Every figure is always written: a section with no data (or only nulls)
# becomes a "no data" panel. A key the metrics JSON lacks is an error (a
# rename on one side only), never a silent "no data". Exit 3 with one line on stderr
# when matplotlib is missing; exit 1 on anything else.
#
# matplotlib (Debian's python3-matplotlib) draws both formats from one
# script; the Agg backend, a fixed svg.hashsalt, no dates in the metadata and
# the default DejaVu fonts make the files byte-identical from run to run.
# SVG ids are prefixed with the figure's name so that several SVGs can be
# inlined in one HTML page without their ids clashing.

import json
import math
import os
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as e:
    sys.stderr.write("figures.py: matplotlib is missing (%s): apt-get install python3-matplotlib\n" % e)
    sys.exit(3)

# Ignore any matplotlibrc of the machine (Debian ships /etc/matplotlibrc) so
# figures look the same everywhere.
plt.style.use("default")
matplotlib.rcParams.update(
    {
        "svg.hashsalt": "agentcoder-report",
        "svg.fonttype": "path",  # no font needed where the SVG is opened
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 9,
        "figure.dpi": 100,
        "savefig.dpi": 150,
    }
)

CATEGORY_ORDER = ["pure_reasoning", "execution_required", "ambiguous", "multi_step"]
DIFFICULTY_ORDER = ["easy", "intermediate", "hard"]
WIDTH = 9.0  # inches; the HTML scales the SVG to the page


# ---- reading the metrics: nulls are normal, a missing key is an error ----------


def num(value):
    """A finite float, or None for null, missing, NaN or non-numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def get(obj, *keys):
    """obj[k1][k2]...; None once a value on the way is null. A key that is
    not there raises KeyError: compute_metrics writes every key, so a missing
    one is a rename on one side only, and the report must fail, not draw
    "no data"."""
    for key in keys:
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise KeyError("metrics JSON: %r read from a non-object" % key)
        if key not in obj:
            raise KeyError("metrics JSON: no key %r" % key)
        obj = obj[key]
    return obj


def items(obj, key):
    value = get(obj, key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def condition_label(c):
    return "%s / %s / %s" % (get(c, "variant"), get(c, "prompt_format"), get(c, "mode"))


def panel_title(c):
    # Two lines: a condition's full name is wider than a panel.
    return "%s\n%s / %s" % (get(c, "variant"), get(c, "prompt_format"), get(c, "mode"))


def arm_label(a):
    return "%s / %s" % (get(a, "variant"), get(a, "prompt_format"))


def ordered(values, order):
    """Known values in study order, then the others sorted."""
    seen = [v for v in values if v is not None]
    known = [v for v in order if v in seen]
    return known + sorted(set(seen) - set(known))


def fmt(value, digits=2):
    return "–" if value is None else ("%.*f" % (digits, value))


# ---- drawing helpers -------------------------------------------------------------


def no_data(ax, what="no data"):
    ax.set_axis_off()
    ax.text(0.5, 0.5, what, ha="center", va="center", fontsize=11, color="0.4", transform=ax.transAxes)


def panel_grid(count, ncols, panel_w, panel_h, extra_h=0.0):
    """A figure with `count` panels (at least one) in rows of `ncols`."""
    count = max(count, 1)
    ncols = max(1, min(ncols, count))
    nrows = (count + ncols - 1) // ncols
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_w * ncols, panel_h * nrows + extra_h), squeeze=False, layout="constrained"
    )
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_axis_off()
    return fig, flat[:count]


def heatmap(ax, values, row_labels, col_labels, text, vmin=0.0, vmax=1.0, cmap="viridis"):
    """values: rows x cols of float or None; None cells are grey."""
    data = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    colormap = plt.get_cmap(cmap).copy()
    colormap.set_bad("0.85")
    # pcolormesh, not imshow: cells stay vector rectangles in the SVG,
    # where imshow would embed a tiny PNG that browsers blur when scaling.
    ax.set_facecolor("0.85")
    image = ax.pcolormesh(
        np.ma.masked_invalid(data), cmap=colormap, vmin=vmin, vmax=vmax, edgecolors="white", linewidth=0.5
    )
    ax.set_xlim(0, len(col_labels))
    ax.set_ylim(len(row_labels), 0)
    ax.set_xticks(np.arange(len(col_labels)) + 0.5, labels=col_labels)
    ax.set_yticks(np.arange(len(row_labels)) + 0.5, labels=row_labels)
    for i in range(len(row_labels)):
        for j in range(len(col_labels)):
            v = data[i, j]
            r, g, b, _ = colormap((v - vmin) / ((vmax - vmin) or 1)) if not np.isnan(v) else (0.85, 0.85, 0.85, 1)
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # white text on dark cells
            ax.text(
                j + 0.5, i + 0.5, text[i][j], ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
    return image


def bar_values(values):
    """Bars cannot be None: 0 height, and a flag to mark them."""
    return [0.0 if v is None else v for v in values], [v is None for v in values]


def mark_missing(ax, positions, missing, horizontal=False):
    for p, m in zip(positions, missing):
        if m:
            if horizontal:
                ax.text(0, p, " n/a", va="center", ha="left", fontsize=7, color="0.4")
            else:
                ax.text(p, 0, "n/a", va="bottom", ha="center", fontsize=7, color="0.4", rotation=90)


# ---- the figures -----------------------------------------------------------------


def fig_accuracy_by_cell(m):
    conditions = items(m, "conditions")
    cells = [cell for c in conditions for cell in items(c, "by_cell")]
    cats = ordered({get(cell, "category") for cell in cells}, CATEGORY_ORDER)
    diffs = ordered({get(cell, "difficulty") for cell in cells}, DIFFICULTY_ORDER)
    if not cats or not diffs:
        fig, axes = panel_grid(1, 1, WIDTH, 2.5)
        no_data(axes[0])
        return fig
    fig, axes = panel_grid(len(conditions), 3, WIDTH / 3, 0.45 * len(cats) + 1.3, extra_h=0.5)
    image = None
    for ax, c in zip(axes, conditions):
        by = {(get(cell, "category"), get(cell, "difficulty")): cell for cell in items(c, "by_cell")}
        values, text = [], []
        for cat in cats:
            values.append([]), text.append([])
            for d in diffs:
                cell = by.get((cat, d))
                acc = num(get(cell, "accuracy")) if cell else None
                n = get(cell, "n") if cell else None
                values[-1].append(acc)
                text[-1].append("–" if cell is None else "%s\nn=%s" % (fmt(acc), n if n is not None else "?"))
        image = heatmap(ax, values, cats, diffs, text)
        ax.set_title(panel_title(c), fontsize=8)
        if axes.index(ax) % 3:  # the row's first panel names the categories
            ax.set_yticklabels([])
        ax.tick_params(axis="x", labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
    # Sizes in inches, not shares of the figure, which grows with the panels.
    height = fig.get_figheight()
    fig.colorbar(image, ax=axes, location="top", shrink=0.5, aspect=40, fraction=min(0.15, 0.4 / height),
                 pad=min(0.05, 0.1 / height), label="accuracy")
    return fig


def fig_tool_use_vs_label(m):
    conditions = items(m, "conditions")
    if not conditions:
        fig, axes = panel_grid(1, 1, WIDTH, 2.5)
        no_data(axes[0])
        return fig
    labels = [condition_label(c) for c in conditions]
    height = 0.32 * len(conditions) + 1.2
    cats = ordered({get(b, "category") for c in conditions for b in items(c, "by_category")}, CATEGORY_ORDER)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, height + 0.4), gridspec_kw={"width_ratios": [3, 2]}, layout="constrained"
    )
    y = np.arange(len(conditions))
    use, use_missing = bar_values([num(get(c, "tool_use_rate")) for c in conditions])
    label, label_missing = bar_values([num(get(c, "labelled_tool_rate")) for c in conditions])
    left.barh(y - 0.2, use, height=0.4, label="tool-use rate (first action is a call)", color="tab:blue")
    left.barh(y + 0.2, label, height=0.4, label="labelled rate (optimal tool is not none)", color="tab:gray")
    mark_missing(left, y - 0.2, use_missing, horizontal=True)
    mark_missing(left, y + 0.2, label_missing, horizontal=True)
    left.set_yticks(y, labels=labels, fontsize=7)
    left.set_ylim(len(conditions) - 0.5, -0.5)  # the heatmap's rows, so both panels line up
    left.set_xlim(0, 1)
    left.set_xlabel("share of episodes")
    left.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, frameon=False)
    left.grid(axis="x", alpha=0.3)
    if cats:
        values, text = [], []
        for c in conditions:
            by = {get(b, "category"): b for b in items(c, "by_category")}
            row = [num(get(by.get(cat), "tool_use_rate")) for cat in cats]
            values.append(row)
            text.append([fmt(v) for v in row])
        heatmap(right, values, labels, cats, text, cmap="Blues")
        right.set_yticklabels([])
        right.tick_params(axis="x", labelsize=7, rotation=30)
        right.set_title("tool-use rate by category")
    else:
        no_data(right, "no per-category data")
    return fig


def fig_confusion(m):
    conditions = items(m, "conditions")
    usable = [c for c in conditions if get(c, "confusion", "rows") and get(c, "confusion", "cols")]
    fig, axes = panel_grid(len(conditions), 3, WIDTH / 3, 2.6)
    if not usable:
        for ax in axes:
            no_data(ax)
        return fig
    for ax, c in zip(axes, conditions):
        rows, cols = get(c, "confusion", "rows") or [], get(c, "confusion", "cols") or []
        counts = get(c, "confusion", "counts") or []
        if not rows or not cols:
            no_data(ax)
            ax.set_title(panel_title(c), fontsize=8)
            continue
        table = []
        for i in range(len(rows)):
            row = counts[i] if i < len(counts) and isinstance(counts[i], list) else []
            table.append([num(row[j]) if j < len(row) else None for j in range(len(cols))])
        # Colour by row share so a rare label is as readable as a common
        # one; the numbers are the counts.
        shares = []
        for row in table:
            total = sum(v for v in row if v is not None)
            shares.append([(v / total if total and v is not None else None) for v in row])
        text = [["–" if v is None else "%d" % v for v in row] for row in table]
        heatmap(ax, shares, rows, cols, text, cmap="Greens")
        ax.set_title(panel_title(c), fontsize=8)
        ax.tick_params(axis="x", labelsize=6, rotation=45)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlabel("first action", fontsize=7)
        ax.set_ylabel("label", fontsize=7)
    return fig


def fig_regret(m):
    arms = items(m, "regret")
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 0.35 * max(len(arms), 1) + 1.8), layout="constrained")
    if not arms:
        no_data(left)
        no_data(right)
        return fig
    labels = [arm_label(a) for a in arms]
    y = np.arange(len(arms))
    free, free_missing = bar_values([num(get(a, "free_accuracy")) for a in arms])
    best, best_missing = bar_values([num(get(a, "best_accuracy")) for a in arms])
    left.barh(y - 0.2, free, height=0.4, label="free accuracy", color="tab:blue")
    left.barh(y + 0.2, best, height=0.4, label="best of force_tool / force_text", color="tab:orange")
    mark_missing(left, y - 0.2, free_missing, horizontal=True)
    mark_missing(left, y + 0.2, best_missing, horizontal=True)
    for yi, a in zip(y, arms):
        left.text(1.01, yi, "regret %s" % fmt(num(get(a, "regret")), 3), va="center", fontsize=7)
    left.set_yticks(y, labels=labels, fontsize=7)
    left.invert_yaxis()
    left.set_xlim(0, 1)
    left.set_xlabel("accuracy on tasks with all three modes scored")
    left.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, frameon=False, ncol=2)
    left.grid(axis="x", alpha=0.3)

    kinds = ["tool", "text", "either", "neither"]
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:gray"]
    counts = [[num(get(a, "best_choice", k)) or 0.0 for k in kinds] for a in arms]
    totals = [sum(row) for row in counts]
    if not any(totals):
        no_data(right, "no best-choice counts")
    else:
        start = np.zeros(len(arms))
        for k, kind in enumerate(kinds):
            share = np.array([row[k] / t if t else 0.0 for row, t in zip(counts, totals)])
            right.barh(y, share, left=start, height=0.6, label=kind, color=colors[k])
            start += share
        for yi, a in zip(y, arms):
            agree = num(get(a, "label_agreement"))
            right.text(1.01, yi, "label agrees %s" % ("–" if agree is None else "%.0f%%" % (100 * agree)),
                       va="center", fontsize=7)
        right.set_yticks(y, labels=[])
        right.invert_yaxis()
        right.set_xlim(0, 1)
        right.set_xlabel("share of tasks by empirical best choice")
        right.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, frameon=False, ncol=4)
    return fig


def fig_latency(m):
    conditions = items(m, "conditions")
    parts = ["prompt_eval", "decode", "tool", "queue"]
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:gray"]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * max(len(conditions), 1) + 1.4), layout="constrained")
    values = [[num(get(c, "efficiency", "latency_ms", p)) for p in parts] for c in conditions]
    if not conditions or all(v is None for row in values for v in row):
        no_data(ax)
        return fig
    y = np.arange(len(conditions))
    start = np.zeros(len(conditions))
    for k, part in enumerate(parts):
        widths = np.array([row[k] or 0.0 for row in values])
        ax.barh(y, widths, left=start, height=0.6, label=part.replace("_", " "), color=colors[k])
        start += widths
    walls = [num(get(c, "efficiency", "latency_ms", "wall")) for c in conditions]
    wy = [yi for yi, w in zip(y, walls) if w is not None]
    ax.plot([w for w in walls if w is not None], wy, "k|", markersize=12, label="wall")
    ax.set_yticks(y, labels=[condition_label(c) for c in conditions], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mean ms per episode")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7, frameon=False, ncol=5)
    ax.grid(axis="x", alpha=0.3)
    for yi, row in zip(y, values):
        if all(v is None for v in row):
            ax.text(0, yi, " n/a", va="center", ha="left", fontsize=7, color="0.4")
    return fig


def fig_tokens(m):
    conditions = items(m, "conditions")
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(WIDTH, 0.32 * max(len(conditions), 1) + 1.4), sharey=True, layout="constrained"
    )
    prompt = [num(get(c, "efficiency", "prompt_tokens_per_task")) for c in conditions]
    generated = [num(get(c, "efficiency", "generated_tokens_per_task")) for c in conditions]
    if not conditions or all(v is None for v in prompt + generated):
        no_data(left)
        no_data(right)
        return fig
    y = np.arange(len(conditions))
    # Two panels, not one: prompt tokens are often 10x the generated ones
    # and would flatten them on a shared axis.
    for ax, values, color, title in (
        (left, prompt, "tab:blue", "prompt tokens per task"),
        (right, generated, "tab:orange", "generated tokens per task"),
    ):
        heights, missing = bar_values(values)
        ax.barh(y, heights, height=0.6, color=color)
        mark_missing(ax, y, missing, horizontal=True)
        for yi, v in zip(y, values):
            if v is not None:
                ax.text(v, yi, " %.0f" % v, va="center", fontsize=7)
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.15)
    left.set_yticks(y, labels=[condition_label(c) for c in conditions], fontsize=7)
    left.invert_yaxis()
    return fig


def fig_calibration(m):
    # Small multiples, one arm a panel: several reliability curves on one
    # axis cross each other and cannot be read.
    arms = items(m, "calibration")
    fig, axes = panel_grid(len(arms), 3, WIDTH / 3, WIDTH / 3 + 0.5)
    if not arms:
        no_data(axes[0])
        return fig
    for ax, a in zip(axes, arms):
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.5", linewidth=1)
        points = [
            (num(get(b, "mean_p_tool")), num(get(b, "helped_rate")), num(get(b, "n")) or 0.0) for b in items(a, "bins")
        ]
        points = [p for p in points if p[0] is not None and p[1] is not None and p[2] > 0]
        if points:
            xs, ys, ns = zip(*points)
            ax.plot(xs, ys, color="tab:blue", linewidth=1.2)
            ax.scatter(xs, ys, s=[12 + 6 * n for n in ns], color="tab:blue", alpha=0.6, zorder=3)
        else:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=11, color="0.4", transform=ax.transAxes)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
        ax.set_title(
            "%s\n%s\nAUROC %s, n=%s" % (get(a, "variant"), get(a, "prompt_format"), fmt(num(get(a, "auroc"))),
                                        get(a, "n")),
            fontsize=8,
        )
        ax.tick_params(labelsize=7)
    fig.supxlabel("mean p_tool in bin (free episode)", fontsize=9)
    fig.supylabel("share of tasks where the tool helped", fontsize=9)
    return fig


def fig_boundaries(m):
    # Issue 17: one panel per arm and family with a fitted 50% point on
    # either curve ("enough data"); the others are in the report's table.
    rows = [b for b in items(m, "boundaries") if num(get(b, "call", "x50")) is not None
            or num(get(b, "competence", "x50")) is not None]
    fig, axes = panel_grid(len(rows), 2, WIDTH / 2, WIDTH / 3)
    if not rows:
        no_data(axes[0], "no family with a fitted 50% point")
        return fig
    for ax, b in zip(axes, rows):
        log = get(b, "scale") == "log10"  # fitted over log10(knob); x50 and points in knob units
        if log:
            ax.set_xscale("log")
        for part, color, label in (("call", "tab:blue", "P(call | free)"),
                                   ("competence", "tab:orange", "P(correct | force_text)")):
            curve = get(b, part)
            points = [(num(get(p, "knob")), num(get(p, "rate")), num(get(p, "n")) or 0.0) for p in items(curve, "points")]
            points = [p for p in points if p[0] is not None and p[1] is not None]
            if points:
                xs, ys, ns = zip(*points)
                ax.scatter(xs, ys, s=[8 + 4 * min(n, 40.0) for n in ns], color=color, alpha=0.5, zorder=3)
            b0, b1 = num(get(curve, "intercept")), num(get(curve, "slope"))
            if b0 is not None and b1 is not None and points:
                lo, hi = min(p[0] for p in points), max(p[0] for p in points)
                grid = np.geomspace(lo, hi, 100) if log else np.linspace(lo, hi, 100)
                axis = np.log10(grid) if log else grid
                ax.plot(grid, 1 / (1 + np.exp(-(b0 + b1 * axis))), color=color, linewidth=1.2, label=label)
            x50 = num(get(curve, "x50"))
            if x50 is not None:
                ax.axvline(x50, color=color, linestyle="--", linewidth=1)
                lo_ci, hi_ci = num(get(curve, "lo")), num(get(curve, "hi"))
                if lo_ci is not None and hi_ci is not None:
                    ax.axvspan(lo_ci, hi_ci, color=color, alpha=0.12)
        ax.axhline(0.5, color="0.6", linewidth=0.8)
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        gap = num(get(b, "gap", "value"))
        knob = get(b, "knob") + (", log scale" if log else "")
        ax.set_title("%s (%s)\n%s, gap %s" % (get(b, "family"), knob, arm_label(b), fmt(gap)), fontsize=8)
    axes[0].legend(fontsize=6, loc="best")
    fig.supxlabel("difficulty knob (the family's first)", fontsize=9)
    fig.supylabel("rate", fontsize=9)
    return fig


FIGURES = [
    (
        "accuracy_by_cell",
        "Accuracy by category and difficulty",
        fig_accuracy_by_cell,
        "One panel per condition (variant / prompt format / mode); each cell is the share of correct "
        "episodes among the scored episodes of that category and difficulty, with n below. Grey: no "
        "scored episode.",
    ),
    (
        "tool_use_vs_label",
        "Tool use against the labelled optimum",
        fig_tool_use_vs_label,
        "Left: per condition, the share of episodes whose first action is a tool call, beside the share "
        "whose label says a tool is best (optimal tool is not none). Right: the tool-use rate per task "
        "category.",
    ),
    (
        "confusion",
        "First action against the label",
        fig_confusion,
        "One matrix per condition: rows are the labelled best tool, columns the first action. Numbers are "
        "episode counts; the shade is the share of the row.",
    ),
    (
        "regret",
        "Regret of the free choice",
        fig_regret,
        "Per arm (variant / prompt format), on tasks with all three modes scored: accuracy when the model "
        "chooses (free) against the best of forcing a tool or forcing text per task; regret is their "
        "difference. Right: tasks by which forced mode was correct, and how often the label agrees on the "
        "tasks where only one was.",
    ),
    (
        "latency",
        "Where the time goes",
        fig_latency,
        "Mean milliseconds per episode, stacked: prompt evaluation, decoding, tool execution, queueing; "
        "the tick marks the mean wall time (the rest is harness overhead).",
    ),
    (
        "tokens",
        "Token cost",
        fig_tokens,
        "Mean prompt tokens and generated tokens per task, over all steps of an episode.",
    ),
    (
        "calibration",
        "Calibration of the decision probe",
        fig_calibration,
        "One panel per arm, on tasks where forcing a tool and forcing text disagree: p_tool of the free "
        "episode, in 10 equal-width bins, against the share of those tasks where the tool helped (force_tool "
        "correct). Points on the diagonal are calibrated; marker area grows with the bin's count. AUROC: how "
        "well p_tool ranks helped above hurt tasks.",
    ),
    (
        "boundaries",
        "Decision boundary against competence boundary",
        fig_boundaries,
        "One panel per arm and generator family where a curve crosses 50%: over the family's difficulty knob, "
        "the share of free episodes that call a tool (blue) and of force_text episodes that are correct "
        "(orange), marker area by count, with the fitted logistic curves, their 50% points (dashed) and 95% "
        "bootstrap intervals (shaded). Gap: the call curve's 50% point minus the competence curve's; positive, "
        "the model starts calling only after it can no longer answer alone.",
    ),
]


# ---- the hidden-state probe: only for a run that kept hidden states ----------


def fig_probe_layers(m):
    groups = m["probe"]["groups"]
    fig, axes = plt.subplots(2, len(groups), figsize=(5.5 * len(groups), 5.6), squeeze=False,
                             gridspec_kw={"height_ratios": [2, 1]})
    for col, g in enumerate(groups):
        top, bottom = axes[0][col], axes[1][col]
        layers = [entry["layer"] for entry in g["layers"]]
        missing = []  # a probe with no fit at any layer: why, in place of its curve
        for label, color in (("needs", "tab:blue"), ("calls", "tab:orange")):
            xs, ys, lo, hi = [], [], [], []
            for entry in g["layers"]:
                fit = entry[label]
                if "auroc" not in fit:
                    continue
                xs.append(entry["layer"])
                ys.append(fit["auroc"])
                # A percentile interval can miss its estimate; errorbar refuses negative lengths.
                lo.append(max(0.0, fit["auroc"] - fit.get("ci_low", fit["auroc"])))
                hi.append(max(0.0, fit.get("ci_high", fit["auroc"]) - fit["auroc"]))
            if xs:
                top.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, color=color,
                             label="%s the tool (n=%d)" % (label, g["layers"][0][label]["n"]))
            else:
                missing.append("%s: %s" % (label, g["layers"][0][label].get("why", "no fit")))
        top.axhline(0.5, color="grey", linestyle="--", linewidth=0.8)
        top.set_ylim(0, 1.05)
        top.set_ylabel("AUROC (out of fold)", fontsize=8)
        title = "%s: %d free episodes" % (g["variant"], g["episodes"])
        if missing:
            title += "\nno probe for " + "; ".join(missing)
        top.set_title(title, fontsize=9)
        if len(missing) < 2:
            top.legend(fontsize=7, loc="lower right")
        top.set_xlabel("layer", fontsize=8)
        top.set_xticks(layers)
        top.tick_params(labelsize=7)
        cos = [(entry["layer"], entry["cosine"]) for entry in g["layers"] if entry["cosine"] is not None]
        if not cos:
            no_data(bottom, "no cosine: it needs both probes")
            continue
        bottom.plot([c[0] for c in cos], [c[1] for c in cos], marker="s", color="tab:green")
        bottom.axhline(0, color="grey", linestyle="--", linewidth=0.8)
        bottom.set_ylim(-1.05, 1.05)
        bottom.set_ylabel("cosine(needs, calls)", fontsize=8)
        bottom.set_xlabel("layer", fontsize=8)
        bottom.set_xticks(layers)
        bottom.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


# Drawn after FIGURES when the metrics carry a "probe" section.
PROBE_FIGURE = (
    "probe_layers",
    "What the hidden states know before the first decision",
    fig_probe_layers,
    "Per variant and layer: cross-validated AUROC of a logistic-regression probe on the hidden state of "
    "the free episode's last prompt token, for needing the tool (no force_text episode of the task solved "
    "it) and for calling it (first decision a call), with bootstrap 95% CIs; the dashed line is chance. "
    "Below: the cosine between the two probes' directions. With tens of episodes these are noise.",
)


def prefix_svg_ids(svg, prefix):
    """Rename every id (and its references) so inlined SVGs cannot collide."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg

    def rename(match):
        head, name = match.group(1), match.group(2)
        return head + (prefix + name if name in ids else name)

    return re.sub(r'(\bid="|#)([A-Za-z_][\w.:-]*)', rename, svg)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: figures.py METRICS.json FIGURE_DIR\n")
        return 1
    with open(argv[1], encoding="utf-8") as f:
        metrics = json.load(f)
    if not isinstance(metrics, dict):
        sys.stderr.write("figures.py: %s: not a JSON object\n" % argv[1])
        return 1
    out_dir = argv[2]
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, title, draw, caption in FIGURES + ([PROBE_FIGURE] if metrics.get("probe") else []):
        fig = draw(metrics)
        png = os.path.join(out_dir, name + ".png")
        svg = os.path.join(out_dir, name + ".svg")
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None})
        plt.close(fig)
        with open(svg, encoding="utf-8") as f:
            text = f.read()
        with open(svg, "w", encoding="utf-8") as f:
            f.write(prefix_svg_ids(text, name + "-"))
        written.append({"name": name, "title": title, "caption": caption, "png": png, "svg": svg})
    json.dump(written, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
