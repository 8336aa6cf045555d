//! The CMS definitions file (`<ICD10PCS.definitions>`): terms per section and
//! axis, attached to the axis values of the tables that carry the same label.

use std::collections::{HashMap, HashSet};

use super::xml::{Ev, Xml, attr};
use super::{Pcs, PcsDefinition, PcsDeviceAggregate};
use crate::codeset::ReleaseError;

pub(super) fn attach(pcs: &mut Pcs, data: &[u8], file: &str) -> Result<(), ReleaseError> {
    let (defs, aggregates) = parse(data, file)?;
    pcs.definitions = defs;
    pcs.device_aggregates = aggregates;
    pcs.definition_keys.clear();
    for (i, d) in pcs.definitions.iter().enumerate() {
        pcs.definition_keys.entry((d.section, d.pos, d.title.to_lowercase())).or_insert(i);
    }
    let mut attached = vec![0usize; pcs.definitions.len()];
    let keys = &pcs.definition_keys;
    // Axes the definitions file covers; the rest (most qualifiers) need no lookups.
    let defined: HashSet<(char, u8)> = keys.keys().map(|(s, p, _)| (*s, *p)).collect();
    // Axes whose terms name a body system, operation or kind (devices, section F type qualifiers).
    let qualified: HashSet<(char, u8)> = keys
        .keys()
        .filter(|(_, _, term)| term.contains(" in ") || term.ends_with(')'))
        .map(|(s, p, _)| (*s, *p))
        .collect();
    for t in &mut pcs.tables {
        let section = t.section();
        let head = |n: usize| t.axes.get(n).and_then(|a| a.values.first()).map(|v| v.label.to_lowercase());
        let (section_label, body_system, operation) =
            (head(0).unwrap_or_default(), head(1).unwrap_or_default(), head(2).unwrap_or_default());
        // Section F qualifies by the kind of type: `Aphasia (Assessment)`, `Aphasia (Treatment)`.
        let kind = if operation.ends_with("assessment") { "assessment" } else { "treatment" };
        let find = |pos: u8, label: &str| -> Option<usize> {
            let label = label.to_lowercase();
            let key = |term: String| (section, pos, term);
            // Some devices are defined per root operation and body system
            // (`Pacemaker, Dual Chamber for Insertion in Subcutaneous Tissue and Fascia`),
            // others per body system (`Autologous Tissue Substitute in Lower Arteries`)
            // or, in New Technology, per section (`... in New Technology`).
            let specific = || {
                keys.get(&key(format!("{label} for {operation} in {body_system}")))
                    .or_else(|| keys.get(&key(format!("{label} ({kind})"))))
                    .or_else(|| keys.get(&key(format!("{label} in {body_system}"))))
                    .or_else(|| keys.get(&key(format!("{label} in {section_label}"))))
            };
            qualified
                .contains(&(section, pos))
                .then(specific)
                .flatten()
                .or_else(|| keys.get(&key(label.clone())))
                // Administration defines as substances some values its tables give as qualifiers.
                .or_else(|| keys.get(&(section, 6, label)).filter(|_| section == '3' && pos == 7))
                .copied()
        };
        // Rows repeat the same values (`Open`, `Percutaneous`): look each up once per table.
        let mut found: HashMap<(u8, &str), Option<usize>> = HashMap::new();
        let mut hits: Vec<Option<usize>> = Vec::new();
        for axis in t.axes.iter().chain(t.rows.iter().flat_map(|r| &r.axes)) {
            let wanted = defined.contains(&(section, axis.pos)) || (section == '3' && axis.pos == 7);
            for v in &axis.values {
                let hit = if wanted {
                    *found.entry((axis.pos, v.label.as_str())).or_insert_with(|| find(axis.pos, &v.label))
                } else {
                    None
                };
                hits.push(hit);
            }
        }
        let values = t.axes.iter_mut().chain(t.rows.iter_mut().flat_map(|r| r.axes.iter_mut()));
        for (v, hit) in values.flat_map(|a| a.values.iter_mut()).zip(hits) {
            let Some(d) = hit.and_then(|i| pcs.definitions.get(i).map(|d| (i, d))) else { continue };
            let (i, d) = d;
            if v.definition.is_none() {
                v.definition.clone_from(&d.definition);
            }
            v.explanation.clone_from(&d.explanation);
            v.includes.clone_from(&d.includes);
            attached[i] += 1;
        }
    }
    for (d, n) in pcs.definitions.iter_mut().zip(attached) {
        d.attached = n;
    }
    Ok(())
}

