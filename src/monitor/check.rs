//! A check of one counterparty: which sources apply, asking them, comparing the results with the
//! earlier answers, and storing the run with its alerts in one store transaction.

use super::clock::Clock;
use super::delta::{self, ListDelta};
use super::events::{AlertNote, MonitorEvent};
use super::rules::AlertRules;
use super::settings;
use crate::config::Config;
use crate::domain::changes::{self, ChangeRules, History};
use crate::domain::check::{Answer, Evidence, Outcome, SanctionsAnswer, SanctionsHit};
use crate::domain::{Alert, CheckRun, Counterparty, Source, SourceResult, country};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

/// Asks registries and lists about a counterparty. The production implementation wraps the
/// source clients and the sanctions screener; tests script their answers.
pub trait Checker: Send + Sync + 'static {
    /// Whether a source is switched on (for eVatR: also whether a German requester VAT number
    /// is configured, without which it cannot be asked).
    fn enabled(&self, source: Source) -> bool;

    /// Asks one source about one counterparty. Never fails: a failure is a
    /// [`crate::domain::Outcome::CouldNotAsk`] result.
    fn ask(&self, source: Source, cp: &Counterparty) -> impl Future<Output = SourceResult> + Send;

    /// The `(list, entity_id)` pairs an analyst marked "not this entity" for the counterparty.
    fn dismissed(&self, _cp: &Counterparty) -> BTreeSet<(String, String)> {
        BTreeSet::new()
    }

    /// Sanctions list changes the register has not been screened against yet.
    fn list_changes(&self) -> Vec<ListDelta> {
        Vec::new()
    }

    /// A counterparty's hits among only the entities the deltas touched; None when the lists
    /// cannot be screened.
    fn screen_delta(&self, _cp: &Counterparty, _deltas: &[ListDelta]) -> Option<Vec<SanctionsHit>> {
        None
    }

    /// Records that the register was screened against these deltas.
    fn mark_screened(&self, _deltas: &[ListDelta]) {}

    /// Reloads the sanctions lists after they changed outside the checker.
    fn lists_changed(&self) {}

    /// Periodic upkeep between cycles (e.g. refreshing sanctions lists).
    fn maintain(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Lifts the operator-cleared pause of `source` in the store, audited as `source_resumed` by
    /// `actor`, and in any copy the checker keeps (the live VIES client), so that the pause is
    /// not written back; returns the pause that was in force.
    fn resume(
        &self,
        store: &Store,
        source: Source,
        actor: &str,
    ) -> Result<Option<crate::domain::pause::SourcePause>, StoreError> {
        store.resume_source(source, actor)
    }
}

/// Why a check could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The store failed.
    #[error("counterparty {id}: {source}")]
    Store {
        /// The counterparty.
        id: u64,
        /// The cause.
        source: StoreError,
    },
    /// A blocking store task panicked or was aborted.
    #[error("counterparty {id}: store task failed: {message}")]
    Task {
        /// The counterparty.
        id: u64,
        /// The join error.
        message: String,
    },
    /// The check was cancelled before anything was stored.
    #[error("counterparty {id}: cancelled")]
    Cancelled {
        /// The counterparty.
        id: u64,
    },
}

/// What a check needs besides the checker: rules, thresholds and the clock.
pub struct CheckSettings {
    /// Change-detection thresholds.
    pub change: ChangeRules,
    /// Per-owner alert rules.
    pub alert_rules: AlertRules,
    /// Minimum time between two Handelsregister look-ups of one counterparty.
    pub register_every: Duration,
    /// The clock for run times.
    pub clock: Arc<dyn Clock>,
}

impl CheckSettings {
    /// Settings from the configuration, with the given clock.
    pub fn from_config(config: &Config, clock: Arc<dyn Clock>) -> CheckSettings {
        CheckSettings {
            change: settings::change_rules(&config.monitor),
            alert_rules: config.alert_rules.clone(),
            register_every: Duration::days(i64::from(config.monitor.register_every_days.get())),
            clock,
        }
    }
}

