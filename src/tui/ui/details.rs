//! The details view: all fields, monitoring and statistics, recent alerts, a timeline of
//! outcomes, and the check history newest first with expandable runs (results, evidence, raw).

use std::collections::BTreeMap;

use chrono::Duration;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::counterparties::status_style;
use super::{age, clip, label, time};
use crate::app::ops::ui::Details;
use crate::domain::check::{Answer, FieldMatch, Outcome, SourceResult};
use crate::domain::last_check::CheckStatus;
use crate::domain::{CheckRun, Counterparty};
use crate::sanctions::health;
use crate::sanctions::snapshot::SnapshotMeta;
use crate::tui::state::AppState;
use crate::tui::theme::Theme;

/// Days the timeline covers.
const TIMELINE_DAYS: i64 = 60;

/// Draws the details tab.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = &state.details;
    let Some(data) = &d.data else {
        let msg = if d.loading {
            "loading…"
        } else {
            "No counterparty selected: pick one on the Counterparties tab and press Enter."
        };
        Paragraph::new(Span::styled(msg, theme.dim))
            .block(Block::default().borders(Borders::ALL).title(" Details "))
            .render(area, buf);
        return;
    };
    let [top, timeline, history] = Layout::vertical([
        Constraint::Length(10),
        Constraint::Length(3),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [fields, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(top);
    render_fields(state, &data.cp, theme, fields, buf);
    render_summary(state, data, theme, right, buf);
    render_timeline(state, &data.runs, theme, timeline, buf);
    render_history(state, data, theme, history, buf);
}

fn kv(k: &str, v: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<10}"), label(theme)),
        Span::raw(v.into()),
    ])
}

fn render_fields(state: &AppState, cp: &Counterparty, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let lines = vec![
        kv(
            "Country",
            format!("{}  · kind {}", cp.country, cp.kind),
            theme,
        ),
        kv("VAT", cp.vat.as_deref().unwrap_or("-").to_string(), theme),
        kv("E-mail", o(&cp.email), theme),
        kv("Address", o(&cp.address), theme),
        kv("Domain", o(&cp.domain), theme),
        kv("Contact", o(&cp.contact), theme),
        kv(
            "Owner",
            format!("{}  · priority {}", o(&cp.owner), cp.priority),
            theme,
        ),
        kv(
            "LEI/Reg.",
            format!(
                "{} · {}",
                o(&cp.lei),
                cp.register
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".to_string())
            ),
            theme,
        ),
    ];
    let _ = state;
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" #{} {} ", cp.id, cp.name),
            theme.title,
        )))
        .render(area, buf);
}

fn render_summary(state: &AppState, data: &Details, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let cp = &data.cp;
    let answered: usize = data
        .runs
        .iter()
        .map(|r| {
            r.results
                .iter()
                .filter(|x| x.outcome.answer().is_some())
                .count()
        })
        .sum();
    let results: usize = data.runs.iter().map(|r| r.results.len()).sum();
    let share = (answered * 100)
        .checked_div(results)
        .map_or_else(|| "-".to_string(), |p| format!("{p}%"));
    let monitoring = if cp.monitor {
        Span::styled(format!("on, {}", cp.frequency), theme.ok)
    } else {
        Span::styled("off", theme.dim)
    };
    let last = data.runs.first().map(|r| {
        let s = CheckStatus::of(r);
        Span::styled(
            format!(
                "{} ago, {}",
                age(state.now, r.finished_at),
                state.tr().check_status(s)
            ),
            status_style(theme, Some(s)),
        )
    });
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<10}", "Monitor"), label(theme)),
            monitoring,
        ]),
        Line::from(vec![
            Span::styled(format!("{:<10}", "Last"), label(theme)),
            last.unwrap_or_else(|| Span::styled("never checked", theme.dim)),
        ]),
        kv(
            "Checks",
            format!(
                "{} runs, {share} of source results answered",
                data.runs.len()
            ),
            theme,
        ),
    ];
    let open = data
        .alerts
        .iter()
        .filter(|a| a.acknowledged_at.is_none())
        .count();
    lines.push(kv(
        "Alerts",
        format!("{} total, {open} open", data.alerts.len()),
        theme,
    ));
    let lang = state.language.as_str();
    for a in data
        .alerts
        .iter()
        .take(usize::from(area.height.saturating_sub(6)))
    {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<8} ", a.severity.as_str()),
                theme.severity(a.severity),
            ),
            Span::styled(
                format!("{:>4} ago ", age(state.now, a.created_at)),
                theme.dim,
            ),
            Span::raw(a.message.get(lang).to_string()),
        ]));
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(" Monitoring and alerts ", theme.title)),
        )
        .render(area, buf);
}

