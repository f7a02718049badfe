//! The alert view: one alert read in full — the message in the configured language, what the
//! source answered before and now, the evidence (registry, reference, time) and, for sanctions
//! hits, the listed entity with score, strength and reasons. Acknowledging from here asks for an
//! optional comment.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::details::summary;
use super::{age, label, time};
use crate::domain::check::{Answer, Outcome, SanctionsHit, SourceResult};
use crate::domain::{Alert, CheckRun};
use crate::notify::digest::{kind_label, source_label};
use crate::tui::state::{AlertDetail, AppState};
use crate::tui::theme::Theme;

/// Draws the alert view.
pub fn render(state: &AppState, d: AlertDetail, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(a) = state.alerts.iter().find(|a| a.id == d.id) else {
        Paragraph::new(Span::styled("this alert is gone", theme.dim))
            .block(Block::default().borders(Borders::ALL).title(" Alert "))
            .render(area, buf);
        return;
    };
    let lines = lines(state, a, theme);
    let inner_height = usize::from(area.height.saturating_sub(2));
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    // Rows after wrapping (word wrapping may take a row more; close enough to stop scrolling
    // at the end instead of past it).
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let scroll = d
        .scroll
        .min(rows.saturating_sub(inner_height))
        .min(usize::from(u16::MAX)) as u16;
    let title = format!(
        " Alert #{} · {} · {} ",
        a.id,
        a.severity,
        kind_label(a.kind, state.language)
    );
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme.severity(a.severity))),
        )
        .render(area, buf);
}

fn kv(k: &str, v: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<14}"), label(theme)),
        Span::raw(v.into()),
    ])
}

fn heading(text: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.title))
}

fn when(state: &AppState, t: DateTime<Utc>) -> String {
    format!("{} ({} ago)", time(state, t), age(state.now, t))
}

fn lines(state: &AppState, a: &Alert, theme: &Theme) -> Vec<Line<'static>> {
    let lang = state.language.as_str();
    let mut out = Vec::new();
    let cp = state
        .index
        .get(&a.counterparty_id)
        .and_then(|&i| state.rows.get(i))
        .map(|r| &r.cp);
    let who = match cp {
        Some(cp) => {
            let mut s = format!("#{} {}", cp.id, cp.name);
            if let Some(v) = &cp.vat {
                s.push_str(&format!(" · {v}"));
            }
            if let Some(o) = &cp.owner {
                s.push_str(&format!(" · owner {o}"));
            }
            s
        }
        None => state.alert_name(a),
    };
    out.push(kv("Counterparty", who, theme));
    out.push(kv("Raised", when(state, a.created_at), theme));
    out.push(match (&a.acknowledged_by, a.acknowledged_at) {
        (Some(by), Some(at)) => kv(
            "Status",
            format!("acknowledged by {by}, {}", time(state, at)),
            theme,
        ),
        _ => Line::from(vec![
            Span::styled(format!("{:<14}", "Status"), label(theme)),
            Span::styled("open", theme.warn),
        ]),
    });
    let delivery = match a.sent_at {
        Some(t) => format!("mail sent {}", time(state, t)),
        None if state.delivery_unknown.contains(&a.id) => {
            "handed over, delivery unknown".to_string()
        }
        None => "not sent".to_string(),
    };
    out.push(kv("Delivery", delivery, theme));
    out.push(Line::default());
    out.push(heading("Message", theme));
    out.push(Line::from(a.message.get(lang).to_string()));
    out.push(Line::default());

    let data = state
        .details
        .data
        .as_ref()
        .filter(|d| d.cp.id == a.counterparty_id);
    let runs: &[CheckRun] = data.map_or(&[], |d| &d.runs);
    let at = a
        .check_run_id
        .and_then(|id| runs.iter().position(|r| r.id == id));
    let source = a.source();
    let now_result = at.and_then(|i| {
        let run = &runs[i];
        run.results
            .iter()
            .find(|r| Some(r.source) == source)
            .or_else(|| run.results.first())
            .map(|r| (run, r))
    });
    out.push(heading("What changed", theme));
    match now_result {
        Some((run, r)) => {
            let before = at.and_then(|i| {
                runs[i + 1..].iter().find_map(|older| {
                    older
                        .results
                        .iter()
                        .find(|x| x.source == r.source && x.outcome.answer().is_some())
                        .map(|x| (older, x))
                })
            });
            match before {
                Some((older, x)) => out.push(kv(
                    "  Before",
                    format!(
                        "{} (run #{}, {})",
                        summary(x).0,
                        older.id,
                        time(state, x.at)
                    ),
                    theme,
                )),
                None => out.push(kv("  Before", "no earlier answer from this source", theme)),
            }
            out.push(kv(
                "  Now",
                format!("{} (run #{}, {})", summary(r).0, run.id, time(state, r.at)),
                theme,
            ));
            out.push(Line::default());
            evidence(state, r, theme, &mut out);
            if let Some((list, entity)) = a.hit_entity() {
                out.push(Line::default());
                let hit = match &r.outcome {
                    Outcome::Answer(Answer::Sanctions(s)) => s
                        .hits
                        .iter()
                        .find(|h| h.list == list && h.entity_id == entity),
                    _ => None,
                };
                sanctions(lang, list, entity, hit, theme, &mut out);
            }
        }
        None => {
            let why = if state.details.loading {
                "loading the check history…"
            } else if a.check_run_id.is_none() {
                "this alert names no check run; the message above says what changed"
            } else {
                "its check run is not in the stored history"
            };
            out.push(Line::from(Span::styled(format!("  {why}"), theme.dim)));
            if let Some((list, entity)) = a.hit_entity() {
                out.push(Line::default());
                sanctions(lang, list, entity, None, theme, &mut out);
            }
        }
    }
    out
}

