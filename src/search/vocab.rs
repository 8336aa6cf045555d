//! The coder vocabulary: abbreviations and synonym groups from `index/`,
//! embedded in the binary. The files in `index/` are the source of truth
//! (format in `index/README.md`).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// The vocabulary files as built into the binary: (name, text).
pub const FILES: [(&str, &str); 2] = [
    ("abbreviations.txt", include_str!("../../index/abbreviations.txt")),
    ("synonyms.txt", include_str!("../../index/synonyms.txt")),
];

/// A line of a vocabulary file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("index/{file}:{line}: {message}")]
pub struct VocabError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Abbreviations and synonyms: a typed term (one or more words, lower case)
/// to the word sequences it also means.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    map: HashMap<String, Vec<Vec<String>>>,
    /// The longest key, in words.
    max_words: usize,
    /// Keys of two or more words, split (for typo matching).
    multi: Vec<Vec<String>>,
}

/// Lower case, single spaces: the form keys are looked up in.
pub fn key_of(words: &[&str]) -> String {
    words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ")
}

fn words_of(s: &str) -> Vec<String> {
    s.split_whitespace().map(|w| w.to_lowercase()).collect()
}

/// Whether two words differ by at most one edit (a transposition counts one).
pub fn within_one(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return near(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    near(&a, &b)
}

fn near<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[pre..], &b[pre..]);
    if ra == rb {
        return true;
    }
    let suf = ra.iter().rev().zip(rb.iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (ra.len() - suf, rb.len() - suf);
    ma.max(mb) <= 1 || (ma == 2 && mb == 2 && ra[0] == rb[1] && ra[1] == rb[0])
}

impl Vocab {
    /// The vocabulary built into the binary.
    pub fn embedded() -> Result<Vocab, VocabError> {
        let mut v = Vocab::default();
        v.add_abbreviations(FILES[0].1, FILES[0].0)?;
        v.add_synonyms(FILES[1].1, FILES[1].0)?;
        Ok(v)
    }

    /// sha256 over the embedded files, recorded in the index manifest.
    pub fn hash() -> String {
        let mut h = Sha256::new();
        for (name, text) in FILES {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        hex::encode(h.finalize())
    }

    fn add(&mut self, key: &str, expansion: Vec<String>) {
        let key_words = words_of(key);
        if key_words.is_empty() || expansion.is_empty() || key_words == expansion {
            return;
        }
        self.max_words = self.max_words.max(key_words.len());
        let key = key_words.join(" ");
        if key_words.len() >= 2 && !self.map.contains_key(&key) {
            self.multi.push(key_words);
        }
        let list = self.map.entry(key).or_default();
        if !list.contains(&expansion) {
            list.push(expansion);
        }
    }

    /// `abbrev = expansion | other expansion` lines; `#` starts a comment.
    pub fn add_abbreviations(&mut self, text: &str, file: &str) -> Result<(), VocabError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |message: &str| VocabError {
                file: file.to_string(),
                line: i + 1,
                message: message.to_string(),
            };
            let (key, rest) =
                line.split_once('=').ok_or_else(|| err("expected `abbreviation = expansion`"))?;
            if key.trim().is_empty() {
                return Err(err("empty abbreviation before `=`"));
            }
            let expansions: Vec<Vec<String>> =
                rest.split('|').map(words_of).filter(|e| !e.is_empty()).collect();
            if expansions.is_empty() {
                return Err(err("empty expansion after `=`"));
            }
            for e in expansions {
                self.add(key, e);
            }
        }
        Ok(())
    }

    /// `term, term, term` lines: each term also means every other.
    pub fn add_synonyms(&mut self, text: &str, file: &str) -> Result<(), VocabError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let group: Vec<Vec<String>> = line.split(',').map(words_of).filter(|g| !g.is_empty()).collect();
            if group.len() < 2 {
                return Err(VocabError {
                    file: file.to_string(),
                    line: i + 1,
                    message: "a synonym group needs at least two terms separated by commas".to_string(),
                });
            }
            for a in &group {
                for b in &group {
                    if a != b {
                        self.add(&a.join(" "), b.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// What a term (lower case, single spaces) also means.
    pub fn get(&self, key: &str) -> Option<&[Vec<String>]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// A term of several words typed with a typo (`heart atack`): the one
    /// vocabulary term whose words are equal, or one edit away for words of 5+ letters.
    pub fn get_near(&self, words: &[&str]) -> Option<&[Vec<String>]> {
        if words.len() < 2 {
            return None;
        }
        let mut found = None;
        for kw in &self.multi {
            let near = kw.len() == words.len()
                && kw.iter().zip(words).all(|(k, w)| {
                    k == w || (k.chars().count() >= 5 && w.chars().count() >= 4 && within_one(k, w))
                });
            if near {
                if found.is_some() {
                    return None; // ambiguous: expand nothing rather than guess
                }
                found = self.map.get(&kw.join(" ")).map(Vec::as_slice);
            }
        }
        found
    }

    pub fn max_words(&self) -> usize {
        self.max_words
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_typo_in_a_term_of_several_words_finds_it() {
        let v = Vocab::embedded().expect("vocabulary");
        assert!(v.get_near(&["heart", "atack"]).is_some());
        assert!(v.get_near(&["hart", "attack"]).is_some());
        // Short words and single words are not guessed.
        assert!(v.get_near(&["heart"]).is_none());
        assert!(v.get_near(&["lip", "chole"]).is_none());
        assert!(super::within_one("attack", "atack") && super::within_one("atatck", "attack"));
        assert!(!super::within_one("attack", "atacks"));
    }

    use super::*;

    #[test]
    fn embedded_vocabulary_parses_and_expands_coder_abbreviations() {
        let v = Vocab::embedded().expect("index/ files parse");
        let chf = v.get("chf").expect("chf is known");
        assert!(chf.iter().any(|e| e.join(" ") == "congestive heart failure"), "{chf:?}");
        let w = v.get("w/").expect("w/ is known");
        assert!(w.iter().any(|e| e.join(" ") == "with"));
        let heart = v.get("heart attack").expect("synonym group");
        assert!(heart.iter().any(|e| e.join(" ") == "myocardial infarction"));
        for abbrev in
            ["dm2", "t2dm", "htn", "ckd", "esrd", "copd", "fx", "s/p", "i&d", "lap chole", "tka", "c-section"]
        {
            assert!(v.get(abbrev).is_some(), "{abbrev} missing from index/abbreviations.txt");
        }
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let mut v = Vocab::default();
        let e = v.add_abbreviations("ok = fine\nno equals sign\n", "abbreviations.txt").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("abbreviations.txt", 2));
        let e = v.add_synonyms("# c\nlonely\n", "synonyms.txt").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("index/synonyms.txt:2:"));
    }

    #[test]
    fn synonym_groups_are_symmetric_and_multiword_keys_count() {
        let mut v = Vocab::default();
        v.add_synonyms("kidney, renal\nhigh blood pressure, hypertension\n", "s").unwrap();
        assert_eq!(v.get("renal").unwrap(), &[vec!["kidney".to_string()]]);
        assert_eq!(
            v.get("hypertension").unwrap(),
            &[["high", "blood", "pressure"].iter().map(|s| s.to_string()).collect::<Vec<_>>()]
        );
        assert_eq!(v.max_words(), 3);
    }
}
