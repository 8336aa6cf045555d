use std::os::unix::fs::MetadataExt;

use super::*;
use crate::codeset::{CmKind, CmNode, Notes, Tabular};

/// A small codebook named `name`, with notes, PCS-free.
fn book(name: &str) -> Codebook {
    let mut edition =
        crate::codeset::shipped::edition_named(crate::codeset::shipped::FY2026).expect("shipped");
    edition.name = name.into();
    let mut cm = Tabular { version: "test".into(), ..Tabular::default() };
    let node = |code: &str, kind, title: &str, parent, billable| CmNode {
        code: code.into(),
        kind,
        title: title.into(),
        parent,
        children: Vec::new(),
        billable,
        notes: Notes { excludes1: vec![format!("not {title}")], ..Notes::default() },
    };
    let ch = cm.push_node(node("4", CmKind::Chapter, "Endocrine", None, false));
    let e11 = cm.push_node(node("E11", CmKind::Category, "Type 2 diabetes mellitus", Some(ch), false));
    cm.push_node(node(
        "E11.9",
        CmKind::Code,
        "Type 2 diabetes mellitus without complications",
        Some(e11),
        true,
    ));
    Codebook {
        edition,
        cm,
        pcs: Default::default(),
        drugs: None,
        neoplasms: None,
        external: None,
        diseases: None,
        changes: Default::default(),
        hcpcs: Default::default(),
        cpt: Default::default(),
    }
}

fn same(a: &Codebook, b: &Codebook) {
    assert_eq!(a.edition, b.edition);
    assert_eq!(format!("{:?}", a.cm.nodes), format!("{:?}", b.cm.nodes));
    for code in ["E11", "E11.9", "CH4"] {
        assert_eq!(a.cm.get(code), b.cm.get(code), "{code}");
    }
}

fn counting_parse(name: &str, count: &std::sync::atomic::AtomicUsize) -> impl Fn() -> Result<Codebook> {
    move || {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(book(name))
    }
}

#[test]
fn a_model_is_built_once_then_mapped_and_answers_as_parsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dirs = vec![dir.path().to_path_buf()];
    let parses = std::sync::atomic::AtomicUsize::new(0);
    let parse = counting_parse("unit-built", &parses);
    let (built, how) = load_from(&dirs, &book("unit-built").edition, &parse).expect("load");
    assert_eq!(how, Source::Built(file_in(dir.path(), &book("unit-built").edition)));
    assert_eq!(parses.load(std::sync::atomic::Ordering::SeqCst), 1);
    same(&built, &book("unit-built"));
    let id = built.cm.get("E11.9").expect("E11.9");
    assert!(arena::WINDOW_START <= built.cm.node(id).title.as_ptr() as usize, "read in place from the image");
    // The mapping has one owner: a second codebook of the edition in this process is parsed
    // (another process maps the file: tests/model.rs).
    let (second, how) = load_from(&dirs, &book("unit-built").edition, &parse).expect("load");
    assert_eq!(how, Source::Parsed);
    assert_eq!(parses.load(std::sync::atomic::Ordering::SeqCst), 2);
    same(&second, &built);
    // A mapped codebook is an ordinary value: changed, cloned and dropped like one.
    let mut changed = built;
    let copy = changed.cm.clone();
    changed.cm.nodes[id as usize].title.push_str(" (changed)");
    changed.cm.nodes[id as usize].notes.excludes1.push("more".into());
    assert!(copy.node(id).title.ends_with("complications"));
    assert!(changed.cm.node(id).title.ends_with("(changed)"));
    drop(changed);
    drop(copy);
    let mode =
        std::fs::metadata(file_in(dir.path(), &book("unit-built").edition)).expect("file").mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_damaged_model_is_rebuilt_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dirs = vec![dir.path().to_path_buf()];
    let edition = book("unit-damaged").edition.clone();
    let parse = || Ok(book("unit-damaged"));
    let path = file_in(dir.path(), &book("unit-damaged").edition);
    let key = Key { identity: identity().expect("identity"), edition: edition_hash(&edition) };
    // Written, not yet mapped by this process (as in a process that finds it damaged).
    write(&path, &book("unit-damaged"), &key, "unit-damaged").expect("build");
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.len() - 100;
    bytes[at] ^= 0x55;
    std::fs::write(&path, &bytes).expect("write");
    assert_eq!(open(&path, &key).err(), Some(Refused::Damaged("checksum mismatch".into())));
    let (book2, how) = load_from(&dirs, &edition, &parse).expect("rebuilt");
    assert_eq!(how, Source::Built(path.clone()));
    same(&book2, &book("unit-damaged"));
    // Cut short, and a header that is not one: new files put in its place (truncating a
    // file this process has mapped would fault the mapping, and medcode never does).
    let replace = |bytes: &[u8]| {
        let tmp = dir.path().join("replacement");
        std::fs::write(&tmp, bytes).expect("write");
        std::fs::rename(&tmp, &path).expect("rename");
    };
    replace(&bytes[..bytes.len() / 2]);
    assert!(matches!(open(&path, &key), Err(Refused::Damaged(_))));
    replace(b"not a model");
    assert!(matches!(open(&path, &key), Err(Refused::Damaged(_))));
}

#[test]
fn a_model_of_other_release_files_is_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dirs = vec![dir.path().to_path_buf()];
    let old = book("unit-stale");
    load_from(&dirs, &old.edition, &|| Ok(book("unit-stale"))).expect("build");
    let mut newer = old.edition.clone();
    newer.components[0].sha256 = "0".repeat(64);
    let key = Key { identity: identity().expect("identity"), edition: edition_hash(&newer) };
    let path = file_in(dir.path(), &book("unit-stale").edition);
    assert_eq!(open(&path, &key).err(), Some(Refused::Stale("made from other release files".into())));
    let other_binary = Key { identity: [7; 32], edition: edition_hash(&old.edition) };
    assert_eq!(
        open(&path, &other_binary).err(),
        Some(Refused::Stale("made by another medcode binary".into()))
    );
    let (_, how) = load_from(&dirs, &newer, &|| Ok(book("unit-stale"))).expect("rebuilt");
    assert_eq!(how, Source::Built(file_in(dir.path(), &newer)));
    assert!(!path.exists(), "the model of the old files is removed");
}

#[test]
fn a_header_reads_back_as_written_and_a_changed_byte_is_caught() {
    let h = Header {
        format: FORMAT,
        medcode: medcode_version(),
        identity: [1; 32],
        edition: [2; 32],
        base: slot_base(3) as u64,
        len: 5000,
        root: 4096,
        root_size: 800,
        crc: 0xdead_beef,
    };
    let mut b = h.encode();
    assert_eq!(Header::decode(&b), Ok(h));
    b[120] ^= 1;
    assert_eq!(Header::decode(&b), Err(Refused::Damaged("header checksum mismatch".into())));
}
