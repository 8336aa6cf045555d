//! Every edition medcode can code with, shipped and installed: found by name
//! or by date of service, and loaded.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::NaiveDate;

use super::edition::{in_force_on, today};
use super::{Codebook, Edition, installed, shipped};

/// The shipped editions and every readable installed one, shipped first.
pub fn list_editions() -> anyhow::Result<Vec<Edition>> {
    let mut out = shipped::editions();
    out.extend(
        installed::installed_editions()?.into_iter().filter_map(|i| i.manifest.ok()).map(|m| m.edition),
    );
    Ok(out)
}

/// The edition `open(None)` picks: the one in force today ([`today`]) among the
/// shipped and installed ones ([`in_force_on`]): `fy2027-shipped` from 2026-10-01
/// until a coder imports the full FY2027 release, which then supersedes it.
pub fn default_edition_name() -> anyhow::Result<String> {
    edition_for_date(today())
}

/// The name of the edition in force on `date` among the shipped and installed ones.
pub fn edition_for_date(date: NaiveDate) -> anyhow::Result<String> {
    Ok(name_in_force(&list_editions()?, date))
}

/// The name of the edition in force on `date` among `editions` ([`in_force_on`]),
/// the newest shipped one when there are none.
fn name_in_force(editions: &[Edition], date: NaiveDate) -> String {
    in_force_on(editions, date).map_or_else(|| shipped::EDITION_NAME.to_string(), |e| e.name.clone())
}

/// Every edition medcode can code with, loaded on first use: what a queue of
/// records from both sides of October 1 needs (each record against the edition
/// of its own date of service).
pub struct Editions {
    list: Vec<Edition>,
    loaded: HashMap<String, Arc<Codebook>>,
}

impl Editions {
    /// The shipped and installed editions (none loaded yet).
    pub fn discover() -> anyhow::Result<Editions> {
        Ok(Editions { list: list_editions()?, loaded: Default::default() })
    }

    /// A set with one edition already loaded (the workbench's current book).
    pub fn with_loaded(book: Arc<Codebook>) -> anyhow::Result<Editions> {
        let mut e = Editions::discover()?;
        e.loaded.insert(book.edition.name.clone(), book);
        Ok(e)
    }

    pub fn list(&self) -> &[Edition] {
        &self.list
    }

    /// The name of the edition in force on `date` ([`in_force_on`]).
    pub fn name_for(&self, date: NaiveDate) -> String {
        name_in_force(&self.list, date)
    }

    /// The loaded edition of a name (loading it the first time).
    pub fn get(&mut self, name: &str) -> anyhow::Result<Arc<Codebook>> {
        if let Some(b) = self.loaded.get(name) {
            return Ok(b.clone());
        }
        let book = Arc::new(locate(Some(name))?.load()?);
        self.loaded.insert(name.to_string(), book.clone());
        Ok(book)
    }

    /// Whether medcode has an edition of this name (shipped or installed).
    pub fn has(&self, name: &str) -> bool {
        self.list.iter().any(|e| e.name == name)
    }

    /// The name of a record's edition: the one the coder chose for it
    /// (`RecordWork::edition`), else the one in force on its date of service.
    pub fn name_for_record(&self, date: NaiveDate, chosen: Option<&str>) -> String {
        chosen.map_or_else(|| self.name_for(date), str::to_string)
    }

    /// The loaded edition of a record ([`Editions::name_for_record`]).
    pub fn for_record(&mut self, date: NaiveDate, chosen: Option<&str>) -> anyhow::Result<Arc<Codebook>> {
        let name = self.name_for_record(date, chosen);
        self.get(&name)
    }

    /// The loaded edition in force on `date` (a record's `date_of_service`).
    pub fn for_date(&mut self, date: NaiveDate) -> anyhow::Result<Arc<Codebook>> {
        let name = self.name_for(date);
        self.get(&name)
    }
}

/// Where an edition's files are: built in, or an installed folder.
#[derive(Debug, Clone)]
pub struct Located {
    pub edition: Edition,
    /// `None` for the shipped edition.
    pub dir: Option<std::path::PathBuf>,
}

/// Find an edition by name without loading it (`None`: the default,
/// [`default_edition_name`]); an unknown name lists the available ones.
pub fn locate(name: Option<&str>) -> anyhow::Result<Located> {
    let name = match name {
        Some(n) => n.to_string(),
        None => default_edition_name()?,
    };
    if let Some(edition) = shipped::edition_named(&name) {
        return Ok(Located { edition, dir: None });
    }
    for inst in installed::installed_editions()? {
        if inst.dir.file_name().is_some_and(|f| f.to_string_lossy() == name) {
            let manifest = inst.manifest.map_err(|e| {
                anyhow::anyhow!(
                    "edition {name}: {e} (re-import it, or use `--edition {}`)",
                    shipped::EDITION_NAME
                )
            })?;
            return Ok(Located { edition: manifest.edition, dir: Some(inst.dir) });
        }
    }
    let names: Vec<String> = list_editions()?.into_iter().map(|e| e.name).collect();
    anyhow::bail!("no edition named `{name}`; available: {} (see `medcode codesets list`)", names.join(", "))
}

impl Located {
    /// Load the code sets of this edition: mapped from its compiled model
    /// ([`super::compiled`]), which is built from the release files first when
    /// it is missing, stale or damaged; with the user's imported CPT file when
    /// there is one (a small file of its own, not in the model).
    pub fn load(&self) -> anyhow::Result<Codebook> {
        let mut book = super::compiled::load(&self.edition, self.dir.as_deref(), &|| self.parse())?;
        book.cpt = super::cpt::Cpt::installed()?;
        Ok(book)
    }

    /// Parse the release files of this edition (what the compiled model is built from).
    pub fn parse(&self) -> anyhow::Result<Codebook> {
        match &self.dir {
            None => shipped::load_edition(&self.edition.name)
                .with_context(|| format!("loading the shipped edition {}", self.edition.name)),
            Some(dir) => installed::load_installed(dir).with_context(|| {
                format!(
                    "loading edition {} (re-import it, or use `--edition {}`)",
                    self.edition.name,
                    shipped::EDITION_NAME
                )
            }),
        }
    }
}

impl Codebook {
    /// Load an edition: `None` the default ([`default_edition_name`]), `Some(name)`
    /// that one (`fy2026-shipped` and `fy2027-shipped` are built in).
    pub fn open(name: Option<&str>) -> anyhow::Result<Codebook> {
        locate(name)?.load()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codeset::shipped::{FY2026, FY2027};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn a_record_s_chosen_edition_wins_over_its_date() {
        let eds = Editions { list: shipped::editions(), loaded: Default::default() };
        assert_eq!(eds.name_for_record(d("2026-10-02"), None), FY2027);
        assert_eq!(eds.name_for_record(d("2026-10-02"), Some(FY2026)), FY2026);
        assert!(eds.has(FY2026) && eds.has(FY2027) && !eds.has("fy1999"));
    }
}
