//! The alert view: one alert read in full — the message in the configured language, what the
//! source answered before and now, the evidence (registry, reference, time) and, for sanctions
//! hits, the listed entity with score, strength and reasons. Acknowledging from here asks for an
//! optional comment.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::details::summary_in;
use super::{age, label, time};
use crate::domain::check::{Answer, Outcome, SanctionsHit, SourceResult};
use crate::domain::{Alert, CheckRun};
use crate::tui::state::{AlertDetail, AppState};
use crate::tui::text::Tr;
use crate::tui::theme::Theme;

/// Draws the alert view.
pub fn render(state: &AppState, d: AlertDetail, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let tr = state.tr();
    let Some(a) = state.alerts.iter().find(|a| a.id == d.id) else {
        Paragraph::new(Span::styled(tr.alerts_gone(), theme.dim))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", tr.alerts_alert())),
            )
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
        " {} #{} · {} · {} ",
        tr.alerts_alert(),
        a.id,
        tr.severity(a.severity),
        tr.alert_kind(a.kind)
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

/// The labels of the view's key-value lines, in the order they may show: their column is as wide
/// as the widest of them plus a space.
fn labels(tr: Tr) -> [&'static str; 13] {
    [
        tr.alerts_counterparty(),
        tr.alerts_raised(),
        tr.column_status(),
        tr.alerts_delivery(),
        tr.alerts_before(),
        tr.alerts_now(),
        tr.alerts_registry(),
        tr.alerts_reference(),
        tr.alerts_time(),
        tr.alerts_proof(),
        tr.alerts_entry(),
        tr.alerts_match(),
        tr.alerts_explanation(),
    ]
}

/// Draws key-value lines with the labels in one column.
struct Kv<'a> {
    width: usize,
    theme: &'a Theme,
}

impl Kv<'_> {
    fn new(tr: Tr, theme: &Theme) -> Kv<'_> {
        let width = labels(tr)
            .iter()
            .map(|l| l.chars().count() + 1)
            .max()
            .unwrap_or(0);
        Kv { width, theme }
    }

    fn label(&self, k: &str) -> Span<'static> {
        Span::styled(format!("{k:<w$}", w = self.width), label(self.theme))
    }

    fn line(&self, k: &str, v: impl Into<String>) -> Line<'static> {
        Line::from(vec![self.label(k), Span::raw(v.into())])
    }
}

fn heading(text: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.title))
}

fn when(state: &AppState, t: DateTime<Utc>) -> String {
    let ago = state.tr().ago(age(state.tr(), state.now, t));
    format!("{} ({ago})", time(state, t))
}

