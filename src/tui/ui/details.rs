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
use crate::domain::field::Field;
use crate::domain::health::CYCLE_TRIGGER;
use crate::domain::last_check::CheckStatus;
use crate::domain::{CheckRun, Counterparty};
use crate::sanctions::health;
use crate::sanctions::snapshot::SnapshotMeta;
use crate::tui::state::AppState;
use crate::tui::text::Tr;
use crate::tui::theme::Theme;

/// Days the timeline covers.
const TIMELINE_DAYS: i64 = 60;

/// Draws the details tab.
pub fn render(state: &AppState, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = &state.details;
    let tr = state.tr();
    let Some(data) = &d.data else {
        let msg = if d.loading {
            tr.details_loading()
        } else {
            tr.details_none_selected()
        };
        Paragraph::new(Span::styled(msg, theme.dim))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", tr.tab_details())),
            )
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
    let tr = state.tr();
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let lines = vec![
        kv(
            tr.field(Field::Country),
            tr.details_country_kind(&cp.country, tr.cp_kind(cp.kind)),
            theme,
        ),
        kv(
            tr.details_vat(),
            cp.vat.as_deref().unwrap_or("-").to_string(),
            theme,
        ),
        kv(tr.field(Field::Email), o(&cp.email), theme),
        kv(tr.field(Field::Address), o(&cp.address), theme),
        kv(tr.field(Field::Domain), o(&cp.domain), theme),
        kv(tr.field(Field::Contact), o(&cp.contact), theme),
        kv(
            tr.field(Field::Owner),
            tr.details_owner_priority(o(&cp.owner), tr.priority(cp.priority)),
            theme,
        ),
        kv(
            tr.details_lei_register(),
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
    Paragraph::new(lines)
        .block(Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" #{} {} ", cp.id, cp.name),
            theme.title,
        )))
        .render(area, buf);
}

fn render_summary(state: &AppState, data: &Details, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
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
        Span::styled(
            tr.details_monitoring_on(tr.frequency(cp.frequency)),
            theme.ok,
        )
    } else {
        Span::styled(tr.off(), theme.dim)
    };
    let last = data.runs.first().map(|r| {
        let s = CheckStatus::of(r);
        Span::styled(
            tr.details_last_check(
                age(state.tr(), state.now, r.finished_at),
                tr.check_status(s),
            ),
            status_style(theme, Some(s)),
        )
    });
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<10}", tr.details_label_monitor()), label(theme)),
            monitoring,
        ]),
        Line::from(vec![
            Span::styled(format!("{:<10}", tr.details_label_last()), label(theme)),
            last.unwrap_or_else(|| Span::styled(tr.details_never_checked(), theme.dim)),
        ]),
        kv(
            tr.details_label_checks(),
            tr.details_checks(data.runs.len(), share),
            theme,
        ),
    ];
    let open = data
        .alerts
        .iter()
        .filter(|a| a.acknowledged_at.is_none())
        .count();
    lines.push(kv(
        tr.tab_alerts(),
        tr.details_alert_count(data.alerts.len(), open),
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
                format!(" {:<8} ", tr.severity(a.severity)),
                theme.severity(a.severity),
            ),
            Span::styled(
                tr.details_alert_age(age(state.tr(), state.now, a.created_at)),
                theme.dim,
            ),
            Span::raw(a.message.get(lang).to_string()),
        ]));
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(tr.details_summary_title(), theme.title)),
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
        .block(
            Block::default().borders(Borders::ALL).title(Span::styled(
                state
                    .tr()
                    .details_timeline_title(start.with_timezone(&state.tz).format("%Y-%m-%d")),
                theme.title,
            )),
        )
        .render(area, buf);
}

fn fm(tr: Tr, m: FieldMatch) -> &'static str {
    match m {
        FieldMatch::Match => tr.details_match(),
        FieldMatch::Mismatch => tr.details_mismatch(),
        FieldMatch::NotRequested => "-",
        FieldMatch::NotProvided => tr.details_not_provided(),
    }
}

/// "valid" or "INVALID" (capitals: the finding to be noticed).
fn validity(tr: Tr, valid: bool) -> &'static str {
    if valid {
        tr.details_valid()
    } else {
        tr.details_invalid()
    }
}

/// The search of an LEI that found nothing, and why that is not proof that none exists.
fn lei_no_match(tr: Tr, m: &crate::domain::check::LeiNoMatch) -> String {
    let variants = m
        .variants
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut scope = vec![m.field.clone()];
    if let Some(c) = &m.country {
        scope.push(tr.details_scope_country(c));
    }
    if let Some(c) = &m.court {
        scope.push(tr.details_scope_authority(c));
    }
    tr.details_lei_no_match(variants, scope.join(", "))
}