fn glyph(theme: &Theme, status: Option<CheckStatus>) -> Span<'static> {
    match status {
        None => Span::styled("·", theme.dim),
        Some(CheckStatus::Ok) => Span::styled("■", theme.ok),
        Some(CheckStatus::Partial | CheckStatus::NoAnswer) => Span::styled("□", theme.warn),
        Some(_) => Span::styled("✖", theme.bad),
    }
}

fn render_timeline(
    state: &AppState,
    runs: &[CheckRun],
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut worst: BTreeMap<i64, CheckStatus> = BTreeMap::new();
    for r in runs {
        // Days of the configured zone, as the title's date and every time shown.
        let days = crate::local_time::days_ago(state.now, r.finished_at, state.tz);
        if (0..TIMELINE_DAYS).contains(&days) {
            let s = CheckStatus::of(r);
            let e = worst.entry(days).or_insert(s);
            *e = (*e).max(s);
        }
    }
    let width = i64::from(area.width.saturating_sub(2)).min(TIMELINE_DAYS);
    let spans: Vec<Span> = (0..width)
        .rev()
        .map(|d| glyph(theme, worst.get(&d).copied()))
        .collect();
    let start = state.now - Duration::days(width - 1);
    Paragraph::new(Line::from(spans))
        .block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(
                " Timeline since {} (■ ok  □ no answer  ✖ finding  · none) ",
                start.with_timezone(&state.tz).format("%Y-%m-%d")
            ),
            theme.title,
        )))
        .render(area, buf);
}

fn fm(m: FieldMatch) -> &'static str {
    match m {
        FieldMatch::Match => "match",
        FieldMatch::Mismatch => "MISMATCH",
        FieldMatch::NotRequested => "-",
        FieldMatch::NotProvided => "n/a",
    }
}

/// One line saying what a source answered.
pub fn summary(r: &SourceResult) -> (String, bool) {
    match &r.outcome {
        Outcome::CouldNotAsk { reason, message } => {
            (format!("could not ask ({reason:?}): {message}"), false)
        }
        Outcome::Answer(a) => {
            let text = match a {
                Answer::Vat(v) => format!(
                    "{} {}{}",
                    if v.valid { "valid" } else { "INVALID" },
                    v.vat,
                    v.name
                        .as_ref()
                        .map(|n| format!(" · {n}"))
                        .unwrap_or_default()
                ),
                Answer::Qualified(q) => format!(
                    "{} {} · name {} street {} postcode {} city {}",
                    if q.valid { "valid" } else { "INVALID" },
                    q.status,
                    fm(q.name),
                    fm(q.street),
                    fm(q.postcode),
                    fm(q.city)
                ),
                Answer::Lei(l) => format!(
                    "{} {} · {} · {}",
                    l.lei, l.registration_status, l.entity_status, l.legal_name
                ),
                Answer::LeiSearch(found) => match found.records.first() {
                    Some(l) => format!(
                        "{} LEI record(s): {} {} · {}",
                        found.total, l.lei, l.registration_status, l.legal_name
                    ),
                    None => "no LEI record found".to_string(),
                },
                Answer::LeiNotFound(n) => format!("LEI {} does not exist", n.lei),
                Answer::LeiNoMatch(m) => m.describe(),
                Answer::Register(reg) => match reg.records.first() {
                    Some(x) => format!(
                        "{} {} {}, {} · {} ({})",
                        x.kind, x.number, x.court, x.name, x.seat, x.status
                    ),
                    None => "no register entry found".to_string(),
                },
                Answer::Insolvency(i) => match i.publications.first() {
                    Some(p) => format!(
                        "{} publication(s): {} {} {} {}",
                        i.publications.len(),
                        p.date,
                        p.court,
                        p.case_number,
                        p.notice
                    ),
                    None => "no publications".to_string(),
                },
                Answer::Sanctions(s) => match s.hits.first() {
                    Some(h) => format!(
                        "{} hit(s): {} {} {} ({}, score {:.2})",
                        s.hits.len(),
                        h.list,
                        h.entity_id,
                        h.name,
                        h.strength.label("en"),
                        h.score
                    ),
                    None => format!("no hits in {} lists", s.lists.len()),
                },
            };
            (text, true)
        }
    }
}

