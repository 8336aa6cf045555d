//! CPT (the AMA's): never shipped. medcode knows only the shape of its codes,
//! so a CPT code is answered as CPT instead of as the nearest ICD-10 code.

/// What a coder is told when a CPT code is asked for and none is loaded.
pub const NOT_LOADED: &str =
    "CPT is not loaded: import your licensed AMA file with medcode codesets import-cpt FILE";

/// The CPT categories, told apart by the fifth character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Five digits (`99213`); also four digits and `A` (vaccine
    /// administration), `M` (multianalyte assays) or `U` (proprietary lab analyses).
    I,
    /// Four digits and `F`: performance measures.
    II,
    /// Four digits and `T`: emerging technology.
    III,
}

/// The category of a normalized key with the shape of a CPT code, if it has one.
pub fn category(key: &str) -> Option<Category> {
    let b = key.as_bytes();
    if b.len() != 5 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    match b[4] {
        b'0'..=b'9' | b'A' | b'M' | b'U' => Some(Category::I),
        b'F' => Some(Category::II),
        b'T' => Some(Category::III),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpt_shapes_by_category() {
        assert_eq!(category("99213"), Some(Category::I));
        assert_eq!(category("0001F"), Some(Category::II));
        assert_eq!(category("0001T"), Some(Category::III));
        assert_eq!(category("0001U"), Some(Category::I));
        // HCPCS Level II, ICD-10-PCS and short keys are not CPT-shaped.
        for key in ["J1100", "0DTJ4ZZ", "9921", "0001U1", "0001X"] {
            assert_eq!(category(key), None, "{key}");
        }
    }
}
