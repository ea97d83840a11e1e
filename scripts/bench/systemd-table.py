#!/usr/bin/env python3
"""Renders the BENCH lines of scripts/bench/systemd-scenario.sh (read from a console log) as the
ratio table of docs/benchmarks.md, and replaces the table between its markers there.

    systemd-table.py CONSOLE_LOG BENCHMARKS_MD
"""
import datetime
import sys

BEGIN = "<!-- bench-systemd:begin -->"
END = "<!-- bench-systemd:end -->"

# (workload, what it is, target ratio corrald / systemd)
WORKLOADS = [
    ("client-start", "client start (`corralctl --version` / `systemctl --version`)", 0.5),
    ("round-trip", "one round trip (`is-active -q`)", 0.5),
    ("run-wait", "`run --wait true` (`systemd-run --wait -q /bin/true`)", 1 / 3),
    ("start-first-instruction", "`start` → first instruction of the service", 0.5),
    ("hardened-start-first-instruction", "the same, hardened (seccomp, mount namespace, no capabilities)", None),
    ("transient-100", "100 transient starts (one request each)", 0.5),
    ("stop-100", "stop the 100 in one request", 0.4),
    ("bulk-start-1000", "load and start 1000 units (`start bulk.target`, no processes)", 0.5),
    ("reload-1000", "`daemon-reload` with those 1000 units, nothing changed", 0.25),
    ("rss-idle", "VmRSS idle", None),
    ("rss-1000", "VmRSS with the 1000 units loaded", 0.5),
    ("anon-idle", "anonymous memory (RssAnon) idle", None),
    ("anon-1000", "anonymous memory with the 1000 units loaded", None),
]


def read(log):
    results = {}
    for line in open(log, errors="replace"):
        fields = line.split()
        if len(fields) == 8 and fields[0] == "BENCH" and fields[3] != "-":
            workload, manager = fields[1], fields[2]
            results[(workload, manager)] = {
                "median": float(fields[3]), "low": float(fields[4]), "high": float(fields[5]),
                "samples": int(fields[6]), "unit": fields[7],
            }
    return results


def shown(value, unit):
    if unit == "KiB":
        return f"{value / 1024:.1f} MiB"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f} s"
    return f"{value / 1000:.1f} ms"


def cell(result):
    if result is None:
        return "—"
    text = shown(result["median"], result["unit"])
    if result["samples"] > 1:
        text += f" ({shown(result['low'], result['unit'])}–{shown(result['high'], result['unit'])}, n={result['samples']})"
    return text


def verdict(ratio, target):
    if ratio is None or target is None:
        return ""
    return f"≤ {target:.2f}: {'met' if ratio <= target else 'not met'}"


def table(results):
    rows = [
        "| workload | corrald | systemd 252 | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for workload, label, target in WORKLOADS:
        corral = results.get((workload, "corral"))
        systemd = results.get((workload, "systemd"))
        ratio = corral["median"] / systemd["median"] if corral and systemd and systemd["median"] else None
        ratio_text = f"{ratio:.2f}" if ratio is not None else "—"
        rows.append(f"| {label} | {cell(corral)} | {cell(systemd)} | {ratio_text} | {verdict(ratio, target)} |")
    lines = ["", "\n".join(rows), ""]

    def median(workload, manager):
        result = results.get((workload, manager))
        return result["median"] if result else None

    fork_exec = median("fork-exec", "floor")
    lines.append(f"Floors in the same boot: fork+exec of `/bin/true` {cell(results.get(('fork-exec', 'floor')))}, "
                 f"fork → first instruction {cell(results.get(('first-instruction', 'floor')))}, "
                 f"a static Swift \"hello\" {cell(results.get(('swift-hello', 'floor')))}.")
    start, client = median("start-first-instruction", "corral"), median("client-start", "corral")
    if start and client and fork_exec:
        bound = 2 * (client + fork_exec)
        lines.append(f"`start` → first instruction against 2 × (client start + fork+exec) = {shown(bound, 'us')}: "
                     f"{'met' if start <= bound else 'not met'}.")
    hardened = median("hardened-start-first-instruction", "corral")
    if hardened and start:
        lines.append(f"Hardened start / plain start for corrald: {hardened / start:.2f} (target ≤ 1.5: "
                     f"{'met' if hardened / start <= 1.5 else 'not met'}).")
    anon_idle, anon_loaded = median("anon-idle", "corral"), median("anon-1000", "corral")
    if anon_idle is not None and anon_loaded is not None:
        per_unit = (anon_loaded - anon_idle) / 1000
        lines.append(f"corrald's anonymous memory per loaded unit: {per_unit:.2f} KiB (target ≤ 1 KiB: "
                     f"{'met' if per_unit <= 1 else 'not met'}).")
    return "\n".join(lines) + "\n"


def main():
    log, markdown = sys.argv[1], sys.argv[2]
    results = read(log)
    if not results:
        sys.exit(f"systemd-table.py: no BENCH lines in {log}")
    text = open(markdown).read()
    if BEGIN not in text or END not in text:
        sys.exit(f"systemd-table.py: {markdown} has no {BEGIN} … {END} section")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    today = datetime.date.today().isoformat()
    body = f"\nMeasured by `make bench-systemd` on {today}.\n" + table(results)
    open(markdown, "w").write(head + BEGIN + body + END + tail)
    print(body)


main()
