//! Views: pure functions from borrowed state to a frame. Layout: tab bar, body, status line,
//! footer with the keys of the current context. Nothing here mutates state or does I/O.

mod alert_view;
mod alerts;
mod counterparties;
mod details;
mod popups;
mod stats;

use crate::tui::text::Tr;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use super::action::Action;
use super::keymap::{Context, Keymap};
use super::state::{AppState, Current, Level, Popup, Tab};
use super::theme::Theme;
use super::update::context;

/// Smallest terminal the UI draws into; below it a "too small" message shows.
pub const MIN_SIZE: (u16, u16) = (50, 12);

/// Draws the whole UI.
pub fn render(state: &AppState, theme: &Theme, keymap: &Keymap, frame: &mut Frame) {
    let area = frame.area();
    draw(state, theme, keymap, area, frame.buffer_mut());
    if let Some(Popup::Form(form)) = &state.popup
        && area.width >= MIN_SIZE.0
        && area.height >= MIN_SIZE.1
    {
        popups::form(state.tr(), form, theme, keymap, area, frame);
    }
}

fn draw(state: &AppState, theme: &Theme, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(state.tr(), area, buf, theme);
        return;
    }
    let [tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    tab_bar(state, theme, tabs, buf);
    match state.tab {
        Tab::Stats => stats::render(state, theme, keymap, body, buf),
        Tab::Counterparties => counterparties::render(state, theme, body, buf),
        Tab::Details => details::render(state, theme, body, buf),
        Tab::Alerts => match state.alert_view.detail {
            Some(d) => alert_view::render(state, d, theme, body, buf),
            None => alerts::render(state, theme, body, buf),
        },
    }
    status_line(state, theme, keymap, status, buf);
    footer_line(state, theme, keymap, footer, buf);
    match &state.popup {
        Some(Popup::Help(scroll)) => popups::help(state, theme, keymap, *scroll, area, buf),
        Some(Popup::Confirm { question, .. }) => {
            popups::confirm(state.tr(), question, theme, keymap, area, buf)
        }
        Some(Popup::Reason {
            question,
            text,
            pending,
        }) => popups::reason(
            state.tr(),
            pending,
            question,
            text,
            theme,
            keymap,
            area,
            buf,
        ),
        _ => {}
    }
}

fn too_small(tr: Tr, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let text = tr.too_small(area.width, area.height, MIN_SIZE.0, MIN_SIZE.1);
    Paragraph::new(text)
        .style(theme.warn)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

fn tab_bar(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::styled(" Kontra ", theme.title), Span::raw("│")];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let text = format!(" {} {} ", i + 1, tab.title(state.tr()));
        let style = if *tab == state.tab {
            theme.tab_active
        } else {
            theme.base
        };
        spans.push(Span::styled(text, style));
        if *tab == Tab::Alerts && state.unseen_critical > 0 {
            spans.push(Span::styled(
                format!("{}! ", state.unseen_critical),
                theme.bad,
            ));
        }
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
    let mut right = Vec::new();
    if let Some(p) = &state.progress {
        let t = progress_text(
            state.tr().progress_checking(),
            p.done,
            p.total,
            p.current.as_ref(),
        );
        right.push(Span::styled(t, theme.info));
    }
    if let Some(p) = &state.runs.pause {
        if !right.is_empty() {
            right.push(Span::raw(" "));
        }
        right.push(Span::styled(
            state.tr().tab_bar_paused(p.source.as_str().to_uppercase()),
            theme.bad,
        ));
    }
    if state.read_only {
        if !right.is_empty() {
            right.push(Span::raw(" "));
        }
        right.push(Span::styled(state.tr().tab_bar_read_only(), theme.warn));
    }
    if !right.is_empty() {
        let line = Line::from(right);
        let w = (line.width() as u16).min(area.width);
        let r = Rect {
            x: area.right().saturating_sub(w + 1),
            width: w,
            ..area
        };
        Paragraph::new(line).render(r, buf);
    }
}

/// "checking 3/12 · #1 vies": how far, and what is asked now.
fn progress_text(what: &str, done: usize, total: usize, current: Option<&Current>) -> String {
    let mut t = format!("{what} {done}/{total}");
    if let Some(c) = current {
        t.push_str(&format!(" · #{} {}", c.counterparty_id, c.source));
    }
    t
}

