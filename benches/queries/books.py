#!/usr/bin/env python3
"""Generate the book query sets from the shipped index and table XML.

    python3 benches/queries/books.py          # writes drug, neoplasm, eindex, pcsindex (+ -typing, -typo) .tsv
    python3 benches/queries/books.py --stats  # also print how many rows each book gave and why rows were left out

Each book row (a term path, and for the two tables a column) becomes a query
for the codes the book gives. Deterministic: rows are sorted, then sampled with
a fixed-seed splitmix64 Fisher-Yates (the generator benches/eval.rs uses), so
the same files give the same sets. Format: README.md.

How a query is written
- The term path as the book prints it, main term first, levels joined by a
  space, nonessential modifiers (`<nemod>`, the words in parentheses) left out,
  lower case: `acetaminophen`, `fall, falling from, off, out of ladder`.
- Table of Drugs: path + the column heading in coder words (`poisoning
  accidental`, `poisoning intentional self-harm`, `poisoning assault`,
  `poisoning undetermined`, `adverse effect`, `underdosing`).
- Table of Neoplasms: `neoplasm` + path + column heading (`malignant primary`,
  `malignant secondary`, `ca in situ`, `benign`, `uncertain behavior`,
  `unspecified behavior`).
- PCS index: the path, also when the row is a cross-reference that gives a code
  (`abdominohysterectomy` -> see Resection, Uterus 0UT9).

How gold codes are completed (the book gives a code, the coder finishes it)
- A cell or code that is a billable FY2026 code is kept as it is.
- Otherwise (a trailing `-` such as `C79.8-`, a 6-character T code such as
  `T39.1X1`, a category such as `W06`, or a code FY2026 subdivided after the
  2025 book), the gold is every billable FY2026 code under it; where those
  take a 7th character for the encounter, only the initial-encounter codes
  (7th character `A`) are kept: `T39.1X1` -> `T39.1X1A`, `W06` -> `W06.XXXA`.
  A coder codes the initial encounter unless told otherwise.
- A row is left out when nothing billable is under its code (the 2025 book
  names a code FY2026 deleted) or when more than 10 codes would be accepted
  (the book leaves a choice no query text makes; every accepted code could
  not even fit in the top 10).
- PCS index: a complete 7-character code is kept when it is in the FY2026
  tables; a table prefix (`0UT9`, `0QB`) is kept when it expands to at most 10
  FY2026 codes, all of them accepted.
- `top` is 10 for every book row.

Variants, from the same sampled rows
- `-typing`: the last word cut to its first 3 letters (as seen mid-typing);
  rows whose last word already has 3 letters or fewer are left out.
- `-typo`: one typo in one word of 5+ letters (not its first letter): a
  deletion, a transposition of two neighbours, a doubled letter or a
  substitution by a keyboard neighbour; word and edit chosen by the fixed seed.
"""

import gzip
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
N = 500
MAX_GOLD = 10
MASK = (1 << 64) - 1

DRUG_COLS = {
    "2": "poisoning accidental",
    "3": "poisoning intentional self-harm",
    "4": "poisoning assault",
    "5": "poisoning undetermined",
    "6": "adverse effect",
    "7": "underdosing",
}
NEO_COLS = {
    "2": "malignant primary",
    "3": "malignant secondary",
    "4": "ca in situ",
    "5": "benign",
    "6": "uncertain behavior",
    "7": "unspecified behavior",
}


