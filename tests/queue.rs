//! The record queue against real files and the real shipped code sets:
//! the invalid fixtures, huge notes, random damage, the example queue's
//! answer keys and the edits.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate};
use medcode::codeset::{CodeSet, Codebook, shipped};
use medcode::queue::edits::{self, EditSeverity};
use medcode::queue::{self, AttachedCode, CodeKind, EncounterType, Poa, Record};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/queue-invalid")
}

fn book() -> &'static Codebook {
    static BOOK: OnceLock<Codebook> = OnceLock::new();
    // The example queue is FY2026 encounters: the FY2026 edition.
    BOOK.get_or_init(|| shipped::load_edition(shipped::FY2026).expect("the shipped code sets load"))
}

fn short(p: &queue::Problem) -> (String, usize, String) {
    let file = Path::new(&p.file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    (file, p.line, p.field.clone())
}

#[test]
fn invalid_fixture_folder_keeps_the_valid_records() {
    let l = queue::load(&fixtures()).expect("folder loads");
    let ids: Vec<&str> = l.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["FX-1", "FX-9"]);
    let got: Vec<(String, usize, String)> = l.problems.iter().map(short).collect();
    for want in [
        ("02-malformed.json", 5, "-"),
        ("03-wrong-type.json", 5, "patient_age"),
        ("04-unknown-field.json", 9, "diagnosis_codes"),
        ("05-duplicate-id.json", 1, "id"),
        ("06-missing-field.json", 1, "date_of_service"),
        ("07-bad-enum-and-date.json", 3, "encounter_type"),
        ("07-bad-enum-and-date.json", 4, "date_of_service"),
        ("08-invalid-utf8.json", 8, "-"),
        ("10-not-an-object.json", 1, "-"),
        ("11-outpatient-with-admission.json", 5, "admission_date"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1, want.2.to_string())),
            "missing {want:?} in {got:?}"
        );
    }
    assert_eq!(l.invalid_count(), 10);
    let dup = l.problems.iter().find(|p| p.file.ends_with("05-duplicate-id.json")).expect("dup");
    assert!(dup.message.contains("01-valid.json:1"), "{}", dup.message);
}

#[test]
fn invalid_fixture_lines() {
    let l = queue::load(&fixtures().join("lines.jsonl")).expect("file loads");
    assert_eq!(l.records.len(), 1);
    let got: Vec<(usize, String)> = l.problems.iter().map(|p| (p.line, p.field.clone())).collect();
    assert_eq!(
        got,
        [
            (2, "-".to_string()),
            (3, "patient_age".into()),
            (4, "id".into()),
            (5, "color".into()),
            (5, "patient_sex".into()),
            (6, "-".into())
        ]
    );
}

#[test]
fn escape_sequences_are_harmless_after_sanitizing() {
    let l = queue::load(&fixtures()).expect("folder loads");
    let r = l.get("FX-9").expect("escapes record is valid");
    // Kept as written (the source is the truth)...
    assert!(r.documentation.contains('\u{1b}'));
    // ...and made harmless for the screen.
    for text in [&r.documentation, &r.provider] {
        let clean = queue::sanitize_for_terminal(text);
        assert!(!clean.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{clean:?}");
    }
    assert_eq!(queue::sanitize_for_terminal(&r.provider), "Dr. Fixture");
    let doc = queue::sanitize_for_terminal(&r.documentation);
    assert!(doc.starts_with("HPI: normal text red\nbell and C1  end."), "{doc:?}");
}

#[test]
fn a_ten_megabyte_note_is_accepted_and_capped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let note = "Patient reports pain. ".repeat(10 * 1024 * 1024 / 22);
    let rec = serde_json::json!({
        "id": "BIG", "encounter_type": "outpatient", "date_of_service": "2026-06-01",
        "patient_age": 40, "patient_sex": "F", "provider": "Dr", "documentation": note,
    });
    let path = tmp.path().join("big.jsonl");
    std::fs::write(&path, format!("{rec}\n{}\n", rec.to_string().replace("BIG", "BIG2"))).expect("write");
    let l = queue::load(&path).expect("loads");
    assert_eq!(l.records.len(), 2);
    assert!(l.records[0].documentation.len() <= queue::load::MAX_DOCUMENTATION + 100);
    assert!(l.records[0].truncated > 9_000_000);
    assert_eq!(l.invalid_count(), 0);
    assert!(
        l.problems
            .iter()
            .all(|p| p.severity == queue::ProblemSeverity::Warning && p.field == "documentation")
    );
}

