//! The screening invariants that cannot be traded away, on the whole OFAC 2021 and UN
//! 2026-02-27 lists (committed under tests/fixtures/sanctions_full/): every listed organisation
//! name, strong alias and vessel name finds itself with any country; the name as written is a
//! strong hit; real company names stay quiet (a ceiling on the dev set); strength and kinds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use kontra::domain::CounterpartyKind;
use kontra::domain::screening::{HitReason, HitStrength};
use kontra::sanctions::matcher::DEFAULT_THRESHOLD;
use kontra::sanctions::real_names::{self, ErrorClass};
use kontra::sanctions::self_recall;
use kontra::sanctions::{self, ListSource, ScreenQuery, Screener, snapshot};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The whole lists, parsed and indexed once for every test of this file.
fn full() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| {
        let mut all = Vec::new();
        for (source, path) in [
            (ListSource::Ofac, "sanctions_full/ofac_2021"),
            (
                ListSource::Un,
                "sanctions_full/un_consolidated_2026-02-27.xml",
            ),
        ] {
            let raw = snapshot::read_local(source, &fixtures().join(path)).unwrap();
            all.extend(sanctions::parse(source, &raw).unwrap().entities);
        }
        Screener::new(all)
    })
}

fn org(name: &str, country: Option<&str>) -> ScreenQuery {
    ScreenQuery {
        kind: Some(CounterpartyKind::Organisation),
        country: country.map(str::to_string),
        ..ScreenQuery::name(name)
    }
}

#[test]
fn every_listed_name_finds_itself_with_any_country() {
    let r = self_recall::measure(full(), DEFAULT_THRESHOLD);
    let (found, screened) = r.total();
    // 10,878 organisation names, strong aliases and vessel names, each in three country modes.
    assert!(screened > 30_000, "{screened}");
    assert_eq!(
        found,
        screened,
        "{}\nfirst misses: {:?}",
        r.render(),
        &r.misses[..r.misses.len().min(10)]
    );
}

#[test]
fn the_listed_name_is_a_strong_hit_whatever_its_words_and_country() {
    // Names made only of generic words, screened as a front company registered in Germany.
    for name in [
        "BANCO NACIONAL DE CUBA",
        "NATIONAL IRANIAN OIL COMPANY",
        "CENTRAL BANK OF SYRIA",
        "COMMERCIAL BANK OF SYRIA",
        "KOREA NATIONAL INSURANCE CORPORATION",
        "CENTRAL BANK OF IRAN",
        "AGRICULTURAL BANK OF IRAN",
    ] {
        for country in [None, Some("DE"), Some("US")] {
            let hits = full().screen(&org(name, country), DEFAULT_THRESHOLD);
            let h = hits
                .iter()
                .find(|h| h.explanation.matched_name.eq_ignore_ascii_case(name))
                .unwrap_or_else(|| panic!("{name} {country:?}: {hits:?}"));
            assert!(h.score >= DEFAULT_THRESHOLD, "{name} {country:?}");
            assert_eq!(h.strength, HitStrength::Strong, "{name} {country:?}");
            assert!(matches!(h.reasons[0], HitReason::ExactName { .. }));
            if country == Some("DE") {
                assert!(
                    h.reasons
                        .iter()
                        .any(|r| matches!(r, HitReason::CountryDiffers { .. })),
                    "the analyst is told the country differs: {:?}",
                    h.reasons
                );
            }
        }
    }
    // The legal form spelled another way is still the listed name.
    let hits = full().screen(
        &org("National Iranian Oil Co", Some("DE")),
        DEFAULT_THRESHOLD,
    );
    assert_eq!(hits[0].name, "NATIONAL IRANIAN OIL COMPANY");
    assert_eq!(hits[0].strength, HitStrength::Strong);
}

#[test]
fn another_country_lowers_only_a_fuzzy_name() {
    let q = "NATIONAL IRANIAN OIL COMPANY";
    let fuzzy = "NATIONAL IRANAIN OIL COMPANY";
    let score = |name: &str, c: Option<&str>| {
        full()
            .screen(&org(name, c), 0.0)
            .into_iter()
            .find(|h| h.entity_id == "11317")
            .map(|h| h.score)
            .unwrap()
    };
    assert_eq!(score(q, None), score(q, Some("DE")));
    assert!(score(fuzzy, Some("DE")) < score(fuzzy, None));
}

