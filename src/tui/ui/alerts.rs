//! The alerts view: newest first, windowed like the register.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};

use super::{age, clip, window_table};
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

/// Draws the alerts table.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let v = &state.alert_view;
    let open = state
        .alerts
        .iter()
        .filter(|a| a.acknowledged_at.is_none())
        .count();
    let mut title = vec![Span::styled(
        format!(
            " Alerts {}/{} · {open} open ",
            v.visible.len(),
            state.alerts.len()
        ),
        theme.title,
    )];
    let mut filters = Vec::new();
    if let Some(s) = v.severity {
        filters.push(format!("severity {s}"));
    }
    if let Some(o) = &v.owner {
        filters.push(format!("owner {o}"));
    }
    if v.unacked_only {
        filters.push("unacknowledged".to_string());
    }
    if !filters.is_empty() {
        title.push(Span::styled(
            format!("filter: {} ", filters.join(", ")),
            theme.info,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    let header = Row::new([
        "Severity",
        "When",
        "Counterparty",
        "Kind",
        "Message",
        "Sent",
        "Ack",
    ])
    .style(theme.title);
    let lang = state.language.as_str();
    let rows_shown = usize::from(area.height.saturating_sub(3));
    let start = v.cursor.offset.min(v.visible.len());
    let end = (start + rows_shown).min(v.visible.len());
    let rows = v.visible[start..end].iter().map(|&i| {
        let a = &state.alerts[i as usize];
        Row::new(vec![
            Cell::from(a.severity.as_str()).style(theme.severity(a.severity)),
            Cell::from(format!("{} ago", age(state.now, a.created_at))),
            Cell::from(clip(&state.alert_name(a), 28)),
            Cell::from(a.kind.as_str()),
            Cell::from(a.message.get(lang).to_string()),
            match a.sent_at {
                Some(t) => Cell::from(format!("{} ago", age(state.now, t))),
                None if state.delivery_unknown.contains(&a.id) => {
                    Cell::from("unknown").style(theme.warn)
                }
                None => Cell::from("unsent"),
            },
            Cell::from(a.acknowledged_by.clone().unwrap_or_else(|| "-".to_string())).style(
                if a.acknowledged_at.is_some() {
                    theme.dim
                } else {
                    theme.warn
                },
            ),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(20),
        Constraint::Length(22),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(8),
    ];
    let selected = (!v.visible.is_empty()).then(|| v.cursor.selected.saturating_sub(start));
    window_table(rows, &widths, (header, block), selected, theme, area, buf);
}
