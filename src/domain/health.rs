//! Source health: when each registry last answered, since when it has not, and how it fared over
//! the recent window — computed from the stored check runs by one pure fold ([`HealthTally`]),
//! so the Stats tab, the digest and the monitor's health event read the same figures from the
//! same runs and cannot disagree.
//!
//! Runs are folded newest first (the order the store hands them out): the first result of a
//! source is its latest; failures before its first answer are the current outage, whose oldest
//! failure is "unavailable since".

use super::check::{CheckRun, Outcome, Source};
use chrono::{DateTime, Duration, Utc};

/// The trigger a scheduled cycle records with its runs; a manual check records the analyst (or
/// `manual`), so "last cycle" counts cycles only.
pub const CYCLE_TRIGGER: &str = "monitor";

/// Days of the window whose answers and failures are counted (the Stats charts' width too).
pub const WINDOW_DAYS: usize = 30;

/// Most runs the Stats tab and the digest read back for health: bounds the time on very large
/// stores; both use it so that they read the same runs.
pub const MAX_RUNS: u64 = 200_000;

/// Day index in the window (0 = oldest, `WINDOW_DAYS - 1` = today) of a time, or None outside
/// it: the Stats charts' columns. Days are those of `tz`, the zone the charts' dates are labelled
/// in, so an alert at 00:30 in Berlin counts on that day and not on the UTC day before.
pub fn day_slot(now: DateTime<Utc>, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<usize> {
    let days = crate::local_time::days_ago(now, at, tz);
    (0..WINDOW_DAYS as i64)
        .contains(&days)
        .then(|| WINDOW_DAYS - 1 - days as usize)
}

/// How one source has been doing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceHealth {
    /// The source.
    pub source: Source,
    /// When it last gave an answer.
    pub last_answer_at: Option<DateTime<Utc>>,
    /// When it last could not be asked.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Why it last could not be asked.
    pub last_failure: Option<String>,
    /// Since when every attempt failed (the first failure after the last answer); None while
    /// its latest result is an answer.
    pub unavailable_since: Option<DateTime<Utc>>,
    /// Answers within the window.
    pub answers: u64,
    /// "Could not ask" results within the window.
    pub failures: u64,
}

impl SourceHealth {
    fn new(source: Source) -> SourceHealth {
        SourceHealth {
            source,
            last_answer_at: None,
            last_failure_at: None,
            last_failure: None,
            unavailable_since: None,
            answers: 0,
            failures: 0,
        }
    }

    /// Whether its latest result was "could not ask".
    pub fn is_down(&self) -> bool {
        self.unavailable_since.is_some()
    }

    /// Whether any run read asked it (sources never asked are left out of the digest).
    pub fn was_asked(&self) -> bool {
        self.last_answer_at.is_some() || self.last_failure_at.is_some()
    }
}

/// The health of every source and when the last scheduled cycle stored a run.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Health {
    /// When the newest run of a scheduled cycle finished.
    pub last_cycle: Option<DateTime<Utc>>,
    /// When the newest run of any kind finished.
    pub last_run: Option<DateTime<Utc>>,
    /// One entry per source, in `Source::ALL` order.
    pub sources: Vec<SourceHealth>,
}

impl Health {
    /// Whether no run read asked any source (nothing was checked yet).
    pub fn never_checked(&self) -> bool {
        !self.sources.iter().any(SourceHealth::was_asked)
    }

    /// Adds a run newer than every run folded so far (a check the monitor just stored), by the
    /// same rules as [`HealthTally`] reading backwards, so a screen kept current by events shows
    /// what a fresh load would.
    pub fn add_newer(&mut self, run: &CheckRun) {
        self.last_run = Some(
            self.last_run
                .map_or(run.finished_at, |t| t.max(run.finished_at)),
        );
        if run.trigger == CYCLE_TRIGGER {
            self.last_cycle = Some(
                self.last_cycle
                    .map_or(run.finished_at, |t| t.max(run.finished_at)),
            );
        }
        for r in &run.results {
            let i = match self.sources.iter().position(|s| s.source == r.source) {
                Some(i) => i,
                None => {
                    self.sources.push(SourceHealth::new(r.source));
                    self.sources
                        .sort_by_key(|s| Source::ALL.iter().position(|x| *x == s.source));
                    match self.sources.iter().position(|s| s.source == r.source) {
                        Some(i) => i,
                        None => continue,
                    }
                }
            };
            let s = &mut self.sources[i];
            match &r.outcome {
                Outcome::Answer(_) => {
                    s.last_answer_at = Some(s.last_answer_at.map_or(r.at, |t| t.max(r.at)));
                    s.unavailable_since = None;
                    s.answers += 1;
                }
                Outcome::CouldNotAsk { message, .. } => {
                    s.last_failure_at = Some(s.last_failure_at.map_or(r.at, |t| t.max(r.at)));
                    s.last_failure = Some(message.clone());
                    s.unavailable_since.get_or_insert(r.at);
                    s.failures += 1;
                }
            }
        }
    }
}

/// The fold behind [`Health`]: add runs newest first, then [`HealthTally::finish`].
#[derive(Debug, Clone)]
pub struct HealthTally {
    window_start: DateTime<Utc>,
    health: Health,
    // Per source: whether an answer was met, which ends the current outage.
    answered: Vec<bool>,
}

