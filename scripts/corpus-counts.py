#!/usr/bin/env python3
"""Print the README's table of findings per rule over a corpus.

Usage: scripts/corpus-counts.py [CORPUS]   (default ../shared/corpus)

Runs the release build once with `--format json` and counts findings by rule; every rule of
`iamlint rules --format json` gets a row, so a rule that finds nothing shows 0.
"""
import json
import subprocess
import sys


def iamlint(*args):
    run = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode not in (0, 1, 2):
        sys.exit(f"iamlint failed ({run.returncode}): {run.stderr}")
    return json.loads(run.stdout)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus"
    rules = iamlint("rules", "--format", "json")
    report = iamlint("check", corpus, "--format", "json")
    counts = {}
    for finding in report["findings"]:
        counts[finding["rule"]] = counts.get(finding["rule"], 0) + 1
    cells = [f"{r['code']} {r['name']} | {counts.get(r['code'], 0)}" for r in rules]
    rows = -(-len(cells) // 3)
    columns = [cells[i * rows:(i + 1) * rows] for i in range(3)]
    print("| rule | corpus | rule | corpus | rule | corpus |")
    print("|---|---|---|---|---|---|")
    for i in range(rows):
        row = [c[i] if i < len(c) else " | " for c in columns]
        print("| " + " | ".join(row) + " |")
    summary = report["summary"]
    print(
        f"\n{summary['files_scanned']} templates read, {summary['files_skipped']} skipped, "
        f"{summary['errors']} errors, {summary['findings']} findings",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
