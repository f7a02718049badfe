//! Change detection: earlier answers plus a new check's results give alert drafts. Pure, no I/O.
//!
//! Rules that keep alerts trustworthy (DESIGN.md section 2):
//! - only two *answers* are ever compared; "could not ask" never produces a change alert (it
//!   can only, after days without any answer, produce `source_unverifiable`);
//! - `vat_invalid` needs N consecutive definite INVALID answers;
//! - cosmetic differences (see [`super::cosmetic`]) are not changes, and an undisclosed VIES
//!   name (`---`) is not a name;
//! - every draft carries a dedup key naming the change and the run it is measured against, so
//!   re-running the same comparison after a crash yields the same key and never alerts twice,
//!   while the same kind of change happening again later yields a new key.

use super::alert::{Alert, AlertKind, AlertSubject, Bilingual, ListedEntity, Severity};
use super::check::{
    Answer, CheckRun, FieldMatch, LeiAnswer, Outcome, QualifiedAnswer, RegisterAnswer,
    RegisterRecord, SanctionsAnswer, SanctionsHit, Source, SourceResult, Unavailable, VatAnswer,
};
use super::cosmetic;
use super::counterparty::Counterparty;
use super::screening::{HitStrength, reasons_text};
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Thresholds of the change rules (from `[monitor]` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRules {
    /// How many consecutive definite INVALID answers raise `vat_invalid`.
    pub vat_invalid_after: u32,
    /// How long a source may go without any answer before `source_unverifiable`.
    pub unverifiable_after: Duration,
}

impl Default for ChangeRules {
    fn default() -> Self {
        ChangeRules {
            vat_invalid_after: 2,
            unverifiable_after: Duration::days(3),
        }
    }
}

/// One earlier result together with the id of the check run it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PastResult {
    /// The check run's id.
    pub run_id: u64,
    /// The result.
    pub result: SourceResult,
}

/// Earlier results of one counterparty, per source, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    per_source: BTreeMap<Source, Vec<PastResult>>,
    runs: usize,
    newest_started_at: Option<DateTime<Utc>>,
}

impl History {
    /// Builds the history from check runs given newest first.
    pub fn from_runs<'a>(newest_first: impl IntoIterator<Item = &'a CheckRun>) -> History {
        let mut h = History::default();
        for run in newest_first {
            h.push_older(run);
        }
        h
    }

    /// Adds a run that is older than every run added so far.
    pub fn push_older(&mut self, run: &CheckRun) {
        for r in &run.results {
            self.per_source
                .entry(r.source)
                .or_default()
                .push(PastResult {
                    run_id: run.id,
                    result: r.clone(),
                });
        }
        self.runs += 1;
        if self.newest_started_at.is_none() {
            self.newest_started_at = Some(run.started_at);
        }
    }

    /// When the newest run added started.
    pub fn newest_run_at(&self) -> Option<DateTime<Utc>> {
        self.newest_started_at
    }

    /// Number of runs added.
    pub fn run_count(&self) -> usize {
        self.runs
    }

    /// Whether every source seen so far has at least `answers` answers, i.e. the rules need
    /// no older runs.
    pub fn is_deep_enough(&self, answers: usize) -> bool {
        self.per_source.values().all(|v| {
            v.iter()
                .filter(|p| p.result.outcome.answer().is_some())
                .count()
                >= answers
        })
    }

    /// Whether the history holds an answer (not a "could not ask") of `source`.
    pub fn has_answer(&self, source: Source) -> bool {
        self.answers(source).next().is_some()
    }

    /// The earlier results of one source, newest first.
    pub fn results(&self, source: Source) -> &[PastResult] {
        self.per_source
            .get(&source)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn answers(&self, source: Source) -> impl Iterator<Item = (&PastResult, &Answer)> {
        self.results(source)
            .iter()
            .filter_map(|p| p.result.outcome.answer().map(|a| (p, a)))
    }

    /// When the source last gave an answer.
    pub fn last_answer_at(&self, source: Source) -> Option<DateTime<Utc>> {
        self.answers(source).next().map(|(p, _)| p.result.at)
    }
}

/// An alert before it is stored: what, how serious by default, the message and the change's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    /// What changed.
    pub kind: AlertKind,
    /// The kind's default severity (owner rules may change it).
    pub severity: Severity,
    /// The source whose answer raised it.
    pub source: Source,
    /// The listed entity, for the sanctions kinds.
    pub entity: Option<ListedEntity>,
    /// What changed, from what to what, and where the answer came from.
    pub message: Bilingual,
    /// Identity of the change (see the module docs).
    pub dedup_key: String,
}

impl AlertDraft {
    /// Turns the draft into an alert for storing; the store assigns id and check run.
    pub fn into_alert(self, counterparty_id: u64, created_at: DateTime<Utc>) -> Alert {
        Alert {
            id: 0,
            kind: self.kind,
            severity: self.severity,
            counterparty_id,
            check_run_id: None,
            message: self.message,
            dedup_key: self.dedup_key,
            created_at,
            sent_at: None,
            acknowledged_by: None,
            acknowledged_at: None,
            subject: Some(AlertSubject {
                source: self.source,
                entity: self.entity,
            }),
        }
    }
}

/// Compares a new check's results with the counterparty's history and returns the changes.
///
/// `dismissed` holds `(list, entity_id)` pairs an analyst decided are "not this entity"; such
/// hits neither raise `sanctions_found` or `sanctions_possible` nor, when they drop out,
/// `sanctions_removed`.
pub fn detect(
    cp: &Counterparty,
    history: &History,
    new: &[SourceResult],
    rules: &ChangeRules,
    dismissed: &BTreeSet<(String, String)>,
) -> Vec<AlertDraft> {
    let mut d = Detector {
        cp,
        history,
        rules,
        out: Vec::new(),
    };
    for r in new {
        match &r.outcome {
            Outcome::CouldNotAsk { reason, message } => d.unverifiable(r, *reason, message),
            Outcome::Answer(a) => match a {
                Answer::Vat(v) => {
                    d.validity(r, &v.vat, v.valid);
                    d.vies_trader(r, v);
                }
                Answer::Qualified(q) => {
                    d.validity(r, &q.vat, q.valid);
                    d.qualified(r, q);
                }
                Answer::Lei(l) => d.lei(r, l),
                // A search by register number that found exactly one record is that record.
                Answer::LeiSearch(found) if found.records.len() == 1 => {
                    d.lei(r, &found.records[0]);
                }
                Answer::Register(reg) => d.register(r, reg),
                Answer::Insolvency(i) => {
                    for p in &i.publications {
                        d.insolvency(r, p);
                    }
                }
                Answer::Sanctions(s) => d.sanctions(r, s, dismissed),
                // Every answer kind is listed: a new kind must decide here whether it alerts.
                // No record or several records identify no entity to compare with before.
                Answer::LeiSearch(_) => {}
                // GLEIF never issued the stored LEI: a data-entry error the check's answer
                // shows; there is no earlier registry state for a change to start from.
                Answer::LeiNotFound(_) => {}
                // No LEI under any form of the register number or name: not evidence that none
                // exists, so never compared with an earlier record.
                Answer::LeiNoMatch(_) => {}
            },
        }
    }
    d.out
}

struct Detector<'a> {
    cp: &'a Counterparty,
    history: &'a History,
    rules: &'a ChangeRules,
    out: Vec<AlertDraft>,
}

fn bi(de: String, en: String) -> Bilingual {
    Bilingual { de, en }
}