fn status_line(state: &AppState, theme: &Theme, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
    let line = if let Some(query) = state.typed_query() {
        let accept = keymap
            .key_for(Context::Filter, Action::FilterAccept)
            .map(|k| k.to_string())
            .unwrap_or_default();
        let cancel = keymap
            .key_for(Context::Filter, Action::FilterCancel)
            .map(|k| k.to_string())
            .unwrap_or_default();
        Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(query.to_string()),
            Span::styled("█", theme.dim),
            Span::styled(state.tr().filter_keep_clear(accept, cancel), theme.dim),
        ])
    } else if let Some(f) = &state.flash {
        let style = match f.level {
            Level::Info => theme.info,
            Level::Warn => theme.warn,
            Level::Error => theme.bad,
        };
        Line::from(Span::styled(f.text.clone(), style))
    } else if let Some(m) = &state.manual {
        Line::from(Span::styled(
            progress_text(
                state.tr().progress_manual_check(),
                m.done,
                m.total,
                m.current.as_ref(),
            ),
            theme.info,
        ))
    } else if state.loading() {
        Line::from(Span::styled(state.tr().loading_register(), theme.dim))
    } else if let Some(p) = &state.runs.pause {
        Line::from(vec![
            Span::styled(crate::tui::pause::short_text(state, p), theme.bad),
            Span::styled(
                format!(
                    " · {}",
                    crate::tui::pause::how_to_lift(state, resume_key(state, keymap), p)
                ),
                theme.dim,
            ),
        ])
    } else {
        Line::default()
    };
    Paragraph::new(line).render(area, buf);
}

/// The key that lifts the VIES pause from the current view, if the keymap has one.
fn resume_key(state: &AppState, keymap: &Keymap) -> Option<String> {
    keymap
        .key_for(context(state), Action::ResumeVies)
        .map(|k| k.to_string())
}

fn footer_line(state: &AppState, theme: &Theme, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
    let ctx = context(state);
    let mut items: Vec<(String, &str)> = Vec::new();
    for (keys, action) in keymap.bindings_for(ctx) {
        if matches!(
            action,
            Action::SelectPrev | Action::PageUp | Action::SelectFirst | Action::SelectLast
        ) {
            continue;
        }
        // A reason has one field to move between.
        if matches!(state.popup, Some(Popup::Reason { .. }))
            && matches!(action, Action::NextField | Action::PrevField)
        {
            continue;
        }
        let label = if action == Action::SelectNext {
            state.tr().footer_move()
        } else {
            action.label(state.tr())
        };
        items.push((keys[0].to_string(), label));
    }
    let mut tail: Vec<(String, &str)> = Vec::new();
    if ctx.falls_back_to_global() {
        for a in [Action::Help, Action::Quit] {
            if let Some(k) = keymap.key_for(Context::Global, a) {
                tail.push((k.to_string(), a.label(state.tr())));
            }
        }
    }
    let item_width =
        |(key, label): &(String, &str)| key.chars().count() + label.chars().count() + 3;
    // The help key stays in view however many keys the context has: it leads to all of them.
    let full = usize::from(area.width);
    let reserved = tail.first().map_or(0, item_width);
    let mut shown: Vec<(String, &str)> = Vec::new();
    let mut width = 0usize;
    for item in items {
        let w = item_width(&item);
        if width + w > full.saturating_sub(reserved) {
            break;
        }
        width += w;
        shown.push(item);
    }
    for item in tail {
        let w = item_width(&item);
        if width + w > full {
            break;
        }
        width += w;
        shown.push(item);
    }
    let mut spans = Vec::new();
    for (key, label) in shown {
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.dim));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// A short age such as `5m`, `3h`, `2d` (German `5 min`, `3 h`, `2 Tg.`); a time ahead reads
/// `in 3h`.
pub fn age(tr: Tr, now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    if at > now {
        return tr.in_future(tr.age(at - now));
    }
    tr.age(now - at)
}

/// A date and time in the configured zone, with its abbreviation.
pub fn time(state: &AppState, at: DateTime<Utc>) -> String {
    crate::local_time::minutes(at, state.tz)
}

/// A style for the label of a key-value pair.
fn label(theme: &Theme) -> Style {
    theme.dim
}

/// Cuts text to `width` characters with an ellipsis.
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Draws the visible window of a list as a table under its header and block, with the cursor's row
/// highlighted; `selected` counts from the window's first row, as only that window's rows are
/// built.
fn window_table<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    widths: &[Constraint],
    (header, block): (Row<'a>, Block<'a>),
    selected: Option<usize>,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme.selected)
        .column_spacing(1);
    let mut ts = TableState::default();
    ts.select(selected);
    StatefulWidget::render(table, area, buf, &mut ts);
}