/// The result of one check: the stored run and the alerts that were new.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The stored run.
    pub(crate) run: CheckRun,
    /// New alerts (already-known changes are not repeated).
    pub(crate) alerts: Vec<Alert>,
}

/// Whether a VAT number belongs to an EU member state (VIES knows `EL` for Greece and `XI` for
/// Northern Ireland).
fn eu_vat_prefix(vat: &str) -> Option<&str> {
    let prefix = vat.get(..2)?;
    let iso = match prefix {
        "EL" => "GR",
        "XI" => return Some(prefix),
        p => p,
    };
    country::is_eu(iso).then_some(prefix)
}

/// The sources that apply to a counterparty now, in [`Source::ALL`] order.
pub(crate) fn applicable_sources(
    cp: &Counterparty,
    history: &History,
    register_every: Duration,
    now: DateTime<chrono::Utc>,
    enabled: impl Fn(Source) -> bool,
) -> Vec<Source> {
    let vat_prefix = cp.vat.as_deref().and_then(eu_vat_prefix);
    let german = cp.country == "DE";
    Source::ALL
        .into_iter()
        .filter(|&s| match s {
            Source::Vies => vat_prefix.is_some(),
            // A qualified confirmation is for foreign partners of a German requester.
            Source::Evatr => vat_prefix.is_some_and(|p| p != "DE"),
            Source::Gleif => cp.lei.is_some() || cp.register.is_some(),
            // The register allows 60 retrievals an hour: a slow rotation, not every run.
            Source::Handelsregister => {
                german
                    && history
                        .last_answer_at(Source::Handelsregister)
                        .is_none_or(|t| now - t >= register_every)
            }
            Source::Insolvency => german,
            Source::Sanctions => true,
        })
        .filter(|&s| enabled(s))
        .collect()
}

/// How many runs back a history is read at most, whatever the sources did.
const HISTORY_CAP: usize = 1000;

/// How many runs back a history is read to find the last answer of a source that is asked
/// less often (the register, weekly) or was down for a while. A source that never answers
/// (an insolvency search limited to the last 14 days is "could not ask" on every check) would
/// otherwise make every check of that counterparty read `HISTORY_CAP` runs.
const LAST_ANSWER_SEARCH: usize = 100;

/// The sources whose earlier answers a check of `cp` may compare with: every source that
/// applies to it, whatever the rotation (the register is asked only every few days, and its
/// last answer is what a status change is measured against).
pub(crate) fn compared_sources(cp: &Counterparty, enabled: impl Fn(Source) -> bool) -> Vec<Source> {
    applicable_sources(
        cp,
        &History::default(),
        Duration::zero(),
        DateTime::<chrono::Utc>::MIN_UTC,
        enabled,
    )
}

/// Reads as many earlier runs, newest first, as the change rules need: enough answers of every
/// source seen for the VAT rule, and the last answer of every source in `wanted` (see
/// [`compared_sources`]), however far back it lies. Stopping at the first few runs would lose
/// a source asked less often than the others: a register deletion would then be compared
/// with nothing and never alert. The search for a last answer ends after
/// `LAST_ANSWER_SEARCH` runs.
pub(crate) fn load_history(
    store: &Store,
    cp_id: u64,
    rules: &ChangeRules,
    wanted: &[Source],
) -> Result<History, StoreError> {
    let depth = rules.vat_invalid_after as usize + 1;
    let mut history = History::default();
    for run in store.check_runs_newest_first(cp_id) {
        history.push_older(&run?);
        let deep = history.is_deep_enough(depth);
        let searched = history.run_count() >= LAST_ANSWER_SEARCH
            || wanted.iter().all(|&s| history.has_answer(s));
        if (deep && searched) || history.run_count() >= HISTORY_CAP {
            break;
        }
    }
    Ok(history)
}

async fn blocking<T: Send + 'static>(
    id: u64,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, CheckError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(source)) => Err(CheckError::Store { id, source }),
        Err(e) => Err(CheckError::Task {
            id,
            message: e.to_string(),
        }),
    }
}

