//! The counterparty table view: rows are built only for the visible window.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};

use super::{age, clip, window_table};
use crate::tui::data::CheckStatus;
use crate::tui::state::{AppState, LoadPhase, SortColumn};
use crate::tui::theme::Theme;

/// The style of a check status.
pub fn status_style(theme: &Theme, s: Option<CheckStatus>) -> ratatui::style::Style {
    match s {
        None => theme.dim,
        Some(CheckStatus::Ok) => theme.ok,
        Some(CheckStatus::Partial | CheckStatus::NoAnswer) => theme.warn,
        Some(_) => theme.bad,
    }
}

/// Draws the table.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = &state.table;
    let mut title = vec![Span::styled(
        format!(" Counterparties {}/{} ", t.visible.len(), state.rows.len()),
        theme.title,
    )];
    if let Some(load) = &state.load {
        let text = match (load.phase, load.total) {
            (LoadPhase::Rows, Some(total)) => format!("loading {}/{total} ", state.rows.len()),
            (LoadPhase::Rows, None) => format!("loading {}… ", state.rows.len()),
            _ => "loading last checks… ".to_string(),
        };
        title.push(Span::styled(text, theme.dim));
    }
    // Until the background pass has brought the last checks, "never" would be a false claim.
    let checks_pending = state.loading();
    let mut filters = Vec::new();
    if !t.query.is_empty() {
        filters.push(format!("\"{}\"", t.query));
    }
    if t.monitored_only {
        filters.push("monitored".to_string());
    }
    if t.status != Default::default() {
        filters.push(format!("status {}", t.status.label()));
    }
    if !filters.is_empty() {
        title.push(Span::styled(
            format!("filter: {} ", filters.join(", ")),
            theme.info,
        ));
    }
    if !t.marks.is_empty() {
        title.push(Span::styled(
            format!("{} marked ", t.marks.len()),
            theme.marked,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    let header = Row::new(SortColumn::ALL.iter().map(|c| {
        let mut s = c.title().to_string();
        if *c == t.sort {
            s.push_str(if t.descending { " ▼" } else { " ▲" });
        }
        Cell::from(s)
    }))
    .style(theme.title);
    let rows_shown = usize::from(area.height.saturating_sub(3));
    let start = t.cursor.offset.min(t.visible.len());
    let end = (start + rows_shown).min(t.visible.len());
    let rows = t.visible[start..end].iter().map(|&i| {
        let r = &state.rows[i as usize];
        let marked = t.marks.contains(&r.cp.id);
        let status = r.last.map(|l| l.status);
        let vat = format!(
            "{}{}",
            if marked { "+" } else { " " },
            r.cp.vat.as_deref().unwrap_or("-")
        );
        let row = Row::new(vec![
            Cell::from(vat),
            Cell::from(clip(&r.cp.name, 60)),
            Cell::from(r.cp.country.clone()),
            Cell::from(clip(r.cp.owner.as_deref().unwrap_or("-"), 12)),
            Cell::from(if r.cp.monitor { "on" } else { "off" }).style(if r.cp.monitor {
                theme.ok
            } else {
                theme.dim
            }),
            Cell::from(match r.last {
                Some(l) => format!("{} ago", age(state.now, l.at)),
                None if checks_pending => "…".to_string(),
                None => "never".to_string(),
            }),
            Cell::from(match status {
                Some(s) => s.label(),
                None if checks_pending => "…",
                None => "-",
            })
            .style(status_style(theme, status)),
        ]);
        if marked { row.style(theme.marked) } else { row }
    });
    let widths = [
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(12),
        // Wide enough for each title with its sort arrow ("Last check ▲").
        Constraint::Length(5),
        Constraint::Length(12),
        Constraint::Length(10),
    ];
    let selected = (!t.visible.is_empty()).then(|| t.cursor.selected.saturating_sub(start));
    window_table(rows, &widths, (header, block), selected, theme, area, buf);
    if state.rows.is_empty() && !state.loading() {
        let msg =
            "The register is empty: press a to add a counterparty, or run `kontra import FILE`.";
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 3,
            width: area.width.saturating_sub(4),
            height: 1.min(area.height.saturating_sub(4)),
        };
        ratatui::widgets::Widget::render(
            ratatui::widgets::Paragraph::new(Span::styled(msg, theme.dim)),
            inner,
            buf,
        );
    }
}