#[test]
fn an_unreadable_queue_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("nope.jsonl");
    let err = queue::load(&missing).expect_err("missing");
    assert!(err.to_string().contains("nope.jsonl"), "{err}");
    let fifo = tmp.path().join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("cstring");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let err = queue::load(&fifo).expect_err("fifo");
    assert!(err.to_string().contains("neither a JSON Lines file nor a folder"), "{err}");
}

/// A small deterministic generator (xorshift): the damage is random but
/// every run is the same, so a failure can be reproduced.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_damage_never_panics_and_every_line_is_accounted_for() {
    let lines: Vec<&str> = queue::EXAMPLE_JSONL.lines().collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let interesting: &[&[u8]] = &[
        b"\"", b"{", b"}", b"[", b"\\", b"\\u", b"\xff", b"\xc3", b"\x1b[", b"null", b"-1", b"1e999", b",",
        b":", b"\n",
    ];
    for _ in 0..1500 {
        let mut data = Vec::new();
        let n = 1 + rng.below(4);
        for _ in 0..n {
            let mut line = lines[rng.below(lines.len())].as_bytes().to_vec();
            for _ in 0..rng.below(6) {
                let at = rng.below(line.len() + 1);
                match rng.below(4) {
                    0 => line.insert(at, rng.next() as u8),
                    1 if at < line.len() => {
                        line.remove(at);
                    }
                    2 => {
                        let piece = interesting[rng.below(interesting.len())];
                        line.splice(at..at, piece.iter().copied());
                    }
                    _ => line.truncate(at),
                }
            }
            data.extend_from_slice(&line);
            data.push(b'\n');
        }
        let l = queue::load_bytes("fuzz.jsonl", &data);
        let nonblank = data
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace) && !l.starts_with(b"//"))
            .count();
        let bad_lines: std::collections::HashSet<usize> = l
            .problems
            .iter()
            .filter(|p| p.severity == queue::ProblemSeverity::Invalid)
            .map(|p| p.line)
            .collect();
        assert_eq!(l.records.len() + bad_lines.len(), nonblank, "{:?}", String::from_utf8_lossy(&data));
        for p in &l.problems {
            assert!(p.line >= 1 && !p.message.is_empty());
        }
    }
    // Pure random bytes too.
    for _ in 0..300 {
        let data: Vec<u8> = (0..rng.below(400)).map(|_| rng.next() as u8).collect();
        let _ = queue::load_bytes("noise.jsonl", &data);
    }
}

