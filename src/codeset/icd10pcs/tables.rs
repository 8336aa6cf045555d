//! The CMS tables file (`<ICD10PCS.tabular>`): tables, rows, axes.

use super::xml::{Attrs, Ev, Xml, attr};
use super::{Axis, AxisValue, Pcs, PcsRow, PcsTable};
use crate::codeset::ReleaseError;

/// An axis being read, with where it started and how many values it announced.
struct OpenAxis {
    axis: Axis,
    announced: Option<usize>,
    at: usize,
}

pub(super) fn parse(data: &[u8], file: &str) -> Result<Pcs, ReleaseError> {
    let mut xml = Xml::new(data, file);
    let mut pcs = Pcs::default();
    let mut root_seen = false;
    let mut table: Option<(PcsTable, usize)> = None;
    let mut row: Option<(PcsRow, Option<usize>, usize)> = None;
    let mut axis: Option<OpenAxis> = None;
    let mut label_code: Option<char> = None;
    loop {
        match xml.next()? {
            Ev::Eof => break,
            Ev::Open(attrs) => match xml.name() {
                "ICD10PCS.tabular" if xml.depth() == 1 => root_seen = true,
                _ if !root_seen => {
                    return Err(xml.error(format!("expected <ICD10PCS.tabular>, found <{}>", xml.name())));
                }
                "pcsTable" => table = Some((PcsTable { axes: Vec::new(), rows: Vec::new() }, xml.pos())),
                "pcsRow" => {
                    if table.is_none() {
                        return Err(xml.error("<pcsRow> outside a <pcsTable>"));
                    }
                    let codes = count_attr(&xml, &attrs, "codes")?;
                    row = Some((PcsRow { axes: Vec::new() }, codes, xml.pos()));
                }
                "axis" => {
                    let pos = match attr(&attrs, "pos").and_then(|p| p.parse::<u8>().ok()) {
                        Some(p @ 1..=7) => p,
                        _ => return Err(xml.error("<axis> without a pos from 1 to 7")),
                    };
                    let announced = count_attr(&xml, &attrs, "values")?;
                    axis = Some(OpenAxis {
                        axis: Axis { pos, title: String::new(), values: Vec::new() },
                        announced,
                        at: xml.pos(),
                    });
                }
                "label" => {
                    let code = attr(&attrs, "code").unwrap_or_default();
                    let mut chars = code.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_alphanumeric() => {
                            label_code = Some(c.to_ascii_uppercase())
                        }
                        _ => {
                            return Err(
                                xml.error(format!("<label> code `{code}` is not one letter or digit"))
                            );
                        }
                    }
                }
                _ => {}
            },
            Ev::Close { name, text } => match name.as_ref() {
                "version" if xml.depth() == 1 => pcs.version = text,
                "title" if xml.name() == "axis" => {
                    if let Some(a) = axis.as_mut() {
                        a.axis.title = text;
                    }
                }
                "label" => {
                    let (Some(a), Some(ch)) = (axis.as_mut(), label_code.take()) else {
                        return Err(xml.error("<label> outside an <axis>"));
                    };
                    a.axis.values.push(AxisValue { ch, label: text, ..AxisValue::default() });
                }
                "definition" if xml.name() == "axis" => {
                    // The table's own definition of its value (the root operation).
                    if let Some(v) = axis.as_mut().and_then(|a| a.axis.values.last_mut()) {
                        v.definition = Some(text);
                    }
                }
                "axis" => {
                    let Some(a) = axis.take() else { continue };
                    let prefix = table.as_ref().map(|(t, _)| t.prefix()).unwrap_or_default();
                    let here =
                        |msg: String| ReleaseError::at(file, data, a.at, format!("table {prefix}: {msg}"));
                    if a.axis.values.is_empty() {
                        return Err(here(format!("axis {} has no values", a.axis.pos)));
                    }
                    if a.axis.title.is_empty() {
                        return Err(here(format!("axis {} has no title", a.axis.pos)));
                    }
                    if let Some(n) = a.announced.filter(|n| *n != a.axis.values.len()) {
                        return Err(here(format!(
                            "axis {} announces {n} values but has {}",
                            a.axis.pos,
                            a.axis.values.len()
                        )));
                    }
                    if let Some((r, _, _)) = row.as_mut() {
                        r.axes.push(a.axis);
                    } else if let Some((t, _)) = table.as_mut() {
                        t.axes.push(a.axis);
                    } else {
                        return Err(here("<axis> outside a table".to_string()));
                    }
                }
                "pcsRow" => {
                    let Some((r, announced, at)) = row.take() else { continue };
                    let prefix = table.as_ref().map(|(t, _)| t.prefix()).unwrap_or_default();
                    let here =
                        |msg: String| ReleaseError::at(file, data, at, format!("table {prefix}: {msg}"));
                    let positions: Vec<u8> = r.axes.iter().map(|a| a.pos).collect();
                    if positions != [4, 5, 6, 7] {
                        return Err(here(format!("a row has axes {positions:?}, expected [4, 5, 6, 7]")));
                    }
                    let count: usize = r.axes.iter().map(|a| a.values.len()).product();
                    if let Some(n) = announced.filter(|n| *n != count) {
                        return Err(here(format!("a row announces {n} codes but its axes make {count}")));
                    }
                    if let Some((t, _)) = table.as_mut() {
                        t.rows.push(r);
                    }
                }
                "pcsTable" => {
                    let Some((t, at)) = table.take() else { continue };
                    let here = |msg: String| ReleaseError::at(file, data, at, msg);
                    let positions: Vec<u8> = t.axes.iter().map(|a| a.pos).collect();
                    if positions != [1, 2, 3] {
                        return Err(here(format!(
                            "table {}: axes {positions:?}, expected [1, 2, 3]",
                            t.prefix()
                        )));
                    }
                    if let Some(a) = t.axes.iter().find(|a| a.values.len() != 1) {
                        return Err(here(format!(
                            "table {}: axis {} has {} values, expected one",
                            t.prefix(),
                            a.pos,
                            a.values.len()
                        )));
                    }
                    if t.rows.is_empty() {
                        return Err(here(format!("table {} has no rows", t.prefix())));
                    }
                    pcs.tables.push(t);
                }
                _ => {}
            },
        }
    }
    if !root_seen {
        return Err(ReleaseError::at(file, data, 0, "not an ICD-10-PCS tables file (no <ICD10PCS.tabular>)"));
    }
    if pcs.tables.is_empty() {
        return Err(ReleaseError::at(file, data, 0, "no <pcsTable> in the file"));
    }
    let mut seen = std::collections::HashSet::new();
    for t in &pcs.tables {
        if !seen.insert(t.prefix()) {
            return Err(ReleaseError::at(file, data, 0, format!("table {} appears twice", t.prefix())));
        }
    }
    pcs.build();
    Ok(pcs)
}

fn count_attr(xml: &Xml<'_>, attrs: &Attrs<'_>, key: &str) -> Result<Option<usize>, ReleaseError> {
    match attr(attrs, key) {
        None => Ok(None),
        Some(v) => {
            v.parse().map(Some).map_err(|_| xml.error(format!("attribute {key}=\"{v}\" is not a number")))
        }
    }
}
