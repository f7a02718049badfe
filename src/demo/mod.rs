//! The demo register: a deterministic, offline register of counterparties across the EU and
//! a check history in which made-up registries answer, fail and change their answers. The
//! alerts are not made up: each run goes through the monitor's own judgement
//! ([`crate::monitor::check::judge`]) and store write, so the demo shows the product's alerts.
//! `kontra --demo`, the UI tests and the benchmarks use it.

mod register;
mod registries;

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::{CheckRun, Counterparty, Frequency};
use crate::monitor::check::{applicable_sources, compared_sources, judge, load_history};
use crate::monitor::rules::AlertRules;
use crate::monitor::settings::MonitorConfig;
use crate::monitor::settings::change_rules;
use crate::sanctions::Screener;
use crate::store::{Store, StoreError, Write};
use registries::{Chapter, Day, STORIES, Story};

pub use register::{lei, vat_number};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    /// How many counterparties.
    pub counterparties: usize,
    /// Days of check history, ending at `now` (0 for none).
    pub history_days: u32,
    /// Only the first this-many counterparties get a history (bounds the size of big demos).
    pub history_for: usize,
    /// Seed of the generator; the same seed gives the same register.
    pub seed: u64,
    /// The end of the history.
    pub now: DateTime<Utc>,
}