#[test]
fn example_queue_answer_keys_are_billable_fy2026_codes() {
    let b = book();
    let l = queue::load_example();
    assert!(l.records.len() >= 30);
    let mut kinds = std::collections::HashSet::new();
    let mut checked = 0;
    for r in &l.records {
        kinds.insert(r.encounter_type);
        assert!(!r.expected_codes.is_empty(), "{} has no answer key", r.id);
        for code in &r.expected_codes {
            let key = medcode::codeset::normalize(code);
            if r.expected_lines.iter().any(|l| l.code == *code) {
                // Claim lines: HCPCS from the CMS file, or CPT from the invented fixture.
                let invented = std::fs::read_to_string(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cpt/invented-cpt-2026.tsv"),
                )
                .expect("the invented CPT fixture");
                assert!(
                    b.hcpcs.get(&key).is_some()
                        || invented.lines().any(|l| l.starts_with(&format!("{key}\t"))),
                    "{}: {code} is neither HCPCS nor an invented fixture CPT code",
                    r.id
                );
                assert_ne!(
                    r.encounter_type,
                    EncounterType::Inpatient,
                    "{}: claim lines outside a stay",
                    r.id
                );
            } else if code.contains('.') || b.cm.get(&key).is_some() {
                let id =
                    b.cm.get(&key).unwrap_or_else(|| panic!("{}: {code} is not an ICD-10-CM code", r.id));
                assert!(b.cm.node(id).billable, "{}: {code} is not billable", r.id);
                assert_eq!(b.cm.node(id).code, *code, "{}: written as the code set prints it", r.id);
            } else {
                assert!(b.pcs.is_code(&key), "{}: {code} is not an ICD-10-PCS code", r.id);
                assert_eq!(r.encounter_type, EncounterType::Inpatient, "{}: PCS only on inpatient", r.id);
            }
            checked += 1;
        }
    }
    assert!(checked > 90, "{checked}");
    assert_eq!(kinds.len(), 4);
    // Checked as a coder would: the pathology of OP-3003's sigmoid polyp is a tubular
    // adenoma, a benign neoplasm (Table of Neoplasms, colon, sigmoid, Benign: D12.5), not
    // K63.5; IP-1009's urinary source is cystitis, coded to the site (N30.90), not N39.0.
    let key = |id: &str| {
        l.records.iter().find(|r| r.id == id).map(|r| r.expected_codes.clone()).unwrap_or_default()
    };
    assert_eq!(key("OP-3003"), ["Z12.11", "D12.5"]);
    assert_eq!(key("IP-1009"), ["A41.51", "N30.90"]);
    for needed in ["0DTJ4ZZ", "0FT44ZZ", "E11.22", "N18.31", "J44.1", "S52.532A"] {
        assert!(l.records.iter().any(|r| r.expected_codes.iter().any(|c| c == needed)), "{needed}");
    }
}

#[test]
fn example_answer_keys_pass_the_edits_within_the_edition() {
    // Coding each record with its own answer key gives no error edits, except
    // the date-of-service edit on the records dated after the edition.
    let b = book();
    for r in &queue::load_example().records {
        let codes = keyed(b, r);
        let errors: Vec<String> = edits::check(b, r, &codes)
            .into_iter()
            .filter(|e| e.severity == EditSeverity::Error)
            .map(|e| format!("{} [{}]", e.message, e.rule))
            .collect();
        let in_force = b.edition.is_in_force(CodeSet::Icd10cm, r.date_of_service);
        if in_force {
            assert!(errors.is_empty(), "{}: {errors:?}", r.id);
        } else {
            assert_eq!(errors.len(), 1, "{}: {errors:?}", r.id);
            assert!(errors[0].contains("outside the CM edition"), "{}: {errors:?}", r.id);
        }
    }
}

/// A record coded with its answer key: claim lines with their modifiers,
/// units and pointers (CPT, not a code set medcode loads, is left out).
fn keyed(b: &Codebook, r: &Record) -> Vec<AttachedCode> {
    r.expected_codes
        .iter()
        .filter_map(|c| match r.expected_lines.iter().find(|l| l.code == *c) {
            None => Some(attach(b, r, c)),
            Some(l) if b.hcpcs.get(&l.code).is_some() => {
                let mods: Vec<&str> = l.modifiers.iter().map(String::as_str).collect();
                let ptrs: Vec<&str> = l.pointers.iter().map(String::as_str).collect();
                Some(line(&l.code, &mods, l.units, &ptrs))
            }
            Some(_) => None,
        })
        .collect()
}

#[test]
fn example_claim_lines_score_perfect_against_their_keys() {
    let b = book();
    let l = queue::load_example();
    let with_lines: Vec<&Record> = l.records.iter().filter(|r| !r.expected_lines.is_empty()).collect();
    assert!(with_lines.len() >= 4, "{}", with_lines.len());
    for want in ["J1100", "E0114", "G0168", "G2211"] {
        assert!(with_lines.iter().any(|r| r.expected_lines.iter().any(|x| x.code == want)), "{want}");
    }
    for r in with_lines {
        let s = queue::training::score_lines(&r.expected_lines, &keyed(b, r));
        assert!(s.wrong.is_empty(), "{}: {:?}", r.id, s.wrong);
    }
}