/// Shared parts a check reports to.
pub(crate) struct Reporting<'a> {
    /// Where progress events go.
    pub(crate) events: &'a broadcast::Sender<MonitorEvent>,
    /// Stops the questions still open.
    pub(crate) cancel: &'a CancellationToken,
    /// Registry slots: one is held only while a check's sources are asked, so that the local
    /// work of a check (reading its history, comparing, storing) never occupies one and
    /// overlaps with the questions of the others.
    pub(crate) slots: &'a Semaphore,
}

/// Checks one counterparty: asks every applicable source (concurrently), compares with the
/// earlier answers, applies the owner's alert rules and stores run and alerts in one transaction.
/// `history` may be passed when the caller already read it (saves a store round trip).
///
/// Cancelling stops the questions still open; once storing has begun it is finished, so a
/// check is stored completely or not at all.
pub(crate) async fn check_counterparty<C: Checker>(
    store: &Arc<Store>,
    checker: &C,
    settings: &CheckSettings,
    cp: &Counterparty,
    trigger: &str,
    report: &Reporting<'_>,
    history: Option<History>,
) -> Result<CheckOutcome, CheckError> {
    let id = cp.id;
    let rules = settings.change;
    let history = match history {
        Some(h) => h,
        None => {
            let s = store.clone();
            let wanted = compared_sources(cp, |s| checker.enabled(s));
            blocking(id, move || load_history(&s, id, &rules, &wanted)).await?
        }
    };
    let slot = tokio::select! {
        biased;
        _ = report.cancel.cancelled() => return Err(CheckError::Cancelled { id }),
        // The semaphore is never closed; were it, asking without a slot beats not asking.
        s = report.slots.acquire() => s.ok(),
    };
    // The run starts when its questions can start, not while it waits for a slot.
    let started_at = settings.clock.now();
    let _ = report.events.send(MonitorEvent::CheckStarted {
        counterparty_id: id,
    });
    let sources = applicable_sources(cp, &history, settings.register_every, started_at, |s| {
        checker.enabled(s)
    });
    let asks = sources.iter().map(|&source| async move {
        let _ = report.events.send(MonitorEvent::SourceStarted {
            counterparty_id: id,
            source,
        });
        let r = checker.ask(source, cp).await;
        let _ = report.events.send(MonitorEvent::SourceFinished {
            counterparty_id: id,
            source,
            answered: r.outcome.answer().is_some(),
        });
        r
    });
    let results = tokio::select! {
        biased;
        _ = report.cancel.cancelled() => return Err(CheckError::Cancelled { id }),
        r = futures::future::join_all(asks) => r,
    };
    drop(slot);
    conclude(
        store, checker, settings, cp, &history, results, started_at, trigger, report,
    )
    .await
}

/// The alerts a check run raises: its results compared with the counterparty's history by the
/// change detector, then the owner's alert rules applied; each alert is dated when the run
/// finished. Pure: the monitor and the demo (`crate::demo`) both store a run with exactly these
/// alerts through [`Store::record_check`] or [`Store::record_check_deferred`], so every alert
/// anyone sees has the detector's message and dedup key.
pub(crate) fn judge(
    cp: &Counterparty,
    history: &History,
    run: &CheckRun,
    change: &ChangeRules,
    alert_rules: &AlertRules,
    dismissed: &BTreeSet<(String, String)>,
) -> Vec<Alert> {
    let drafts = changes::detect(cp, history, &run.results, change, dismissed);
    alert_rules
        .apply(cp.owner.as_deref(), drafts)
        .into_iter()
        .map(|d| d.into_alert(cp.id, run.finished_at))
        .collect()
}

