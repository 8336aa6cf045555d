//! Long titles: a `code<TAB>title` list (with a `code\ttitle` header line) or
//! a CMS order file (`icd10pcs_order_YYYY.txt`, fixed width).

use super::Pcs;
use crate::codeset::ReleaseError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Tsv,
    Order,
}

// CMS order file columns (0-based byte offsets).
const ORDER_CODE: std::ops::Range<usize> = 6..13;
const ORDER_FLAG: usize = 14;
const ORDER_LONG: usize = 77;

pub(super) fn attach(pcs: &mut Pcs, data: &[u8], file: &str) -> Result<(), ReleaseError> {
    let data_start = if data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut form: Option<Form> = None;
    let mut offset = data_start;
    let mut unknown = 0;
    let mut read = std::collections::HashMap::new();
    for raw in data[data_start..].split(|b| *b == b'\n') {
        let at = offset;
        offset += raw.len() + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let err = |col: usize, msg: String| ReleaseError::at(file, data, at + col, msg);
        let line =
            std::str::from_utf8(raw).map_err(|e| err(e.valid_up_to(), "not UTF-8 text".to_string()))?;
        let form = *form.get_or_insert(if line.contains('\t') { Form::Tsv } else { Form::Order });
        let (code, title, title_col) = match form {
            Form::Tsv => {
                let Some((code, title)) = line.split_once('\t') else {
                    return Err(err(0, "expected `code<TAB>title`".to_string()));
                };
                if at == data_start && code.eq_ignore_ascii_case("code") {
                    continue;
                }
                (code.trim(), title.trim(), code.len() + 1)
            }
            Form::Order => {
                let bad = |col: usize, what: &str| {
                    err(
                        col,
                        format!(
                            "not a CMS order line ({what}): expected `NNNNN CODE    F short-title long-title`"
                        ),
                    )
                };
                if !line.is_ascii() {
                    return Err(bad(0, "non-ASCII text"));
                }
                if line.len() <= ORDER_LONG || !line.as_bytes()[..5].iter().all(u8::is_ascii_digit) {
                    return Err(bad(0, "too short or no order number"));
                }
                match line.as_bytes()[ORDER_FLAG] {
                    b'0' => continue, // a header (table or partial code), not a code
                    b'1' => {}
                    _ => return Err(bad(ORDER_FLAG, "valid flag is not 0 or 1")),
                }
                (line[ORDER_CODE].trim(), line[ORDER_LONG..].trim(), ORDER_LONG)
            }
        };
        if code.len() != 7 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err(0, format!("`{code}` is not a 7-character ICD-10-PCS code")));
        }
        if title.is_empty() {
            return Err(err(title_col, format!("{code} has no title")));
        }
        let code = code.to_ascii_uppercase();
        if pcs.is_code(&code) {
            read.insert(code, title.to_string());
        } else {
            unknown += 1;
        }
    }
    if form.is_none() {
        return Err(ReleaseError::at(file, data, 0, "no titles in the file"));
    }
    pcs.titles.extend(read);
    pcs.titles_unknown += unknown;
    Ok(())
}
