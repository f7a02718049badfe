//! The quality gate on the committed evaluation sample (`tests/fixtures/screening/` of the
//! main crate): recall per variant class, false alerts per negative class, self-recall, and the
//! generator's determinism.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use kontra::sanctions::Screener;
use kontra_eval::generate::{self as eval, Sample};
use kontra_eval::self_recall;
use std::path::{Path, PathBuf};

/// The main crate's fixtures (this crate lives in `tools/eval/`).
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

#[test]
fn quality_gate_on_the_committed_sample() {
    let dir = fixtures().join("screening");
    let sample = Sample::read(&dir).unwrap();
    assert!(sample.queries.len() > 800, "{}", sample.queries.len());
    let set = eval::EvalSet {
        entities: sample.entities.clone(),
        queries: sample.queries.clone(),
    };
    let threshold = kontra::sanctions::matcher::DEFAULT_THRESHOLD;
    let report = eval::evaluate(&set, threshold);
    println!("{}", report.render());
    // Every organisation name, strong alias and vessel name of the sample finds itself, with no
    // country, its own and another one.
    let own = self_recall::measure(&Screener::new(set.entities.clone()), threshold);
    let (found, screened) = own.total();
    assert!(screened > 1_000, "{screened}");
    assert_eq!(found, screened, "{}\n{:?}", own.render(), own.misses);
    // Held-out real aliases (P1) are often unrelated names ("HESA" for an aircraft maker);
    // they are reported, and gated separately at what no name matcher can exceed by much.
    // Measured 0.9921 (1,250/1,260) when the floor was set, 0.9929 (1,251) on 2026-12-02; the
    // margin is about five queries.
    let recall = report.ours.recall_without(&["P1"]);
    assert!(recall >= 0.988, "recall {recall}\n{}", report.render());
    // Everything a name matcher can find (all but the P1 aliases sharing no word): 0.9793,
    // then 0.9808 with the shortened names and term equivalents of 2026-12-02.
    let variants = report.ours.recall_name_variants();
    assert!(variants >= 0.977, "{variants}\n{}", report.render());
    let (f, n) = report.ours.recall["P0"];
    assert_eq!(f, n, "exact names must all alert");
    // Transliteration (P3, 46 queries) and word order (P5) measured 0.978 and 1.000 (and again
    // so after the short-word rules of the real-name round, 2026-12-04).
    for (class, floor) in [("P3", 0.95), ("P5", 0.98)] {
        let (f, n) = report.ours.recall[class];
        assert!(
            f as f64 / n as f64 >= floor,
            "{class}: {f}/{n}\n{}",
            report.render()
        );
    }
    for class in ["P4", "P6", "P7", "P10"] {
        let (f, n) = report.ours.recall[class];
        assert!(
            f as f64 / n as f64 >= 0.97,
            "{class}: {f}/{n}\n{}",
            report.render()
        );
    }
    let (f, n) = report.ours.recall["P1"];
    // Measured 28/62 = 0.452, then 29/62 = 0.468.
    assert!(f as f64 / n as f64 >= 0.42, "P1: {f}/{n}");
    assert!(report.ours.false_rate("N6") <= 0.005, "{}", report.render());
    assert_eq!(report.ours.false_rate("G"), 0.0, "{}", report.render());
    for class in ["N1", "N3", "N4"] {
        assert!(
            report.ours.false_rate(class) <= 0.05,
            "{class}\n{}",
            report.render()
        );
    }
    // The baseline is measured on the same set; ours must not be worse on recall.
    assert!(recall >= report.baseline.recall_without(&["P1"]));
}

#[test]
fn generator_is_deterministic() {
    let dir = fixtures().join("screening");
    let sample = Sample::read(&dir).unwrap();
    let a = eval::generate(&sample.entities, 3, 40, 50);
    let b = eval::generate(&sample.entities, 3, 40, 50);
    assert_eq!(a.queries, b.queries);
    assert!(a.queries.iter().any(|q| q.class == "P4"));
    assert_ne!(
        eval::generate(&sample.entities, 4, 40, 50).queries,
        a.queries
    );
}
