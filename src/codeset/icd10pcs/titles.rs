//! Long titles: a `code<TAB>title` list (with a `code\ttitle` header line),
//! a CMS order file (`icd10pcs_order_YYYY.txt`, fixed width) or a CMS codes
//! file (`icd10pcs_codes_YYYY.txt`, `code title`).

use super::Pcs;
use crate::codeset::ReleaseError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Tsv,
    Order,
    /// CMS `icd10pcs_codes_YYYY.txt`: code, space, long title.
    Codes,
}

// CMS order file columns (0-based byte offsets).
const ORDER_CODE: std::ops::Range<usize> = 6..13;
const ORDER_FLAG: usize = 14;
const ORDER_LONG: usize = 77;

pub(super) fn attach(pcs: &mut Pcs, data: &[u8], file: &str) -> Result<(), ReleaseError> {
    // One validation for the whole file (titles may be any UTF-8 text).
    let text = std::str::from_utf8(data)
        .map_err(|e| ReleaseError::at(file, data, e.valid_up_to(), "not UTF-8 text"))?;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let data_start = text.len() - body.len();
    let mut form: Option<Form> = None;
    let mut offset = data_start;
    let mut unknown = 0;
    // Collected first so that a bad line leaves the titles as they were.
    let mut read = Vec::new();
    for raw in body.split('\n') {
        let at = offset;
        offset += raw.len() + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let err = |col: usize, msg: String| ReleaseError::at(file, data, at + col, msg);
        let form = *form.get_or_insert_with(|| {
            let b = line.as_bytes();
            if line.contains('\t') {
                Form::Tsv
            } else if b.len() > 8 && b[5] == b' ' && b[..5].iter().all(u8::is_ascii_digit) {
                Form::Order
            } else {
                Form::Codes
            }
        });
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
            Form::Codes => match line.split_once(' ') {
                Some((code, title)) => (code, title.trim(), code.len() + 1),
                None => return Err(err(0, "expected `code title`".to_string())),
            },
            Form::Order => {
                let bad = |col: usize, what: &str| {
                    err(
                        col,
                        format!(
                            "not a CMS order line ({what}): expected `NNNNN CODE    F short-title long-title`"
                        ),
                    )
                };
                if line.len() <= ORDER_LONG || !line.as_bytes()[..5].iter().all(u8::is_ascii_digit) {
                    return Err(bad(0, "too short or no order number"));
                }
                // The fixed columns are ASCII; only the long title may be other text.
                if let Some(col) = line.as_bytes()[..ORDER_LONG].iter().position(|b| !b.is_ascii()) {
                    return Err(bad(col, "non-ASCII text in the fixed columns"));
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
            // Release text reaches the screen: sanitized once, here.
            read.push((code, crate::text::one_line(title).into_owned()));
        } else {
            unknown += 1;
        }
    }
    if form.is_none() {
        return Err(ReleaseError::at(file, data, 0, "no titles in the file"));
    }
    pcs.titles.reserve(read.len());
    pcs.titles.extend(read);
    pcs.titles_unknown += unknown;
    Ok(())
}
