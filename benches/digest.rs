//! Digest composition: routing 1,000 pending alerts of 300 counterparties to 5 analysts and a
//! fallback, then rendering every message (text and HTML) in German.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kontra::domain::alert::Bilingual;
use kontra::domain::analyst::{Analyst, Email};
use kontra::domain::{Alert, AlertKind, Counterparty};
use kontra::notify::digest::{self, RenderContext};
use kontra::values::Language;
use std::collections::HashMap;
use std::hint::black_box;

fn data() -> (Vec<Alert>, HashMap<u64, Counterparty>, Vec<Analyst>) {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let analysts: Vec<Analyst> = (0..5)
        .map(|i| Analyst {
            name: format!("analyst{i}"),
            email: Email(format!("analyst{i}@example.de")),
            unix_user: None,
            role: Default::default(),
        })
        .collect();
    let cps: HashMap<u64, Counterparty> = (1..=300u64)
        .map(|id| {
            let cp = Counterparty {
                id,
                name: format!("Müller & Söhne {id} GmbH"),
                country: "DE".into(),
                // A well-formed number per id: the last digit is the one whose check passes.
                vat: (0..10)
                    .find_map(|d| kontra::domain::vat::validate(&format!("DE{id:08}{d}")).ok()),
                email: None,
                domain: None,
                address: None,
                contact: None,
                // Every sixth counterparty has no owner and goes to the fallback.
                owner: (id % 6 != 0).then(|| format!("analyst{}", id % 5)),
                lei: None,
                register: None,
                priority: Default::default(),
                monitor: true,
                frequency: Default::default(),
                tags: vec![],
                notes: String::new(),
                created_at: t0,
                updated_at: t0,
                kind: Default::default(),
            };
            (id, cp)
        })
        .collect();
    let alerts = (1..=1000u64)
        .map(|id| {
            let kind = AlertKind::ALL[(id % AlertKind::ALL.len() as u64) as usize];
            Alert {
                id,
                kind,
                severity: kind.default_severity(),
                counterparty_id: id % 300 + 1,
                check_run_id: Some(id),
                message: Bilingual {
                    de: format!("Änderung {id}: „alt“ → „neu“ laut Register"),
                    en: format!("Change {id}: \"old\" -> \"new\" per register"),
                },
                dedup_key: format!("k{id}"),
                created_at: t0 + Duration::seconds(id as i64),
                sent_at: None,
                acknowledged_by: None,
                acknowledged_at: None,
            }
        })
        .collect();
    (alerts, cps, analysts)
}

fn bench(c: &mut Criterion) {
    let (alerts, cps, analysts) = data();
    let ctx = RenderContext {
        language: Language::De,
        tz: chrono_tz::Europe::Berlin,
        now: Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap(),
        health: None,
        pause: None,
        lists: None,
        immediate: false,
    };
    c.bench_function("digest_plan_and_render_1000_alerts", |b| {
        b.iter(|| {
            let plan = digest::plan(
                black_box(&alerts),
                &cps,
                &analysts,
                Some("team@example.de"),
                false,
            );
            let bytes: usize = plan
                .digests
                .iter()
                .map(|d| {
                    let r = digest::render(d, &ctx);
                    r.text.len() + r.html.len()
                })
                .sum();
            black_box(bytes)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