fn attach(b: &Codebook, r: &Record, code: &str) -> AttachedCode {
    let (set, code) = b.resolve(code).unwrap_or((CodeSet::Icd10cm, code.to_string()));
    let kind = if set == CodeSet::Icd10pcs { CodeKind::Procedure } else { CodeKind::Diagnosis };
    let poa = (r.encounter_type == EncounterType::Inpatient && kind == CodeKind::Diagnosis).then_some(Poa::Y);
    AttachedCode {
        code: if set == CodeSet::Icd10cm { medcode::codeset::cm_display(&code) } else { code },
        set,
        kind,
        poa,
        who: "t".into(),
        when: DateTime::UNIX_EPOCH,
        line: Default::default(),
    }
}

fn record(kind: EncounterType, date: &str) -> Record {
    let mut r = queue::load_example()
        .records
        .into_iter()
        .find(|r| r.encounter_type == kind)
        .expect("one of each kind");
    r.date_of_service = date.parse::<NaiveDate>().expect("date");
    r.admission_date = None;
    r.discharge_date = None;
    r
}

fn codes(r: &Record, list: &[&str]) -> Vec<AttachedCode> {
    list.iter().map(|c| attach(book(), r, c)).collect()
}

fn describe(e: &[edits::Edit]) -> Vec<String> {
    e.iter().map(|e| format!("{:?} {} [{}] {:?}", e.severity, e.message, e.rule, e.suggestions)).collect()
}

#[test]
fn edit_header_offers_billable_children() {
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["E11.2"]));
    let h =
        e.iter().find(|e| e.message.contains("is a header")).unwrap_or_else(|| panic!("{:?}", describe(&e)));
    assert_eq!(h.severity, EditSeverity::Error);
    assert!(h.suggestions.iter().any(|s| s == "E11.22"), "{:?}", h.suggestions);
}

#[test]
fn edit_missing_seventh_character() {
    let r = record(EncounterType::Emergency, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["S52.532"]));
    let s = e
        .iter()
        .find(|e| e.message.contains("7th character"))
        .unwrap_or_else(|| panic!("{:?}", describe(&e)));
    assert!(s.suggestions.iter().any(|c| c == "S52.532A"), "{:?}", s.suggestions);
}

#[test]
fn edit_date_outside_the_edition() {
    let r = record(EncounterType::Outpatient, "2026-11-25");
    let e = edits::check(book(), &r, &codes(&r, &["I10"]));
    assert!(
        e.iter().any(|e| e.severity == EditSeverity::Error && e.message.contains("2026-11-25 is outside")),
        "{:?}",
        describe(&e)
    );
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["I10"]));
    assert!(e.is_empty(), "{:?}", describe(&e));
}

#[test]
fn edit_excludes1_from_the_real_notes() {
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["E11.9", "E10.9"]));
    let x =
        e.iter().find(|e| e.rule.starts_with("Excludes1")).unwrap_or_else(|| panic!("{:?}", describe(&e)));
    assert_eq!(x.severity, EditSeverity::Error);
}

#[test]
fn edit_manifestation_first_and_code_first() {
    let r = record(EncounterType::Outpatient, "2026-06-01");
    // G63: Polyneuropathy in diseases classified elsewhere.
    let e = edits::check(book(), &r, &codes(&r, &["G63"]));
    assert!(
        e.iter().any(|e| e.severity == EditSeverity::Error && e.message.contains("manifestation")),
        "{:?}",
        describe(&e)
    );
    assert!(e.iter().any(|e| e.rule.starts_with("Code first")), "{:?}", describe(&e));
}

