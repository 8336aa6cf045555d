//! The record queue: the list with statuses, filter and counts; the record
//! view with the documentation (sanitized), the attached codes and the edits.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::Action;
use crate::app::queue::{PromptKind, QueueState};
use crate::app::{App, Pane};
use crate::keymap::Layer;
use crate::queue::{CodeKind, EncounterType, Status};

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let focused = app.focused() == Some(Pane::Queue);
    let Some(q) = &app.queue else {
        let block = super::block(app, " Queue ", focused);
        let inner = block.inner(area);
        f.render_widget(block, area);
        f.render_widget(Line::styled("No queue is open (medcode --queue PATH).", app.theme.dim), inner);
        return;
    };
    if q.open.is_some() { record(app, q, f, area, focused) } else { list(app, q, f, area, focused) }
}

fn list(app: &App, q: &QueueState, f: &mut Frame, area: Rect, focused: bool) {
    let t = &app.theme;
    let title = format!(" Queue · {} ", super::fit(&crate::queue::sanitize_for_terminal(&q.name), 30));
    f.render_widget(super::block(app, title, focused), area);
    let parts = crate::layout::queue_list(area);
    let w = usize::from(parts.inner.width);
    let key = app.keymap.key_for(Layer::Queue, Action::CycleStatus).unwrap_or_default();
    let mut counts = vec![Span::styled(key, t.key), Span::styled(" filter: ", t.dim)];
    counts.push(Span::styled("all", if q.filter.is_none() { t.tab_active } else { t.dim }));
    for s in Status::ALL {
        counts.push(Span::raw(" "));
        counts.push(Span::styled(
            format!("{} {}", s.label(), q.count(s)),
            if q.filter == Some(s) { t.tab_active } else { t.dim },
        ));
    }
    let sort = app.keymap.key_for(Layer::Queue, Action::SortQueue).unwrap_or_default();
    counts.push(Span::styled(format!("  {sort}",), t.key));
    counts.push(Span::styled(format!(" sort: {}", q.sort.label()), t.dim));
    if q.problems > 0 {
        counts.push(Span::styled(format!("  {} unreadable: medcode queue check", q.problems), t.warn));
    }
    match &q.prompt {
        Some(p) => prompt(app, f, p, String::new(), parts.counts),
        None => f.render_widget(Paragraph::new(Line::from(counts)).wrap(Wrap { trim: true }), parts.counts),
    }
    let rows = parts.rows;
    let visible = q.visible();
    let height = usize::from(rows.height);
    let offset = q.sel.saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    if visible.is_empty() {
        lines.push(Line::styled("No records with this status.", t.dim));
    }
    // Ids as wide as the queue's longest (up to 14), leaving room for priority and due.
    let idw = q.records.iter().map(|r| r.id.chars().count()).max().unwrap_or(0).clamp(4, 14);
    for (k, i) in visible.iter().enumerate().skip(offset).take(height) {
        let r = &q.records[*i];
        let work = q.work.get(&r.id);
        let sel = k == q.sel;
        let status = q.status(&r.id);
        let enc = match r.encounter_type {
            EncounterType::Inpatient => "IP ",
            EncounterType::Outpatient => "OP ",
            EncounterType::Emergency => "ED ",
            EncounterType::Professional => "PRO",
        };
        let codes = work.map_or(0, |w| w.codes.len());
        let id = super::fit(&crate::queue::sanitize_for_terminal(&r.id), idw);
        let plural = if codes == 1 { "code " } else { "codes" };
        let prio = r.priority.map_or("", |p| p.as_str());
        let due = r.due_date.map(|d| format!("due {}", d.format("%m-%d"))).unwrap_or_default();
        let text = format!(
            "{id:<idw$} {enc} {} {:<11} {codes:>2} {plural} {prio:<6} {due:<9} ",
            r.date_of_service,
            status.label()
        );
        let rest = w.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
        // Another coder's claim matters more than the provider (names sanitized by the claim).
        let who = match q.claims.get(&r.id) {
            Some(holder) => format!("open by {holder}"),
            None => crate::queue::sanitize_for_terminal(&r.provider),
        };
        let provider = super::fit(&who, rest);
        lines.push(Line::from(vec![
            Span::styled(text, if sel { t.selected } else { t.text }),
            Span::styled(format!("{provider:<rest$}"), if sel { t.selected } else { t.dim }),
        ]));
    }
    f.render_widget(Paragraph::new(lines), rows);
}

