//! The counterparty table view: rows are built only for the visible window.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};

use super::{age, clip, window_table};
use crate::domain::last_check::CheckStatus;
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

/// The fewest cells the name column keeps before another column gives way to it (what 80
/// columns leave it with every column shown).
const NAME_MIN: u16 = 14;

/// Which columns give way last: the name never goes; then what a row needs to be read (its
/// check status, country, VAT number), then when it was checked, monitoring and the owner,
/// which go first.
const KEEP_ORDER: [SortColumn; 6] = [
    SortColumn::Status,
    SortColumn::Country,
    SortColumn::Vat,
    SortColumn::LastCheck,
    SortColumn::Monitoring,
    SortColumn::Owner,
];

/// A column's fixed width (the VAT number's includes the mark), `None` for the name, which
/// takes what is left. Wide enough for each title with its sort arrow ("Last check ▲").
fn column_width(c: SortColumn) -> Option<u16> {
    match c {
        SortColumn::Vat => Some(15),
        SortColumn::Name => None,
        SortColumn::Country => Some(4),
        SortColumn::Owner => Some(12),
        SortColumn::Monitoring => Some(5),
        SortColumn::LastCheck => Some(12),
        SortColumn::Status => Some(10),
    }
}

/// The columns shown in `width` cells, in table order: the name, then others in
/// [`KEEP_ORDER`] while the name keeps [`NAME_MIN`] cells; the first that does not fit and
/// every later one give way. The sorted column, when it fits, is taken before the others, so
/// the column `o` sorts by is on screen with its arrow.
pub fn shown_columns(width: u16, sort: SortColumn) -> Vec<SortColumn> {
    let mut left = width.saturating_sub(NAME_MIN);
    let mut kept = vec![SortColumn::Name];
    // Each column beside the name also takes one cell of spacing.
    let mut take = |c: SortColumn, kept: &mut Vec<SortColumn>| {
        let need = column_width(c).unwrap_or(0) + 1;
        let fits = need <= left;
        if fits && !kept.contains(&c) {
            left -= need;
            kept.push(c);
        }
        fits
    };
    take(sort, &mut kept);
    for c in KEEP_ORDER {
        if !take(c, &mut kept) {
            break;
        }
    }
    SortColumn::ALL
        .into_iter()
        .filter(|c| kept.contains(c))
        .collect()
}

/// Draws the table.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = &state.table;
    let tr = state.tr();
    let mut title = vec![Span::styled(
        tr.table_title(t.visible.len(), state.rows.len()),
        theme.title,
    )];
    if let Some(load) = &state.load {
        let text = match (load.phase, load.total) {
            (LoadPhase::Rows, Some(total)) => tr.table_loading_of(state.rows.len(), total),
            (LoadPhase::Rows, None) => tr.table_loading(state.rows.len()),
            _ => tr.table_loading_last_checks().to_string(),
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
        filters.push(tr.table_filter_monitored().to_string());
    }
    if t.status != Default::default() {
        filters.push(tr.table_filter_status(t.status.label(tr)));
    }
    if !filters.is_empty() {
        title.push(Span::styled(
            tr.table_filters(filters.join(", ")),
            theme.info,
        ));
    }
    if !t.marks.is_empty() {
        title.push(Span::styled(tr.table_marked(t.marks.len()), theme.marked));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    let inner = area.width.saturating_sub(2);
    let columns = shown_columns(inner, t.sort);
    // What the name column is left with, so a long name ends in "…" rather than mid-word.
    let name_w = columns
        .iter()
        .filter_map(|&c| column_width(c))
        .fold(inner, |w, c| w.saturating_sub(c + 1));
    let header = Row::new(columns.iter().map(|c| {
        let mut s = c.title(tr).to_string();
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
        let cells = columns.iter().enumerate().map(|(n, &c)| {
            // The first column shown carries the mark in its first cell, whichever it is.
            let mark = match (n, marked) {
                (0, true) => "+",
                (0, false) => " ",
                _ => "",
            };
            let cell = |text: &str| Cell::from(format!("{mark}{text}"));
            match c {
                SortColumn::Vat => cell(r.cp.vat.as_deref().unwrap_or("-")),
                SortColumn::Name => cell(&clip(
                    &r.cp.name,
                    usize::from(name_w).saturating_sub(mark.len()),
                )),
                SortColumn::Country => cell(&r.cp.country),
                SortColumn::Owner => cell(&clip(r.cp.owner.as_deref().unwrap_or("-"), 12)),
                SortColumn::Monitoring => cell(if r.cp.monitor { tr.on() } else { tr.off() })
                    .style(if r.cp.monitor { theme.ok } else { theme.dim }),
                SortColumn::LastCheck => cell(&match r.last {
                    Some(l) => tr.ago(age(state.tr(), state.now, l.at)),
                    None if checks_pending => "…".to_string(),
                    None => tr.never().to_string(),
                }),
                SortColumn::Status => cell(match status {
                    Some(s) => tr.check_status(s),
                    None if checks_pending => "…",
                    None => "-",
                })
                .style(status_style(theme, status)),
            }
        });
        let row = Row::new(cells.collect::<Vec<_>>());
        if marked { row.style(theme.marked) } else { row }
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|&c| column_width(c).map_or(Constraint::Fill(1), Constraint::Length))
        .collect();
    let selected = (!t.visible.is_empty()).then(|| t.cursor.selected.saturating_sub(start));
    window_table(rows, &widths, (header, block), selected, theme, area, buf);
    if state.rows.is_empty() && !state.loading() {
        let msg = tr.table_empty();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_fits_from_80_columns_and_the_name_stays_at_any_width() {
        // 80 columns leave 78 inside the border: every column, the name with 14 cells.
        assert_eq!(shown_columns(78, SortColumn::Name), SortColumn::ALL);
        // The smallest drawn size (50): owner, monitoring and last check give way.
        assert_eq!(
            shown_columns(48, SortColumn::Name),
            [
                SortColumn::Vat,
                SortColumn::Name,
                SortColumn::Country,
                SortColumn::Status
            ]
        );
        for width in 0..200 {
            let shown = shown_columns(width, SortColumn::Name);
            assert!(shown.contains(&SortColumn::Name), "{width}: {shown:?}");
            // Columns give way in order: what is shown is a prefix of the keep order.
            let kept: Vec<SortColumn> = KEEP_ORDER
                .into_iter()
                .filter(|c| shown.contains(c))
                .collect();
            assert_eq!(kept, KEEP_ORDER[..kept.len()], "{width}");
        }
    }

    #[test]
    fn the_sorted_column_stays_when_it_fits() {
        let shown = shown_columns(48, SortColumn::Owner);
        assert!(shown.contains(&SortColumn::Owner), "{shown:?}");
        assert!(shown.contains(&SortColumn::Name), "{shown:?}");
        // Too narrow for the sorted VAT number: the others still fill in, in their order.
        assert_eq!(
            shown_columns(25, SortColumn::Vat),
            [SortColumn::Name, SortColumn::Status]
        );
    }
}
