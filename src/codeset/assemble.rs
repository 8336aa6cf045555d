//! Assembling a codebook from an edition's release files: the one assembly
//! that the shipped editions, the installed ones and an import's validation
//! share, so each parses the same files the same way and fails the same way
//! (an error naming the file and where in it, never a panic).

use std::borrow::Cow;

use anyhow::{Result, anyhow};

use super::changes::{Addenda, Changes};
use super::{Codebook, Edition, FileKind, Hcpcs, IndexBook, Pcs, Tabular};

/// One release file: its bytes and the name errors give.
pub type File<'a> = (Cow<'a, [u8]>, String);

/// Where an edition's release files are read from (built in, an installed
/// folder, a release being imported). Read on the thread that parses them.
pub trait Files: Sync {
    /// The edition's file of this kind, if it has one.
    fn file(&self, kind: FileKind) -> Result<Option<File<'_>>>;
}

/// Everything of a codebook but the ICD-10-CM tabular.
pub struct Rest {
    pub pcs: Pcs,
    pub drugs: Option<IndexBook>,
    pub neoplasms: Option<IndexBook>,
    pub external: Option<IndexBook>,
    pub diseases: Option<IndexBook>,
    pub changes: Changes,
    pub hcpcs: Hcpcs,
}

/// The ICD-10-CM tabular (empty when the edition has none).
pub fn tabular(files: &dyn Files) -> Result<Tabular> {
    Ok(match files.file(FileKind::CmTabular)? {
        Some((data, name)) => Tabular::parse(&data, &name)?,
        None => Tabular::default(),
    })
}

/// The ICD-10-PCS tables with their definitions, index, titles and update
/// codes, the ICD-10-CM books, the addenda and HCPCS Level II.
pub fn rest(edition: &Edition, files: &dyn Files) -> Result<Rest> {
    let mut pcs = match files.file(FileKind::PcsTables)? {
        Some((data, name)) => Pcs::parse_tables(&data, &name)?,
        None => Pcs::default(),
    };
    if let Some((data, name)) = files.file(FileKind::PcsDefinitions)? {
        pcs.attach_definitions(&data, &name)?;
    }
    if let Some((data, name)) = files.file(FileKind::PcsIndex)? {
        pcs.attach_index(&data, &name)?;
    }
    if let Some((data, name)) = files.file(FileKind::PcsTitles)? {
        pcs.attach_titles(&data, &name)?;
    }
    if let Some((data, name)) = files.file(FileKind::PcsUpdateCodes)? {
        let from = edition.component(FileKind::PcsUpdateCodes).map(|c| c.effective_from);
        pcs.attach_update_codes(&data, &name, from)?;
    }
    let book = |kind: FileKind| -> Result<Option<IndexBook>> {
        Ok(match files.file(kind)? {
            Some((data, name)) => Some(IndexBook::parse(&data, &name)?),
            None => None,
        })
    };
    let addenda = |kind: FileKind| -> Result<Addenda> {
        Ok(match files.file(kind)? {
            Some((data, name)) => Addenda::parse(&data, &name)?,
            None => Addenda::default(),
        })
    };
    Ok(Rest {
        pcs,
        drugs: book(FileKind::CmDrug)?,
        neoplasms: book(FileKind::CmNeoplasm)?,
        external: book(FileKind::CmExternal)?,
        diseases: book(FileKind::CmIndex)?,
        changes: Changes { cm: addenda(FileKind::CmAddenda)?, pcs: addenda(FileKind::PcsAddenda)? },
        hcpcs: match files.file(FileKind::Hcpcs)? {
            Some((data, name)) => Hcpcs::parse(&data, &name)?,
            None => Hcpcs::default(),
        },
    })
}

/// The codebook of an edition: the tabular on one thread, the rest on another.
pub fn assemble(edition: Edition, files: &dyn Files) -> Result<Codebook> {
    let (cm, rest) = std::thread::scope(|s| {
        let cm = s.spawn(|| tabular(files));
        let rest = rest(&edition, files);
        (cm.join(), rest)
    });
    // A parser that panics on a release file is a bug, but the coder gets an error, not a crash.
    let cm = cm.map_err(|_| {
        let file = edition.component(FileKind::CmTabular).map_or("", |c| c.file.as_str());
        anyhow!("{file}: the ICD-10-CM tabular parser failed")
    })??;
    Ok(codebook(edition, cm, rest?))
}

/// [`assemble`] on one thread: the load benchmark's baseline.
pub fn assemble_serial(edition: Edition, files: &dyn Files) -> Result<Codebook> {
    let cm = tabular(files)?;
    let rest = rest(&edition, files)?;
    Ok(codebook(edition, cm, rest))
}

fn codebook(edition: Edition, cm: Tabular, rest: Rest) -> Codebook {
    let Rest { pcs, drugs, neoplasms, external, diseases, changes, hcpcs } = rest;
    Codebook { edition, cm, pcs, drugs, neoplasms, external, diseases, changes, hcpcs, cpt: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A release whose tabular is cut short and whose PCS tables cannot be read.
    struct Broken;

    impl Files for Broken {
        fn file(&self, kind: FileKind) -> Result<Option<File<'_>>> {
            match kind {
                FileKind::CmTabular => Ok(Some((
                    b"<ICD10CM.tabular>\n<version>2027</version>\n<chapter><name>1</name>".as_slice().into(),
                    "cut-tabular.xml".into(),
                ))),
                FileKind::PcsTables => Err(anyhow!("gone-tables.xml: unreadable")),
                _ => Ok(None),
            }
        }
    }

    struct Empty;

    impl Files for Empty {
        fn file(&self, _: FileKind) -> Result<Option<File<'_>>> {
            Ok(None)
        }
    }

    fn edition() -> Edition {
        Edition { name: "test".into(), shipped: false, components: Vec::new() }
    }

    #[test]
    fn bad_files_are_errors_naming_the_file_on_both_paths() {
        for result in [assemble(edition(), &Broken), assemble_serial(edition(), &Broken)] {
            let msg = format!("{:#}", result.expect_err("a cut tabular is an error"));
            assert!(msg.starts_with("cut-tabular.xml:"), "{msg}");
        }
        let msg = format!("{:#}", rest(&edition(), &Broken).err().expect("unreadable tables"));
        assert_eq!(msg, "gone-tables.xml: unreadable");
    }

    #[test]
    fn an_edition_without_files_is_empty_not_an_error() {
        let book = assemble(edition(), &Empty).expect("nothing to read");
        assert!(book.cm.nodes.is_empty() && book.pcs.codes.is_empty());
        assert!(book.drugs.is_none() && book.diseases.is_none());
    }
}
