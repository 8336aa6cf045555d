//! The compiled model (issue 18): rebuilt when damaged or stale, with a
//! message; built once by two processes at once; read from a read-only
//! folder; and answering, mapped in another process, exactly as the parsed
//! release files do for every code of every set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use medcode::codeset::compiled::{self, Source};
use medcode::codeset::{Codebook, catalog};

use crate::support;

fn show(data: &Path, shared: Option<&Path>) -> Output {
    let mut cmd = support::medcode(data);
    cmd.env_remove("MEDCODE_MODEL_DIR").env("MEDCODE_EDITION", "fy2026-shipped");
    if let Some(dir) = shared {
        cmd.env("MEDCODE_MODEL_DIR", dir);
    }
    cmd.args(["show", "E11.9"]).output().expect("medcode runs")
}

fn models(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "model")).collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", support::text(&o.stderr));
    support::text(&o.stdout)
}

#[test]
fn a_corrupted_model_is_rebuilt_with_a_message_never_read() {
    let data = tempfile::tempdir().expect("tempdir");
    let first = show(data.path(), None);
    let expected = ok(&first);
    assert!(expected.contains("Type 2 diabetes mellitus without complications"), "{expected}");
    let [model] = models(&data.path().join("model")).try_into().expect("one model file");
    let mut bytes = std::fs::read(&model).expect("read");
    // Damage the middle of the image, where the strings are.
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b = !*b;
    }
    std::fs::write(&model, &bytes).expect("write");
    let again = show(data.path(), None);
    assert_eq!(ok(&again), expected);
    let err = support::text(&again.stderr);
    assert!(err.contains("is damaged (checksum mismatch); rebuilding it"), "{err}");
    // Rebuilt: the next run maps it silently.
    let third = show(data.path(), None);
    assert_eq!(ok(&third), expected);
    assert_eq!(support::text(&third.stderr), "");
    // Cut short: refused as well.
    let len = std::fs::metadata(&model).expect("model").len();
    std::fs::OpenOptions::new().write(true).open(&model).expect("open").set_len(len / 3).expect("truncate");
    let cut = show(data.path(), None);
    assert_eq!(ok(&cut), expected);
    assert!(support::text(&cut.stderr).contains("is damaged ("), "{}", support::text(&cut.stderr));
}

#[test]
fn a_model_made_by_another_binary_is_stale_and_rebuilt_with_a_message() {
    let data = tempfile::tempdir().expect("tempdir");
    // This test binary writes the model of the edition: medcode's own binary must not read it.
    let located = catalog::locate(Some("fy2026-shipped")).expect("edition");
    let dirs = [data.path().join("model")];
    let (_, how) = compiled::load_from(&dirs, &located.edition, &|| located.parse()).expect("load");
    assert!(matches!(how, Source::Built(_)), "{how:?}");
    let out = show(data.path(), None);
    assert!(ok(&out).contains("E11.9"));
    let err = support::text(&out.stderr);
    assert!(err.contains("is stale (made by another medcode binary); rebuilding it"), "{err}");
    assert_eq!(support::text(&show(data.path(), None).stderr), "");
}

#[test]
fn two_processes_building_at_once_both_answer_and_leave_one_whole_model() {
    let data = tempfile::tempdir().expect("tempdir");
    let spawn = || {
        let mut cmd = support::medcode(data.path());
        cmd.env_remove("MEDCODE_MODEL_DIR").env("MEDCODE_EDITION", "fy2026-shipped");
        cmd.args(["show", "E11.9"]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        cmd.spawn().expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    assert_eq!(ok(&a), ok(&b));
    assert_eq!(support::text(&a.stderr) + &support::text(&b.stderr), "");
    let dir = data.path().join("model");
    let [model] = models(&dir).try_into().expect("one model file");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let before = std::fs::metadata(&model).expect("model").modified().expect("mtime");
    assert_eq!(ok(&show(data.path(), None)), ok(&a));
    assert_eq!(std::fs::metadata(&model).expect("model").modified().expect("mtime"), before, "not rebuilt");
}

#[test]
fn a_model_in_a_read_only_shared_folder_is_read_and_nothing_is_written() {
    let builder = tempfile::tempdir().expect("tempdir");
    let expected = ok(&show(builder.path(), None));
    let shared = builder.path().join("model");
    let files = models(&shared);
    assert_eq!(files.len(), 1);
    let mut perms = std::fs::metadata(&shared).expect("dir").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&shared, perms).expect("chmod");
    let coder = tempfile::tempdir().expect("tempdir");
    let out = show(coder.path(), Some(&shared));
    assert_eq!(ok(&out), expected);
    assert_eq!(support::text(&out.stderr), "");
    assert!(!coder.path().join("model").exists(), "the coder's own folder is not used");
    assert_eq!(models(&shared), files);
    let mut perms = std::fs::metadata(&shared).expect("dir").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&shared, perms).expect("chmod back");
}