impl DemoSpec {
    /// The `kontra --demo` register: 300 counterparties with sixty days of history.
    pub fn standard(now: DateTime<Utc>) -> DemoSpec {
        DemoSpec {
            counterparties: 300,
            history_days: 60,
            history_for: usize::MAX,
            seed: 7,
            now,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Counterparties stored.
    pub counterparties: usize,
    /// Check runs stored.
    pub check_runs: usize,
    /// Alerts stored.
    pub alerts: usize,
}

/// Deals the stories: every 9th monitored counterparty gets one, rotating through them so that
/// every kind of change occurs, with a start day in the second half of the window; a story
/// that does not fit the counterparty passes to the next.
fn deal_stories(cps: &[Counterparty], days: i64) -> Vec<Option<(Story, i64)>> {
    let mut next_story = 0;
    cps.iter()
        .enumerate()
        .map(|(i, cp)| {
            if i % 9 != 4 || !cp.monitor {
                return None;
            }
            let found = (0..STORIES.len())
                .map(|k| STORIES[(next_story + k) % STORIES.len()])
                .find(|s| s.fits(cp))?;
            if found == STORIES[next_story % STORIES.len()] {
                next_story += 1;
            }
            Some((found, days / 3 + (i as i64 * 7) % (days / 2).max(1)))
        })
        .collect()
}

/// A story as of `day`: None before it starts.
fn chapter(story: Option<(Story, i64)>, day: i64) -> Chapter {
    story
        .filter(|(_, from)| day >= *from)
        .map(|(s, from)| (s, day - from))
}

/// Fills `store` with a generated register and its check history; the alerts are what the
/// monitor's judgement makes of the history, with the default `[monitor]` settings.
pub fn populate(store: &Store, spec: &DemoSpec) -> Result<DemoSummary, StoreError> {
    let mut rng = crate::rng::Rng::new(spec.seed);
    let mut used = HashSet::new();
    let start = spec.now - Duration::days(i64::from(spec.history_days));
    let mut ids = Vec::with_capacity(spec.counterparties);
    let mut batch = Vec::new();
    for i in 0..spec.counterparties {
        let d = register::draft(&mut rng, &mut used);
        let created = start - Duration::days(rng.below(400) as i64);
        match d.apply(None, created) {
            Ok(cp) => batch.push(Write::Insert(cp)),
            Err(e) => tracing::warn!(?e, "demo draft rejected"),
        }
        if batch.len() == 1000 || i + 1 == spec.counterparties {
            ids.extend(store.write_counterparties(std::mem::take(&mut batch), "demo")?);
        }
    }
    let mut summary = DemoSummary {
        counterparties: ids.len(),
        ..DemoSummary::default()
    };
    if spec.history_days == 0 {
        return Ok(summary);
    }
    let mut cps = Vec::new();
    for id in ids.iter().take(spec.history_for) {
        if let Some(cp) = store.counterparty(*id)? {
            cps.push(cp);
        }
    }
    let days = i64::from(spec.history_days);
    let stories = deal_stories(&cps, days);
    let monitor = MonitorConfig::default();
    let rules = change_rules(&monitor);
    let register_every = Duration::days(i64::from(monitor.register_every_days.get()));
    let alert_rules = AlertRules::default();
    let threshold = crate::sanctions::config::SanctionsConfig::default()
        .threshold
        .0;
    let mut listed = Vec::new();
    let mut screener = Screener::new(Vec::new());
    for day in 0..days {
        let date = start + Duration::days(day + 1);
        let base = Utc
            .with_ymd_and_hms(
                chrono::Datelike::year(&date),
                chrono::Datelike::month(&date),
                chrono::Datelike::day(&date),
                1,
                0,
                0,
            )
            .single()
            .unwrap_or(date);
        // Member-state outages last a day; VIES reports them as MS_UNAVAILABLE.
        let down: Vec<&'static str> = register::country_codes()
            .filter(|_| rng.chance(4))
            .collect();
        let evatr_down = rng.chance(6);
        // The lists change only with the stories, so the index is rebuilt only then.
        let today: Vec<_> = cps
            .iter()
            .zip(&stories)
            .filter_map(|(cp, s)| registries::listed(cp, chapter(*s, day)))
            .collect();
        if today != listed {
            screener = Screener::new(today.clone());
            listed = today;
        }
        let snapshot = |list: &str| {
            use sha2::Digest;
            let ids: Vec<&str> = listed
                .iter()
                .filter(|e| e.source.as_str() == list)
                .map(|e| e.content_hash.as_str())
                .collect();
            let digest = sha2::Sha256::digest(format!("{list}:{}", ids.join(",")).as_bytes());
            (list.to_string(), hex::encode(&digest[..2]))
        };
        let world = Day {
            down,
            evatr_down,
            screener: screener.clone(),
            threshold,
            snapshots: ["eu", "ofac", "uk", "un"].map(snapshot).to_vec(),
        };
        for (i, cp) in cps.iter().enumerate() {
            let due = cp.monitor
                && match cp.frequency {
                    Frequency::Daily => true,
                    Frequency::Weekly => (day + cp.id as i64) % 7 == 0,
                    Frequency::Monthly => (day + cp.id as i64) % 30 == 0,
                };
            // Stories must be seen on their days, so their counterparties are checked daily.
            if !(due || stories[i].is_some() && cp.monitor) {
                continue;
            }
            let at = (base + Duration::minutes((i as i64 * 3) % 240 + rng.below(5) as i64))
                .min(spec.now - Duration::minutes(30));
            let history = load_history(store, cp.id, &rules, &compared_sources(cp, |_| true))?;
            let sources = applicable_sources(cp, &history, register_every, at, |_| true);
            let results: Vec<_> = (1..)
                .zip(sources)
                .map(|(step, source)| {
                    let r_at = at + Duration::seconds(step * 2);
                    let chapter = chapter(stories[i], day);
                    registries::ask(&mut rng, source, cp, r_at, chapter, &world)
                })
                .collect();
            let run = CheckRun {
                id: 0,
                counterparty_id: cp.id,
                started_at: at,
                finished_at: results.last().map_or(at, |r| r.at),
                trigger: crate::domain::health::CYCLE_TRIGGER.to_string(),
                results,
            };
            let alerts = judge(cp, &history, &run, &rules, &alert_rules, &BTreeSet::new());
            let (_, fresh) = store.record_check_deferred(run, alerts)?;
            summary.check_runs += 1;
            summary.alerts += fresh.len();
            // Digests go out at 07:00 the next morning.
            let sent: Vec<u64> = fresh
                .iter()
                .filter(|a| a.created_at + Duration::days(1) < spec.now)
                .map(|a| a.id)
                .collect();
            if !sent.is_empty() {
                store.mark_sent(&sent, base + Duration::days(1) + Duration::hours(6))?;
            }
            if day < days - 7 {
                let acked: Vec<u64> = fresh
                    .iter()
                    .filter(|a| a.id % 3 != 0)
                    .map(|a| a.id)
                    .collect();
                if !acked.is_empty() {
                    store.acknowledge(&acked, cp.owner.as_deref().unwrap_or("analyst"))?;
                }
            }
        }
    }
    store.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AlertKind;
    use std::collections::BTreeMap;

    /// The standard demo shows every kind of alert, and each was written by the change
    /// detector: its key names counterparty, kind and source the way `changes::detect` does.
    #[test]
    fn every_alert_kind_occurs_and_comes_from_the_detector() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data"), "test").unwrap();
        let now = Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap();
        let summary = populate(&store, &DemoSpec::standard(now)).unwrap();
        let alerts = store.alerts().unwrap();
        assert_eq!(summary.alerts, alerts.len());
        let mut kinds = BTreeMap::new();
        for a in &alerts {
            *kinds.entry(a.kind).or_insert(0) += 1;
            let prefix = format!("{}/{}/", a.counterparty_id, a.kind);
            assert!(a.dedup_key.starts_with(&prefix), "{}", a.dedup_key);
            assert!(a.check_run_id.is_some(), "{a:?}");
        }
        for kind in AlertKind::ALL {
            assert!(kinds.contains_key(&kind), "no {kind} in {kinds:?}");
        }
    }
}