type Parsed = (Vec<PcsDefinition>, Vec<PcsDeviceAggregate>);

fn parse(data: &[u8], file: &str) -> Result<Parsed, ReleaseError> {
    let mut xml = Xml::new(data, file);
    let mut out = Vec::new();
    let mut root_seen = false;
    let mut section: Option<char> = None;
    let mut pos: Option<u8> = None;
    let mut axis_title = String::new();
    let mut term: Option<PcsDefinition> = None;
    let mut aggregates = Vec::new();
    let mut aggregate: Option<PcsDeviceAggregate> = None;
    loop {
        match xml.next()? {
            Ev::Eof => break,
            Ev::Open(attrs) => match xml.name() {
                "ICD10PCS.definitions" if xml.depth() == 1 => root_seen = true,
                _ if !root_seen => {
                    return Err(xml.error(format!("expected <ICD10PCS.definitions>, found <{}>", xml.name())));
                }
                "section" => {
                    let code = attr(&attrs, "code").unwrap_or_default();
                    let mut chars = code.chars();
                    section = match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_alphanumeric() => Some(c.to_ascii_uppercase()),
                        _ => {
                            return Err(
                                xml.error(format!("<section> code `{code}` is not one letter or digit"))
                            );
                        }
                    };
                }
                "axis" if xml.parent(1) == "section" => {
                    pos = match attr(&attrs, "pos").and_then(|p| p.parse::<u8>().ok()) {
                        Some(p @ 1..=7) => Some(p),
                        _ => return Err(xml.error("<axis> without a pos from 1 to 7")),
                    };
                    axis_title.clear();
                }
                "terms" => {
                    let (Some(section), Some(pos)) = (section, pos) else {
                        return Err(xml.error("<terms> outside a section's <axis>"));
                    };
                    term = Some(PcsDefinition {
                        section,
                        pos,
                        axis: axis_title.clone(),
                        ..PcsDefinition::default()
                    });
                }
                "aggregate" => aggregate = Some(PcsDeviceAggregate::default()),
                "parent" if xml.parent(1) == "aggregate" => {
                    let value = attr(&attrs, "value").unwrap_or_default();
                    let mut chars = value.chars();
                    let ch = match (chars.next(), chars.next()) {
                        (Some(c), None) if c.is_ascii_alphanumeric() => c.to_ascii_uppercase(),
                        _ => {
                            return Err(
                                xml.error(format!("<parent> value `{value}` is not one letter or digit"))
                            );
                        }
                    };
                    if let Some(a) = aggregate.as_mut() {
                        a.parent_ch = ch;
                    }
                }
                _ => {}
            },
            Ev::Close { name, text } if xml.name() == "aggregate" => {
                if let Some(a) = aggregate.as_mut() {
                    match name.as_ref() {
                        "device" => a.device = text,
                        "operation" => a.operation = text,
                        "bodySys" => a.body_systems.push(text),
                        "parent" => a.parent = text,
                        _ => {}
                    }
                }
            }
            Ev::Close { name, text } => match (name.as_ref(), xml.name()) {
                ("aggregate", _) => {
                    if let Some(a) = aggregate.take() {
                        if a.device.is_empty() || a.parent.is_empty() {
                            return Err(xml.error("a device <aggregate> without <device> or <parent>"));
                        }
                        aggregates.push(a);
                    }
                }
                ("title", "axis") => axis_title = text,
                ("title", "terms") => {
                    if let Some(t) = term.as_mut() {
                        t.title = text;
                    }
                }
                ("definition", "terms") => {
                    if let Some(t) = term.as_mut() {
                        t.definition = Some(text);
                    }
                }
                ("explanation", "terms") => {
                    if let Some(t) = term.as_mut() {
                        t.explanation = Some(text);
                    }
                }
                ("includes", "terms") => {
                    if let Some(t) = term.as_mut() {
                        t.includes.push(text);
                    }
                }
                ("terms", _) => {
                    if let Some(t) = term.take() {
                        if t.title.is_empty() {
                            return Err(xml.error("a <terms> entry has no <title>"));
                        }
                        out.push(t);
                    }
                }
                ("axis", "section") => pos = None,
                ("section", _) => section = None,
                _ => {}
            },
        }
    }
    if !root_seen {
        return Err(ReleaseError::at(
            file,
            data,
            0,
            "not an ICD-10-PCS definitions file (no <ICD10PCS.definitions>)",
        ));
    }
    Ok((out, aggregates))
}
