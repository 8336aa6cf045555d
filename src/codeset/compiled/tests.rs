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
    let (mapped, how) = load_from(&dirs, &book("unit-built").edition, &parse).expect("load");
    assert_eq!(how, Source::Mapped(file_in(dir.path(), &book("unit-built").edition)));
    assert_eq!(parses.load(std::sync::atomic::Ordering::SeqCst), 1);
    same(&mapped, &book("unit-built"));
    same(&built, &mapped);
    let id = mapped.cm.get("E11.9").expect("E11.9");
    assert!(
        arena::WINDOW_START <= mapped.cm.node(id).title.as_ptr() as usize,
        "read in place from the image"
    );
    // A mapped codebook is an ordinary value: changed, cloned and dropped like one.
    let mut changed = mapped;
    changed.cm.nodes[id as usize].title.push_str(" (changed)");
    assert!(built.cm.node(id).title.ends_with("complications"));
    drop(changed);
    let mode =
        std::fs::metadata(file_in(dir.path(), &book("unit-built").edition)).expect("file").mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_damaged_model_is_rebuilt_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dirs = vec![dir.path().to_path_buf()];
    let edition = book("unit-damaged").edition;
    let parse = || Ok(book("unit-damaged"));
    load_from(&dirs, &edition, &parse).expect("build");
    let path = file_in(dir.path(), &book("unit-damaged").edition);
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.len() - 100;
    bytes[at] ^= 0x55;
    std::fs::write(&path, &bytes).expect("write");
    let key = Key { identity: identity().expect("identity"), edition: edition_hash(&edition) };
    assert_eq!(open(&path, &key).err(), Some(Refused::Damaged("checksum mismatch".into())));
    let (book2, how) = load_from(&dirs, &edition, &parse).expect("rebuilt");
    assert_eq!(how, Source::Built(path.clone()));
    same(&book2, &book("unit-damaged"));
    // Cut short, and a header that is not one.
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
    assert!(matches!(open(&path, &key), Err(Refused::Damaged(_))));
    std::fs::write(&path, b"not a model").expect("write");
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