fn evidence(state: &AppState, r: &SourceResult, theme: &Theme, out: &mut Vec<Line<'static>>) {
    let e = &r.evidence;
    let dash = || "-".to_string();
    out.push(heading("Evidence", theme));
    out.push(kv(
        "  Registry",
        source_label(r.source, state.language),
        theme,
    ));
    out.push(kv(
        "  Reference",
        e.reference.clone().unwrap_or_else(dash),
        theme,
    ));
    let mut t = format!("received {}", time(state, r.at));
    if let Some(rt) = &e.registry_time {
        t.push_str(&format!(
            " · registry time {}",
            crate::local_time::registry(rt, state.tz)
        ));
    }
    out.push(kv("  Time", t, theme));
    let mut more = Vec::new();
    if let Some(c) = &e.code {
        more.push(format!("code {c}"));
    }
    if let Some(h) = e.http_status {
        more.push(format!("HTTP {h}"));
    }
    if let Some(s) = &e.sha256 {
        more.push(format!("sha256 {s}"));
    }
    if !more.is_empty() {
        out.push(kv("  Proof", more.join(" · "), theme));
    }
}

fn sanctions(
    lang: &str,
    list: &str,
    entity: &str,
    hit: Option<&SanctionsHit>,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    out.push(heading("Listed entity", theme));
    let name = hit.map(|h| format!(" · {}", h.name)).unwrap_or_default();
    out.push(kv(
        "  Entry",
        format!("{} {entity}{name}", list.to_uppercase()),
        theme,
    ));
    let Some(h) = hit else {
        out.push(Line::from(Span::styled(
            "  the hit is not in the stored check run",
            theme.dim,
        )));
        return;
    };
    out.push(kv(
        "  Match",
        format!("score {:.2} · {}", h.score, h.strength.label(lang)),
        theme,
    ));
    out.push(kv("  Explanation", h.explanation.clone(), theme));
    for r in &h.reasons {
        out.push(Line::from(format!("    · {}", r.text(lang))));
    }
}
