//! The stats view: cards (register, open alerts, cycles), the registry pause when one is in
//! force, source health, the VAT status distribution, charts per day (alerts; answers and
//! could-not-ask) with a date axis and a today marker, the recent alerts, and the health of
//! every sanctions list. Sections are given their rows in order of importance, so a small
//! terminal drops the last ones whole instead of squeezing every one.

use chrono::Days;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::{age, clip, label};
use crate::domain::Severity;
use crate::domain::health::day_slot;
use crate::domain::last_check::VatStatus;
use crate::tui::data::CHART_DAYS;
use crate::tui::keymap::Keymap;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

fn card<'a>(title: &'a str, lines: Vec<Line<'a>>, theme: &Theme) -> Paragraph<'a> {
    Paragraph::new(lines).block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {title} "), theme.title)),
    )
}

fn kv<'a>(k: &str, width: usize, v: String, theme: &Theme, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<width$}"), label(theme)),
        Span::styled(v, style),
    ])
}

/// The sections in the order they get rows, with the rows each needs at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Cards,
    Pause,
    Health,
    Charts,
    Recent,
    Lists,
}

/// Rows per section for a body of `height` rows: each in order of importance gets its minimum
/// while it fits; what is left goes to the recent alerts and the charts.
fn plan(state: &AppState, height: u16) -> Vec<(Section, u16)> {
    let health_rows = state.runs.health.sources.len().max(1) as u16 + 3;
    let wanted = [
        (Section::Cards, 5),
        (
            Section::Pause,
            if state.runs.pause.is_some() { 2 } else { 0 },
        ),
        (Section::Health, health_rows),
        (Section::Charts, 7),
        (Section::Recent, 5),
        (Section::Lists, state.runs.list_health.len() as u16 + 3),
    ];
    let mut left = height;
    let mut out: Vec<(Section, u16)> = Vec::new();
    for (section, rows) in wanted {
        if rows > 0 && rows <= left {
            left -= rows;
            out.push((section, rows));
        }
    }
    // The alerts table grows to ten alerts, the charts take the rest.
    for (section, rows) in out.iter_mut() {
        if *section == Section::Recent {
            let more = (left / 2).min(13u16.saturating_sub(*rows));
            *rows += more;
            left -= more;
        }
    }
    for (section, rows) in out.iter_mut() {
        if *section == Section::Charts {
            *rows += left;
            left = 0;
        }
    }
    // Screen order: the lists sit above the recent alerts and the charts.
    out.sort_by_key(|(s, _)| match s {
        Section::Cards => 0,
        Section::Pause => 1,
        Section::Health => 2,
        Section::Lists => 3,
        Section::Recent => 4,
        Section::Charts => 5,
    });
    out
}

/// Draws the stats tab.
pub fn render(state: &AppState, theme: &Theme, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
    let sections = plan(state, area.height);
    let areas =
        Layout::vertical(sections.iter().map(|(_, rows)| Constraint::Length(*rows))).split(area);
    for ((section, _), area) in sections.iter().zip(areas.iter().copied()) {
        match section {
            Section::Cards => render_cards(state, theme, area, buf),
            Section::Pause => {
                render_pause(state, theme, super::resume_key(state, keymap), area, buf)
            }
            Section::Health => {
                let [health, dist] =
                    Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)])
                        .areas(area);
                render_health(state, theme, health, buf);
                render_distribution(state, theme, dist, buf);
            }
            Section::Lists => render_lists(state, theme, area, buf),
            Section::Recent => render_recent(state, theme, area, buf),
            Section::Charts => {
                let [left, right] =
                    Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)])
                        .areas(area);
                render_alert_chart(state, theme, left, buf);
                render_outcome_chart(state, theme, right, buf);
            }
        }
    }
}

/// The registry pause: since when, why, and how to lift it.
fn render_pause(
    state: &AppState,
    theme: &Theme,
    key: Option<String>,
    area: Rect,
    buf: &mut Buffer,
) {
    let Some(p) = &state.runs.pause else {
        return;
    };
    Paragraph::new(Line::from(vec![
        Span::styled(crate::tui::pause::text(state, p), theme.bad),
        Span::styled(format!(": {}", p.message), theme.base),
        Span::styled(
            format!(" · {}", crate::tui::pause::how_to_lift(state, key, p)),
            theme.dim,
        ),
    ]))
    .wrap(Wrap { trim: true })
    .render(area, buf);
}

/// Width of a label column: the longest label and a space, at least `min` (what the English
/// layout was drawn with), so a longer word in another language does not touch its value.
fn label_width(min: usize, labels: &[&str]) -> usize {
    labels
        .iter()
        .map(|l| l.chars().count() + 1)
        .fold(min, usize::max)
}