fn lines(state: &AppState, a: &Alert, theme: &Theme) -> Vec<Line<'static>> {
    let tr = state.tr();
    let kv = Kv::new(tr, theme);
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
                s.push_str(&tr.alerts_owner(o));
            }
            s
        }
        None => state.alert_name(a),
    };
    out.push(kv.line(tr.alerts_counterparty(), who));
    out.push(kv.line(tr.alerts_raised(), when(state, a.created_at)));
    out.push(match (&a.acknowledged_by, a.acknowledged_at) {
        (Some(by), Some(at)) => kv.line(
            tr.column_status(),
            tr.alerts_acknowledged_by(by, time(state, at)),
        ),
        _ => Line::from(vec![
            kv.label(tr.column_status()),
            Span::styled(tr.alerts_open(), theme.warn),
        ]),
    });
    let delivery = match a.sent_at {
        Some(t) => tr.alerts_mail_sent(time(state, t)),
        None if state.delivery_unknown.contains(&a.id) => tr.alerts_handed_over().to_string(),
        None => tr.alerts_not_sent().to_string(),
    };
    out.push(kv.line(tr.alerts_delivery(), delivery));
    out.push(Line::default());
    out.push(heading(tr.alerts_message(), theme));
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
    out.push(heading(tr.alerts_what_changed(), theme));
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
                Some((older, x)) => out.push(kv.line(
                    tr.alerts_before(),
                    tr.alerts_answer_of_run(summary_in(tr, x).0, older.id, time(state, x.at)),
                )),
                None => out.push(kv.line(tr.alerts_before(), tr.alerts_no_earlier_answer())),
            }
            out.push(kv.line(
                tr.alerts_now(),
                tr.alerts_answer_of_run(summary_in(tr, r).0, run.id, time(state, r.at)),
            ));
            out.push(Line::default());
            evidence(state, r, &kv, &mut out);
            if let Some((list, entity)) = a.hit_entity() {
                out.push(Line::default());
                let hit = match &r.outcome {
                    Outcome::Answer(Answer::Sanctions(s)) => s
                        .hits
                        .iter()
                        .find(|h| h.list == list && h.entity_id == entity),
                    _ => None,
                };
                sanctions(state, (list, entity), hit, &kv, &mut out);
            }
        }
        None => {
            let why = if state.details.loading {
                tr.alerts_loading_history()
            } else if a.check_run_id.is_none() {
                tr.alerts_names_no_run()
            } else {
                tr.alerts_run_not_stored()
            };
            out.push(Line::from(Span::styled(format!("  {why}"), theme.dim)));
            if let Some((list, entity)) = a.hit_entity() {
                out.push(Line::default());
                sanctions(state, (list, entity), None, &kv, &mut out);
            }
        }
    }
    out
}

fn evidence(state: &AppState, r: &SourceResult, kv: &Kv<'_>, out: &mut Vec<Line<'static>>) {
    let tr = state.tr();
    let e = &r.evidence;
    let dash = || "-".to_string();
    out.push(heading(tr.alerts_evidence(), kv.theme));
    out.push(kv.line(tr.alerts_registry(), tr.source(r.source)));
    out.push(kv.line(
        tr.alerts_reference(),
        e.reference.clone().unwrap_or_else(dash),
    ));
    let mut t = tr.alerts_received(time(state, r.at));
    if let Some(rt) = &e.registry_time {
        t.push_str(&format!(
            " · {}",
            tr.evidence_registry_time(crate::local_time::registry(rt, state.tz))
        ));
    }
    out.push(kv.line(tr.alerts_time(), t));
    let mut more = Vec::new();
    if let Some(c) = &e.code {
        more.push(tr.evidence_code(c));
    }
    if let Some(h) = e.http_status {
        more.push(tr.evidence_http(h));
    }
    if let Some(s) = &e.sha256 {
        more.push(tr.evidence_sha256(s));
    }
    if !more.is_empty() {
        out.push(kv.line(tr.alerts_proof(), more.join(" · ")));
    }
}

/// The listed entity of a sanctions alert: `(list, entity id)` and the hit, when the stored run
/// has it.
fn sanctions(
    state: &AppState,
    (list, entity): (&str, &str),
    hit: Option<&SanctionsHit>,
    kv: &Kv<'_>,
    out: &mut Vec<Line<'static>>,
) {
    let tr = state.tr();
    let lang = state.language.as_str();
    out.push(heading(tr.alerts_listed_entity(), kv.theme));
    let name = hit.map(|h| format!(" · {}", h.name)).unwrap_or_default();
    out.push(kv.line(
        tr.alerts_entry(),
        format!("{} {entity}{name}", list.to_uppercase()),
    ));
    let Some(h) = hit else {
        out.push(Line::from(Span::styled(
            tr.alerts_hit_not_stored(),
            kv.theme.dim,
        )));
        return;
    };
    out.push(kv.line(
        tr.alerts_match(),
        tr.alerts_score(h.score, h.strength.label(lang)),
    ));
    out.push(kv.line(tr.alerts_explanation(), h.explanation.clone()));
    for r in &h.reasons {
        out.push(Line::from(format!("    · {}", r.text(lang))));
    }
}