/// One line saying what a source answered, in `tr`'s language; and whether it answered.
pub fn summary_in(tr: Tr, r: &SourceResult) -> (String, bool) {
    match &r.outcome {
        Outcome::CouldNotAsk { reason, message } => (
            tr.details_could_not_ask(format!("{reason:?}"), message),
            false,
        ),
        Outcome::Answer(a) => {
            let text = match a {
                Answer::Vat(v) => format!(
                    "{} {}{}",
                    validity(tr, v.valid),
                    v.vat,
                    v.name
                        .as_ref()
                        .map(|n| format!(" · {n}"))
                        .unwrap_or_default()
                ),
                Answer::Qualified(q) => tr.details_qualified(
                    validity(tr, q.valid),
                    &q.status,
                    fm(tr, q.name),
                    fm(tr, q.street),
                    fm(tr, q.postcode),
                    fm(tr, q.city),
                ),
                Answer::Lei(l) => format!(
                    "{} {} · {} · {}",
                    l.lei, l.registration_status, l.entity_status, l.legal_name
                ),
                Answer::LeiSearch(found) => match found.records.first() {
                    Some(l) => tr.details_lei_records(
                        found.total,
                        &l.lei,
                        &l.registration_status,
                        &l.legal_name,
                    ),
                    None => tr.details_no_lei_record().to_string(),
                },
                Answer::LeiNotFound(n) => tr.details_lei_not_found(&n.lei),
                Answer::LeiNoMatch(m) => lei_no_match(tr, m),
                Answer::Register(reg) => match reg.records.first() {
                    Some(x) => format!(
                        "{} {} {}, {} · {} ({})",
                        x.kind, x.number, x.court, x.name, x.seat, x.status
                    ),
                    None => tr.details_no_register_entry().to_string(),
                },
                Answer::Insolvency(i) => match i.publications.first() {
                    Some(p) => tr.details_publications(
                        i.publications.len(),
                        &p.date,
                        &p.court,
                        &p.case_number,
                        &p.notice,
                    ),
                    None => tr.details_no_publications().to_string(),
                },
                Answer::Sanctions(s) => match s.hits.first() {
                    Some(h) => tr.details_hits(
                        s.hits.len(),
                        &h.list,
                        &h.entity_id,
                        &h.name,
                        h.strength.label(tr.0.as_str()),
                        h.score,
                    ),
                    None => tr.details_no_hits(s.lists.len()),
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
    let tr = state.tr();
    let mut out = Vec::new();
    for r in &run.results {
        let (text, answered) = summary_in(tr, r);
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
                tr.none().to_string()
            } else {
                used.join(", ")
            };
            out.push(Line::from(Span::styled(
                clip(&format!("{:21}{}", "", tr.details_lists_used(lists)), width),
                theme.dim,
            )));
        }
        let e = &r.evidence;
        let mut ev = Vec::new();
        if let Some(x) = &e.reference {
            ev.push(tr.details_reference(x));
        }
        if let Some(x) = &e.registry_time {
            ev.push(tr.evidence_registry_time(crate::local_time::registry(x, state.tz)));
        }
        if let Some(x) = &e.code {
            ev.push(tr.evidence_code(x));
        }
        if let Some(x) = e.http_status {
            ev.push(tr.evidence_http(x));
        }
        if let Some(x) = &e.sha256 {
            ev.push(tr.evidence_sha256(clip(x, 13)));
        }
        ev.push(tr.details_at(time(state, r.at)));
        out.push(Line::from(Span::styled(
            clip(&format!("{:21}{}", "", ev.join(" · ")), width),
            theme.dim,
        )));
        if let Some(raw) = &e.raw {
            let flat: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(Line::from(Span::styled(
                clip(&format!("{:21}{}", "", tr.details_raw(flat)), width),
                theme.dim,
            )));
        }
    }
    out
}

/// Who started a run: the monitor (named in the UI's language) or the analyst.
fn trigger(tr: Tr, trigger: &str) -> &str {
    if trigger == CYCLE_TRIGGER {
        tr.details_by_monitor()
    } else {
        trigger
    }
}

fn render_history(state: &AppState, data: &Details, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        tr.details_history_title(data.runs.len()),
        theme.title,
    ));
    let inner = block.inner(area);
    block.render(area, buf);
    if data.runs.is_empty() {
        Paragraph::new(Span::styled(tr.details_never_checked(), theme.dim)).render(inner, buf);
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
                    format!("{:<10}", tr.check_status(s)),
                    status_style(theme, Some(s)),
                ),
                Span::raw(tr.details_run_line(
                    answered,
                    run.results.len(),
                    trigger(tr, &run.trigger),
                    run.id,
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