fn render_cards(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
    let [a, b, c] = Layout::horizontal([Constraint::Fill(1); 3]).areas(area);
    let monitored = state.rows.iter().filter(|r| r.cp.monitor).count();
    let unchecked = state.rows.iter().filter(|r| r.last.is_none()).count();
    let labels = [tr.stats_total(), tr.stats_monitored(), tr.stats_unchecked()];
    let w = label_width(10, &labels);
    card(
        tr.stats_card_register(),
        vec![
            kv(
                labels[0],
                w,
                state.rows.len().to_string(),
                theme,
                theme.base,
            ),
            kv(labels[1], w, monitored.to_string(), theme, theme.ok),
            kv(labels[2], w, unchecked.to_string(), theme, theme.dim),
        ],
        theme,
    )
    .render(a, buf);
    let mut open = [0usize; 4];
    for al in state.alerts.iter().filter(|x| x.acknowledged_at.is_none()) {
        open[al.severity as usize] += 1;
    }
    let w = label_width(10, &Severity::DESCENDING.map(|s| tr.severity(s)));
    card(
        tr.stats_card_open_alerts(),
        Severity::DESCENDING
            .iter()
            .map(|s| {
                kv(
                    tr.severity(*s),
                    w,
                    open[*s as usize].to_string(),
                    theme,
                    theme.severity(*s),
                )
            })
            .collect(),
        theme,
    )
    .render(b, buf);
    // Only scheduled cycles count here; a manual check is not a cycle.
    let last = match state.runs.health.last_cycle {
        Some(t) => tr.ago(age(state.tr(), state.now, t)),
        None => tr.never().to_string(),
    };
    // The label column is as wide as the longest label, so the time keeps its zone.
    let labels = [tr.stats_last(), tr.stats_next(), tr.stats_running()];
    let w = label_width(8, &labels);
    let value_width = usize::from(c.width.saturating_sub(2)).saturating_sub(w);
    let next = match state.next_cycle {
        Some(t) => crate::local_time::fitting(t, state.tz, value_width),
        None => tr.stats_not_scheduled().to_string(),
    };
    let running = match &state.progress {
        Some(p) => format!("{}/{}", p.done, p.total),
        None if state.monitor_attached => tr.stats_idle().to_string(),
        None => tr.stats_no_monitor().to_string(),
    };
    card(
        tr.stats_card_cycles(),
        vec![
            kv(labels[0], w, last, theme, theme.base),
            kv(labels[1], w, next, theme, theme.base),
            kv(labels[2], w, running, theme, theme.info),
        ],
        theme,
    )
    .render(c, buf);
}

