#!/usr/bin/env python3
"""Print what medcode ranks for every query the benches know, to diff before and after a speed change.

    python3 benches/ranked.py MEDCODE_BINARY INDEX_FOLDER [LIMIT] > ranked.txt

The queries: the first column of every benches/queries/*.tsv, and every prefix
of the queries in benches/queries/keystrokes.txt (what the search bench types).
One line per query: the query, then each result as code|matched|via. LIMIT
(default 10) is the search's own limit, which changes how many codes are
reranked, so run it with 10 and with 50 (the workbench and the bench ask 50).
"""

import glob
import json
import os
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "queries")


def queries():
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.tsv"))):
        with open(path, encoding="utf-8") as f:
            out += [line.split("\t")[0] for line in f if line.strip() and not line.startswith("#")]
    with open(os.path.join(HERE, "keystrokes.txt"), encoding="utf-8") as f:
        for line in f:
            q = line.rstrip("\n")
            if q and not q.startswith("#"):
                out += [q[: i + 1] for i in range(len(q))]
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    binary, index = sys.argv[1], sys.argv[2]
    limit = sys.argv[3] if len(sys.argv) == 4 else "10"
    qs = queries()
    cmd = [binary, "--index", index, "search", "--batch", "--limit", limit]
    done = subprocess.run(cmd, input="\n".join(qs) + "\n", capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    if len(lines) != len(qs):
        sys.exit(f"{len(qs)} queries but {len(lines)} answers")
    for q, line in zip(qs, lines):
        got = json.loads(line)
        rows = [f"{r['code']}|{r.get('matched', '')}|{r.get('via', '')}" for r in got.get("results", [])]
        print(q + "\t" + " ".join(rows))


if __name__ == "__main__":
    main()