impl HealthTally {
    /// A tally counting answers and failures from `now` back [`WINDOW_DAYS`] days.
    pub fn new(now: DateTime<Utc>) -> HealthTally {
        HealthTally {
            window_start: now - Duration::days(WINDOW_DAYS as i64),
            health: Health {
                last_cycle: None,
                last_run: None,
                sources: Source::ALL.iter().map(|s| SourceHealth::new(*s)).collect(),
            },
            answered: vec![false; Source::ALL.len()],
        }
    }

    /// Adds one run; runs must come newest first.
    pub fn add(&mut self, run: &CheckRun) {
        let h = &mut self.health;
        if h.last_run.is_none_or(|t| run.finished_at > t) {
            h.last_run = Some(run.finished_at);
        }
        if run.trigger == CYCLE_TRIGGER && h.last_cycle.is_none_or(|t| run.finished_at > t) {
            h.last_cycle = Some(run.finished_at);
        }
        let in_window = run.finished_at >= self.window_start;
        for r in &run.results {
            let Some(i) = Source::ALL.iter().position(|s| *s == r.source) else {
                continue;
            };
            let s = &mut h.sources[i];
            match &r.outcome {
                Outcome::Answer(_) => {
                    if s.last_answer_at.is_none_or(|t| r.at > t) {
                        s.last_answer_at = Some(r.at);
                    }
                    self.answered[i] = true;
                    if in_window {
                        s.answers += 1;
                    }
                }
                Outcome::CouldNotAsk { message, .. } => {
                    if s.last_failure_at.is_none_or(|t| r.at > t) {
                        s.last_failure_at = Some(r.at);
                        s.last_failure = Some(message.clone());
                    }
                    // Older failures before any answer move the start of the outage back.
                    if !self.answered[i] {
                        s.unavailable_since =
                            Some(s.unavailable_since.map_or(r.at, |t| t.min(r.at)));
                    }
                    if in_window {
                        s.failures += 1;
                    }
                }
            }
        }
    }

    /// Whether older runs than `run` can change nothing: it lies before the window, every source
    /// has answered (its outage, if any, is closed) and a cycle was met.
    pub fn settled_after(&self, run: &CheckRun) -> bool {
        run.finished_at < self.window_start
            && self.answered.iter().all(|a| *a)
            && self.health.last_cycle.is_some()
    }

    /// The health folded so far.
    pub fn finish(self) -> Health {
        self.health
    }
}

/// The health of every source from runs given newest first, counted over the window ending
/// `now`: the one function the Stats tab, the digest and the monitor use.
pub fn source_health<'a>(
    runs_newest_first: impl IntoIterator<Item = &'a CheckRun>,
    now: DateTime<Utc>,
) -> Health {
    let mut tally = HealthTally::new(now);
    for run in runs_newest_first {
        tally.add(run);
    }
    tally.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check::{Answer, Evidence, SanctionsAnswer, SourceResult, Unavailable};
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    fn run(h: u32, trigger: &str, answered: bool) -> CheckRun {
        let outcome = if answered {
            Outcome::Answer(Answer::Sanctions(SanctionsAnswer::default()))
        } else {
            Outcome::CouldNotAsk {
                reason: Unavailable::ServiceUnavailable,
                message: format!("MS_UNAVAILABLE at {h}"),
            }
        };
        CheckRun {
            id: u64::from(h),
            counterparty_id: 1,
            started_at: at(h),
            finished_at: at(h),
            trigger: trigger.into(),
            results: vec![SourceResult {
                source: Source::Vies,
                at: at(h),
                outcome,
                evidence: Evidence::default(),
            }],
        }
    }

    #[test]
    fn an_outage_starts_at_the_first_failure_after_the_last_answer() {
        // Newest first: failed at 5 and 4, answered at 3, failed at 2.
        let runs = [
            run(5, "anna", false),
            run(4, CYCLE_TRIGGER, false),
            run(3, CYCLE_TRIGGER, true),
            run(2, CYCLE_TRIGGER, false),
        ];
        let h = source_health(&runs, at(6));
        let vies = &h.sources[0];
        assert_eq!(vies.source, Source::Vies);
        assert_eq!(vies.unavailable_since, Some(at(4)));
        assert_eq!(vies.last_answer_at, Some(at(3)));
        assert_eq!(vies.last_failure.as_deref(), Some("MS_UNAVAILABLE at 5"));
        assert_eq!((vies.answers, vies.failures), (1, 3));
        assert!(vies.is_down() && vies.was_asked());
        // The manual check at 5 is a run, not a cycle.
        assert_eq!((h.last_run, h.last_cycle), (Some(at(5)), Some(at(4))));
        assert!(!h.sources[1].was_asked());
    }

    #[test]
    fn adding_newer_runs_gives_what_folding_backwards_gives() {
        let oldest_first = [
            run(1, CYCLE_TRIGGER, true),
            run(2, CYCLE_TRIGGER, false),
            run(3, "anna", false),
            run(4, CYCLE_TRIGGER, true),
            run(5, CYCLE_TRIGGER, false),
            run(6, "anna", false),
        ];
        let mut forward = source_health(oldest_first[..2].iter().rev(), at(7));
        for r in &oldest_first[2..] {
            forward.add_newer(r);
        }
        let backward = source_health(oldest_first.iter().rev(), at(7));
        assert_eq!(forward, backward);
    }

    #[test]
    fn an_answer_ends_the_outage_and_no_runs_mean_never_checked() {
        let runs = [run(5, CYCLE_TRIGGER, true), run(4, CYCLE_TRIGGER, false)];
        assert!(!source_health(&runs, at(6)).sources[0].is_down());
        assert!(source_health(&[], at(6)).never_checked());
    }
}
