//! Sanctions list health: for every list, whether it is loaded, how old it is and why it is stale
//! (never loaded, last refresh failed and how, too old). One pure assessment, [`assess`], feeds
//! `sanctions status`, the Stats tab, screening output and the digest alike.

use super::config::SanctionsConfig;
use super::model::{ListSource, SkippedRows};
use super::snapshot::{self, ListState, SnapshotMeta};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Why the last refresh of a list failed, in the classes an operator acts on differently.
// Stored (bincode) under its own state key: variants are only ever appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The host refused this client (HTTP 403); usually fixed by the User-Agent.
    Blocked,
    /// Another HTTP error status.
    HttpStatus(u16),
    /// The download failed otherwise: timeout, connection, cut off, over the size ceiling.
    Download,
    /// More rows of the file were malformed than the configured share allows.
    TooManyMalformed,
    /// The file was refused: wrong format, empty, record count mismatch, suspicious shrink.
    Refused,
    /// A local file or the store failed.
    Local,
}

impl FailureKind {
    /// The class in words, in the given language (`de`, else English).
    pub fn text(self, language: &str) -> String {
        let de = language.eq_ignore_ascii_case("de");
        match self {
            FailureKind::Blocked if de => "vom Server gesperrt (HTTP 403)".into(),
            FailureKind::Blocked => "blocked by the host (HTTP 403)".into(),
            FailureKind::HttpStatus(s) if de => format!("HTTP-Fehler {s}"),
            FailureKind::HttpStatus(s) => format!("HTTP error {s}"),
            FailureKind::Download if de => "Download fehlgeschlagen".into(),
            FailureKind::Download => "download failed".into(),
            FailureKind::TooManyMalformed if de => "zu viele fehlerhafte Zeilen".into(),
            FailureKind::TooManyMalformed => "too many malformed rows".into(),
            FailureKind::Refused if de => "Datei abgelehnt".into(),
            FailureKind::Refused => "file refused".into(),
            FailureKind::Local if de => "lokaler Fehler".into(),
            FailureKind::Local => "local error".into(),
        }
    }

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Blocked => "blocked",
            FailureKind::HttpStatus(_) => "http_status",
            FailureKind::Download => "download",
            FailureKind::TooManyMalformed => "too_many_malformed",
            FailureKind::Refused => "refused",
            FailureKind::Local => "local",
        }
    }
}

/// One reason a configured list cannot be trusted to be current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// No publication was ever accepted.
    NeverLoaded,
    /// The last refresh failed; the previous snapshot (if any) stays in use.
    RefreshFailed {
        /// The class of failure (None for failures recorded before classes were kept).
        kind: Option<FailureKind>,
        /// The recorded message.
        message: String,
    },
    /// The snapshot is older than the configured maximum age.
    TooOld {
        /// Its age.
        age: Duration,
        /// The maximum (twice `refresh_hours`).
        max_age: Duration,
    },
}

impl Problem {
    /// The snake_case name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Problem::NeverLoaded => "never_loaded",
            Problem::RefreshFailed { .. } => "refresh_failed",
            Problem::TooOld { .. } => "too_old",
        }
    }

    /// The reason in a few words, in the given language (`de`, else English).
    pub fn text(&self, language: &str) -> String {
        let de = language.eq_ignore_ascii_case("de");
        match self {
            Problem::NeverLoaded if de => "nie geladen".into(),
            Problem::NeverLoaded => "never loaded".into(),
            Problem::RefreshFailed { kind, .. } => {
                let what = kind.map_or_else(
                    || FailureKind::Download.text(language),
                    |k| k.text(language),
                );
                if de {
                    format!("letzte Aktualisierung fehlgeschlagen: {what}")
                } else {
                    format!("last refresh failed: {what}")
                }
            }
            Problem::TooOld { age, max_age } if de => format!(
                "zu alt: {} alt, höchstens {}",
                age_text(*age),
                age_text(*max_age)
            ),
            Problem::TooOld { age, max_age } => format!(
                "too old: {} old, max {}",
                age_text(*age),
                age_text(*max_age)
            ),
        }
    }
}

/// What the store holds about one list (the input of [`assess`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListReport {
    /// The current snapshot and the last attempt.
    pub state: ListState,
    /// The class of the last failure, when the last attempt failed.
    pub failure: Option<FailureKind>,
    /// Rows the current snapshot's file had malformed and left out.
    pub skipped: SkippedRows,
}

