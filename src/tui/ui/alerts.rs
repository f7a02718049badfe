//! The alerts view: newest first, windowed like the register.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};

use super::{age, clip, window_table};
use crate::domain::AlertKind;
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
    if !v.query.trim().is_empty() {
        filters.push(format!("\"{}\"", v.query.trim()));
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
    // The message gets the room: narrow terminals drop the delivery and acknowledgement
    // columns (the alert view shows both) and shorten the name.
    let wide = area.width >= 110;
    let name_w: u16 = if wide { 22 } else { 16 };
    let mut titles = vec!["Severity", "When", "Counterparty", "Kind", "Message"];
    if wide {
        titles.extend(["Sent", "Ack"]);
    }
    let header = Row::new(titles).style(theme.title);
    let lang = state.language.as_str();
    let rows_shown = usize::from(area.height.saturating_sub(3));
    let start = v.cursor.offset.min(v.visible.len());
    let end = (start + rows_shown).min(v.visible.len());
    let rows = v.visible[start..end].iter().map(|&i| {
        let a = &state.alerts[i as usize];
        let mut cells = vec![
            Cell::from(a.severity.as_str()).style(theme.severity(a.severity)),
            Cell::from(format!("{} ago", age(state.now, a.created_at))),
            Cell::from(clip(&state.alert_name(a), usize::from(name_w))),
            Cell::from(kind_short(a.kind)),
            Cell::from(a.message.get(lang).to_string()),
        ];
        if !wide {
            return Row::new(cells);
        }
        cells.extend([
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
        ]);
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(name_w),
        Constraint::Length(15),
        Constraint::Fill(1),
    ];
    if wide {
        widths.extend([Constraint::Length(9), Constraint::Length(8)]);
    }
    let selected = (!v.visible.is_empty()).then(|| v.cursor.selected.saturating_sub(start));
    window_table(rows, &widths, (header, block), selected, theme, area, buf);
}

/// A short label for an alert kind that fits its column (the alert view gives the full one).
pub fn kind_short(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::VatInvalid => "VAT invalid",
        AlertKind::VatStatusChanged => "VAT status",
        AlertKind::SanctionsFound => "Sanctions hit",
        AlertKind::SanctionsPossible => "Possible hit",
        AlertKind::SanctionsRemoved => "Hit removed",
        AlertKind::InsolvencyStarted => "Insolvency",
        AlertKind::CompanyNameChanged => "Name changed",
        AlertKind::CompanyAddressChanged => "Address changed",
        AlertKind::CompanyLegalFormChanged => "Legal form",
        AlertKind::QualifiedMismatch => "eVatR mismatch",
        AlertKind::RegisterStatusChanged => "Register status",
        AlertKind::LeiLapsed => "LEI lapsed",
        AlertKind::SourceUnverifiable => "Unverifiable",
    }
}
