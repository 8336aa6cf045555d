//! The mock exam on screen, laid out for 80x24: a title line, the question
//! and its options, the status bar (countdown, pace, flags) and the keys;
//! in book mode the books over the question, the countdown under them.
//! Only reads the state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Mock, PASS_PERCENT, Prompt, clock_text};
use crate::app::App;
use crate::practice::question::LETTERS;
use crate::text::sanitize_for_terminal as clean;

/// `books`: the workbench's books, drawn while they are open.
pub fn draw(m: &Mock, books: Option<&App>, f: &mut Frame) {
    if m.books_open
        && let Some(app) = books
    {
        crate::ui::draw(app, f);
        // The books are laid out a row short: the countdown keeps the last one.
        let area = f.area();
        let last = Rect { y: area.bottom().saturating_sub(1), height: area.height.min(1), ..area };
        let line = format!(" Esc: back to question {} ·{}", m.current + 1, status_line(m));
        f.render_widget(Paragraph::new(line).style(Style::new().add_modifier(Modifier::REVERSED)), last);
        return;
    }
    let [title, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let n = m.questions.len();
    let head = format!(
        " Mock exam  question {}/{n}  answered {}  flagged {}{}",
        m.current + 1,
        m.answered(),
        m.flagged(),
        if m.book { "  (book mode)" } else { "" }
    );
    f.render_widget(Paragraph::new(head).style(Style::new().add_modifier(Modifier::REVERSED)), title);
    if m.submitted {
        draw_score(m, f, body);
    } else {
        draw_question(m, f, body);
    }
    f.render_widget(
        Paragraph::new(status_line(m)).style(Style::new().add_modifier(Modifier::REVERSED)),
        status,
    );
    let hint = if m.submitted {
        " n/p review  g go to  q quit"
    } else if m.book {
        " a-d answer n/p move f flag F/u flagged/blank g go to i books s submit q quit"
    } else {
        // 80 columns whole: submit and quit must stay visible.
        " a-d answer n/p next/prev f flag F flagged u unanswered g go to s submit q quit"
    };
    f.render_widget(Paragraph::new(hint).dim(), keys);
}

fn status_line(m: &Mock) -> String {
    if let Some(msg) = &m.message {
        return format!(" {}", clean(msg));
    }
    match &m.prompt {
        Prompt::GoTo(s) => return format!(" Go to question (1-{}): {s}_", m.questions.len()),
        Prompt::ConfirmSubmit => {
            let un = m.questions.len() - m.answered();
            return format!(
                " Submit the exam? {un} unanswered, {} flagged. y submits, any other key goes back",
                m.flagged()
            );
        }
        Prompt::None => {}
    }
    if m.submitted {
        return format!(" Submitted. Time used {}", clock_text(m.elapsed_ms));
    }
    let pace = match m.behind_pace() {
        Some(due) => format!("  PACE: behind, {due} should be answered by now ({} s each)", m.pace_secs),
        None => "  pace ok".to_string(),
    };
    format!(" Time left {}{pace}", clock_text(m.remaining_ms()))
}

fn draw_question(m: &Mock, f: &mut Frame, area: Rect) {
    let Some(q) = m.questions.get(m.current) else { return };
    let mut lines = vec![Line::from(vec![
        Span::raw(format!("{}. ", m.current + 1)).bold(),
        Span::raw(if m.flags[m.current] { "[flagged] " } else { "" }).bold(),
        Span::raw(format!("[{}] ", q.kind)).dim(),
    ])];
    lines.extend(clean(&q.stem).lines().map(|l| Line::from(l.to_string())));
    lines.push(Line::from(""));
    let given = m.answers[m.current];
    for (l, o) in LETTERS.iter().zip(&q.options) {
        let mark = if given == Some(*l) { ">" } else { " " };
        let line = Line::from(format!("{mark} {l}) {}", clean(&o.text)));
        lines.push(if given == Some(*l) { line.bold() } else { line });
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_score(m: &Mock, f: &mut Frame, area: Rect) {
    let s = m.score();
    let verdict = if s.passed() { "PASSED" } else { "not passed" };
    let mut lines = vec![
        Line::from(format!(
            "Score {}/{} ({:.0}%): {verdict} (pass mark {PASS_PERCENT:.0}%); {} unanswered{}",
            s.right,
            s.total,
            s.percent(),
            s.unanswered,
            if m.timed_out { "; time ran out" } else { "" }
        ))
        .bold(),
    ];
    let row = |(k, r, t): &(String, usize, usize)| {
        Line::from(format!("  {:>3.0}%  {r}/{t}  {}", 100.0 * *r as f64 / (*t).max(1) as f64, clean(k)))
    };
    lines.push(Line::from("By kind:"));
    lines.extend(s.by_kind.iter().map(row));
    lines.push(Line::from("By chapter / section:"));
    lines.extend(s.by_domain.iter().map(row));
    let Some(q) = m.questions.get(m.current) else { return };
    let mut review = vec![Line::from(m.review_head(m.current)).bold()];
    if m.book {
        review.extend(m.timeline_lines(m.current).into_iter().map(Line::from));
    }
    review.push(Line::from(clean(&q.stem).replace('\n', " ")));
    review.push(Line::from(clean(&q.explanation)));
    // The review gets the room its path needs, the score keeps three rows at least.
    let height = (review.len() as u16 + 3).clamp(6, area.height.saturating_sub(3).max(6));
    let [top, bottom] = Layout::vertical([Constraint::Min(3), Constraint::Length(height)]).areas(area);
    f.render_widget(Paragraph::new(lines), top);
    // Not trimmed: the path's times are indented.
    f.render_widget(Paragraph::new(review).wrap(Wrap { trim: false }), bottom);
}
