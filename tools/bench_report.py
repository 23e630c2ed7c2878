#!/usr/bin/env python3
"""Turns Google Benchmark JSON results into docs/benchmarks.md and compares runs.

Benchmark names follow `area/subject/workload[/args...]`; hotpath's own subjects start with
`hotpath`. Within one area and workload every row is compared with the hotpath row (the
first one the benchmark file declares when a workload has several: the default alias),
measured in the same run.

  bench_report.py render  --results DIR --docs DIR [--compiler S] [--flags S]
  bench_report.py compare --results DIR --baseline DIR [--threshold 0.10]
  bench_report.py baseline --results DIR --baseline DIR   (copy a run as the new baseline)

compare exits 1 when a hotpath row got slower than the baseline by more than the threshold,
after correcting for machine drift (the geometric mean change of the peer rows of the same
area). Set HOTPATH_SKIP_BENCH_COMPARE=1 to skip the check (noisy or foreign machines).
Only the Python standard library is used; charts are drawn by gnuplot when it is installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Keys of a JSON entry that Google Benchmark writes itself; any other number is a user counter.
STANDARD_KEYS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                 "repetitions", "repetition_index", "threads", "iterations", "real_time",
                 "cpu_time", "time_unit", "aggregate_name", "aggregate_unit",
                 "items_per_second", "bytes_per_second", "error_occurred", "error_message",
                 "label"}
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# Name parts Google Benchmark appends that describe how a benchmark ran, not what it measured.
RUN_MODIFIERS = ("real_time", "process_time", "manual_time", "repeats:", "min_time:",
                 "iterations:", "min_warmup_time:")


@dataclass
class Row:
    area: str
    subject: str
    workload: str
    ns_per_op: float  # per item when the benchmark reports items, else per iteration
    bytes_per_second: float | None
    spread: tuple[float, float] | None  # min and max ns_per_op over repetitions
    order: int  # declaration order in the benchmark file (family_index)
    counters: dict[str, float]  # the benchmark's own counters (hit ratio, p99, bytes, ...)

    @property
    def is_hotpath(self) -> bool:
        return self.subject.startswith("hotpath")


def split_name(run_name: str) -> tuple[str, str, str] | None:
    parts = [p for p in run_name.split("/") if not p.startswith(RUN_MODIFIERS)]
    if len(parts) < 2:
        return None
    workload = "/".join(parts[2:]) or "-"
    return parts[0], parts[1], workload


def ns_per_op(entry: dict) -> float:
    items = entry.get("items_per_second")
    if items:
        return 1e9 / items
    return entry["real_time"] * UNIT_NS[entry.get("time_unit", "ns")]


def load_rows(path: Path) -> list[Row]:
    """One Row per benchmark: the median over repetitions, with the min-max range."""
    data = json.loads(path.read_text())
    samples: dict[str, list[dict]] = {}
    medians: dict[str, dict] = {}
    order: list[str] = []
    family: dict[str, int] = {}
    for entry in data.get("benchmarks", []):
        name = entry.get("run_name", entry["name"])
        if entry.get("error_occurred"):
            continue
        if name not in order:
            order.append(name)
            family[name] = entry.get("family_index", len(order))
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") == "median":
                medians[name] = entry
            elif entry.get("aggregate_name") in ("min", "max"):
                samples.setdefault(name, []).append(entry)
        else:
            samples.setdefault(name, []).append(entry)
    rows = []
    for name in order:
        parsed = split_name(name)
        runs = samples.get(name, [])
        if parsed is None or (name not in medians and not runs):
            continue
        values = [ns_per_op(e) for e in runs]
        if name in medians:
            value = ns_per_op(medians[name])
            bps = medians[name].get("bytes_per_second")
        else:
            value = statistics.median(values)
            bps = statistics.median([e.get("bytes_per_second", 0.0) for e in runs]) or None
        spread = (min(values), max(values)) if len(values) > 1 else None
        source = medians.get(name) or runs[0]
        counters = {k: v for k, v in source.items()
                    if k not in STANDARD_KEYS and isinstance(v, (int, float))}
        rows.append(Row(*parsed, ns_per_op=value, bytes_per_second=bps, spread=spread,
                        order=family[name], counters=counters))
    # Random interleaving shuffles the output; report in the order the file declares.
    return sorted(rows, key=lambda r: r.order)


def load_results(results: Path) -> dict[str, tuple[dict, list[Row]]]:
    out = {}
    for path in sorted(results.glob("*.json")):
        try:
            context = json.loads(path.read_text()).get("context", {})
            out[path.stem] = (context, load_rows(path))
        except (json.JSONDecodeError, KeyError) as err:
            print(f"bench_report: skipping {path}: {err}", file=sys.stderr)
    return out


def reference(rows: list[Row]) -> Row | None:
    hotpath = [r for r in rows if r.is_hotpath]
    return min(hotpath, key=lambda r: r.order) if hotpath else None


def by_workload(rows: list[Row]) -> dict[tuple[str, str], list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.area, r.workload), []).append(r)
    return groups


def fmt_time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_rate(bps: float | None) -> str:
    if not bps:
        return ""
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3)):
        if bps >= scale:
            return f"{bps / scale:.3g} {unit}"
    return f"{bps:.3g} B/s"


def machine_description(context: dict) -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = context.get("num_cpus", os.cpu_count())
    mhz = context.get("mhz_per_cpu")
    desc = f"{model or platform.processor()}, {cpus} CPUs"
    if mhz:
        desc += f" @ {mhz} MHz"
    return f"{desc}, {platform.system()} {platform.release()}"


def draw_chart(area: str, groups: dict[tuple[str, str], list[Row]], out: Path) -> bool:
    """A clustered bar chart (log scale) of time relative to hotpath, one cluster a workload."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return False
    workloads = [w for (a, w) in groups if a == area]
    subjects: list[str] = []
    for w in workloads:
        for r in groups[(area, w)]:
            if r.subject not in subjects:
                subjects.append(r.subject)
    lines = ["workload " + " ".join(f'"{s}"' for s in subjects)]
    ratios = [1.0]
    for w in workloads:
        rows = groups[(area, w)]
        ref = reference(rows)
        vals = []
        for s in subjects:
            match = [r for r in rows if r.subject == s]
            if match and ref:
                ratios.append(match[0].ns_per_op / ref.ns_per_op)
                vals.append(f"{ratios[-1]:.4g}")
            else:
                vals.append("?")
        lines.append(f'"{w}" ' + " ".join(vals))
    data = out.with_suffix(".dat")
    data.write_text("\n".join(lines) + "\n")
    height = 360
    script = f"""
set terminal svg size 900,{height} dynamic font 'sans,11' background '#ffffff'
set output '{out}'
set title "{area}: time per operation relative to hotpath (lower is faster)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 2
set ylabel 'time / hotpath time'
set grid ytics
set key outside right top vertical noenhanced
set xtics rotate by -25 noenhanced
set datafile missing '?'
set yrange [{2 ** math.floor(math.log2(min(ratios)) - 1)}:{2 ** math.ceil(math.log2(max(ratios)) + 0.5)}]
plot for [i=2:{len(subjects) + 1}] '{data}' using i:xtic(1) title columnheader(i)
"""
    result = subprocess.run([gnuplot], input=script, text=True, capture_output=True)
    data.unlink(missing_ok=True)
    if result.returncode != 0:
        print(f"bench_report: gnuplot failed for {area}: {result.stderr}", file=sys.stderr)
        return False
    return True