#[test]
fn sepsis_with_a_urinary_infection_is_not_an_unsatisfied_code_first() {
    // A41's Code first asks for postprocedural or obstetric sepsis "if applicable".
    let r = record(EncounterType::Inpatient, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["A41.51", "N39.0"]));
    assert!(
        !e.iter().any(|e| e.rule.starts_with("Code first") && e.severity != EditSeverity::Hint),
        "{:?}",
        describe(&e)
    );
    assert!(e.iter().any(|e| e.rule.starts_with("Code first (category A41)")), "{:?}", describe(&e));
}

#[test]
fn edit_use_additional_code() {
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["E11.22"]));
    let u = e.iter().find(|e| e.rule.contains("N18")).unwrap_or_else(|| panic!("{:?}", describe(&e)));
    assert_eq!(u.severity, EditSeverity::Warning);
    let e = edits::check(book(), &r, &codes(&r, &["E11.22", "N18.31"]));
    assert!(
        !e.iter().any(|e| e.rule.contains("N18.1-N18.6") || e.rule.contains("(N18")),
        "{:?}",
        describe(&e)
    );
}

#[test]
fn edit_duplicates_pcs_setting_and_poa() {
    let r = record(EncounterType::Emergency, "2026-06-01");
    let e = edits::check(book(), &r, &codes(&r, &["I10", "I10", "0DTJ4ZZ"]));
    assert!(e.iter().any(|e| e.message.contains("attached twice")), "{:?}", describe(&e));
    assert!(e.iter().any(|e| e.message.contains("ICD-10-PCS codes are for inpatient")), "{:?}", describe(&e));
    let r = record(EncounterType::Inpatient, "2026-06-01");
    let mut c = codes(&r, &["K35.30", "0DTJ4ZZ"]);
    c[0].poa = None;
    let e = edits::check(book(), &r, &c);
    assert_eq!(e.len(), 1, "{:?}", describe(&e));
    assert!(e[0].severity == EditSeverity::Warning && e[0].message.contains("present-on-admission"));
    let e = edits::check(book(), &r, &codes(&r, &["K35.30", "0DTJ4Z"]));
    let inc =
        e.iter().find(|e| e.message.contains("incomplete")).unwrap_or_else(|| panic!("{:?}", describe(&e)));
    assert!(
        inc.suggestions.iter().any(|c| c == "0DTJ4ZZ")
            && inc.suggestions.iter().all(|c| c.starts_with("0DTJ4Z")),
        "{:?}",
        inc.suggestions
    );
}

#[test]
fn done_with_real_edit_errors_needs_an_override() {
    use medcode::queue::work::{self, Context, Op};
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let c = codes(&r, &["E11.2"]);
    let errors = edits::error_count(&edits::check(book(), &r, &c));
    assert_eq!(errors, 1);
    let w = queue::RecordWork { codes: c, ..Default::default() };
    let cx = Context { who: "t", when: DateTime::UNIX_EPOCH, edit_errors: errors };
    assert!(work::apply(&r.id, &w, &Op::Done { override_reason: None }, &cx).is_err());
    assert!(
        work::apply(&r.id, &w, &Op::Done { override_reason: Some("per payer policy".into()) }, &cx).is_ok()
    );
}

#[test]
fn open_gives_records_and_their_work_together() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let q = tmp.path().join("q.jsonl");
    std::fs::write(&q, queue::EXAMPLE_JSONL).expect("write");
    let mut opened = queue::open(Some(&q)).expect("open");
    assert_eq!(opened.loaded.records.len(), 39);
    assert_eq!(opened.store.location(), queue::WorkLocation::BesideQueue);
    let op = queue::Op::Comment { text: "seen".into(), on_key: None };
    opened.store.apply("OP-3001", &op, 0).expect("save");
    let again = queue::open(Some(&q)).expect("reopen");
    assert_eq!(again.store.get("OP-3001").comments[0].text, "seen");
    assert!(matches!(queue::open(Some(&tmp.path().join("none"))), Err(queue::OpenError::Load(_))));
}