fn run_lines(
    state: &AppState,
    run: &CheckRun,
    snapshots: &[SnapshotMeta],
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for r in &run.results {
        let (text, answered) = summary(r);
        let bad = matches!(
            &r.outcome,
            Outcome::Answer(Answer::Vat(v)) if !v.valid
        ) || matches!(&r.outcome, Outcome::Answer(Answer::Sanctions(s)) if !s.hits.is_empty())
            || matches!(&r.outcome, Outcome::Answer(Answer::Insolvency(i)) if !i.publications.is_empty());
        let style = if bad {
            theme.bad
        } else if answered {
            theme.base
        } else {
            theme.warn
        };
        out.push(Line::from(vec![
            Span::raw("     "),
            Span::styled(format!("{:<16}", r.source.as_str()), theme.title),
            Span::styled(clip(&text, width.saturating_sub(22)), style),
        ]));
        // Every hit with its strength, then its reasons one per line (they are long: listed
        // names and countries), in the analyst's language.
        if let Outcome::Answer(Answer::Sanctions(s)) = &r.outcome {
            let lang = state.language.as_str();
            for h in &s.hits {
                let head = format!("{} {}: {}", h.list, h.entity_id, h.strength.label(lang));
                out.push(Line::from(Span::styled(
                    clip(&format!("{:21}{head}", ""), width),
                    style,
                )));
                for reason in &h.reasons {
                    out.push(Line::from(Span::styled(
                        clip(&format!("{:23}· {}", "", reason.text(lang)), width),
                        style,
                    )));
                }
            }
            // Which list snapshots the screening used and how old each was then.
            let used: Vec<String> = health::lists_used(&s.lists, r.at, snapshots)
                .iter()
                .map(|u| u.text(lang))
                .collect();
            let lists = if used.is_empty() {
                "none".to_string()
            } else {
                used.join(", ")
            };
            out.push(Line::from(Span::styled(
                clip(&format!("{:21}lists: {lists}", ""), width),
                theme.dim,
            )));
        }
        let e = &r.evidence;
        let mut ev = Vec::new();
        if let Some(x) = &e.reference {
            ev.push(format!("ref {x}"));
        }
        if let Some(x) = &e.registry_time {
            ev.push(format!(
                "registry time {}",
                crate::local_time::registry(x, state.tz)
            ));
        }
        if let Some(x) = &e.code {
            ev.push(format!("code {x}"));
        }
        if let Some(x) = e.http_status {
            ev.push(format!("HTTP {x}"));
        }
        if let Some(x) = &e.sha256 {
            ev.push(format!("sha256 {}", clip(x, 13)));
        }
        ev.push(format!("at {}", time(state, r.at)));
        out.push(Line::from(Span::styled(
            clip(&format!("{:21}{}", "", ev.join(" · ")), width),
            theme.dim,
        )));
        if let Some(raw) = &e.raw {
            let flat: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(Line::from(Span::styled(
                clip(&format!("{:21}raw: {flat}", ""), width),
                theme.dim,
            )));
        }
    }
    out
}

fn render_history(state: &AppState, data: &Details, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" Check history, newest first ({} runs) ", data.runs.len()),
        theme.title,
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    if data.runs.is_empty() {
        Paragraph::new(Span::styled("never checked", theme.dim)).render(inner, buf);
        return;
    }
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let selected = state.details.selected.min(data.runs.len() - 1);
    // Lines before the selection are only counted, not built, so long histories stay cheap.
    let mut lines: Vec<Line> = Vec::new();
    let mut sel_start = 0;
    let mut sel_end = 0;
    for (i, run) in data.runs.iter().enumerate() {
        if i == selected {
            sel_start = lines.len();
        }
        let s = CheckStatus::of(run);
        let expanded = state.details.expanded.contains(&run.id);
        let answered = run
            .results
            .iter()
            .filter(|r| r.outcome.answer().is_some())
            .count();
        let row_style: Style = if i == selected {
            theme.selected
        } else {
            theme.base
        };
        lines.push(
            Line::from(vec![
                Span::raw(if expanded { " ▾ " } else { " ▸ " }),
                Span::raw(format!("{}  ", time(state, run.finished_at))),
                Span::styled(
                    format!("{:<10}", state.tr().check_status(s)),
                    status_style(theme, Some(s)),
                ),
                Span::raw(format!(
                    " {answered}/{} answered · by {} · run #{}",
                    run.results.len(),
                    run.trigger,
                    run.id
                )),
            ])
            .style(row_style),
        );
        if expanded {
            lines.extend(run_lines(state, run, &data.snapshots, theme, width));
        }
        if i == selected {
            sel_end = lines.len();
        }
        if i > selected && lines.len() > sel_end + height {
            break;
        }
    }
    let top = if sel_end > height {
        (sel_end - height).min(sel_start)
    } else {
        0
    };
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    Paragraph::new(shown).render(inner, buf);
}