def render(args: argparse.Namespace) -> int:
    results = load_results(Path(args.results))
    if not results:
        print(f"bench_report: no results in {args.results}", file=sys.stderr)
        return 1
    docs = Path(args.docs)
    charts = docs / "bench"
    charts.mkdir(parents=True, exist_ok=True)
    first_context = next(iter(results.values()))[0]
    today = dt.date.today().isoformat()
    out = [
        "# Benchmarks",
        "",
        "Generated by `cmake --workflow --preset bench` (tools/bench_report.py); do not edit by hand.",
        "Every ratio compares rows measured in the same run: `ratio` is the row's time per",
        "operation divided by hotpath's (the first hotpath row the benchmark declares for that",
        "workload, i.e. the default alias; other hotpath variants are in bold too), so a peer at",
        "2.0 takes twice as long as hotpath. Times are medians over the repetitions the binary ran,",
        "with the min-max range when there were several. Absolute times on a shared VM are noisy;",
        "the ratios are the result.",
        "",
        f"- Machine: {machine_description(first_context)}",
        f"- Compiler: {args.compiler or 'unknown'}; flags: `{(args.flags or '').strip() or 'default'}`",
        f"- Date: {today}; Google Benchmark build type: "
        f"{first_context.get('library_build_type', 'unknown')}",
        "",
    ]
    for binary, (context, rows) in results.items():
        groups = by_workload(rows)
        areas = list(dict.fromkeys(r.area for r in rows))
        out += [f"## {binary}", "",
                f"`build/bench/bench/bench_{binary}` "
                f"(run {context.get('date', '?')}), results in `bench-results/{binary}.json`.", ""]
        for area in areas:
            out += [f"### {area}", ""]
            if draw_chart(area, groups, charts / f"{area}.svg"):
                out += [f"![{area}](bench/{area}.svg)", ""]
            out += ["| workload | subject | time/op | range | throughput | ratio | counters |",
                    "|---|---|---:|---:|---:|---:|---|"]
            for (a, workload), wrows in groups.items():
                if a != area:
                    continue
                ref = reference(wrows)
                for r in wrows:
                    ratio = f"{r.ns_per_op / ref.ns_per_op:.2f}" if ref else "n/a"
                    name = f"**{r.subject}**" if r.is_hotpath else r.subject
                    rng = (f"{fmt_time(r.spread[0])} – {fmt_time(r.spread[1])}"
                           if r.spread else "")
                    out.append(f"| {workload} | {name} | {fmt_time(r.ns_per_op)} | {rng} | "
                               f"{fmt_rate(r.bytes_per_second)} | {ratio} | "
                               + ", ".join(f"{k}={v:.4g}" for k, v in r.counters.items())
                               + " |")
            out.append("")
    (docs / "benchmarks.md").write_text("\n".join(out))
    print(f"bench_report: wrote {docs / 'benchmarks.md'}")
    return 0