#[test]
fn edit_missing_seventh_character_with_placeholders() {
    let r = record(EncounterType::Emergency, "2026-06-01");
    for (typed, full) in [("T39.1X1", "T39.1X1A"), ("W11", "W11.XXXA"), ("S01.01", "S01.01XA")] {
        let e = edits::check(book(), &r, &codes(&r, &[typed]));
        let s = e
            .iter()
            .find(|e| e.message.contains("7th character"))
            .unwrap_or_else(|| panic!("{typed}: {:?}", describe(&e)));
        assert!(s.suggestions.iter().any(|c| c == full), "{typed}: {:?}", s.suggestions);
    }
}

/// A HCPCS procedure line with its claim fields.
fn line(code: &str, modifiers: &[&str], units: Option<u32>, pointers: &[&str]) -> AttachedCode {
    AttachedCode {
        code: code.into(),
        set: CodeSet::Hcpcs,
        kind: CodeKind::Procedure,
        poa: None,
        who: "t".into(),
        when: DateTime::UNIX_EPOCH,
        line: queue::work::ClaimLine {
            modifiers: modifiers.iter().map(|s| s.to_string()).collect(),
            units,
            pointers: pointers.iter().map(|s| s.to_string()).collect(),
        },
    }
}

#[test]
fn claim_line_edits_on_the_real_hcpcs_file() {
    let b = book();
    let r = record(EncounterType::Outpatient, "2026-06-01");
    let errors = |c: &[AttachedCode]| -> Vec<String> {
        edits::check(b, &r, c)
            .into_iter()
            .filter(|e| e.severity == EditSeverity::Error)
            .map(|e| e.message)
            .collect()
    };
    // A clean line: dexamethasone injection, JZ (no waste), 4 units, for the diagnosis.
    let mut c = codes(&r, &["M17.11"]);
    c.push(line("J1100", &["JZ"], Some(4), &["M17.11"]));
    assert!(errors(&c).is_empty(), "{:?}", describe(&edits::check(b, &r, &c)));
    // A modifier that does not exist, units of 0, a pointer to a removed diagnosis.
    c[1] = line("J1100", &["JZ", "0Z"], Some(0), &["M17.11", "E11.9"]);
    assert_eq!(
        errors(&c),
        [
            "J1100: modifier 0Z does not exist",
            "J1100: units of 0 (a line reports at least 1 unit)",
            "J1100: its pointer to E11.9 names no diagnosis on this record (removed?)",
        ]
    );
    // No pointer outside a stay is a warning.
    c[1] = line("J1100", &[], None, &[]);
    let e = edits::check(b, &r, &c);
    assert!(
        e.iter().any(|e| e.severity == EditSeverity::Warning && e.message.contains("no diagnosis pointer")),
        "{:?}",
        describe(&e)
    );
    // A code not in the file, and one terminated before the date of service.
    let absent = (0..10_000).map(|n| format!("J{n:04}")).find(|k| b.hcpcs.get(k).is_none()).expect("a gap");
    c[1] = line(&absent, &[], None, &["M17.11"]);
    assert_eq!(errors(&c), [format!("{absent} is not a HCPCS Level II code (edition {})", b.edition.name)]);
    let gone = b
        .hcpcs
        .codes
        .iter()
        .find(|h| h.terminated.is_some_and(|t| t < r.date_of_service))
        .expect("the CMS file lists terminated codes");
    c[1] = line(&gone.code, &[], None, &["M17.11"]);
    let t = gone.terminated.expect("terminated");
    assert_eq!(
        errors(&c),
        [format!("{}: terminated {t}, before the date of service {}", gone.code, r.date_of_service)]
    );
    // HCPCS on an inpatient facility claim; PCS on an outpatient one.
    let ip = record(EncounterType::Inpatient, "2026-06-01");
    let mut c = codes(&ip, &["M17.11"]);
    c.push(line("J1100", &[], Some(1), &["A"]));
    let e = edits::check(b, &ip, &c);
    assert!(
        e.iter().any(|e| e.severity == EditSeverity::Error
            && e.message.starts_with("J1100: an inpatient facility claim reports procedures in ICD-10-PCS")),
        "{:?}",
        describe(&e)
    );
}