/// The end of every check: compares the new results with the history, applies the owner's
/// alert rules, stores run and alerts in one transaction and reports what was stored.
#[allow(clippy::too_many_arguments)]
async fn conclude<C: Checker>(
    store: &Arc<Store>,
    checker: &C,
    settings: &CheckSettings,
    cp: &Counterparty,
    history: &History,
    results: Vec<SourceResult>,
    started_at: DateTime<Utc>,
    trigger: &str,
    report: &Reporting<'_>,
) -> Result<CheckOutcome, CheckError> {
    let id = cp.id;
    let run = CheckRun {
        id: 0,
        counterparty_id: id,
        started_at,
        finished_at: settings.clock.now(),
        trigger: trigger.to_string(),
        results,
    };
    let alerts = judge(
        cp,
        history,
        &run,
        &settings.change,
        &settings.alert_rules,
        &checker.dismissed(cp),
    );
    let s = store.clone();
    let (run, alerts) = blocking(id, move || s.record_check_deferred(run, alerts)).await?;
    let _ = report.events.send(MonitorEvent::CheckFinished {
        counterparty_id: id,
        run_id: run.id,
        alerts: alerts
            .iter()
            .map(|a| AlertNote {
                id: a.id,
                kind: a.kind,
                severity: a.severity,
            })
            .collect(),
    });
    Ok(CheckOutcome { run, alerts })
}

/// Screens one counterparty against only what changed in the sanctions lists and stores the
/// result as a check run with one (merged) sanctions result. None when the counterparty was
/// never screened (its next full check screens it) or the lists cannot be screened.
pub(crate) async fn screen_delta<C: Checker>(
    store: &Arc<Store>,
    checker: &C,
    settings: &CheckSettings,
    cp: &Counterparty,
    deltas: &[ListDelta],
    report: &Reporting<'_>,
) -> Result<Option<CheckOutcome>, CheckError> {
    let started_at = settings.clock.now();
    let id = cp.id;
    let rules = settings.change;
    let s = store.clone();
    let wanted = compared_sources(cp, |s| checker.enabled(s));
    let history = blocking(id, move || load_history(&s, id, &rules, &wanted)).await?;
    let previous =
        history
            .results(Source::Sanctions)
            .iter()
            .find_map(|p| match &p.result.outcome {
                Outcome::Answer(Answer::Sanctions(a)) => Some(a.clone()),
                _ => None,
            });
    let Some(previous) = previous else {
        return Ok(None);
    };
    let Some(hits) = checker.screen_delta(cp, deltas) else {
        return Ok(None);
    };
    let merged: SanctionsAnswer = delta::merge(&previous, deltas, hits);
    let result = SourceResult {
        source: Source::Sanctions,
        at: started_at,
        outcome: Outcome::Answer(Answer::Sanctions(merged)),
        evidence: Evidence {
            reference: Some(
                deltas
                    .iter()
                    .map(|d| format!("{}:{}", d.list, d.snapshot))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ..Default::default()
        },
    };
    conclude(
        store,
        checker,
        settings,
        cp,
        &history,
        vec![result],
        started_at,
        "sanctions-delta",
        report,
    )
    .await
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CounterpartyDraft;
    use chrono::Utc;

    fn cp(country: &str, vat: Option<&str>, lei: Option<&str>) -> Counterparty {
        CounterpartyDraft {
            name: Some("X".into()),
            country: Some(country.into()),
            vat: vat.map(Into::into),
            lei: lei.map(Into::into),
            ..Default::default()
        }
        .apply(None, Utc::now())
        .unwrap()
    }

    #[test]
    fn sources_that_apply() {
        use Source::*;
        let h = History::default();
        let all = |_| true;
        let week = Duration::days(7);
        let now = Utc::now();
        let table: Vec<(Counterparty, Vec<Source>)> = vec![
            (
                cp("DE", Some("DE136695976"), None),
                vec![Vies, Handelsregister, Insolvency, Sanctions],
            ),
            (
                cp("AT", Some("ATU13585627"), None),
                vec![Vies, Evatr, Sanctions],
            ),
            (
                cp("GR", Some("EL094259216"), None),
                vec![Vies, Evatr, Sanctions],
            ),
            (
                cp("CH", None, Some("529900T8BM49AURSDO55")),
                vec![Gleif, Sanctions],
            ),
            (cp("US", None, None), vec![Sanctions]),
        ];
        for (c, expected) in table {
            assert_eq!(
                applicable_sources(&c, &h, week, now, all),
                expected,
                "{}",
                c.country
            );
        }
        let only_sanctions = |s| s == Sanctions;
        assert_eq!(
            applicable_sources(
                &cp("DE", Some("DE136695976"), None),
                &h,
                week,
                now,
                only_sanctions
            ),
            vec![Sanctions]
        );
    }
}