/// The part of a sanctions alert's key that names the entity and the run compared against.
fn sanctions_detail(list: &str, entity_id: &str, anchor: u64) -> String {
    format!("{list}/{entity_id}/after-run-{anchor}")
}

/// The dedup key of a `sanctions_found` or `sanctions_possible` alert, as the detector writes
/// it (the inverse of [`sanctions_entity`]).
pub fn sanctions_key(
    kind: AlertKind,
    counterparty_id: u64,
    list: &str,
    entity_id: &str,
    anchor: u64,
) -> String {
    format!(
        "{counterparty_id}/{kind}/{}/{}",
        Source::Sanctions,
        sanctions_detail(list, entity_id, anchor)
    )
}

/// Whether an alert of this kind says that a listed entity matches (strongly or possibly), so
/// that a "not this entity" decision can be taken on it.
pub fn is_sanctions_hit(kind: AlertKind) -> bool {
    kind.is_sanctions_hit()
}

/// The listed entity `(list, entity id)` a `sanctions_found` or `sanctions_possible` alert is
/// about, read back from its dedup key (`{cp}/{kind}/{source}/{list}/{entity id}/after-run-{n}`).
/// Alerts carry it typed ([`Alert::hit_entity`]); this reads keys alone.
pub fn sanctions_entity(kind: AlertKind, dedup_key: &str) -> Option<(&str, &str)> {
    if !is_sanctions_hit(kind) {
        return None;
    }
    key_entity(dedup_key)
}

/// The `(list, entity id)` a sanctions key names, whatever the kind.
fn key_entity(dedup_key: &str) -> Option<(&str, &str)> {
    // Skip counterparty, kind and source; the entity id may itself contain '/'.
    let rest = dedup_key.splitn(4, '/').nth(3)?;
    let (list, rest) = rest.split_once('/')?;
    let (entity, _) = rest.rsplit_once("/after-run-")?;
    (!list.is_empty() && !entity.is_empty()).then_some((list, entity))
}

/// The subject a dedup key written by the detector names (`{cp}/{kind}/{source}/{detail}`):
/// read once, when the store brings alerts stored before they carried their subject up to date.
/// None for a key of another shape.
pub fn subject_of_key(kind: AlertKind, dedup_key: &str) -> Option<AlertSubject> {
    let name = dedup_key.split('/').nth(2)?;
    let source = Source::ALL.into_iter().find(|s| s.as_str() == name)?;
    let sanctions = kind.is_sanctions_hit() || kind == AlertKind::SanctionsRemoved;
    let entity = key_entity(dedup_key)
        .filter(|_| sanctions && source == Source::Sanctions)
        .map(|(list, entity_id)| ListedEntity {
            list: list.to_string(),
            entity_id: entity_id.to_string(),
        });
    Some(AlertSubject { source, entity })
}

/// Names of a source in German and English.
pub fn source_label(s: Source) -> (&'static str, &'static str) {
    match s {
        Source::Vies => ("VIES", "VIES"),
        Source::Evatr => ("BZSt eVatR", "BZSt eVatR"),
        Source::Gleif => ("GLEIF", "GLEIF"),
        Source::Handelsregister => (
            "Handelsregister",
            "the commercial register (Handelsregister)",
        ),
        Source::Insolvency => ("Insolvenzbekanntmachungen", "the insolvency publications"),
        Source::Sanctions => ("Sanktionslisten", "the sanctions lists"),
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "laut VIES (Referenz …, 2026-…)" / "according to VIES (reference …, 2026-…)".
fn origin(r: &SourceResult) -> (String, String) {
    let (de, en) = source_label(r.source);
    let mut de_s = format!("laut {de}");
    let mut en_s = format!("according to {en}");
    match &r.evidence.reference {
        Some(reference) => {
            de_s.push_str(&format!(" (Referenz {reference}, {})", when(r.at)));
            en_s.push_str(&format!(" (reference {reference}, {})", when(r.at)));
        }
        None => {
            de_s.push_str(&format!(" ({})", when(r.at)));
            en_s.push_str(&format!(" ({})", when(r.at)));
        }
    }
    (de_s, en_s)
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..6])
}

fn validity_of(a: &Answer) -> Option<(&str, bool)> {
    match a {
        Answer::Vat(v) => Some((v.vat.as_str(), v.valid)),
        Answer::Qualified(q) => Some((q.vat.as_str(), q.valid)),
        _ => None,
    }
}

/// A name or address as VIES gives it, or None when it is not disclosed (`---`, empty).
fn disclosed(v: &Option<String>) -> Option<&str> {
    let s = v.as_deref()?.trim();
    if s.is_empty() || s.chars().all(|c| c == '-') {
        None
    } else {
        Some(s)
    }
}

fn unavailable_text(reason: Unavailable) -> (&'static str, &'static str) {
    match reason {
        Unavailable::Timeout => ("Zeitüberschreitung", "timeout"),
        Unavailable::Connection => ("Verbindung fehlgeschlagen", "connection failed"),
        Unavailable::Throttled => ("gedrosselt", "throttled"),
        Unavailable::ServiceUnavailable => ("Dienst nicht verfügbar", "service unavailable"),
        Unavailable::Blocked => ("Zugriff gesperrt", "access blocked"),
        Unavailable::Parse => ("Antwort nicht lesbar", "unreadable response"),
        Unavailable::SourceChanged => ("Seitenaufbau geändert", "page layout changed"),
        Unavailable::Disabled => ("abgeschaltet", "disabled"),
        Unavailable::Rejected => ("Anfrage abgelehnt", "request rejected"),
        Unavailable::Limited => ("nur eingeschränkt abfragbar", "limited search only"),
    }
}