/// Every code of every set, with everything the model says about it, as text.
fn dump(book: &Codebook, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{:?}", book.edition)?;
    let cm = &book.cm;
    writeln!(out, "cm {} {} {:?} {:?}", cm.version, cm.nodes.len(), cm.chapters, cm.introduction)?;
    writeln!(out, "{:?}", cm.restrictions)?;
    for id in cm.walk() {
        let n = cm.node(id);
        writeln!(out, "{id} {:?} {} {:?}", n, cm.key(id), cm.get(&cm.key(id)))?;
        writeln!(out, "  {:?}", cm.notes_in_force(id))?;
    }
    let pcs = &book.pcs;
    writeln!(out, "pcs {} {} {} {:?}", pcs.version, pcs.codes.len(), pcs.titles_unknown, pcs.update_from)?;
    writeln!(out, "{:?}", pcs.tables)?;
    writeln!(out, "{:?}", pcs.definitions)?;
    writeln!(out, "{:?}", pcs.device_aggregates)?;
    writeln!(out, "{:?}", pcs.index)?;
    writeln!(out, "{:?}", pcs.update_codes)?;
    for code in &pcs.codes {
        writeln!(out, "{code} {:?} {:?}", pcs.title(code), pcs.explain(code))?;
    }
    for prefix in ["", "0", "0D", "0DT", "0DTJ"] {
        writeln!(out, "{prefix}: {:?}", pcs.next_chars(prefix))?;
    }
    writeln!(out, "{:?}", pcs.index_lookup("appendectomy"))?;
    for book in [&book.drugs, &book.neoplasms, &book.external, &book.diseases] {
        writeln!(out, "{book:?}")?;
    }
    writeln!(out, "{:?}", book.changes)?;
    for c in &book.hcpcs.codes {
        writeln!(out, "{c:?} {:?}", book.hcpcs.get(&c.code).map(|g| &g.code))?;
    }
    for m in &book.hcpcs.modifiers {
        writeln!(out, "{m:?}")?;
    }
    Ok(())
}

const CHILD: &str = "MEDCODE_TEST_MODEL_CHILD";

/// The other process of the comparison: maps the model its parent built and dumps it.
#[test]
fn model_child_dumps_the_mapped_model() {
    let Some(spec) = std::env::var_os(CHILD) else { return };
    let spec = spec.to_string_lossy().into_owned();
    let mut parts = spec.splitn(3, '\t');
    let (name, dir, out) =
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let located = catalog::locate(Some(name)).expect("edition");
    let (book, how) =
        compiled::load_from(&[PathBuf::from(dir)], &located.edition, &|| panic!("the child must not parse"))
            .expect("load");
    assert!(matches!(how, Source::Mapped(_)), "{how:?}");
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).expect("dump file"));
    dump(&book, &mut f).expect("dump");
    f.flush().expect("flush");
}

#[test]
fn mapped_and_parsed_models_answer_the_same_for_every_code_of_every_set() {
    for name in ["fy2026-shipped", "fy2027-shipped"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("model");
        let located = catalog::locate(Some(name)).expect("edition");
        let (_, how) = compiled::load_from(std::slice::from_ref(&dir), &located.edition, &|| located.parse())
            .expect("build");
        assert!(matches!(how, Source::Built(_)), "{how:?}");
        let mapped_dump = tmp.path().join("mapped.txt");
        let child = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args(["--exact", "model::model_child_dumps_the_mapped_model", "--nocapture", "--test-threads=1"])
            .env(CHILD, format!("{name}\t{}\t{}", dir.display(), mapped_dump.display()))
            .output()
            .expect("child runs");
        assert!(child.status.success(), "{}{}", support::text(&child.stdout), support::text(&child.stderr));
        let parsed = located.parse().expect("parse");
        let mut expected = Vec::new();
        dump(&parsed, &mut expected).expect("dump");
        let got = std::fs::read(&mapped_dump).expect("the child's dump");
        assert!(expected.len() > 10_000_000, "{name}: the dump covers the sets ({} bytes)", expected.len());
        if got != expected {
            let (g, e) = (String::from_utf8_lossy(&got), String::from_utf8_lossy(&expected));
            let line = g.lines().zip(e.lines()).position(|(a, b)| a != b);
            panic!("{name}: the mapped model differs at line {line:?}");
        }
    }
}
