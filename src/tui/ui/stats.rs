//! The stats view: cards (register, open alerts, cycles), source health, the health of every
//! sanctions list, and charts (alerts per day, check outcomes per day, VAT status distribution).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Widget};

use super::{age, label, time};
use crate::domain::Severity;
use crate::tui::data::{CHART_DAYS, VatStatus, day_slot};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

fn card<'a>(title: &'a str, lines: Vec<Line<'a>>, theme: &Theme) -> Paragraph<'a> {
    Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {title} "), theme.title)),
    )
}

fn kv<'a>(k: &str, v: String, theme: &Theme, style: ratatui::style::Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<12}"), label(theme)),
        Span::styled(v, style),
    ])
}

/// Draws the stats tab.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [cards, middle, lists, charts] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Fill(1),
    ])
    .areas(area);
    render_cards(state, theme, cards, buf);
    let [health, dist] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(middle);
    render_health(state, theme, health, buf);
    render_distribution(state, theme, dist, buf);
    render_lists(state, theme, lists, buf);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(charts);
    render_alert_chart(state, theme, left, buf);
    render_outcome_chart(state, theme, right, buf);
}

fn render_cards(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [a, b, c] = Layout::horizontal([Constraint::Fill(1); 3]).areas(area);
    let monitored = state.rows.iter().filter(|r| r.cp.monitor).count();
    let unchecked = state.rows.iter().filter(|r| r.last.is_none()).count();
    card(
        "Register",
        vec![
            kv("total", state.rows.len().to_string(), theme, theme.base),
            kv("monitored", monitored.to_string(), theme, theme.ok),
            kv("unchecked", unchecked.to_string(), theme, theme.dim),
        ],
        theme,
    )
    .render(a, buf);
    let mut open = [0usize; 4];
    for al in state.alerts.iter().filter(|x| x.acknowledged_at.is_none()) {
        open[al.severity as usize] += 1;
    }
    card(
        "Open alerts",
        Severity::DESCENDING
            .iter()
            .map(|s| {
                kv(
                    s.as_str(),
                    open[*s as usize].to_string(),
                    theme,
                    theme.severity(*s),
                )
            })
            .collect(),
        theme,
    )
    .render(b, buf);
    let last = match state.runs.health.last_cycle {
        Some(t) => format!("{} ago", age(state.now, t)),
        None => "never".to_string(),
    };
    let next = match state.next_cycle {
        Some(t) => time(state, t),
        None => "not scheduled".to_string(),
    };
    let running = match &state.progress {
        Some(p) => format!("{}/{}", p.done, p.total),
        None if state.monitor_attached => "idle".to_string(),
        None => "no monitor".to_string(),
    };
    card(
        "Cycles",
        vec![
            kv("last", last, theme, theme.base),
            kv("next", next, theme, theme.base),
            kv("running", running, theme, theme.info),
        ],
        theme,
    )
    .render(c, buf);
}

/// Every sanctions list, loaded or not: its age, when it was last screened against, and why it
/// is stale or missing.
fn render_lists(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rows = state.runs.list_health.iter().map(|h| {
        let list = h.source.as_str();
        let loaded = match (&h.current, state.lists_refreshed.get(list)) {
            // A refresh the monitor reported since the load is newer than the store's figure.
            (_, Some((n, t))) => format!("{} ago, {n} entities", age(state.now, *t)),
            (Some(c), None) => format!(
                "{} ago, published {}",
                age(state.now, c.accepted_at),
                c.published.as_deref().unwrap_or("?")
            ),
            (None, None) => "never".to_string(),
        };
        let screened = state.runs.lists.get(list).map_or_else(
            || "never".to_string(),
            |t| format!("{} ago", age(state.now, *t)),
        );
        // A refresh the monitor reported after the last attempt the store knew resolves them.
        let refreshed_since = state
            .lists_refreshed
            .get(list)
            .is_some_and(|(_, t)| h.last_attempt.is_none_or(|a| *t >= a));
        let (text, style) = if !h.enabled {
            ("disabled".to_string(), theme.dim)
        } else if h.problems.is_empty() || refreshed_since {
            ("ok".to_string(), theme.ok)
        } else {
            (format!("STALE: {}", h.problems_text("en")), theme.bad)
        };
        let text = if h.skipped.malformed > 0 {
            format!("{text} · {} malformed rows left out", h.skipped.malformed)
        } else {
            text
        };
        Row::new(vec![
            Cell::from(list),
            Cell::from(loaded),
            Cell::from(screened),
            Cell::from(text).style(style),
        ])
    });
    Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(34),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["List", "Loaded", "Screened", "State"]).style(theme.title))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Sanctions lists ", theme.title)),
    )
    .render(area, buf);
}

