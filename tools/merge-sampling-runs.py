#!/usr/bin/env python3
"""Merges `plaquefem experiment ivus` runs that were split into one process per configuration and
seed (`--seed K --repeats 1`, which runs exactly the repeat with seed K of `--seed 1 --repeats 5`)
into curves.csv, table.md and curves.svg: mean ± sample sd per round, the paired difference against
random, and the labels needed to reach random's final mean, as the CLI's report does.

A run directory DIR contributes its curves.csv (full precision) when the process finished, else the
per-round progress lines of DIR/../logs/<name>.err (1 decimal); the seed of repeat 1 is the number
after "seed" at the end of the directory's name (1 when there is none).

usage: merge-sampling-runs.py OUTDIR ROUNDS TITLE [LABEL:]DIR...
       (LABEL renames the strategy of that directory's runs, e.g. "280 labels, 14 epochs per round:results/conf-b-seed4")
"""
import csv, math, os, re, statistics as st, sys

LINE = re.compile(r"^(\S+) repeat (\d+) round (\d+): (\d+) labels, (?:test|validation) MSE ([0-9.]+) kPa\^2")

METRIC = ["test"]  # "validation" when a merged curves.csv has validation_MSE_kPa2

def seed_of(d):
    m = re.search(r"seed(\d+)$", d)
    return int(m.group(1)) if m else 1

def load(d):
    """{(strategy, seed): {round: (labels, mse)}}"""
    out = {}
    base = seed_of(d)
    csvp = os.path.join(d, "curves.csv")
    if os.path.exists(csvp):
        for row in csv.DictReader(open(csvp)):
            key = (row["strategy"], base + int(row["repeat"]))
            metric = [k for k in row if k.endswith("MSE_kPa2")][0]
            METRIC[0] = metric.split("_")[0]
            out.setdefault(key, {})[int(row["round"])] = (int(row["labels"]), float(row[metric]))
        return out, True
    name = os.path.basename(d)
    err = os.path.join(os.path.dirname(d), "logs", name + ".err")
    if os.path.exists(err):
        for line in open(err):
            m = LINE.match(line)
            if m:
                s, r, k, n, v = m.groups()
                out.setdefault((s, base + int(r) - 1), {})[int(k)] = (int(n), float(v))
    return out, False

def merge(dirs):
    runs = {}
    for d in dirs:
        got, _ = load(d)
        for key, rounds in got.items():
            old = runs.get(key, {})
            if len(rounds) >= len(old):
                runs[key] = rounds
    return runs

def fmt(x):
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"

def summary(runs, rounds, strategies=None, complete_only=True):
    strategies = strategies or sorted({s for s, _ in runs})
    lines = []
    for s in strategies:
        seeds = sorted(k for (t, k) in runs if t == s and (not complete_only or len(runs[(t, k)]) >= rounds))
        lines.append((s, seeds))
    return lines



out, rounds, title, dirs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
# "label:dir" renames the strategy of that directory's runs to label.
runs = {}
for spec in dirs:
    label, _, d = spec.rpartition(":") if ":" in spec else ("", "", spec)
    for (t, k), v in merge([d]).items():
        if len(v) > len(runs.get((label or t, k), {})): runs[(label or t, k)] = v
order = ["SI", "SI-data", "SI-mix", "SI-pool", "coreset", "QBC", "SI-coreset", "SI-QBC", "random"]
strategies = [s for s in order if any(t == s for t, _ in runs)] + sorted({t for t, _ in runs} - set(order))
own = {s: max(len(v) for (t, _), v in runs.items() if t == s) for s in strategies}
complete = {s: sorted(k for (t, k) in runs if t == s and len(runs[(t, k)]) >= min(rounds, own[s])) for s in strategies}
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "curves.csv"), "w") as f:
    f.write(f"strategy,seed,round,labels,{METRIC[0]}_MSE_kPa2\n")
    for s in strategies:
        for k in complete[s]:
            for r in range(1, own[s] + 1):
                n, v = runs[(s, k)][r]
                f.write(f"{s},{k},{r},{n},{v!r}\n")
longest = max(strategies, key=lambda t: own[t])
labels = {r: runs[(longest, complete[longest][0])][r][0] for r in range(1, rounds + 1)}
def mean_sd(s, r):
    v = [runs[(s, k)][r][1] for k in complete[s]]
    return st.mean(v), (st.stdev(v) if len(v) > 1 else float("nan"))
lines = [f"# {title}", "", f"{METRIC[0].capitalize()} MSE (kPa^2), mean ± sd over the seeds " + "; ".join(f"{s}: {complete[s]}" for s in strategies), "",
         "| round | labels | " + " | ".join(strategies) + " |", "| --- | --- |" + " --- |" * len(strategies)]