class Rng:
    """splitmix64, as in benches/eval.rs."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n


def sample(rows, n, seed):
    rows = sorted(rows)
    rng = Rng(seed)
    n = min(n, len(rows))
    for i in range(n):
        j = i + rng.below(len(rows) - i)
        rows[i], rows[j] = rows[j], rows[i]
    return rows[:n]


def text_of(title):
    """A `<title>` without its `<nemod>` children, whitespace collapsed."""
    if title is None:
        return ""
    parts = [title.text or ""]
    for child in title:
        if child.tag != "nemod":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def load(name):
    return ET.parse(gzip.open(os.path.join(codes.CODESETS, name), "rb")).getroot()


_UNDER = {}


def billable_under(prefix):
    if not _UNDER:
        for k in codes.cm()[0]:
            for n in range(1, len(k) + 1):
                _UNDER.setdefault(k[:n], []).append(k)
    return sorted(_UNDER.get(prefix, []))


def complete(code):
    """The billable FY2026 codes a coder would accept for a code the book gives."""
    key = codes.norm(code.rstrip("-"))
    billable = codes.cm()[0]
    if key in billable:
        return [key]
    under = billable_under(key)
    if not under:
        # A short code with placeholder X (`T39.1X1` is 6 characters; `W06` is a category).
        under = billable_under(key.ljust(6, "X"))
    if any(len(k) == 7 and k[-1] in "ADS" for k in under) and any(k[-1] == "A" for k in under):
        under = [k for k in under if len(k) == 7 and k[-1] == "A"]
    return under


def walk(node, path, out, level_tag="term"):
    """Yield (path titles, element) for the node and every nested term."""
    p = path + [text_of(node.find("title"))]
    out.append((p, node))
    for t in node.findall(level_tag):
        walk(t, p, out, level_tag)


def rows_of_tables(name, cols, prefix, stats):
    root = load(name)
    rows = {}
    for letter in root.findall("letter"):
        for main in letter.findall("mainTerm"):
            found = []
            walk(main, [], found)
            for path, el in found:
                for cell in el.findall("cell"):
                    col, val = cell.get("col"), (cell.text or "").strip()
                    if col not in cols or val in ("", "-", "--"):
                        continue
                    stats["cells"] += 1
                    gold = complete(val)
                    if not gold:
                        stats["no FY2026 code"] += 1
                        continue
                    if len(gold) > MAX_GOLD:
                        stats["more than 10 codes"] += 1
                        continue
                    words = ([prefix] if prefix else []) + [x for x in (path[1:] if prefix else path) if x]
                    q = " ".join(words + [cols[col]])
                    note = (" > ".join(path) + " | " + cols[col] + ": " + val)
                    add(rows, q, gold, note)
    return rows


def add(rows, q, gold, note):
    q = re.sub(r"\s+", " ", q.lower()).strip()
    if not q:
        return
    if q in rows:
        old = rows[q]
        if old[0] is None:
            return
        rows[q] = (sorted(set(old[0]) | set(gold)), old[1])
        if len(rows[q][0]) > MAX_GOLD:
            rows[q] = (None, old[1])
    else:
        rows[q] = (gold, note)


def rows_of_eindex(stats):
    root = load("icd10cm-eindex-2025.xml.gz")
    rows = {}
    for letter in root.findall("letter"):
        for main in letter.findall("mainTerm"):
            found = []
            walk(main, [], found)
            for path, el in found:
                c = el.findtext("code")
                if not c:
                    continue
                stats["cells"] += 1
                gold = complete(c.strip())
                if not gold:
                    stats["no FY2026 code"] += 1
                    continue
                if len(gold) > MAX_GOLD:
                    stats["more than 10 codes"] += 1
                    continue
                add(rows, " ".join(x for x in path if x), gold, " > ".join(path) + ": " + c.strip())
    return rows


def rows_of_pcsindex(stats):
    root = load("icd10pcs-index-2025.xml.gz")
    pcs = codes.pcs()
    by_prefix = {}
    for k in pcs:
        for n in (3, 4, 5, 6):
            by_prefix.setdefault(k[:n], []).append(k)
    rows = {}
    for letter in root.findall("letter"):
        for main in letter.findall("mainTerm"):
            found = []
            walk(main, [], found)
            for path, el in found:
                given = []
                for tag in ("code", "codes", "tab"):
                    given += [(x.text or "").strip() for x in el.findall(tag)]
                for see in el.findall("see"):
                    for tag in ("code", "codes", "tab"):
                        given += [(x.text or "").strip() for x in see.findall(tag)]
                for g in given:
                    if not g:
                        continue
                    stats["cells"] += 1
                    g = g.upper()
                    if len(g) == 7:
                        gold = [g] if g in pcs else []
                    else:
                        gold = sorted(by_prefix.get(g, []))
                    if not gold:
                        stats["no FY2026 code"] += 1
                        continue
                    if len(gold) > MAX_GOLD:
                        stats["more than 10 codes"] += 1
                        continue
                    add(rows, " ".join(x for x in path if x), gold, " > ".join(x for x in path if x) + ": " + g)
    return rows


KEYS = "qwertyuiop asdfghjkl zxcvbnm".split()


def neighbour(ch, rng):
    for r, row in enumerate(KEYS):
        i = row.find(ch)
        if i >= 0:
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return near[rng.below(len(near))]
    return ch


def typo(q, rng):
    words = q.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return None
    i = idx[rng.below(len(idx))]
    w = words[i]
    p = 1 + rng.below(len(w) - 1)  # never the first letter
    op = rng.below(4)
    if op == 0:
        w2 = w[:p] + w[p + 1:]
    elif op == 1 and p < len(w) - 1 and w[p] != w[p + 1]:
        w2 = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    elif op == 2:
        w2 = w[:p] + w[p] + w[p:]
    else:
        c = neighbour(w[p], rng)
        w2 = w[:p] + c + w[p + 1:] if c != w[p] else w[:p] + w[p + 1:]
    words[i] = w2
    return " ".join(words)


def typing(q):
    words = q.split(" ")
    if len(words[-1]) <= 3:
        return None
    words[-1] = words[-1][:3]
    return " ".join(words)


HEADER = "# query\tcodes\ttop\tnote\n"


def write(name, what, rows):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        f.write(f"# {what}. Generated by benches/queries/books.py; do not edit by hand.\n")
        for q, gold, note in rows:
            f.write("\t".join([q, " ".join(codes.dotted(g) if not codes.pcs().get(g) else g for g in gold), "10", note]) + "\n")
    return len(rows)


def main(argv):
    books = [
        ("drug", "Table of Drugs and Chemicals 2025: term path + column heading", 11,
         lambda s: rows_of_tables("icd10cm-drug-2025.xml.gz", DRUG_COLS, None, s)),
        ("neoplasm", "Table of Neoplasms 2025: neoplasm + term path + column heading", 12,
         lambda s: rows_of_tables("icd10cm-neoplasm-2025.xml.gz", NEO_COLS, "neoplasm", s)),
        ("eindex", "Index to External Causes 2025: term path", 13, rows_of_eindex),
        ("pcsindex", "ICD-10-PCS Index 2025: term path", 14, rows_of_pcsindex),
    ]
    for name, what, seed, make in books:
        stats = {"cells": 0, "no FY2026 code": 0, "more than 10 codes": 0}
        rows = make(stats)
        rows = [(q, g, n) for q, (g, n) in rows.items() if g]
        picked = sample(rows, N, 2026_00 + seed)
        write(f"{name}.tsv", what, picked)
        rng = Rng(2026_50 + seed)
        typed = [(t, g, n + " | typed: " + q) for q, g, n in picked if (t := typing(q))]
        typos = []
        for q, g, n in picked:
            t = typo(q, rng)
            if t and t != q:
                typos.append((t, g, n + " | typo of: " + q))
        # A cut or a typo can make two rows the same query: keep the first.
        def dedup(rs):
            seen, out = set(), []
            for r in rs:
                if r[0] not in seen:
                    seen.add(r[0])
                    out.append(r)
            return out
        typed, typos = dedup(typed), dedup(typos)
        write(f"{name}-typing.tsv", what + "; last word cut to 3 letters", typed)
        write(f"{name}-typo.tsv", what + "; one typo in a word of 5+ letters", typos)
        print(f"{name}: {stats['cells']} codes given, {stats['no FY2026 code']} with no FY2026 code, "
              f"{stats['more than 10 codes']} with more than 10, {len(rows)} distinct queries; "
              f"wrote {len(picked)} / {len(typed)} typing / {len(typos)} typo", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
