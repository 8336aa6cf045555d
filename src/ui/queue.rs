//! The record queue: the list with statuses, filter and counts; the record
//! view with the documentation (sanitized), the attached codes and the edits.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::Action;
use crate::app::queue::QueueState;
use crate::app::{App, Pane};
use crate::keymap::Layer;
use crate::queue::{CodeKind, EncounterType, Status};

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let focused = app.pane == Pane::Queue && app.help.is_none();
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
    let block = super::block(app, title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
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
    if q.problems > 0 {
        counts.push(Span::styled(format!("  {} unreadable", q.problems), t.warn));
    }
    f.render_widget(
        Paragraph::new(Line::from(counts)).wrap(Wrap { trim: true }),
        Rect { height: 2, ..inner },
    );
    let rows = Rect { y: inner.y + 2, height: inner.height.saturating_sub(2), ..inner };
    let visible = q.visible();
    let height = usize::from(rows.height);
    let offset = q.sel.saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    if visible.is_empty() {
        lines.push(Line::styled("No records with this status.", t.dim));
    }
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
        let id = super::fit(&crate::queue::sanitize_for_terminal(&r.id), 14);
        let text = format!("{id:<14} {enc} {} {:<11} {codes:>2} codes  ", r.date_of_service, status.label());
        let rest = w.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
        let provider = super::fit(&crate::queue::sanitize_for_terminal(&r.provider), rest);
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
        " Record {} · {} ",
        super::fit(&crate::queue::sanitize_for_terminal(&r.id), 20),
        work.status.label()
    );
    let block = super::block(app, title, focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let head = format!(
        "{} {} · age {} · {:?} · {}",
        r.encounter_type.as_str(),
        r.date_of_service,
        r.patient_age,
        r.patient_sex,
        crate::queue::sanitize_for_terminal(&r.provider)
    );
    f.render_widget(Line::styled(super::fit(&head, w), t.dim), Rect { height: 1, ..inner });

    let edits = crate::queue::edits::check(&app.book, r, &work.codes);
    let codes_h = (work.codes.len().max(1) + 1 + edits.len().min(4)) as u16;
    let prompt_h = u16::from(q.prompt.is_some());
    let doc_h = inner.height.saturating_sub(1 + codes_h + prompt_h).max(3);
    let doc_area = Rect { y: inner.y + 1, height: doc_h, ..inner };

    // Documentation: untrusted text, sanitized; the search words highlighted.
    let doc = crate::queue::sanitize_for_terminal(&r.documentation);
    let words: Vec<String> =
        app.search.query.split_whitespace().filter(|w| w.len() >= 3).map(str::to_lowercase).collect();
    let lines: Vec<Line> = doc.lines().map(|l| highlight(l, &words, t.text, t.highlight)).collect();
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((q.doc_scroll, 0)).block(
            ratatui::widgets::Block::default()
                .borders(ratatui::widgets::Borders::BOTTOM)
                .border_style(t.border),
        ),
        doc_area,
    );

    let mut lines = Vec::new();
    lines.push(Line::styled(format!("Codes ({})", work.codes.len()), t.heading));
    if work.codes.is_empty() {
        lines.push(Line::styled("none yet: search, then a (Ctrl-a in the box) attaches", t.dim));
    }
    for (i, c) in work.codes.iter().enumerate() {
        let sel = i == q.code_sel && focused;
        let kind = if c.kind == CodeKind::Diagnosis { "dx" } else { "px" };
        let poa = c.poa.map(|p| format!("POA {}", p.as_str())).unwrap_or_default();
        let title = app.book.title(c.set, &c.code).unwrap_or_default();
        let text = format!("{:>2} {kind} {:<8} {poa:<5} {title}", i + 1, c.code);
        lines.push(Line::styled(
            format!("{:<w$}", super::fit(&text, w)),
            if sel { t.selected } else { t.text },
        ));
    }
    for e in edits.iter().take(4) {
        let sev = if e.severity == crate::queue::edits::EditSeverity::Error { "error" } else { "warn" };
        lines.push(Line::styled(super::fit(&format!("{sev}: {}", e.message), w), t.warn));
    }
    let codes_area = Rect {
        y: doc_area.bottom(),
        height: codes_h.min(inner.bottom().saturating_sub(doc_area.bottom())),
        ..inner
    };
    f.render_widget(Paragraph::new(lines), codes_area);

    if let Some(p) = &q.prompt {
        let y = inner.bottom().saturating_sub(1);
        let label = format!("{}: ", p.kind.label());
        let text = crate::queue::sanitize_for_terminal(&p.text);
        f.render_widget(
            Line::from(vec![Span::styled(label.clone(), t.heading), Span::raw(text.clone())]),
            Rect { y, height: 1, ..inner },
        );
        let x = inner.x + unicode_width::UnicodeWidthStr::width(format!("{label}{text}").as_str()) as u16;
        f.set_cursor_position(Position::new(x.min(inner.right().saturating_sub(1)), y));
    }
}

/// `line` with every occurrence of the words marked.
fn highlight<'a>(
    line: &str,
    words: &[String],
    base: ratatui::style::Style,
    mark: ratatui::style::Style,
) -> Line<'a> {
    if words.is_empty() {
        return Line::styled(line.to_string(), base);
    }
    let lower = line.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: only mark when it did not.
    if lower.len() != line.len() {
        return Line::styled(line.to_string(), base);
    }
    let mut marks = vec![false; line.len()];
    for w in words {
        for (i, _) in lower.match_indices(w.as_str()) {
            marks[i..i + w.len()].iter_mut().for_each(|m| *m = true);
        }
    }
    let mut spans = Vec::new();
    let mut start = 0;
    for i in 1..=line.len() {
        if i == line.len() || (marks[i] != marks[start] && line.is_char_boundary(i)) {
            spans.push(Span::styled(line[start..i].to_string(), if marks[start] { mark } else { base }));
            start = i;
        }
    }
    Line::from(spans)
}
