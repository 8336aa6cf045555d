//! The hierarchy browser: ICD-10-CM, HCPCS Level II sections and modifiers, CPT sections.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::tree::{self, TreeNode};
use crate::app::{App, Pane};
use crate::codeset::hcpcs::section_of;
use crate::codeset::icd10cm::CmKind;

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focused() == Some(Pane::Tree);
    let set = match app.tree.sel {
        None | Some(TreeNode::Cm(_)) => " Tree · ICD-10-CM ".to_string(),
        Some(TreeNode::CptSection(_) | TreeNode::Cpt(_)) => {
            format!(" Tree · CPT (licence year {}) ", app.book.cpt.as_ref().map_or("", |c| c.year.as_str()))
        }
        Some(_) => " Tree · HCPCS Level II ".to_string(),
    };
    let block = super::block(app, set, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let book = &app.book;
    let mut list = inner;
    if let Some(text) = &app.tree.typeahead {
        list.height = list.height.saturating_sub(1);
        let line =
            Line::from(vec![Span::styled("jump to: ", t.heading), Span::raw(text.clone()), Span::raw("▏")]);
        f.render_widget(line, Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner });
    }
    let rows = app.tree.rows(book);
    if rows.is_empty() {
        f.render_widget(Paragraph::new(Line::styled("No ICD-10-CM tabular in this edition.", t.dim)), list);
        return;
    }
    let height = usize::from(list.height);
    let sel = app.tree.sel.and_then(|s| rows.iter().position(|r| r.0 == s)).unwrap_or(0);
    let offset = sel.saturating_sub(height / 2).min(rows.len().saturating_sub(height));
    let w = usize::from(list.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (node, depth))| {
            let row = row(app, *node);
            let open = if tree::has_children(book, *node) {
                if app.tree.expanded.contains(node) { "▾ " } else { "▸ " }
            } else if row.billable {
                "● "
            } else {
                "  "
            };
            let indent = "  ".repeat(usize::from(*depth));
            let selected = i == sel;
            let head = format!("{indent}{open}{} ", row.code);
            let room = w.saturating_sub(unicode_width::UnicodeWidthStr::width(head.as_str()));
            let title = format!("{:<room$}", super::fit(&row.title, room));
            Line::from(vec![
                Span::styled(format!("{indent}{open}"), if selected { t.selected } else { t.dim }),
                Span::styled(format!("{} ", row.code), if selected { t.selected } else { t.code }),
                Span::styled(
                    title,
                    if selected {
                        t.selected
                    } else if row.dim {
                        t.dim
                    } else {
                        t.text
                    },
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}

/// What a row prints: its code column, its title, and how it is marked.
struct Row {
    code: String,
    title: String,
    billable: bool,
    /// A terminated HCPCS code, drawn dim.
    dim: bool,
}

fn row(app: &App, node: TreeNode) -> Row {
    let book = &app.book;
    let plain = |code: String, title: String| Row { code, title, billable: false, dim: false };
    match node {
        TreeNode::Cm(id) => {
            let n = book.cm.node(id);
            let code = if n.kind == CmKind::Chapter { format!("Ch {}", n.code) } else { n.code.clone() };
            Row { code, title: n.title.clone(), billable: n.billable, dim: false }
        }
        TreeNode::HcpcsSection(letter) => {
            let heading = section_of(&letter.to_string()).map_or("", |s| s.heading);
            plain(format!("HCPCS {letter}"), heading.to_string())
        }
        TreeNode::HcpcsModifiers => {
            plain("HCPCS".into(), format!("Modifiers ({})", book.hcpcs.modifiers.len()))
        }
        TreeNode::Hcpcs(i) | TreeNode::Modifier(i) => {
            let list =
                if matches!(node, TreeNode::Hcpcs(_)) { &book.hcpcs.codes } else { &book.hcpcs.modifiers };
            let Some(c) = list.get(i as usize) else { return plain(String::new(), String::new()) };
            // A terminated code stays listed (old claims use it), marked with its date.
            let (title, dim) = match c.terminated {
                Some(d) if d <= app.today => (format!("terminated {d}: {}", c.long), true),
                Some(d) => (format!("{} (terminates {d})", c.long), false),
                None => (c.long.clone(), false),
            };
            Row { code: c.code.clone(), title, billable: !dim, dim }
        }
        TreeNode::CptSection(s) => {
            let code = if s.ranges.is_empty() { "CPT".to_string() } else { format!("CPT {}", s.span()) };
            plain(code, s.heading.to_string())
        }
        TreeNode::Cpt(i) => match book.cpt.as_ref().and_then(|c| c.codes.get(i as usize)) {
            Some(c) => Row { code: c.code.clone(), title: c.long.clone(), billable: true, dim: false },
            None => plain(String::new(), String::new()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tests::app;

    #[test]
    fn a_terminated_hcpcs_code_says_so_and_is_dim() {
        let a = app((80, 24));
        let codes = &a.book.hcpcs.codes;
        let i =
            codes.iter().position(|c| c.terminated.is_some_and(|d| d <= a.today)).expect("a terminated code");
        let r = row(&a, TreeNode::Hcpcs(i as u32));
        assert!(r.title.starts_with("terminated ") && r.dim && !r.billable, "{}", r.title);
        let live = codes.iter().position(|c| c.terminated.is_none()).expect("a live code");
        let r = row(&a, TreeNode::Hcpcs(live as u32));
        assert_eq!((r.title.as_str(), r.dim), (codes[live].long.as_str(), false));
    }
}