fn record(app: &App, q: &QueueState, f: &mut Frame, area: Rect, focused: bool) {
    let t = &app.theme;
    let Some(r) = q.open_record() else { return };
    let work = q.work_of(&r.id);
    let title = format!(
        " Record {} · {} · {} ",
        super::fit(&crate::queue::sanitize_for_terminal(&r.id), 20),
        work.status.label(),
        crate::queue::sanitize_for_terminal(&app.record_book(r).edition.name)
    );
    let block = super::block(app, title, focused);
    f.render_widget(block, area);
    let a = crate::layout::record(area, q.record_shape());
    let inner = a.inner;
    let w = usize::from(inner.width);
    // An inpatient stay reads as its admission and discharge dates, as on the abstract.
    let dates = match r.admission_date {
        Some(adm) => format!("{adm} to {}", r.date_of_service),
        None => r.date_of_service.to_string(),
    };
    // What decides the order of work first, then who documented.
    let mut head = format!("{} {dates}", r.encounter_type.as_str());
    if let Some(p) = r.priority {
        head.push_str(&format!(" · {} priority", p.as_str()));
    }
    if let Some(due) = r.due_date {
        head.push_str(&format!(" · due {due}"));
    }
    head.push_str(&format!(" · {}", crate::queue::sanitize_for_terminal(&r.provider)));
    let head = match &q.held_by {
        // Said where the coder looks first: the record is someone else's now.
        Some(by) => {
            let key = app.keymap.key_for(Layer::Record, Action::TakeOver).unwrap_or_default();
            Line::styled(super::fit(&format!("read-only ({key} takes over): {by}"), w), t.warn)
        }
        None => Line::styled(super::fit(&head, w), t.dim),
    };
    f.render_widget(head, a.head);

    // Documentation: untrusted text, sanitized; the search words and the find matches marked.
    let view = app.doc_view();
    if let Some(v) = &view {
        let words: Vec<String> =
            app.search.query.split_whitespace().filter(|w| w.len() >= 3).map(str::to_lowercase).collect();
        let mut marks = vec![Mark::None; v.doc.len()];
        if !words.is_empty() {
            let lower = v.doc.to_ascii_lowercase();
            for w in &words {
                for (i, _) in lower.match_indices(w.as_str()) {
                    marks[i..i + w.len()].iter_mut().for_each(|m| *m = Mark::Word);
                }
            }
        }
        for (k, m) in v.matches.iter().enumerate() {
            let mark = if k == q.find_sel { Mark::Current } else { Mark::Found };
            marks[m.clone()].iter_mut().for_each(|x| *x = mark);
        }
        let style = |m: Mark| match m {
            Mark::None => t.text,
            Mark::Word => t.highlight,
            Mark::Found => t.found,
            Mark::Current => t.found_current,
        };
        let lines: Vec<Line> = v
            .rows
            .iter()
            .skip(usize::from(q.doc_scroll))
            .take(usize::from(a.text.height))
            .map(|row| styled_row(&v.doc, row.clone(), &marks, style))
            .collect();
        f.render_widget(Paragraph::new(lines), a.text);
        let more = v.rows.len().saturating_sub(usize::from(q.doc_scroll) + usize::from(a.text.height));
        let rule =
            if more > 0 { format!("── {more} more line(s) below: j/k, PgDn ") } else { String::new() };
        let rule_area = Rect { y: a.text.bottom(), height: 1, ..inner };
        let rule = format!("{rule:─<w$}");
        f.render_widget(Line::styled(super::fit(&rule, w), t.border), rule_area);
    }

    let mut lines = Vec::new();
    // The patient beside the codes: age, sex and setting decide many of them.
    lines.push(Line::from(vec![
        Span::styled(format!("Codes ({})", work.codes.len()), t.heading),
        Span::styled(
            format!(" · {} y · {} · {}", r.patient_age, r.patient_sex.as_str(), r.encounter_type.as_str()),
            t.text,
        ),
    ]));
    if !r.codes.is_empty() {
        let upstream: Vec<String> = r.codes.iter().map(|c| crate::queue::sanitize_for_terminal(c)).collect();
        lines.push(Line::styled(super::fit(&format!("assigned upstream: {}", upstream.join(" ")), w), t.dim));
    }
    if work.codes.is_empty() {
        let tab = app.keymap.key_for(Layer::Record, Action::FocusNext).unwrap_or_default();
        let attach = app.keymap.key_for(Layer::Input, Action::Attach).unwrap_or_default();
        lines.push(Line::styled(
            super::fit(&format!("none yet: {tab} to the search, find the code, {attach} attaches it"), w),
            t.dim,
        ));
    }
    let letters = crate::queue::work::pointer_letters(&work.codes);
    for (i, c) in work.codes.iter().enumerate() {
        let sel = i == q.code_sel && focused;
        let kind = if c.kind == CodeKind::Diagnosis { "dx" } else { "px" };
        let poa = match (c.poa, letters[i]) {
            (Some(p), _) => format!("POA {}", p.as_str()),
            // Outside a stay a diagnosis is the letter its claim lines point to.
            (None, Some(l)) if !q.inpatient() => format!("[{l}]"),
            _ => claim_line(&work.codes, &c.line),
        };
        let mut title = app.book.title(c.set, &c.code).unwrap_or_default();
        if c.set == crate::codeset::CodeSet::Cpt {
            // A CPT line names its licence year.
            title = format!("[{}] {title}", app.book.cpt_label());
        }
        let text = format!("{:>2} {kind} {:<8} {poa:<5} {title}", i + 1, c.code);
        lines.push(Line::styled(
            format!("{:<w$}", super::fit(&text, w)),
            if sel { t.selected } else { t.text },
        ));
    }
    lines.extend(edit_lines(app, q, w));
    // What the coder wrote about the record: hold reason, query, comments.
    if let Some(summary) = crate::app::queue::work_summary(&work) {
        lines.push(Line::styled(super::fit(&crate::queue::sanitize_for_terminal(&summary), w), t.dim));
    }
    f.render_widget(Paragraph::new(lines), a.codes);

    let Some(bottom) = a.bottom else { return };
    let found = view.as_ref().map_or(0, |v| v.matches.len());
    let count = match found {
        0 if q.find.trim().is_empty() => String::new(),
        0 => "  no match".to_string(),
        n => format!("  match {}/{n}", q.find_sel.min(n - 1) + 1),
    };
    if let Some(p) = &q.prompt {
        prompt(app, f, p, count.clone(), bottom);
    } else {
        let keys = |a: Action| app.keymap.key_for(Layer::Record, a).unwrap_or_default();
        let text = format!(
            "Find: {}{count}  ({}/{} next/previous, {} clears)",
            crate::queue::sanitize_for_terminal(q.find.trim()),
            keys(Action::FindNext),
            keys(Action::FindPrev),
            app.keymap.key_for(Layer::Record, Action::Cancel).unwrap_or_else(|| "Esc".into()),
        );
        f.render_widget(Line::styled(super::fit(&text, w), t.dim), bottom);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    None,
    Word,
    Found,
    Current,
}

/// One row of the documentation with its marks as spans (tabs shown as spaces).
fn styled_row<'a>(
    doc: &str,
    row: std::ops::Range<usize>,
    marks: &[Mark],
    style: impl Fn(Mark) -> ratatui::style::Style,
) -> Line<'a> {
    let mut spans = Vec::new();
    let mut start = row.start;
    for i in row.start + 1..=row.end {
        if i == row.end || (marks[i] != marks[start] && doc.is_char_boundary(i)) {
            spans.push(Span::styled(doc[start..i].replace('\t', " "), style(marks[start])));
            start = i;
        }
    }
    Line::from(spans)
}