fn render_health(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rows = state.runs.health.sources.iter().map(|h| {
        let last = match h.last_answer_at {
            Some(t) => format!("{} ago · {}", age(state.now, t), time(state, t)),
            None => "never".to_string(),
        };
        let total = h.answers + h.failures;
        let share = (h.answers * 100)
            .checked_div(total)
            .map_or_else(|| "-".to_string(), |p| format!("{p}%"));
        let style = if total > 0 && h.answers * 100 / total < 80 {
            theme.warn
        } else {
            theme.base
        };
        Row::new(vec![
            Cell::from(h.source.as_str()),
            Cell::from(last),
            Cell::from(share).style(style),
            Cell::from(h.failures.to_string()),
        ])
    });
    Table::new(
        rows,
        [
            Constraint::Length(15),
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["Source", "Last answer", "Answered", "Failed"]).style(theme.title))
    .block(Block::default().borders(Borders::ALL).title(Span::styled(
        " Source health: last answer, 30-day share ",
        theme.title,
    )))
    .render(area, buf);
}

fn render_distribution(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut counts = [0usize; 5];
    for r in &state.rows {
        if let Some(i) = VatStatus::ALL.iter().position(|s| *s == r.vat) {
            counts[i] += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let bar_width = usize::from(area.width.saturating_sub(2 + 10 + 8));
    let lines: Vec<Line> = VatStatus::ALL
        .iter()
        .zip(counts)
        .map(|(s, n)| {
            let len = n * bar_width / max;
            let style = match s {
                VatStatus::Valid => theme.ok,
                VatStatus::Invalid => theme.bad,
                VatStatus::CouldNotAsk => theme.warn,
                _ => theme.dim,
            };
            Line::from(vec![
                Span::styled(format!("{:<10}", s.label()), label(theme)),
                Span::styled("█".repeat(len), style),
                Span::raw(format!(" {n}")),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(" VAT status (last check) ", theme.title)),
        )
        .render(area, buf);
}

fn render_alert_chart(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut per_day = vec![0u64; CHART_DAYS];
    for a in &state.alerts {
        if let Some(s) = day_slot(state.now, a.created_at) {
            per_day[s] += 1;
        }
    }
    let max = per_day.iter().copied().max().unwrap_or(0);
    let total: u64 = per_day.iter().sum();
    Sparkline::default()
        .data(&per_day)
        .style(theme.warn)
        .block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" Alerts per day, {CHART_DAYS} days: {total} (max {max}/day) "),
            theme.title,
        )))
        .render(area, buf);
}

fn render_outcome_chart(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        " Check results per day: answers / could not ask ",
        theme.title,
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(inner);
    let a_max = state
        .runs
        .answers_per_day
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let f_max = state
        .runs
        .failures_per_day
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let [t_label, t_chart] =
        Layout::horizontal([Constraint::Length(10), Constraint::Fill(1)]).areas(top);
    let [b_label, b_chart] =
        Layout::horizontal([Constraint::Length(10), Constraint::Fill(1)]).areas(bottom);
    Paragraph::new(vec![
        Line::from(Span::styled("answers", label(theme))),
        Line::from(format!("max {a_max}")),
    ])
    .render(t_label, buf);
    Paragraph::new(vec![
        Line::from(Span::styled("no answer", label(theme))),
        Line::from(format!("max {f_max}")),
    ])
    .render(b_label, buf);
    Sparkline::default()
        .data(&state.runs.answers_per_day)
        .style(theme.ok)
        .render(t_chart, buf);
    Sparkline::default()
        .data(&state.runs.failures_per_day)
        .style(theme.warn)
        .render(b_chart, buf);
}