def compare(args: argparse.Namespace) -> int:
    if os.environ.get("HOTPATH_SKIP_BENCH_COMPARE", "") not in ("", "0"):
        print("bench_report: HOTPATH_SKIP_BENCH_COMPARE is set, comparison skipped")
        return 0
    baseline_dir = Path(args.baseline)
    current = load_results(Path(args.results))
    regressions = 0
    for binary, (_, rows) in current.items():
        base_path = baseline_dir / f"{binary}.json"
        if not base_path.exists():
            print(f"bench_report: no baseline for {binary} ({base_path}), not compared")
            continue
        base = {(r.area, r.subject, r.workload): r for r in load_rows(base_path)}
        changes = {}
        for r in rows:
            old = base.get((r.area, r.subject, r.workload))
            if old:
                changes[(r.area, r.subject, r.workload)] = (r, r.ns_per_op / old.ns_per_op)
        for area in dict.fromkeys(k[0] for k in changes):
            peers = [c for (a, _, _), (r, c) in changes.items() if a == area and not r.is_hotpath]
            drift = math.exp(statistics.fmean(math.log(c) for c in peers)) if peers else 1.0
            print(f"{binary}/{area}: machine drift (peer geomean) {drift:.3f}")
            for (a, subject, workload), (r, change) in changes.items():
                if a != area or not r.is_hotpath:
                    continue
                corrected = change / drift
                flag = corrected > 1 + args.threshold
                regressions += flag
                print(f"  {'REGRESSION' if flag else 'ok':10} {subject}/{workload}: "
                      f"{change:.3f}x raw, {corrected:.3f}x drift-corrected")
    if regressions:
        print(f"bench_report: {regressions} hotpath row(s) regressed by more than "
              f"{args.threshold:.0%} (HOTPATH_SKIP_BENCH_COMPARE=1 skips this check)")
        return 1
    return 0


def baseline(args: argparse.Namespace) -> int:
    dest = Path(args.baseline)
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(args.results).glob("*.json")):
        shutil.copy(path, dest / path.name)
        print(f"bench_report: baseline {dest / path.name}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("render")
    p.add_argument("--results", required=True)
    p.add_argument("--docs", required=True)
    p.add_argument("--compiler", default="")
    p.add_argument("--flags", default="")
    p.set_defaults(func=render)
    p = sub.add_parser("compare")
    p.add_argument("--results", required=True)
    p.add_argument("--baseline", required=True)
    p.add_argument("--threshold", type=float, default=0.10)
    p.set_defaults(func=compare)
    p = sub.add_parser("baseline")
    p.add_argument("--results", required=True)
    p.add_argument("--baseline", required=True)
    p.set_defaults(func=baseline)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