/// A prompt on one line with the cursor after its text; `find` is the match count of a find.
fn prompt(app: &App, f: &mut Frame, p: &crate::app::queue::Prompt, find: String, area: Rect) {
    let t = &app.theme;
    let label = match (p.kind, app.queue.as_ref().and_then(|q| q.edits.first().map(|e| (q, e)))) {
        // Say which error is overridden, and how many there are.
        (PromptKind::Override, Some((q, e))) => format!(
            "Override {} error(s), first \"{}\": reason: ",
            crate::queue::edits::error_count(&q.edits),
            super::fit(&crate::queue::sanitize_for_terminal(&e.message), usize::from(area.width) / 3)
        ),
        _ => format!("{}: ", p.kind.label()),
    };
    let text = crate::queue::sanitize_for_terminal(&p.text);
    let hint = match p.kind {
        PromptKind::Find => find,
        k if k.is_confirm() => String::new(),
        PromptKind::GoTo => "  (Enter opens, Esc cancels)".into(),
        _ => "  (Enter saves, Esc cancels)".into(),
    };
    f.render_widget(
        Line::from(vec![
            Span::styled(label.clone(), t.heading),
            Span::raw(text.clone()),
            Span::styled(hint, t.dim),
        ]),
        area,
    );
    let x = area.x + unicode_width::UnicodeWidthStr::width(format!("{label}{text}").as_str()) as u16;
    f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

/// The edits under the codes, errors first: a window of
/// [`crate::layout::EDIT_LINES`] kept on the selected edit, which shows its
/// rule and suggested codes (the chosen one marked) on a line of its own.
fn edit_lines(app: &App, q: &QueueState, w: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let edits = &q.edits;
    let cur = q.edit_cursor.within(edits);
    let key = |a: Action| app.keymap.key_for(Layer::Record, a).unwrap_or_default();
    let room = crate::layout::EDIT_LINES - usize::from(edits.len() > crate::layout::EDIT_LINES);
    let offset = cur.edit.saturating_sub(room.saturating_sub(1));
    let mut lines = Vec::new();
    for (k, e) in edits.iter().enumerate().skip(offset).take(room) {
        let style = if e.severity == crate::queue::edits::EditSeverity::Hint { t.dim } else { t.warn };
        let msg = super::fit(
            &format!("{}: {}", e.severity.label(), crate::queue::sanitize_for_terminal(&e.message)),
            w,
        );
        let rule = crate::queue::sanitize_for_terminal(&e.rule);
        if k != cur.edit {
            let left = w.saturating_sub(unicode_width::UnicodeWidthStr::width(msg.as_str()) + 3);
            let mut spans = vec![Span::styled(msg, style)];
            if left > 8 && !rule.is_empty() {
                spans.push(Span::styled(format!(" · {}", super::fit(&rule, left)), t.dim));
            }
            lines.push(Line::from(spans));
            continue;
        }
        lines.push(Line::styled(msg, style.patch(t.heading)));
        let mut spans = vec![Span::raw("  ")];
        if !e.suggestions.is_empty() {
            spans.push(Span::styled(format!("{}/{} ", key(Action::NextOffer), key(Action::UseOffer)), t.key));
            spans.push(Span::styled("try ", t.dim));
            // The chosen offer first in view: a long list scrolls to it.
            let first = cur.offer.saturating_sub(3);
            for (j, s) in e.suggestions.iter().enumerate().skip(first).take(6) {
                spans.push(Span::styled(s.clone(), if j == cur.offer { t.selected } else { t.code }));
                spans.push(Span::raw(" "));
            }
            if e.suggestions.len() > first + 6 {
                spans.push(Span::styled("… ", t.dim));
            }
            spans.push(Span::styled("· ", t.dim));
        }
        let used: usize = spans.iter().map(|s| s.width()).sum();
        spans.push(Span::styled(super::fit(&format!("rule: {rule}"), w.saturating_sub(used)), t.dim));
        lines.push(Line::from(spans));
    }
    if edits.len() > room {
        lines.push(Line::styled(
            super::fit(
                &format!("edit {}/{} · {} next edit", cur.edit + 1, edits.len(), key(Action::NextEdit)),
                w,
            ),
            t.dim,
        ));
    }
    lines
}

/// A procedure's claim line as the record view shows it: `-JZ-59 x2 >AB`.
fn claim_line(codes: &[crate::queue::AttachedCode], line: &crate::queue::work::ClaimLine) -> String {
    let mut parts = Vec::new();
    if !line.modifiers.is_empty() {
        parts.push(line.modifiers.iter().map(|m| format!("-{m}")).collect::<String>());
    }
    if let Some(u) = line.units {
        parts.push(format!("x{u}"));
    }
    if !line.pointers.is_empty() {
        let l: String = line
            .pointers
            .iter()
            .map(|p| crate::queue::work::pointer_letter(codes, p).unwrap_or('?'))
            .collect();
        parts.push(format!(">{l}"));
    }
    crate::queue::sanitize_for_terminal(&parts.join(" "))
}