#[test]
fn real_company_names_stay_quiet() {
    let companies =
        real_names::read(&fixtures().join("screening/real_companies_dev.jsonl")).unwrap();
    assert_eq!(companies.len(), 667);
    let r = real_names::measure(full(), &companies, DEFAULT_THRESHOLD);
    println!("{}", r.render(30));
    // Targets of the screening issue; measured 0 with country and 5 without (all possible) when
    // set: ADP, Accenture, Carvana, Intercontinental Exchange, Iron Mountain.
    assert!(r.with_country.alerts.len() <= 2, "{}", r.render(30));
    assert!(r.with_country.strong() <= 1, "{}", r.render(30));
    assert!(r.without_country.alerts.len() <= 5, "{}", r.render(30));
    // A company is never matched with a ship or an aircraft, and one short word with a replaced
    // letter ("Cisco" for "ZISCO") never alerts by name alone.
    for pass in [&r.with_country, &r.without_country] {
        let classes = pass.per_class();
        assert_eq!(classes.get(&ErrorClass::Craft), None);
        assert_eq!(classes.get(&ErrorClass::Spelling), None, "{}", r.render(30));
    }
}

#[test]
fn a_company_is_not_a_ship_of_the_same_name() {
    // Vessels of the OFAC list, screened as the company a counterparty usually is, and as a ship.
    let vessel = full()
        .index()
        .entities()
        .iter()
        .find(|e| e.kind == sanctions::EntityKind::Vessel && e.primary_name().len() > 8)
        .unwrap();
    let name = vessel.primary_name();
    let as_org = full().screen(&org(name, None), DEFAULT_THRESHOLD);
    assert!(as_org.iter().all(|h| h.entity_id != vessel.id), "{name}");
    let as_vessel = full().screen(
        &ScreenQuery {
            kind: Some(CounterpartyKind::Vessel),
            ..ScreenQuery::name(name)
        },
        DEFAULT_THRESHOLD,
    );
    assert!(as_vessel.iter().any(|h| h.entity_id == vessel.id), "{name}");
    let any = full().screen(&ScreenQuery::name(name), DEFAULT_THRESHOLD);
    assert!(any.iter().any(|h| h.entity_id == vessel.id), "{name}");
}

#[test]
fn strength_says_what_the_evidence_is() {
    // A name that passes on its own and whose country agrees is strong.
    let hits = full().screen(
        &org("Iran Aircraft Manufacturing Industrial Co", Some("IR")),
        DEFAULT_THRESHOLD,
    );
    assert_eq!(hits[0].entity_id, "11195");
    assert_eq!(hits[0].strength, HitStrength::Strong);
    assert!(
        hits[0]
            .reasons
            .iter()
            .any(|r| matches!(r, HitReason::SameCountry { .. }))
    );
    // The same fuzzy name by itself is a possible hit: similarity alone.
    let hits = full().screen(
        &org("Iran Aircraft Manufacturng Industrial Co", None),
        DEFAULT_THRESHOLD,
    );
    let h = hits.iter().find(|h| h.entity_id == "11195").unwrap();
    assert_eq!(h.strength, HitStrength::Possible);
    assert!(matches!(h.reasons[0], HitReason::SimilarName { .. }));
    // A namesake sharing one brand word is possible and says so.
    let hits = full().screen(&org("Carvana", None), DEFAULT_THRESHOLD);
    assert_eq!(hits[0].strength, HitStrength::Possible);
    assert!(
        hits[0]
            .reasons
            .iter()
            .any(|r| matches!(r, HitReason::OneWordInCommon { .. }))
    );
    let text = kontra::domain::screening::reasons_text(&hits[0].reasons, "en");
    assert!(text.contains("only one word in common"), "{text}");
}

#[test]
fn one_short_word_with_a_replaced_letter_needs_corroboration() {
    // A made-up listed name of one short word: a replaced letter is another name, a slip of
    // typing is the same one; the country of the listed entity lifts the replaced letter.
    let mut e =
        sanctions::ListedEntity::new(ListSource::Ofac, "1", sanctions::EntityKind::Organisation);
    e.add_name("ZORVEX", sanctions::NameKind::Primary, None);
    e.add_country("IR");
    let s = Screener::new(vec![e.finish()]);
    let hit = |name: &str, c: Option<&str>| !s.screen(&org(name, c), DEFAULT_THRESHOLD).is_empty();
    assert!(hit("ZORVEX", None));
    assert!(hit("ZROVEX", None), "two letters swapped");
    assert!(hit("ZORVVEX", None), "a letter doubled");
    assert!(hit("ZORCEX", None), "v and c are neighbouring keys");
    assert!(!hit("ZORMEX", None), "m is far from v: another name");
    assert!(
        hit("ZORMEX", Some("IR")),
        "the listed country corroborates it"
    );
}