for r in range(1, rounds + 1):
    lines.append(f"| {r} | {labels[r]} | " + " | ".join("{} ± {}".format(*map(fmt, mean_sd(s, r))) if r <= own[s] else "-" for s in strategies) + " |")
if "random" in strategies and len(strategies) > 1:
    others = [s for s in strategies if s != "random"]
    lines += ["", "Paired difference against random, per seed (strategy - random)/random in %, mean ± sd over the seeds both have:", "",
              "| round | labels | " + " | ".join(others) + " |", "| --- | --- |" + " --- |" * len(others)]
    for r in range(1, rounds + 1):
        cells = []
        for s in others:
            seeds = [k for k in complete[s] if k in complete["random"]]
            d = [100 * (runs[(s, k)][r][1] - runs[("random", k)][r][1]) / runs[("random", k)][r][1] for k in seeds]
            cells.append(f"{st.mean(d):+.1f} ± {st.stdev(d):.1f} (n={len(d)})" if len(d) > 1 else (f"{d[0]:+.1f} (n=1)" if d else "-"))
        lines.append(f"| {r} | {labels[r]} | " + " | ".join(cells) + " |")
    final = mean_sd("random", rounds)[0]
    lines += ["", f"Labels needed to reach random's final mean ({fmt(final)} kPa^2 at {labels[rounds]} labels), read at the rounds:", ""]
    for s in strategies:
        hit = next((labels[r] for r in range(1, rounds + 1) if mean_sd(s, r)[0] <= final), None)
        lines.append(f"- {s}: {hit if hit else 'not reached'}")
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
# SVG: mean ± sd bands, log y.
R = 50 + int(7 * max(len(f"{t} (mean ± sd, n=5)") for t in strategies))
W, H, L, T, B = 530 + R, 440, 70, 30, 50
xs = [labels[r] for r in range(1, rounds + 1)]
allv = [runs[(s, k)][r][1] for s in strategies for k in complete[s] for r in range(1, own[s] + 1)]
lo, hi = math.log10(min(allv) * 0.8), math.log10(max(allv) * 1.2)
X = lambda n: L + (n - xs[0]) / max(1, xs[-1] - xs[0]) * (W - L - R)
Y = lambda v: T + (hi - math.log10(max(v, 1e-9))) / (hi - lo) * (H - T - B)
colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#555555"]
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>', f'<text x="{L}" y="18">{title}</text>',
       f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>', f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>']
for e in range(math.ceil(lo), math.floor(hi) + 1):
    for m in (1, 2, 5):
        v = m * 10 ** e
        if lo <= math.log10(v) <= hi:
            svg.append(f'<line x1="{L-4}" y1="{Y(v):.1f}" x2="{W-R}" y2="{Y(v):.1f}" stroke="#ddd"/><text x="{L-6}" y="{Y(v)+4:.1f}" text-anchor="end">{v:g}</text>')
for n in xs:
    svg.append(f'<text x="{X(n):.1f}" y="{H-B+16}" text-anchor="middle">{n}</text>')
svg.append(f'<text x="{(L+W-R)/2}" y="{H-12}" text-anchor="middle">labeled training samples</text>')
svg.append(f'<text x="16" y="{(T+H-B)/2}" transform="rotate(-90 16 {(T+H-B)/2})" text-anchor="middle">{METRIC[0]} MSE (kPa^2)</text>')
for i, s in enumerate(strategies):
    c = colors[i % len(colors)]
    ms = [mean_sd(s, r) for r in range(1, own[s] + 1)]
    up = [(X(n), Y(m + (sd if sd == sd else 0))) for n, (m, sd) in zip(xs, ms)]
    dn = [(X(n), Y(max(m - (sd if sd == sd else 0), 10 ** lo))) for n, (m, sd) in zip(xs, ms)]
    svg.append(f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in up + dn[::-1])}" fill="{c}" fill-opacity="0.15"/>')
    svg.append(f'<polyline points="{" ".join(f"{X(n):.1f},{Y(m):.1f}" for n, (m, _) in zip(xs, ms))}" fill="none" stroke="{c}" stroke-width="2"/>')
    svg.append(f'<line x1="{W-R+12}" y1="{T+12+18*i}" x2="{W-R+32}" y2="{T+12+18*i}" stroke="{c}" stroke-width="2"/><text x="{W-R+38}" y="{T+16+18*i}">{s} (mean ± sd, n={len(complete[s])})</text>')
svg.append("</svg>")
open(os.path.join(out, "curves.svg"), "w").write("\n".join(svg) + "\n")
print(open(os.path.join(out, "table.md")).read())