/// Every sanctions list, loaded or not: its age, when it was last screened against, and why it
/// is stale or missing.
fn render_lists(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
    let rows = state.runs.list_health.iter().map(|h| {
        let list = h.source.as_str();
        let loaded = match (&h.current, state.lists_refreshed.get(list)) {
            // A refresh the monitor reported since the load is newer than the store's figure.
            (_, Some((n, t))) => tr.stats_list_loaded(age(state.tr(), state.now, *t), n),
            (Some(c), None) => tr.stats_list_published(
                age(state.tr(), state.now, c.accepted_at),
                c.published.as_deref().unwrap_or("?"),
            ),
            (None, None) => tr.never().to_string(),
        };
        let screened = state.runs.lists.get(list).map_or_else(
            || tr.never().to_string(),
            |t| tr.ago(age(state.tr(), state.now, *t)),
        );
        // A refresh the monitor reported after the last attempt the store knew resolves them.
        let refreshed_since = state
            .lists_refreshed
            .get(list)
            .is_some_and(|(_, t)| h.last_attempt.is_none_or(|a| *t >= a));
        let (text, style) = if !h.enabled {
            (tr.stats_list_disabled().to_string(), theme.dim)
        } else if h.problems.is_empty() || refreshed_since {
            ("ok".to_string(), theme.ok)
        } else {
            (
                tr.stats_list_stale(h.problems_text(tr.0.as_str())),
                theme.bad,
            )
        };
        let text = if h.skipped.malformed > 0 {
            tr.stats_list_malformed(text, h.skipped.malformed)
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
    .header(
        Row::new([
            tr.stats_col_list(),
            tr.stats_col_loaded(),
            tr.stats_col_screened(),
            tr.stats_col_state(),
        ])
        .style(theme.title),
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(tr.stats_lists_title(), theme.title)),
    )
    .render(area, buf);
}

fn render_health(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
    // Room for the time beside the age: the table less its borders, fixed columns and gaps.
    let room = usize::from(area.width.saturating_sub(2 + 15 + 8 + 7 + 3));
    let rows = state.runs.health.sources.iter().map(|h| {
        let last = match h.last_answer_at {
            Some(t) => {
                let ago = tr.ago(age(state.tr(), state.now, t));
                let ago_len = ago.chars().count();
                let at = crate::local_time::fitting(t, state.tz, room.saturating_sub(ago_len + 3));
                if room >= ago_len + 3 + 11 {
                    format!("{ago} · {at}")
                } else {
                    ago
                }
            }
            None => tr.never().to_string(),
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
        let paused = state
            .runs
            .pause
            .as_ref()
            .is_some_and(|p| p.source == h.source);
        let source = if paused {
            Cell::from(tr.stats_source_paused(h.source.as_str())).style(theme.bad)
        } else {
            Cell::from(h.source.as_str())
        };
        Row::new(vec![
            source,
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
    .header(
        Row::new([
            tr.stats_col_source(),
            tr.stats_col_last_answer(),
            tr.stats_col_answered(),
            tr.stats_col_failed(),
        ])
        .style(theme.title),
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(tr.stats_health_title(), theme.title)),
    )
    .render(area, buf);
}

fn render_distribution(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut counts = [0usize; 5];
    for r in &state.rows {
        if let Some(i) = VatStatus::ALL.iter().position(|s| *s == r.vat) {
            counts[i] += 1;
        }
    }
    let tr = state.tr();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let w = label_width(10, &VatStatus::ALL.map(|s| tr.vat_status(s)));
    let bar_width = usize::from(area.width.saturating_sub(2 + 8)).saturating_sub(w);
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
                Span::styled(format!("{:<w$}", tr.vat_status(*s)), label(theme)),
                Span::styled("█".repeat(len), style),
                Span::raw(format!(" {n}")),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(tr.stats_vat_title(), theme.title)),
        )
        .render(area, buf);
}

fn render_alert_chart(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut per_day = vec![0u64; CHART_DAYS];
    for a in &state.alerts {
        if let Some(s) = day_slot(state.now, a.created_at, state.tz) {
            per_day[s] += 1;
        }
    }
    let max = per_day.iter().copied().max().unwrap_or(0);
    let total: u64 = per_day.iter().sum();
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        state.tr().stats_alerts_per_day(total, CHART_DAYS, max),
        theme.title,
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    let [bars, axis] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let days = DayColumns::fit(bars.width);
    days.bars(&per_day, theme.warn, theme.info, bars, buf);
    days.axis(state, theme, axis, buf);
}

fn render_outcome_chart(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let runs = &state.runs;
    let a_max = runs.answers_per_day.iter().copied().max().unwrap_or(0);
    let f_max = runs.failures_per_day.iter().copied().max().unwrap_or(0);
    let tr = state.tr();
    // A narrow chart keeps both maxima and drops the words around them.
    let long = (
        tr.stats_results_per_day(),
        tr.stats_answers_max(a_max),
        tr.stats_no_answer_max(f_max),
    );
    let long_width = [long.0, long.1.as_str(), " / ", long.2.as_str()]
        .iter()
        .map(|s| s.chars().count())
        .sum::<usize>()
        + 2;
    let (lead, a, f) = if area.width >= 64 && usize::from(area.width) >= long_width {
        long
    } else {
        (
            " ",
            tr.stats_answers_up_to(a_max),
            tr.stats_no_answer_up_to(f_max),
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(vec![
            Span::styled(lead, theme.title),
            Span::styled(a, theme.ok),
            Span::styled(" / ", theme.title),
            Span::styled(f, theme.warn),
        ]));
    let inner = block.inner(area);
    block.render(area, buf);
    let [top, bottom, axis] = Layout::vertical([
        Constraint::Percentage(60),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let days = DayColumns::fit(inner.width);
    days.bars(&runs.answers_per_day, theme.ok, theme.info, top, buf);
    days.bars(&runs.failures_per_day, theme.warn, theme.info, bottom, buf);
    days.axis(state, theme, axis, buf);
}

/// How the days of a chart lie across its width: the newest `days` of the window spread over
/// all `width` columns (a one-column gap between bars once they are three wide), today last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DayColumns {
    days: usize,
    width: u16,
}

impl DayColumns {
    /// The whole window over `width` columns, or its newest days when there are more days
    /// than columns.
    fn fit(width: u16) -> DayColumns {
        DayColumns {
            days: CHART_DAYS.min(usize::from(width)).max(1),
            width,
        }
    }

    /// The column where the bar of shown day `i` (0 = oldest shown) starts.
    fn x(&self, area: Rect, i: usize) -> u16 {
        let offset = i * usize::from(self.width) / self.days;
        area.x + offset as u16
    }

    /// Columns of day `i`'s bar (its span less the gap to the next).
    fn bar_width(&self, area: Rect, i: usize) -> u16 {
        let span = self.x(area, i + 1).saturating_sub(self.x(area, i));
        if span >= 3 { span - 1 } else { span }
    }

    /// Draws one bar per day in eighths of a row, scaled to the largest value; today's bar in
    /// `today` so it stands out.
    fn bars(&self, values: &[u64], style: Style, today: Style, area: Rect, buf: &mut Buffer) {
        const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
        let shown = &values[values.len().saturating_sub(self.days)..];
        let max = shown.iter().copied().max().unwrap_or(0);
        if max == 0 || area.height == 0 {
            return;
        }
        let full = u64::from(area.height) * 8;
        for (i, v) in shown.iter().enumerate() {
            // Any count shows at least one eighth, so a single failure is never invisible.
            let units = if *v == 0 {
                0
            } else {
                (v * full).div_ceil(max).max(1)
            };
            let style = if i + 1 == shown.len() { today } else { style };
            for row in 0..area.height {
                let filled = units.saturating_sub(u64::from(row) * 8).min(8) as usize;
                if filled == 0 {
                    break;
                }
                let y = area.bottom() - 1 - row;
                for dx in 0..self.bar_width(area, i) {
                    let x = self.x(area, i) + dx;
                    if x < area.right() {
                        buf[(x, y)].set_symbol(EIGHTHS[filled]).set_style(style);
                    }
                }
            }
        }
    }

    /// The date axis: the first day shown on the left, the middle day when there is room, and
    /// "today" with a marker under today's bar.
    fn axis(&self, state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        // Days of the configured zone, as the bars count them.
        let today = state.now.with_timezone(&state.tz).date_naive();
        let day = |i: usize| {
            let back = (self.days - 1 - i) as u64;
            today
                .checked_sub_days(Days::new(back))
                .map(|d| d.format("%m-%d").to_string())
                .unwrap_or_default()
        };
        let today_x = self.x(area, self.days - 1);
        let marker = state.tr().stats_today_marker();
        let marker_x = today_x.saturating_sub(marker.chars().count() as u16 - 1);
        let first = day(0);
        let first_end = area.x + first.chars().count() as u16;
        if first_end < marker_x.max(area.x) {
            buf.set_string(area.x, area.y, &first, theme.dim);
        }
        let mid = self.days / 2;
        let mid_x = self.x(area, mid);
        let mid_label = day(mid);
        if mid > 0
            && mid_x > first_end + 1
            && mid_x + mid_label.chars().count() as u16 + 1 < marker_x
        {
            buf.set_string(mid_x, area.y, &mid_label, theme.dim);
        }
        if marker_x >= area.x && today_x < area.right() {
            buf.set_string(marker_x, area.y, marker, theme.info);
        }
    }
}

/// The newest alerts, as many as the rows allow: when, severity, counterparty, kind, message.
fn render_recent(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let open = state
        .alerts
        .iter()
        .filter(|a| a.acknowledged_at.is_none())
        .count();
    let tr = state.tr();
    let rows_shown = usize::from(area.height.saturating_sub(3));
    let lang = state.language.as_str();
    let name_w: u16 = if area.width >= 110 { 24 } else { 16 };
    let when_w = 11u16;
    let rows = state.alerts.iter().rev().take(rows_shown).map(|a| {
        let when = crate::local_time::fitting(a.created_at, state.tz, usize::from(when_w));
        let style = if a.acknowledged_at.is_some() {
            theme.dim
        } else {
            theme.base
        };
        Row::new(vec![
            Cell::from(when),
            Cell::from(tr.severity(a.severity)).style(theme.severity(a.severity)),
            Cell::from(clip(&state.alert_name(a), usize::from(name_w))),
            Cell::from(state.tr().alerts_kind_short(a.kind)),
            Cell::from(a.message.get(lang).to_string()),
        ])
        .style(style)
    });
    Table::new(
        rows,
        [
            Constraint::Length(when_w),
            Constraint::Length(8),
            Constraint::Length(name_w),
            Constraint::Length(15),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new([
            tr.stats_col_when(),
            tr.stats_col_severity(),
            tr.stats_col_counterparty(),
            tr.stats_col_kind(),
            tr.stats_col_message(),
        ])
        .style(theme.title),
    )
    .block(Block::default().borders(Borders::ALL).title(Span::styled(
        tr.stats_recent_title(state.alerts.len(), open),
        theme.title,
    )))
    .render(area, buf);
}
