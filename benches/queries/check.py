#!/usr/bin/env python3
"""Check the query sets in benches/queries/ against the shipped FY2026 code sets.

    python3 benches/queries/check.py              # every *.tsv in benches/queries/
    python3 benches/queries/check.py FILE.tsv ... # just these
    python3 benches/queries/check.py --titles coder.tsv   # also print each answer's title (review aid)

Every data line must be `query<TAB>codes<TAB>top<TAB>note` (format in README.md):
codes are one or more space-separated codes, each a billable FY2026 ICD-10-CM
code (with its 7th character where one is required) or a valid FY2026
ICD-10-PCS code (7 characters); top is 1, 3 or 10. Lines starting with `#` are
comments. Exits 1 and names file, line and problem on any bad line.
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def check_file(path, show_titles=False):
    bad, n = [], 0
    seen = {}
    with open(path, encoding="utf-8") as f:
        for i, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{os.path.relpath(path)}:{i}"
            cols = line.split("\t")
            if len(cols) != 4:
                bad.append(f"{where}: expected 4 tab-separated columns, got {len(cols)}")
                continue
            query, answer, top, _note = cols
            n += 1
            if not query.strip() or query != query.strip() or "  " in query:
                bad.append(f"{where}: query is empty or has stray spaces: {query!r}")
            if query.lower() in seen:
                bad.append(f"{where}: query repeats line {seen[query.lower()]}: {query!r}")
            seen.setdefault(query.lower(), i)
            if top not in ("1", "3", "10"):
                bad.append(f"{where}: top must be 1, 3 or 10, got {top!r}")
            answers = answer.split()
            if not answers:
                bad.append(f"{where}: no answer code")
            for code in answers:
                problem = codes.check(code)
                if problem:
                    bad.append(f"{where}: {code}: {problem} ({query!r})")
                elif show_titles:
                    print(f"{query}\t{code}\t{codes.title(code)}")
    return n, bad


def main(argv):
    show = "--titles" in argv
    files = [a for a in argv if a != "--titles"]
    if not files:
        files = sorted(glob.glob(os.path.join(HERE, "*.tsv")))
    else:
        files = [f if os.path.exists(f) else os.path.join(HERE, f) for f in files]
    total_bad = []
    for path in files:
        n, bad = check_file(path, show)
        total_bad += bad
        print(f"{os.path.relpath(path)}: {n} queries, {len(bad)} problems", file=sys.stderr)
    for b in total_bad:
        print(b, file=sys.stderr)
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