impl Detector<'_> {
    fn push(&mut self, kind: AlertKind, r: &SourceResult, message: Bilingual, detail: &str) {
        self.push_about(kind, r, message, detail, None);
    }

    /// A sanctions alert about one listed entity, compared against run `anchor`.
    fn push_listed(
        &mut self,
        kind: AlertKind,
        r: &SourceResult,
        message: Bilingual,
        hit: &SanctionsHit,
        anchor: u64,
    ) {
        let detail = sanctions_detail(&hit.list, &hit.entity_id, anchor);
        let entity = ListedEntity {
            list: hit.list.clone(),
            entity_id: hit.entity_id.clone(),
        };
        self.push_about(kind, r, message, &detail, Some(entity));
    }

    fn push_about(
        &mut self,
        kind: AlertKind,
        r: &SourceResult,
        message: Bilingual,
        detail: &str,
        entity: Option<ListedEntity>,
    ) {
        let dedup_key = format!("{}/{}/{}/{}", self.cp.id, kind, r.source, detail);
        self.out.push(AlertDraft {
            kind,
            severity: kind.default_severity(),
            source: r.source,
            entity,
            message,
            dedup_key,
        });
    }

    fn unverifiable(&mut self, r: &SourceResult, reason: Unavailable, message: &str) {
        // A source switched off on purpose is not an outage.
        if reason == Unavailable::Disabled {
            return;
        }
        let mut first_failure: Option<&PastResult> = None;
        let mut last_answer: Option<&PastResult> = None;
        for p in self.history.results(r.source) {
            match &p.result.outcome {
                Outcome::Answer(_) => {
                    last_answer = Some(p);
                    break;
                }
                Outcome::CouldNotAsk { reason, .. } if *reason != Unavailable::Disabled => {
                    first_failure = Some(p);
                }
                Outcome::CouldNotAsk { .. } => {}
            }
        }
        let Some(first) = first_failure else {
            return;
        };
        let since = first.result.at;
        if r.at - since < self.rules.unverifiable_after {
            return;
        }
        let days = (r.at - since).num_days();
        let (src_de, src_en) = source_label(r.source);
        let (why_de, why_en) = unavailable_text(reason);
        let (last_de, last_en) = match last_answer {
            Some(p) => (
                format!("letzte Antwort {}", when(p.result.at)),
                format!("last answer {}", when(p.result.at)),
            ),
            None => (
                "noch nie eine Antwort".to_string(),
                "never answered".to_string(),
            ),
        };
        let msg = bi(
            format!(
                "{src_de} konnte seit {} ({days} Tagen) nicht abgefragt werden ({why_de}: {message}); {last_de}. Der Stand ist nicht bestätigt.",
                when(since)
            ),
            format!(
                "{src_en} could not be asked since {} ({days} days) ({why_en}: {message}); {last_en}. The status is unconfirmed.",
                when(since)
            ),
        );
        let detail = format!("since-run-{}", first.run_id);
        self.push(AlertKind::SourceUnverifiable, r, msg, &detail);
    }

    fn validity(&mut self, r: &SourceResult, vat: &str, valid: bool) {
        // Earlier answers of this source about this number, newest first.
        let past: Vec<(u64, bool, DateTime<Utc>)> = self
            .history
            .answers(r.source)
            .filter_map(|(p, a)| {
                validity_of(a)
                    .filter(|(v, _)| *v == vat)
                    .map(|(_, ok)| (p.run_id, ok, p.result.at))
            })
            .collect();
        let n = self.rules.vat_invalid_after.max(1) as usize;
        let (src_de, src_en) = source_label(r.source);
        let (o_de, o_en) = origin(r);
        if !valid {
            let streak = 1 + past.iter().take_while(|x| !x.1).count();
            // Raised when the streak reaches N, not after: older answers fall out of the history
            // the monitor loads, so later runs could no longer name the same change.
            if streak != n {
                return;
            }
            let last_valid = past.iter().find(|x| x.1);
            let (from_de, from_en) = match last_valid {
                Some((_, _, at)) => (
                    format!("gültig (zuletzt bestätigt {})", when(*at)),
                    format!("valid (last confirmed {})", when(*at)),
                ),
                None => (
                    "nie als gültig bestätigt".to_string(),
                    "never confirmed valid".to_string(),
                ),
            };
            let msg = bi(
                format!(
                    "USt-IdNr. {vat}: von {from_de} zu UNGÜLTIG, {streak} eindeutige Antworten von {src_de} in Folge; {o_de}."
                ),
                format!(
                    "VAT number {vat}: from {from_en} to INVALID, {streak} definite answers from {src_en} in a row; {o_en}."
                ),
            );
            let anchor = last_valid.map_or(0, |x| x.0);
            self.push(
                AlertKind::VatInvalid,
                r,
                msg,
                &format!("{vat}/after-valid-run-{anchor}"),
            );
        } else {
            let streak = past.iter().take_while(|x| !x.1).count();
            if streak < n {
                return;
            }
            let (newest_invalid, _, at) = past[0];
            let msg = bi(
                format!(
                    "USt-IdNr. {vat}: von UNGÜLTIG ({streak} Antworten, zuletzt {}) zu wieder gültig; {o_de}.",
                    when(at)
                ),
                format!(
                    "VAT number {vat}: from INVALID ({streak} answers, last {}) to valid again; {o_en}.",
                    when(at)
                ),
            );
            self.push(
                AlertKind::VatStatusChanged,
                r,
                msg,
                &format!("{vat}/valid-after-run-{newest_invalid}"),
            );
        }
    }

    /// Name, legal form or address moved from `old` (answered in `old_run`) to `new`.
    fn name_change(&mut self, r: &SourceResult, old_run: u64, old: &str, new: &str) {
        if cosmetic::same_name(old, new) {
            return;
        }
        let (old_base, old_form) = cosmetic::split_legal_form(old);
        let (new_base, new_form) = cosmetic::split_legal_form(new);
        let (o_de, o_en) = origin(r);
        let kind = if old_base == new_base && old_form != new_form {
            AlertKind::CompanyLegalFormChanged
        } else {
            AlertKind::CompanyNameChanged
        };
        let msg = if kind == AlertKind::CompanyLegalFormChanged {
            bi(
                format!("Rechtsform geändert: von „{old}“ zu „{new}“; {o_de}."),
                format!("Legal form changed: from \"{old}\" to \"{new}\"; {o_en}."),
            )
        } else {
            bi(
                format!("Name geändert: von „{old}“ zu „{new}“; {o_de}."),
                format!("Name changed: from \"{old}\" to \"{new}\"; {o_en}."),
            )
        };
        let detail = format!(
            "after-run-{old_run}/{}",
            short_hash(&cosmetic::name_key(new))
        );
        self.push(kind, r, msg, &detail);
    }

    fn address_change(&mut self, r: &SourceResult, old_run: u64, old: &str, new: &str) {
        if cosmetic::same_address(old, new) {
            return;
        }
        let (o_de, o_en) = origin(r);
        let one = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let (old, new) = (one(old), one(new));
        let msg = bi(
            format!("Anschrift geändert: von „{old}“ zu „{new}“; {o_de}."),
            format!("Address changed: from \"{old}\" to \"{new}\"; {o_en}."),
        );
        let detail = format!(
            "after-run-{old_run}/{}",
            short_hash(&cosmetic::address_key(&new))
        );
        self.push(AlertKind::CompanyAddressChanged, r, msg, &detail);
    }

    fn vies_trader(&mut self, r: &SourceResult, v: &VatAnswer) {
        if !v.valid {
            return;
        }
        let previous = |pick: fn(&VatAnswer) -> &Option<String>| {
            self.history.answers(r.source).find_map(|(p, a)| match a {
                Answer::Vat(old) if old.vat == v.vat => {
                    disclosed(pick(old)).map(|s| (p.run_id, s.to_string()))
                }
                _ => None,
            })
        };
        let old_name = previous(|a| &a.name);
        let old_address = previous(|a| &a.address);
        if let (Some(new), Some((run, old))) = (disclosed(&v.name), old_name) {
            self.name_change(r, run, &old, new);
        }
        if let (Some(new), Some((run, old))) = (disclosed(&v.address), old_address) {
            self.address_change(r, run, &old, new);
        }
    }

    fn qualified(&mut self, r: &SourceResult, q: &QualifiedAnswer) {
        let mismatched = |q: &QualifiedAnswer| -> Vec<&'static str> {
            [
                ("name", q.name),
                ("street", q.street),
                ("postcode", q.postcode),
                ("city", q.city),
            ]
            .into_iter()
            .filter(|(_, m)| *m == FieldMatch::Mismatch)
            .map(|(f, _)| f)
            .collect()
        };
        let now = mismatched(q);
        if now.is_empty() {
            return;
        }
        let prev = self.history.answers(r.source).find_map(|(p, a)| match a {
            Answer::Qualified(old) if old.vat == q.vat => Some((p.run_id, mismatched(old))),
            _ => None,
        });
        if let Some((_, before)) = &prev
            && now.iter().all(|f| before.contains(f))
        {
            return;
        }
        let field_de = |f: &str| match f {
            "name" => "Name",
            "street" => "Straße",
            "postcode" => "Postleitzahl",
            _ => "Ort",
        };
        let field_en = |f: &str| match f {
            "name" => "name",
            "street" => "street",
            "postcode" => "postcode",
            _ => "city",
        };
        let list_de = now
            .iter()
            .map(|f| field_de(f))
            .collect::<Vec<_>>()
            .join(", ");
        let list_en = now
            .iter()
            .map(|f| field_en(f))
            .collect::<Vec<_>>()
            .join(", ");
        let (before_de, before_en) = match &prev {
            Some((_, b)) if b.is_empty() => ("zuvor übereinstimmend", "previously matching"),
            Some(_) => ("zuvor andere Abweichungen", "previously other mismatches"),
            None => (
                "erste qualifizierte Bestätigung",
                "first qualified confirmation",
            ),
        };
        let (o_de, o_en) = origin(r);
        let msg = bi(
            format!(
                "Qualifizierte Bestätigung für {}: {list_de} stimmt nicht mit den Stammdaten überein ({before_de}; Status {}); {o_de}.",
                q.vat, q.status
            ),
            format!(
                "Qualified confirmation for {}: {list_en} does not match the register data ({before_en}; status {}); {o_en}.",
                q.vat, q.status
            ),
        );
        let anchor = prev.map_or(0, |p| p.0);
        self.push(
            AlertKind::QualifiedMismatch,
            r,
            msg,
            &format!("{}/{}/after-run-{anchor}", q.vat, now.join("+")),
        );
    }

    fn lei(&mut self, r: &SourceResult, l: &LeiAnswer) {
        let prev = self.history.answers(r.source).find_map(|(p, a)| match a {
            Answer::Lei(old) if old.lei == l.lei => Some((p.run_id, old)),
            Answer::LeiSearch(found)
                if found.records.len() == 1 && found.records[0].lei == l.lei =>
            {
                Some((p.run_id, &found.records[0]))
            }
            _ => None,
        });
        let (o_de, o_en) = origin(r);
        let lapsed = |s: &str| s.eq_ignore_ascii_case("LAPSED");
        if lapsed(&l.registration_status)
            && prev.is_none_or(|(_, old)| !lapsed(&old.registration_status))
        {
            let from = prev
                .map(|(_, old)| old.registration_status.clone())
                .unwrap_or_else(|| "-".to_string());
            let msg = bi(
                format!(
                    "LEI {} nicht verlängert: Registrierungsstatus von {from} zu LAPSED (die Gesellschaft besteht deshalb nicht zwingend nicht mehr); {o_de}.",
                    l.lei
                ),
                format!(
                    "LEI {} not renewed: registration status from {from} to LAPSED (this alone does not mean the entity ceased); {o_en}.",
                    l.lei
                ),
            );
            let anchor = prev.map_or(0, |p| p.0);
            self.push(
                AlertKind::LeiLapsed,
                r,
                msg,
                &format!("{}/after-run-{anchor}", l.lei),
            );
        }
        let Some((run, old)) = prev else {
            return;
        };
        self.name_change(r, run, &old.legal_name, &l.legal_name);
        self.address_change(r, run, &old.legal_address, &l.legal_address);
        if let (Some(a), Some(b)) = (&old.legal_form_code, &l.legal_form_code)
            && a != b
        {
            let show = |code: &str, name: &Option<String>| match name {
                Some(n) => format!("{n} ({code})"),
                None => code.to_string(),
            };
            let (from, to) = (show(a, &old.legal_form_name), show(b, &l.legal_form_name));
            let msg = bi(
                format!("Rechtsform geändert: von {from} zu {to}; {o_de}."),
                format!("Legal form changed: from {from} to {to}; {o_en}."),
            );
            self.push(
                AlertKind::CompanyLegalFormChanged,
                r,
                msg,
                &format!("elf/after-run-{run}/{b}"),
            );
        }
        if !old.entity_status.eq_ignore_ascii_case(&l.entity_status) {
            let msg = bi(
                format!(
                    "Status der Einheit {} geändert: von {} zu {}{}; {o_de}.",
                    l.lei,
                    old.entity_status,
                    l.entity_status,
                    l.successor
                        .as_ref()
                        .map(|s| format!(" (Nachfolger {s})"))
                        .unwrap_or_default()
                ),
                format!(
                    "Entity status of {} changed: from {} to {}{}; {o_en}.",
                    l.lei,
                    old.entity_status,
                    l.entity_status,
                    l.successor
                        .as_ref()
                        .map(|s| format!(" (successor {s})"))
                        .unwrap_or_default()
                ),
            );
            self.push(
                AlertKind::RegisterStatusChanged,
                r,
                msg,
                &format!("{}/after-run-{run}/{}", l.lei, l.entity_status),
            );
        }
    }

    fn select_record<'r>(&self, a: &'r RegisterAnswer) -> Option<&'r RegisterRecord> {
        let squash = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase()
        };
        if let Some(entry) = &self.cp.register
            && !entry.kind.is_empty()
        {
            return a.records.iter().find(|rec| {
                rec.kind.eq_ignore_ascii_case(&entry.kind)
                    && squash(&rec.number) == squash(&entry.number)
            });
        }
        if a.records.len() == 1 {
            return a.records.first();
        }
        a.records
            .iter()
            .find(|rec| cosmetic::same_name(&rec.name, &self.cp.name))
    }

    fn register(&mut self, r: &SourceResult, a: &RegisterAnswer) {
        // No matching entry is not "the company vanished": the search may simply not find it.
        let Some(rec) = self.select_record(a) else {
            return;
        };
        let prev = self
            .history
            .answers(r.source)
            .find_map(|(p, old)| match old {
                Answer::Register(old) => self.select_record(old).map(|o| (p.run_id, o.clone())),
                _ => None,
            });
        let Some((run, old)) = prev else {
            return;
        };
        let (o_de, o_en) = origin(r);
        let norm = |s: &str| s.trim().to_lowercase();
        if norm(&old.status) != norm(&rec.status) {
            let msg = bi(
                format!(
                    "Registerstatus von {} {} ({}) geändert: von „{}“ zu „{}“; {o_de}.",
                    rec.kind, rec.number, rec.court, old.status, rec.status
                ),
                format!(
                    "Register status of {} {} ({}) changed: from \"{}\" to \"{}\"; {o_en}.",
                    rec.kind, rec.number, rec.court, old.status, rec.status
                ),
            );
            self.push(
                AlertKind::RegisterStatusChanged,
                r,
                msg,
                &format!("after-run-{run}/{}", short_hash(&norm(&rec.status))),
            );
        }
        self.name_change(r, run, &old.name, &rec.name);
    }

    fn insolvency(&mut self, r: &SourceResult, p: &super::check::Publication) {
        let (o_de, o_en) = origin(r);
        let register = p
            .register
            .as_ref()
            .map(|x| format!(", {x}"))
            .unwrap_or_default();
        let msg = bi(
            format!(
                "Insolvenzbekanntmachung: {} ({}{register}), {} {}, Az. {}, veröffentlicht {} — bisher keine Bekanntmachung zu diesem Verfahren; {o_de}.",
                p.debtor, p.seat, p.court, p.notice, p.case_number, p.date
            ),
            format!(
                "Insolvency publication: {} ({}{register}), {} {}, case {}, published {} — no publication for these proceedings before; {o_en}.",
                p.debtor, p.seat, p.court, p.notice, p.case_number, p.date
            ),
        );
        // One alert per proceeding: the case number at its court names it for good.
        let case: String = p
            .case_number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let detail = format!("{}/{case}", cosmetic::name_key(&p.court).replace(' ', "-"));
        self.push(AlertKind::InsolvencyStarted, r, msg, &detail);
    }

    fn sanctions(
        &mut self,
        r: &SourceResult,
        s: &SanctionsAnswer,
        dismissed: &BTreeSet<(String, String)>,
    ) {
        let live = |h: &&SanctionsHit| !dismissed.contains(&(h.list.clone(), h.entity_id.clone()));
        // A screening covers the lists it names, and in any case those it found hits in.
        let covers = |a: &SanctionsAnswer, list: &str| {
            a.lists.is_empty()
                || a.lists.iter().any(|(l, _)| l == list)
                || a.hits.iter().any(|h| h.list == list)
        };
        let past: Vec<(u64, &SanctionsAnswer)> = self
            .history
            .answers(r.source)
            .filter_map(|(p, a)| match a {
                Answer::Sanctions(old) => Some((p.run_id, old)),
                _ => None,
            })
            .collect();
        // Every list this screening covered, compared with the last screening that covered it:
        // a list that was not screened this time says nothing about its earlier hits.
        let mut lists: BTreeSet<&str> = s.lists.iter().map(|(l, _)| l.as_str()).collect();
        lists.extend(s.hits.iter().map(|h| h.list.as_str()));
        for (_, old) in &past {
            lists.extend(old.hits.iter().map(|h| h.list.as_str()));
        }
        let mut before: BTreeMap<(String, String), (&SanctionsHit, u64)> = BTreeMap::new();
        let mut now: BTreeMap<(String, String), (&SanctionsHit, u64)> = BTreeMap::new();
        for list in lists.into_iter().filter(|l| covers(s, l)) {
            let prev = past.iter().find(|(_, a)| covers(a, list));
            let anchor = prev.map_or(0, |(id, _)| *id);
            if let Some((_, old)) = prev {
                for h in old.hits.iter().filter(live).filter(|h| h.list == list) {
                    before.insert((h.list.clone(), h.entity_id.clone()), (h, anchor));
                }
            }
            for h in s.hits.iter().filter(live).filter(|h| h.list == list) {
                now.insert((h.list.clone(), h.entity_id.clone()), (h, anchor));
            }
        }
        let (o_de, o_en) = origin(r);
        for (k, (h, anchor)) in &now {
            let was = before.get(k).map(|(b, _)| b.strength);
            let (kind, before_de, before_en) = match (was, h.strength) {
                (None, HitStrength::Strong) => (
                    AlertKind::SanctionsFound,
                    "zuvor kein Treffer",
                    "no hit before",
                ),
                (None, HitStrength::Possible) => (
                    AlertKind::SanctionsPossible,
                    "zuvor kein Treffer",
                    "no hit before",
                ),
                // A possible hit that became strong is the alarm the review was waiting for.
                (Some(HitStrength::Possible), HitStrength::Strong) => (
                    AlertKind::SanctionsFound,
                    "zuvor möglicher Treffer",
                    "previously a possible hit",
                ),
                // Still found as before, or weaker than before: nothing new to say.
                (Some(_), _) => continue,
            };
            let why = |language: &str| {
                if h.reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons_text(&h.reasons, language))
                }
            };
            let msg = bi(
                format!(
                    "Sanktionsliste {}: Eintrag {} „{}“ passt zum Geschäftspartner ({}, Score {:.2}{}); {before_de}; {o_de}.",
                    h.list.to_uppercase(),
                    h.entity_id,
                    h.name,
                    h.strength.label("de"),
                    h.score,
                    why("de")
                ),
                format!(
                    "Sanctions list {}: entry {} \"{}\" matches the counterparty ({}, score {:.2}{}); {before_en}; {o_en}.",
                    h.list.to_uppercase(),
                    h.entity_id,
                    h.name,
                    h.strength.label("en"),
                    h.score,
                    why("en")
                ),
            );
            self.push_listed(kind, r, msg, h, *anchor);
        }
        for (k, (h, anchor)) in &before {
            if now.contains_key(k) {
                continue;
            }
            let msg = bi(
                format!(
                    "Sanktionsliste {}: Eintrag {} „{}“ passt nicht mehr (zuvor Score {:.2}; gestrichen oder geändert); {o_de}.",
                    h.list.to_uppercase(),
                    h.entity_id,
                    h.name,
                    h.score
                ),
                format!(
                    "Sanctions list {}: entry {} \"{}\" no longer matches (score was {:.2}; delisted or edited); {o_en}.",
                    h.list.to_uppercase(),
                    h.entity_id,
                    h.name,
                    h.score
                ),
            );
            self.push_listed(AlertKind::SanctionsRemoved, r, msg, h, *anchor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check::{
        Evidence, InsolvencyAnswer, Publication, QualifiedAnswer, RegisterAnswer, RegisterRecord,
    };
    use crate::domain::counterparty::{CounterpartyDraft, RegisterEntry};
    use crate::domain::screening::HitReason;
    use AlertKind::*;
    use chrono::TimeZone;

    fn base() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
    }

    fn cp() -> Counterparty {
        let mut c = CounterpartyDraft {
            name: Some("Alpha GmbH".into()),
            country: Some("DE".into()),
            ..Default::default()
        }
        .apply(None, base())
        .unwrap();
        c.id = 7;
        c
    }

    /// A result of `source` on day `day` (hours allowed as fractions via `hour`).
    fn at(source: Source, day: i64, outcome: Outcome) -> SourceResult {
        SourceResult {
            source,
            at: base() + Duration::days(day),
            outcome,
            evidence: Evidence {
                reference: Some(format!("REF-{day}")),
                ..Default::default()
            },
        }
    }

    fn vat(valid: bool, name: Option<&str>, address: Option<&str>) -> Outcome {
        Outcome::Answer(Answer::Vat(VatAnswer {
            vat: "DE136695976".into(),
            valid,
            name: name.map(Into::into),
            address: address.map(Into::into),
        }))
    }

    fn valid() -> Outcome {
        vat(true, Some("Alpha GmbH"), Some("Hauptstr. 5, 10117 Berlin"))
    }

    fn invalid() -> Outcome {
        vat(false, None, None)
    }

    fn down(reason: Unavailable) -> Outcome {
        Outcome::CouldNotAsk {
            reason,
            message: "MS_UNAVAILABLE".into(),
        }
    }

    fn hit(list: &str, id: &str) -> SanctionsHit {
        SanctionsHit {
            list: list.into(),
            entity_id: id.into(),
            name: format!("ALPHA {id}"),
            score: 0.93,
            strength: HitStrength::Strong,
            ..Default::default()
        }
    }

    /// A possible hit: the same name, listed in another country.
    fn possible(list: &str, id: &str) -> SanctionsHit {
        SanctionsHit {
            strength: HitStrength::Possible,
            reasons: vec![
                HitReason::ExactName {
                    listed: format!("ALPHA {id}"),
                },
                HitReason::CountryDiffers {
                    ours: "DE".into(),
                    listed: vec!["IR".into()],
                },
                HitReason::NoIdentifierInCommon,
            ],
            ..hit(list, id)
        }
    }

    fn sanctions(hits: Vec<SanctionsHit>, lists: &[&str]) -> Outcome {
        Outcome::Answer(Answer::Sanctions(SanctionsAnswer {
            hits,
            lists: lists
                .iter()
                .map(|l| (l.to_string(), "snap".into()))
                .collect(),
        }))
    }

    fn insolvency(cases: &[(&str, &str)]) -> Outcome {
        Outcome::Answer(Answer::Insolvency(InsolvencyAnswer {
            publications: cases
                .iter()
                .map(|(case, notice)| Publication {
                    date: "2026-03-05".into(),
                    court: "Amtsgericht Charlottenburg".into(),
                    case_number: case.to_string(),
                    debtor: "Alpha GmbH".into(),
                    seat: "Berlin".into(),
                    register: Some("HRB 1234 B".into()),
                    notice: notice.to_string(),
                })
                .collect(),
        }))
    }

    fn qualified(name: FieldMatch, street: FieldMatch) -> Outcome {
        Outcome::Answer(Answer::Qualified(QualifiedAnswer {
            vat: "ATU12345675".into(),
            status: "evatr-0000".into(),
            valid: true,
            name,
            street,
            postcode: FieldMatch::Match,
            city: FieldMatch::Match,
            ..Default::default()
        }))
    }

    fn lei(status: &str, entity: &str, form: &str, name: &str) -> Outcome {
        Outcome::Answer(Answer::Lei(LeiAnswer {
            lei: "529900T8BM49AURSDO55".into(),
            legal_name: name.into(),
            legal_address: "Hauptstraße 5, 10117 Berlin".into(),
            legal_form_code: Some(form.into()),
            legal_form_name: None,
            entity_status: entity.into(),
            registration_status: status.into(),
            successor: None,
            ..Default::default()
        }))
    }

    fn register(records: &[(&str, &str, &str)]) -> Outcome {
        Outcome::Answer(Answer::Register(RegisterAnswer {
            records: records
                .iter()
                .map(|(number, name, status)| RegisterRecord {
                    court: "Berlin (Charlottenburg)".into(),
                    kind: "HRB".into(),
                    number: number.to_string(),
                    name: name.to_string(),
                    seat: "Berlin".into(),
                    status: status.to_string(),
                    history: vec![],
                })
                .collect(),
        }))
    }

    /// Plays a sequence of checks like the runner does, with a store-like dedup set, and returns
    /// the kinds of the alerts that would be stored after each check.
    fn play(
        cp: &Counterparty,
        steps: Vec<Vec<SourceResult>>,
        rules: &ChangeRules,
        dismissed: &BTreeSet<(String, String)>,
    ) -> Vec<Vec<AlertKind>> {
        play_window(cp, steps, rules, dismissed, usize::MAX)
    }

    /// Like [`play`], with the history cut to the last `window` runs as the monitor reads it.
    fn play_window(
        cp: &Counterparty,
        steps: Vec<Vec<SourceResult>>,
        rules: &ChangeRules,
        dismissed: &BTreeSet<(String, String)>,
        window: usize,
    ) -> Vec<Vec<AlertKind>> {
        let mut runs: Vec<CheckRun> = Vec::new();
        let mut stored = BTreeSet::new();
        let mut out = Vec::new();
        for (i, results) in steps.into_iter().enumerate() {
            let history = History::from_runs(runs.iter().rev().take(window));
            let drafts = detect(cp, &history, &results, rules, dismissed);
            // A crash after detection and a re-run must give the very same keys.
            assert_eq!(drafts, detect(cp, &history, &results, rules, dismissed));
            for d in &drafts {
                if is_sanctions_hit(d.kind) {
                    let (list, entity) = sanctions_entity(d.kind, &d.dedup_key).unwrap();
                    assert!(d.message.en.contains(&format!("entry {entity} ")), "{list}");
                    assert!(d.message.en.contains(&list.to_uppercase()));
                } else {
                    assert_eq!(sanctions_entity(d.kind, &d.dedup_key), None);
                }
                assert_eq!(d.severity, d.kind.default_severity());
                // The typed subject says what the key says, so stored alerts read back from
                // their keys by the migration get the same subject as new ones.
                let subject = subject_of_key(d.kind, &d.dedup_key).unwrap();
                assert_eq!((subject.source, &subject.entity), (d.source, &d.entity));
                assert_eq!(
                    d.clone().into_alert(cp.id, base()).hit_entity(),
                    sanctions_entity(d.kind, &d.dedup_key)
                );
                if d.kind.is_sanctions_hit() || d.kind == SanctionsRemoved {
                    assert!(d.entity.is_some(), "{}", d.dedup_key);
                }
                assert!(d.dedup_key.starts_with(&format!("{}/{}/", cp.id, d.kind)));
                assert!(!d.message.de.is_empty() && !d.message.en.is_empty());
            }
            out.push(
                drafts
                    .into_iter()
                    .filter(|d| stored.insert(d.dedup_key.clone()))
                    .map(|d| d.kind)
                    .collect(),
            );
            runs.push(CheckRun {
                id: i as u64 + 1,
                counterparty_id: cp.id,
                started_at: results.first().map_or(base(), |r| r.at),
                finished_at: results.first().map_or(base(), |r| r.at),
                trigger: "monitor".into(),
                results,
            });
        }
        out
    }

    #[test]
    fn scenarios() {
        use Source::*;
        let r = ChangeRules::default();
        let three = ChangeRules {
            vat_invalid_after: 3,
            ..r
        };
        let one = |s: Source, outcomes: Vec<Outcome>| -> Vec<Vec<SourceResult>> {
            outcomes
                .into_iter()
                .enumerate()
                .map(|(d, o)| vec![at(s, d as i64, o)])
                .collect()
        };
        let none: Vec<AlertKind> = vec![];
        type Case = (
            &'static str,
            ChangeRules,
            Vec<Vec<SourceResult>>,
            Vec<Vec<AlertKind>>,
        );
        let cases: Vec<Case> = vec![
            (
                "valid -> unavailable -> invalid -> invalid alerts once, on the second INVALID",
                r,
                one(
                    Vies,
                    vec![
                        valid(),
                        down(Unavailable::ServiceUnavailable),
                        invalid(),
                        invalid(),
                        invalid(),
                    ],
                ),
                vec![
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    vec![VatInvalid],
                    none.clone(),
                ],
            ),
            (
                "one INVALID between valid answers is a blip",
                r,
                one(Vies, vec![valid(), invalid(), valid(), invalid(), valid()]),
                vec![none.clone(); 5],
            ),
            (
                "could-not-ask between INVALIDs does not break or extend the streak",
                r,
                one(
                    Vies,
                    vec![valid(), invalid(), down(Unavailable::Timeout), invalid()],
                ),
                vec![none.clone(), none.clone(), none.clone(), vec![VatInvalid]],
            ),
            (
                "valid again after invalid, then invalid again is a new change",
                r,
                one(
                    Vies,
                    vec![valid(), invalid(), invalid(), valid(), invalid(), invalid()],
                ),
                vec![
                    none.clone(),
                    none.clone(),
                    vec![VatInvalid],
                    vec![VatStatusChanged],
                    none.clone(),
                    vec![VatInvalid],
                ],
            ),
            (
                "configured threshold of three",
                three,
                one(Vies, vec![valid(), invalid(), invalid(), invalid()]),
                vec![none.clone(), none.clone(), none.clone(), vec![VatInvalid]],
            ),
            (
                "a number never valid alerts after the streak",
                r,
                one(Vies, vec![invalid(), invalid()]),
                vec![none.clone(), vec![VatInvalid]],
            ),
            (
                "could-not-ask alone never alerts before the unverifiable period",
                r,
                one(
                    Vies,
                    vec![
                        valid(),
                        down(Unavailable::Throttled),
                        down(Unavailable::ServiceUnavailable),
                        down(Unavailable::Timeout),
                    ],
                ),
                vec![none.clone(); 4],
            ),
            (
                "three days without an answer: source_unverifiable once per outage",
                r,
                one(
                    Vies,
                    vec![
                        valid(),
                        down(Unavailable::Timeout),
                        down(Unavailable::Timeout),
                        down(Unavailable::Timeout),
                        down(Unavailable::Timeout),
                        down(Unavailable::Timeout),
                        valid(),
                        down(Unavailable::Blocked),
                        down(Unavailable::Blocked),
                        down(Unavailable::Blocked),
                        down(Unavailable::Blocked),
                    ],
                ),
                vec![
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    vec![SourceUnverifiable],
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    none.clone(),
                    vec![SourceUnverifiable],
                ],
            ),
            (
                "a disabled source is not an outage",
                r,
                one(
                    Vies,
                    vec![valid(); 1]
                        .into_iter()
                        .chain(vec![down(Unavailable::Disabled); 6])
                        .collect(),
                ),
                vec![none.clone(); 7],
            ),
            (
                "cosmetic name and address differences, and undisclosed names, are no change",
                r,
                one(
                    Vies,
                    vec![
                        vat(true, Some("Müller GmbH"), Some("Hauptstr. 5\n10117 Berlin")),
                        vat(
                            true,
                            Some("MUELLER GESELLSCHAFT MIT BESCHRÄNKTER HAFTUNG"),
                            Some("HAUPTSTRASSE 5 10117 BERLIN"),
                        ),
                        vat(true, Some("---"), Some("---")),
                        vat(true, None, None),
                        vat(
                            true,
                            Some("Müller G.m.b.H."),
                            Some("Haupt-Straße 5, 10117 Berlin"),
                        ),
                    ],
                ),
                vec![none.clone(); 5],
            ),
            (
                "name, legal form and address changes, compared with the last disclosed answer",
                r,
                one(
                    Vies,
                    vec![
                        vat(true, Some("Alpha GmbH"), Some("Hauptstr. 5, 10117 Berlin")),
                        vat(true, Some("---"), Some("---")),
                        vat(true, Some("Beta GmbH"), Some("Hauptstr. 5, 10117 Berlin")),
                        vat(true, Some("Beta GmbH"), Some("Hauptstr. 5, 10117 Berlin")),
                        vat(true, Some("Beta AG"), Some("Nebenweg 1, 80331 München")),
                        down(Unavailable::Timeout),
                        vat(true, Some("Beta AG"), Some("Nebenweg 1, 80331 München")),
                    ],
                ),
                vec![
                    none.clone(),
                    none.clone(),
                    vec![CompanyNameChanged],
                    none.clone(),
                    vec![CompanyLegalFormChanged, CompanyAddressChanged],
                    none.clone(),
                    none.clone(),
                ],
            ),
            (
                "the first answer is a baseline, not a change",
                r,
                one(
                    Vies,
                    vec![vat(true, Some("Gamma SE"), Some("Ring 1, Wien"))],
                ),
                vec![none.clone()],
            ),
            (
                "sanctions: found, kept, removed, found again",
                r,
                one(
                    Sanctions,
                    vec![
                        sanctions(vec![], &["eu", "ofac"]),
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![], &["eu", "ofac"]),
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                    ],
                ),
                vec![
                    none.clone(),
                    vec![SanctionsFound],
                    none.clone(),
                    vec![SanctionsRemoved],
                    vec![SanctionsFound],
                ],
            ),
            (
                "sanctions: possible, kept, upgraded to strong, downgraded, removed",
                r,
                one(
                    Sanctions,
                    vec![
                        sanctions(vec![], &["eu", "ofac"]),
                        sanctions(vec![possible("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![possible("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![possible("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![], &["eu", "ofac"]),
                    ],
                ),
                vec![
                    none.clone(),
                    vec![SanctionsPossible],
                    none.clone(),
                    vec![SanctionsFound],
                    none.clone(),
                    // Strong already alerted (critical); weaker now is no news.
                    none.clone(),
                    vec![SanctionsRemoved],
                ],
            ),
            (
                "sanctions: a strong and a possible hit at once raise one alert each",
                r,
                one(
                    Sanctions,
                    vec![sanctions(
                        vec![hit("un", "6908"), possible("eu", "EU.7.1")],
                        &["eu", "un"],
                    )],
                ),
                vec![vec![SanctionsPossible, SanctionsFound]],
            ),
            (
                "sanctions hit on the very first screening alerts",
                r,
                one(Sanctions, vec![sanctions(vec![hit("un", "6908")], &["un"])]),
                vec![vec![SanctionsFound]],
            ),
            (
                "a list not screened this time does not remove its hits",
                r,
                one(
                    Sanctions,
                    vec![
                        sanctions(vec![hit("ofac", "306")], &["eu", "ofac"]),
                        sanctions(vec![], &["eu"]),
                        sanctions(vec![], &["eu", "ofac"]),
                    ],
                ),
                vec![vec![SanctionsFound], none.clone(), vec![SanctionsRemoved]],
            ),
            (
                "insolvency: one alert per proceeding, not per notice",
                r,
                one(
                    Insolvency,
                    vec![
                        insolvency(&[]),
                        insolvency(&[("36a IN 1234/26", "Sicherungsmaßnahmen")]),
                        insolvency(&[
                            ("36a IN 1234/26", "Sicherungsmaßnahmen"),
                            ("36a IN 1234 / 26", "Eröffnungen"),
                        ]),
                        insolvency(&[("36a IN 99/26", "Eröffnungen")]),
                    ],
                ),
                vec![
                    none.clone(),
                    vec![InsolvencyStarted],
                    none.clone(),
                    vec![InsolvencyStarted],
                ],
            ),
            (
                "eVatR mismatch: new mismatching fields alert, the same ones do not",
                r,
                one(
                    Evatr,
                    vec![
                        qualified(FieldMatch::Match, FieldMatch::Match),
                        qualified(FieldMatch::Mismatch, FieldMatch::Match),
                        qualified(FieldMatch::Mismatch, FieldMatch::Match),
                        qualified(FieldMatch::Mismatch, FieldMatch::Mismatch),
                        qualified(FieldMatch::Match, FieldMatch::NotProvided),
                    ],
                ),
                vec![
                    none.clone(),
                    vec![QualifiedMismatch],
                    none.clone(),
                    vec![QualifiedMismatch],
                    none.clone(),
                ],
            ),
            (
                "GLEIF: lapsed, entity status, legal form and name",
                r,
                one(
                    Gleif,
                    vec![
                        lei("ISSUED", "ACTIVE", "2HBR", "Alpha GmbH"),
                        lei("LAPSED", "ACTIVE", "2HBR", "ALPHA GMBH"),
                        lei("LAPSED", "ACTIVE", "2HBR", "Alpha GmbH"),
                        lei("LAPSED", "INACTIVE", "6QQB", "Alpha Holding GmbH"),
                    ],
                ),
                vec![
                    none.clone(),
                    vec![LeiLapsed],
                    none.clone(),
                    vec![
                        CompanyNameChanged,
                        CompanyLegalFormChanged,
                        RegisterStatusChanged,
                    ],
                ],
            ),
            (
                "Handelsregister: status and name of the entry the counterparty names",
                r,
                one(
                    Handelsregister,
                    vec![
                        register(&[
                            ("1234 B", "Alpha GmbH", "aktuell"),
                            ("999", "Alpha Bau GmbH", "aktuell"),
                        ]),
                        register(&[
                            ("1234 B", "ALPHA GMBH", "Aktuell"),
                            ("999", "Alpha Bau GmbH", "gelöscht"),
                        ]),
                        register(&[("1234B", "Alpha GmbH", "gelöscht")]),
                        register(&[]),
                        register(&[("1234 B", "Omega GmbH", "gelöscht")]),
                    ],
                ),
                vec![
                    none.clone(),
                    none.clone(),
                    vec![RegisterStatusChanged],
                    none.clone(),
                    vec![CompanyNameChanged],
                ],
            ),
        ];
        let mut c = cp();
        c.register = RegisterEntry::parse("HRB 1234 B, Berlin (Charlottenburg)");
        for (name, rules, steps, expected) in cases {
            let got = play(&c, steps, &rules, &BTreeSet::new());
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn a_long_invalid_streak_alerts_once_with_a_short_history() {
        let steps: Vec<Vec<SourceResult>> = std::iter::once(valid())
            .chain(std::iter::repeat_with(invalid).take(8))
            .enumerate()
            .map(|(d, o)| vec![at(Source::Vies, d as i64, o)])
            .collect();
        let got = play_window(&cp(), steps, &ChangeRules::default(), &BTreeSet::new(), 3);
        let alerts: Vec<AlertKind> = got.into_iter().flatten().collect();
        assert_eq!(alerts, vec![VatInvalid]);
    }

    #[test]
    fn dismissed_hits_neither_alert_nor_disappear_with_an_alert() {
        let c = cp();
        let dismissed: BTreeSet<(String, String)> =
            [("eu".to_string(), "EU.1.2".to_string())].into();
        let steps = vec![
            vec![at(
                Source::Sanctions,
                0,
                sanctions(vec![hit("eu", "EU.1.2")], &["eu"]),
            )],
            vec![at(Source::Sanctions, 1, sanctions(vec![], &["eu"]))],
        ];
        assert_eq!(
            play(&c, steps, &ChangeRules::default(), &dismissed),
            vec![vec![], vec![]]
        );
    }

    #[test]
    fn messages_say_what_changed_from_what_to_what_and_where() {
        let c = cp();
        let history = History::from_runs([&CheckRun {
            id: 41,
            counterparty_id: c.id,
            started_at: base(),
            finished_at: base(),
            trigger: "monitor".into(),
            results: vec![at(Source::Vies, 0, vat(true, Some("Alpha GmbH"), None))],
        }]);
        let new = vec![at(Source::Vies, 1, vat(true, Some("Beta GmbH"), None))];
        let d = detect(
            &c,
            &history,
            &new,
            &ChangeRules::default(),
            &BTreeSet::new(),
        );
        assert_eq!(d.len(), 1);
        let m = &d[0].message;
        for needle in ["Alpha GmbH", "Beta GmbH", "VIES", "REF-1"] {
            assert!(
                m.de.contains(needle) && m.en.contains(needle),
                "{needle}: {m:?}"
            );
        }
        assert!(m.de.starts_with("Name geändert: von"), "{}", m.de);
        assert!(m.en.starts_with("Name changed: from"), "{}", m.en);
        assert_eq!(
            d[0].dedup_key,
            format!(
                "7/company_name_changed/vies/after-run-41/{}",
                short_hash("beta gmbh")
            )
        );
    }

    #[test]
    fn history_depth() {
        let c = cp();
        let run = |id: u64, o: Outcome| CheckRun {
            id,
            counterparty_id: c.id,
            started_at: base(),
            finished_at: base(),
            trigger: "monitor".into(),
            results: vec![at(Source::Vies, 0, o)],
        };
        let runs = [
            run(3, valid()),
            run(2, down(Unavailable::Timeout)),
            run(1, valid()),
        ];
        let mut h = History::default();
        h.push_older(&runs[0]);
        assert!(h.is_deep_enough(1) && !h.is_deep_enough(2));
        h.push_older(&runs[1]);
        assert!(!h.is_deep_enough(2));
        h.push_older(&runs[2]);
        assert!(h.is_deep_enough(2));
        assert_eq!(h.run_count(), 3);
        assert_eq!(h.last_answer_at(Source::Vies), Some(base()));
        assert_eq!(h.last_answer_at(Source::Gleif), None);
    }

    #[test]
    fn possible_hits_say_their_strength_and_reasons_and_keep_their_own_key() {
        let c = cp();
        let run = |id: u64, hits: Vec<SanctionsHit>| CheckRun {
            id,
            counterparty_id: c.id,
            started_at: base(),
            finished_at: base(),
            trigger: "monitor".into(),
            results: vec![at(Source::Sanctions, id as i64, sanctions(hits, &["ofac"]))],
        };
        let rules = ChangeRules::default();
        let none = BTreeSet::new();
        let first = run(3, vec![]);
        let new = vec![at(
            Source::Sanctions,
            4,
            sanctions(vec![possible("ofac", "306")], &["ofac"]),
        )];
        let d = detect(&c, &History::from_runs([&first]), &new, &rules, &none);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, SanctionsPossible);
        assert_eq!(d[0].severity, Severity::High);
        assert_eq!(
            d[0].dedup_key,
            sanctions_key(SanctionsPossible, 7, "ofac", "306", 3)
        );
        assert!(
            d[0].message.en.contains(
                "(possible hit, score 0.93: same name as listed: \"ALPHA 306\"; different \
                 country: listed in IR, you have DE; no identifier in common); no hit before"
            ),
            "{}",
            d[0].message.en
        );
        assert!(
            d[0].message.de.contains(
                "(möglicher Treffer, Score 0.93: gleicher Name wie gelistet: „ALPHA 306“; \
                 anderes Land: gelistet in IR, bei Ihnen DE; keine gemeinsame Kennung)"
            ),
            "{}",
            d[0].message.de
        );
        // The upgrade is a sanctions_found measured against the run that had the possible hit.
        let second = run(4, vec![possible("ofac", "306")]);
        let new = vec![at(
            Source::Sanctions,
            5,
            sanctions(vec![hit("ofac", "306")], &["ofac"]),
        )];
        let d = detect(
            &c,
            &History::from_runs([&second, &first]),
            &new,
            &rules,
            &none,
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, SanctionsFound);
        assert_eq!(d[0].severity, Severity::Critical);
        assert_eq!(
            d[0].dedup_key,
            sanctions_key(SanctionsFound, 7, "ofac", "306", 4)
        );
        assert!(
            d[0].message
                .en
                .contains("(strong hit, score 0.93); previously a possible hit")
        );
        assert!(
            d[0].message
                .de
                .contains("(starker Treffer, Score 0.93); zuvor möglicher Treffer")
        );
        // A hit an analyst dismissed raises neither kind.
        let dismissed = [("ofac".to_string(), "306".to_string())].into();
        let new = vec![at(
            Source::Sanctions,
            4,
            sanctions(vec![possible("ofac", "306")], &["ofac"]),
        )];
        assert!(detect(&c, &History::from_runs([&first]), &new, &rules, &dismissed).is_empty());
    }

    #[test]
    fn the_entity_of_a_sanctions_alert_is_read_back_from_its_key() {
        let key = sanctions_key(AlertKind::SanctionsFound, 7, "uk", "RUS/0001", 12);
        assert_eq!(key, "7/sanctions_found/sanctions/uk/RUS/0001/after-run-12");
        assert_eq!(
            sanctions_entity(AlertKind::SanctionsFound, &key),
            Some(("uk", "RUS/0001"))
        );
        let key = sanctions_key(AlertKind::SanctionsPossible, 7, "eu", "EU.7.1", 3);
        assert_eq!(key, "7/sanctions_possible/sanctions/eu/EU.7.1/after-run-3");
        assert_eq!(
            sanctions_entity(AlertKind::SanctionsPossible, &key),
            Some(("eu", "EU.7.1"))
        );
        assert_eq!(sanctions_entity(AlertKind::SanctionsRemoved, &key), None);
        assert_eq!(
            sanctions_entity(AlertKind::SanctionsFound, "7/sanctions_found/x"),
            None
        );
    }
}
