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
    let tr = state.tr();
    let mut title = vec![Span::styled(
        tr.alerts_title(v.visible.len(), state.alerts.len(), open),
        theme.title,
    )];
    let mut filters = Vec::new();
    if let Some(s) = v.severity {
        filters.push(tr.alerts_filter_severity(tr.severity(s)));
    }
    if let Some(o) = &v.owner {
        filters.push(tr.alerts_filter_owner(o));
    }
    if v.unacked_only {
        filters.push(tr.alerts_filter_unacknowledged().to_string());
    }
    if !v.query.trim().is_empty() {
        filters.push(format!("\"{}\"", v.query.trim()));
    }
    if !filters.is_empty() {
        title.push(Span::styled(
            tr.alerts_filter(filters.join(", ")),
            theme.info,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    // The message gets the room: narrow terminals drop the delivery and acknowledgement
    // columns (the alert view shows both) and shorten the name.
    let wide = area.width >= 110;
    let name_w: u16 = if wide { 22 } else { 16 };
    let mut titles = vec![
        tr.alerts_column_severity(),
        tr.alerts_column_when(),
        tr.alerts_counterparty(),
        tr.alerts_column_kind(),
        tr.alerts_message(),
    ];
    if wide {
        titles.extend([tr.alerts_column_sent(), tr.alerts_column_ack()]);
    }
    let header = Row::new(titles).style(theme.title);
    let lang = state.language.as_str();
    let rows_shown = usize::from(area.height.saturating_sub(3));
    let start = v.cursor.offset.min(v.visible.len());
    let end = (start + rows_shown).min(v.visible.len());
    let rows = v.visible[start..end].iter().map(|&i| {
        let a = &state.alerts[i as usize];
        let mut cells = vec![
            Cell::from(tr.severity(a.severity)).style(theme.severity(a.severity)),
            Cell::from(tr.ago(age(state.tr(), state.now, a.created_at))),
            Cell::from(clip(&state.alert_name(a), usize::from(name_w))),
            Cell::from(tr.alerts_kind_short(a.kind)),
            Cell::from(a.message.get(lang).to_string()),
        ];
        if !wide {
            return Row::new(cells);
        }
        cells.extend([
            match a.sent_at {
                Some(t) => Cell::from(tr.ago(age(state.tr(), state.now, t))),
                None if state.delivery_unknown.contains(&a.id) => {
                    Cell::from(tr.alerts_delivery_unknown()).style(theme.warn)
                }
                None => Cell::from(tr.alerts_unsent()),
            },
            Cell::from(a.acknowledged_by.clone().unwrap_or_else(|| "-".to_string())).style(
                if a.acknowledged_at.is_some() {
                    theme.dim
                } else {
                    theme.warn
                },
            ),
        ]);
        Row::new(cells)
    });
    // Ages read "10d ago" in English and "vor 10 Tg." in German.
    let age_w = if state.tr().is_de() { 10 } else { 8 };
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(age_w),
        Constraint::Length(name_w),
        Constraint::Length(15),
        Constraint::Fill(1),
    ];
    if wide {
        widths.extend([Constraint::Length(age_w.max(9)), Constraint::Length(8)]);
    }
    let selected = (!v.visible.is_empty()).then(|| v.cursor.selected.saturating_sub(start));
    window_table(rows, &widths, (header, block), selected, theme, area, buf);
}