/// The health of one list at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListHealth {
    /// The list.
    pub source: ListSource,
    /// Whether it is configured (enabled); a disabled list has no problems.
    pub enabled: bool,
    /// The snapshot in use, if any.
    pub current: Option<SnapshotMeta>,
    /// How long ago the snapshot in use was accepted.
    pub age: Option<Duration>,
    /// Rows its file had malformed and left out.
    pub skipped: SkippedRows,
    /// When a refresh was last attempted.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Why it cannot be trusted to be current; empty when it is fresh.
    pub problems: Vec<Problem>,
}

impl ListHealth {
    /// Whether the list is configured and has a problem (never loaded or stale).
    pub fn is_unhealthy(&self) -> bool {
        self.enabled && !self.problems.is_empty()
    }

    /// The problems in words, joined with `; ` (empty when fresh).
    pub fn problems_text(&self, language: &str) -> String {
        self.problems
            .iter()
            .map(|p| p.text(language))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// One line for people: `eu: 5h old (published 2026-03-01)` plus `, STALE: reason` or
    /// `never loaded`, and the rows left out of its file.
    pub fn line(&self, language: &str) -> String {
        let de = language.eq_ignore_ascii_case("de");
        let mut out = format!("{}: ", self.source);
        match (&self.current, self.age) {
            (Some(c), Some(age)) => {
                let published = c.published.as_deref().unwrap_or("?");
                if de {
                    out.push_str(&format!(
                        "{} alt (veröffentlicht {published})",
                        age_text(age)
                    ));
                } else {
                    out.push_str(&format!("{} old (published {published})", age_text(age)));
                }
            }
            _ => out.push_str(if de { "nicht geladen" } else { "not loaded" }),
        }
        if !self.enabled {
            out.push_str(if de { ", deaktiviert" } else { ", disabled" });
        } else if !self.problems.is_empty() {
            let label = if de { "VERALTET" } else { "STALE" };
            out.push_str(&format!(", {label}: {}", self.problems_text(language)));
        }
        if self.skipped.malformed > 0 {
            let what = if de {
                "fehlerhafte Zeilen ausgelassen"
            } else {
                "malformed rows left out"
            };
            out.push_str(&format!("; {what}: {}", self.skipped.describe()));
        }
        out
    }
}

/// Assesses one list: never loaded, last refresh failed, older than `max_age`. Pure.
pub fn assess(
    report: &ListReport,
    enabled: bool,
    now: DateTime<Utc>,
    max_age: Duration,
) -> ListHealth {
    let st = &report.state;
    let age = st.current.as_ref().map(|c| now - c.accepted_at);
    let mut problems = Vec::new();
    if enabled {
        if st.current.is_none() {
            problems.push(Problem::NeverLoaded);
        }
        if let Some(message) = &st.last_error {
            problems.push(Problem::RefreshFailed {
                kind: report.failure,
                message: message.clone(),
            });
        }
        if let Some(age) = age.filter(|a| *a > max_age) {
            problems.push(Problem::TooOld { age, max_age });
        }
    }
    ListHealth {
        source: st.source,
        enabled,
        current: st.current.clone(),
        age,
        skipped: report.skipped.clone(),
        last_attempt: st.last_attempt,
        problems,
    }
}

/// The health of every list as the store and the configuration say now (the I/O edge of
/// [`assess`]), in display order.
pub fn load(
    store: &Store,
    config: &SanctionsConfig,
    now: DateTime<Utc>,
) -> Result<Vec<ListHealth>, StoreError> {
    Ok(assess_all(&reports(store)?, config, now))
}

/// What the store holds about every list, in display order ([`ListSource::ALL`]).
pub fn reports(store: &Store) -> Result<Vec<ListReport>, StoreError> {
    ListSource::ALL
        .into_iter()
        .map(|s| snapshot::list_report(store, s))
        .collect()
}

/// The health of every list from [`reports`] (in the same order) under `config`.
pub fn assess_all(
    reports: &[ListReport],
    config: &SanctionsConfig,
    now: DateTime<Utc>,
) -> Vec<ListHealth> {
    ListSource::ALL
        .into_iter()
        .zip(reports)
        .map(|(s, report)| assess(report, config.list(s).enabled, now, config.max_age()))
        .collect()
}

/// A duration in its largest whole unit: `45s`, `12m`, `5h`, `3d`.
pub fn age_text(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A list snapshot a stored screening used, with how old it was then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUsed {
    /// The list name as stored (`eu`, `ofac`, `uk`, `un`).
    pub list: String,
    /// The snapshot's SHA-256.
    pub sha256: String,
    /// The snapshot, when it is still known (the current one or in the kept history).
    pub snapshot: Option<SnapshotMeta>,
    /// How long before the screening the snapshot had been accepted.
    pub age: Option<Duration>,
}

impl ListUsed {
    /// `eu 5h old (published 2026-03-01)`, or `eu (snapshot 0123abcd…, age unknown)`.
    pub fn text(&self, language: &str) -> String {
        let de = language.eq_ignore_ascii_case("de");
        match (&self.snapshot, self.age) {
            (Some(s), Some(age)) => {
                let published = s.published.as_deref().unwrap_or("?");
                if de {
                    format!(
                        "{} {} alt (veröffentlicht {published})",
                        self.list,
                        age_text(age)
                    )
                } else {
                    format!(
                        "{} {} old (published {published})",
                        self.list,
                        age_text(age)
                    )
                }
            }
            _ => format!(
                "{} (snapshot {:.8}, {})",
                self.list,
                self.sha256,
                if de { "Alter unbekannt" } else { "age unknown" }
            ),
        }
    }
}

/// The lists a screening at `at` used (`(list, sha256)` as a check run stores them), each with
/// its snapshot from `known` and its age at that time. Pure.
pub fn lists_used(
    used: &[(String, String)],
    at: DateTime<Utc>,
    known: &[SnapshotMeta],
) -> Vec<ListUsed> {
    used.iter()
        .map(|(list, sha)| {
            let snapshot = known
                .iter()
                .find(|m| m.source.as_str() == list && &m.sha256 == sha)
                .cloned();
            ListUsed {
                list: list.clone(),
                sha256: sha.clone(),
                age: snapshot.as_ref().map(|s| at - s.accepted_at),
                snapshot,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn meta(accepted: DateTime<Utc>) -> SnapshotMeta {
        SnapshotMeta {
            source: ListSource::Uk,
            published: Some("13-Feb-2026".into()),
            sha256: "abc".into(),
            bytes: 10,
            entities: 2,
            accepted_at: accepted,
            origin: "test".into(),
        }
    }

    fn report(current: Option<SnapshotMeta>, error: Option<&str>) -> ListReport {
        ListReport {
            state: ListState {
                source: ListSource::Uk,
                current,
                last_attempt: Some(at(1)),
                last_error: error.map(str::to_string),
            },
            failure: error.map(|_| FailureKind::Blocked),
            skipped: SkippedRows::default(),
        }
    }

    #[test]
    fn every_reason_is_named_and_a_disabled_list_has_none() {
        let max = Duration::hours(24);
        let fresh = assess(&report(Some(meta(at(0))), None), true, at(5), max);
        assert!(!fresh.is_unhealthy());
        assert_eq!(fresh.line("en"), "uk: 5h old (published 13-Feb-2026)");

        let never = assess(&report(None, Some("HTTP 403")), true, at(5), max);
        assert_eq!(
            never.problems_text("en"),
            "never loaded; last refresh failed: blocked by the host (HTTP 403)"
        );
        assert!(never.is_unhealthy());

        let old = assess(
            &report(Some(meta(at(0))), None),
            true,
            at(0) + Duration::days(3),
            max,
        );
        assert_eq!(old.problems_text("en"), "too old: 3d old, max 1d");
        assert_eq!(old.problems_text("de"), "zu alt: 3d alt, höchstens 1d");

        let off = assess(&report(None, None), false, at(5), max);
        assert!(!off.is_unhealthy());
        assert_eq!(off.line("en"), "uk: not loaded, disabled");
    }

    #[test]
    fn a_stored_screening_finds_its_snapshots_and_their_age() {
        let m = meta(at(1));
        let used = lists_used(
            &[
                ("uk".into(), "abc".into()),
                ("eu".into(), "0123456789abcdef".into()),
            ],
            at(4),
            std::slice::from_ref(&m),
        );
        assert_eq!(used[0].text("en"), "uk 3h old (published 13-Feb-2026)");
        assert_eq!(used[1].text("en"), "eu (snapshot 01234567, age unknown)");
    }
}
