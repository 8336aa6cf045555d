//! The build-the-index-once fixture: one real index of the shipped edition for
//! the whole test binary (or bench), built on first use.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use medcode::codeset::shipped;
use medcode::search::{Engine, Opened};

pub struct Shared {
    _tmp: tempfile::TempDir,
    /// What `--index` (`MEDCODE_INDEX`) names: one folder per edition inside.
    pub root: PathBuf,
    /// The shipped edition's index.
    pub dir: PathBuf,
    pub engine: Engine,
}

/// The one real index.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("index");
        let dir = medcode::search::index_dir(Some(&root), shipped::EDITION_NAME).expect("index dir");
        let (engine, opened) =
            Engine::open_or_build(&dir, &shipped::edition(), &mut shipped::load, false, &mut |_| {})
                .expect("build the shared index");
        assert!(matches!(opened, Opened::Built(_)), "{opened:?}");
        Shared { _tmp: tmp, root, dir, engine }
    })
}

/// Copy an index folder (to damage or lock down a copy of the shared one).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}
