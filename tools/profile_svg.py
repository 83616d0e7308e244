#!/usr/bin/env python3
"""Renders a teenygrad profile CSV (TEENYGRAD_PROFILE / --profile) into an SVG chart.

The chart shows the kernel time per kind as a pie with a legend, and the kernels with the most total time
as horizontal bars labelled with their time, share, calls and GFLOP/s. Standard library only.

usage: tools/profile_svg.py profile.csv [-o chart.svg] [--top 15] [--title TEXT]
"""
import argparse
import csv
import math
import sys
from collections import defaultdict
from xml.sax.saxutils import escape

KIND_COLORS = {
    "gemm": "#4e79a7",
    "elementwise": "#f28e2b",
    "reduce": "#59a14f",
    "copy": "#e15759",
    "other": "#9c755f",
}
COLUMNS = ["run", "kernel", "kind", "shape", "tiles", "threads", "start_ns", "duration_ns",
           "flops", "bytes", "gflops", "gbps"]
WIDTH = 1100
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


def read_profile(path):
    """Returns the rows of a profile CSV as dicts; exits with a message when the header is not the API's."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            sys.exit(f"{path}: not a teenygrad profile (header {reader.fieldnames})")
        return list(reader)


def group(rows, key):
    """Sums duration, flops, bytes and calls per key; returns (key, stats) sorted by time, largest first."""
    groups = defaultdict(lambda: {"ns": 0, "flops": 0, "bytes": 0, "calls": 0, "kind": "other"})
    for row in rows:
        g = groups[row[key]]
        g["ns"] += int(row["duration_ns"])
        g["flops"] += int(row["flops"])
        g["bytes"] += int(row["bytes"])
        g["calls"] += 1
        g["kind"] = row["kind"]
    return sorted(groups.items(), key=lambda item: (-item[1]["ns"], item[0]))


def text(x, y, content, size=13, anchor="start", weight="normal", fill="#222"):
    return (f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
            f"font-weight='{weight}' fill='{fill}' {FONT}>{escape(content)}</text>")


def pie(cx, cy, radius, kinds, total_ns):
    """The kernel time per kind as pie slices, a legend on the right."""
    parts = []
    angle = -math.pi / 2
    for kind, g in kinds:
        share = g["ns"] / total_ns
        color = KIND_COLORS.get(kind, "#bab0ac")
        if share >= 0.9999:
            parts.append(f"<circle cx='{cx}' cy='{cy}' r='{radius}' fill='{color}'/>")
            break
        end = angle + 2 * math.pi * share
        x0, y0 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        x1, y1 = cx + radius * math.cos(end), cy + radius * math.sin(end)
        large = 1 if share > 0.5 else 0
        parts.append(f"<path d='M{cx},{cy} L{x0:.2f},{y0:.2f} A{radius},{radius} 0 {large} 1 {x1:.2f},{y1:.2f} Z' "
                     f"fill='{color}' stroke='white' stroke-width='1.5'/>")
        angle = end
    ly = cy - radius + 10
    for kind, g in kinds:
        color = KIND_COLORS.get(kind, "#bab0ac")
        parts.append(f"<rect x='{cx + radius + 30}' y='{ly - 11}' width='14' height='14' fill='{color}'/>")
        gflops = g["flops"] / g["ns"] if g["ns"] else 0
        label = (f"{kind}: {g['ns'] / 1e6:.1f} ms ({100 * g['ns'] / total_ns:.1f}%), "
                 f"{g['calls']} runs, {gflops:.1f} GFLOP/s")
        parts.append(text(cx + radius + 52, ly, label))
        ly += 24
    return parts


def bars(x, y, width, kernels, total_ns):
    """The top kernels by total time as horizontal bars, the label above each bar."""
    parts = []
    longest = kernels[0][1]["ns"] if kernels else 1
    for i, (name, g) in enumerate(kernels):
        top = y + i * 38
        bar = max(1.0, width * g["ns"] / longest)
        color = KIND_COLORS.get(g["kind"], "#bab0ac")
        gflops = g["flops"] / g["ns"] if g["ns"] else 0
        gbps = g["bytes"] / g["ns"] if g["ns"] else 0
        parts.append(text(x, top + 11, name, size=12))
        parts.append(f"<rect x='{x}' y='{top + 15}' width='{bar:.1f}' height='16' fill='{color}'/>")
        detail = (f"{g['ns'] / 1e6:.1f} ms  {100 * g['ns'] / total_ns:.1f}%  "
                  f"{g['calls']} calls  {gflops:.1f} GFLOP/s  {gbps:.1f} GB/s")
        parts.append(text(x + bar + 8, top + 28, detail, size=12, fill="#555"))
    return parts


def render(rows, top, title):
    total_ns = sum(int(r["duration_ns"]) for r in rows) or 1
    runs = len({r["run"] for r in rows})
    kinds = group(rows, "kind")
    kernels = group(rows, "kernel")[:top]
    radius = 95
    pie_top = 100
    bars_top = pie_top + 2 * radius + 70
    height = bars_top + 38 * len(kernels) + 30
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
             f"viewBox='0 0 {WIDTH} {height}'>",
             f"<rect width='{WIDTH}' height='{height}' fill='white'/>",
             text(30, 36, title, size=20, weight="bold"),
             text(30, 60, f"{len(rows)} kernel runs in {runs} realizations, "
                          f"{total_ns / 1e6:.1f} ms of kernel time", fill="#555"),
             text(30, pie_top - 8, "Kernel time per kind", size=15, weight="bold")]
    parts += pie(30 + radius, pie_top + radius + 10, radius, kinds, total_ns)
    parts.append(text(30, bars_top - 16, f"Top {len(kernels)} kernels by total time", size=15, weight="bold"))
    parts += bars(30, bars_top, WIDTH - 420, kernels, total_ns)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description="Render a teenygrad profile CSV as an SVG chart.")
    parser.add_argument("csv", help="profile CSV written by TEENYGRAD_PROFILE or --profile")
    parser.add_argument("-o", "--output", help="SVG file to write (default: the CSV's name with .svg)")
    parser.add_argument("--top", type=int, default=15, help="kernels shown as bars (default 15)")
    parser.add_argument("--title", default=None, help="chart title (default: the CSV's file name)")
    args = parser.parse_args()
    rows = read_profile(args.csv)
    if not rows:
        sys.exit(f"{args.csv}: no kernel runs")
    output = args.output or (args.csv[:-4] if args.csv.endswith(".csv") else args.csv) + ".svg"
    with open(output, "w") as f:
        f.write(render(rows, args.top, args.title or f"teenygrad profile: {args.csv.split('/')[-1]}"))
    print(output)


if __name__ == "__main__":
    main()
