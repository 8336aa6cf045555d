"""The FY2026 code sets as shipped in `codesets/`, read with the standard library.

One home for the code rules the query-set scripts need (checker, book sets):

- ICD-10-CM billable: a `<diag>` of the tabular with no child `<diag>`; when a
  7th-character rule (`<sevenChrDef>`, nearest ancestor wins) is in force, only
  the full 7-character code (placeholder `X` up to 6 characters, then the 7th).
- ICD-10-PCS valid: every code a row of the FY2026 tables expands to.

Codes are compared in normal form: upper case, no dot (`E1122`, `0DTJ4ZZ`).
"""

import functools
import gzip
import os
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODESETS = os.path.join(ROOT, "codesets")


def norm(code):
    return code.strip().upper().replace(".", "")


def dotted(key):
    """Normal form to the printed ICD-10-CM form (`E1122` -> `E11.22`)."""
    return key if len(key) <= 3 else key[:3] + "." + key[3:]


def _open(name):
    return gzip.open(os.path.join(CODESETS, name), "rb")


@functools.lru_cache(maxsize=None)
def cm():
    """ICD-10-CM FY2026 (April 2026): (billable {key: title}, every node {key: title})."""
    tree = ET.parse(_open("icd10cm-tabular-2026-april.xml.gz"))
    billable, nodes = {}, {}

    def walk(diag, seventh):
        name = norm(diag.findtext("name"))
        desc = diag.findtext("desc") or ""
        nodes[name] = desc
        sdef = diag.find("sevenChrDef")
        if sdef is not None:
            seventh = [(e.get("char"), e.text or "") for e in sdef.findall("extension")]
        kids = diag.findall("diag")
        for k in kids:
            walk(k, seventh)
        if not kids:
            if seventh:
                base = name.ljust(6, "X")
                for ch, label in seventh:
                    # Tabular note at S06: "7th characters D and S do not apply to
                    # codes in category S06 with 6th character 7 ... or 8".
                    if name.startswith("S06") and base[5] in "78" and ch in "DS":
                        continue
                    billable[base + ch] = desc + ", " + label
                    nodes[base + ch] = desc + ", " + label
            else:
                billable[name] = desc

    for chapter in tree.getroot().iter("chapter"):
        for section in chapter.findall("section"):
            for diag in section.findall("diag"):
                walk(diag, None)
    return billable, nodes


@functools.lru_cache(maxsize=None)
def pcs():
    """ICD-10-PCS FY2026: {code: title composed from the axis labels}."""
    tree = ET.parse(_open("icd10pcs-tables-2026.xml.gz"))
    out = {}
    for table in tree.getroot().iter("pcsTable"):
        head = {}
        for ax in table.findall("axis"):
            lab = ax.find("label")
            head[int(ax.get("pos"))] = (lab.get("code"), lab.text or "")
        for row in table.findall("pcsRow"):
            axes = dict(head)
            multi = {}
            for ax in row.findall("axis"):
                multi[int(ax.get("pos"))] = [(l.get("code"), l.text or "") for l in ax.findall("label")]
            combos = [("", [])]
            for pos in range(1, 8):
                vals = multi.get(pos) or [axes[pos]]
                combos = [(c + v, t + [lab]) for c, t in combos for v, lab in vals]
            for code, labels in combos:
                out[code] = " ".join(labels)
    return out


def check(code):
    """None if `code` is a billable FY2026 ICD-10-CM code or a valid FY2026
    ICD-10-PCS code, else what is wrong with it."""
    key = norm(code)
    billable, nodes = cm()
    if key in billable:
        return None
    if len(key) == 7 and key in pcs():
        return None
    if key in nodes:
        return "a header, not billable (pick a child code)"
    if len(key) == 7 and (key[0].isdigit() or key[0] in "BCDFGHX"):
        return "not in the FY2026 ICD-10-PCS tables"
    return "not an FY2026 ICD-10-CM code"


def title(code):
    key = norm(code)
    return cm()[0].get(key) or pcs().get(key) or ""
