//! Screening behaviour on the committed list fixtures, the quality gate on the committed
//! evaluation sample, and the `kontra sanctions` command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use assert_cmd::Command;
use kontra::sanctions::eval::{self, Sample};
use kontra::sanctions::{self, ListSource, RawList, ScreenQuery, Screener};

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn screener() -> Screener {
    let mut raw = RawList::default();
    for f in ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"] {
        raw.files
            .push((f.into(), fixture(&format!("sanctions_ofac/{f}"))));
    }
    let mut all = sanctions::parse(ListSource::Ofac, &raw).unwrap().entities;
    let un = RawList::single("x", fixture("sanctions_un/consolidated.sample.xml"));
    all.extend(sanctions::parse(ListSource::Un, &un).unwrap().entities);
    let eu = RawList::single(
        "x",
        fixture("sanctions_eu/xmlFullSanctionsList_1_1.sample.xml"),
    );
    all.extend(sanctions::parse(ListSource::Eu, &eu).unwrap().entities);
    Screener::new(all)
}

#[test]
fn variants_match_with_explanations() {
    let s = screener();
    for (q, id) in [
        ("Iran Aircraft Manufacturing Industrial Co.", "11195"),
        ("IRAN AIRCRAFT MANUFACTURNG INDUSTRIAL COMPANY", "11195"),
        ("Manufacturing Iran Aircraft Industrial Company", "11195"),
        ("Aircraft, Avionics, Parts and Support Limited", "19709"),
        ("Gaddafi Int'l Charity & Development Foundation", "12685"),
        ("ООО Пример Трейд", "900001"),
        ("Example Trade LLC", "900001"),
    ] {
        let hits = s.screen(&ScreenQuery::name(q), 0.85);
        assert!(
            hits.iter().any(|h| h.entity_id == id),
            "{q}: {:?}",
            hits.iter()
                .map(|h| (&h.entity_id, h.score))
                .collect::<Vec<_>>()
        );
        let h = hits.iter().find(|h| h.entity_id == id).unwrap();
        assert!(h.score > 0.85 && h.score <= 1.0);
        assert!(!h.explanation.tokens.is_empty() || !h.explanation.notes.is_empty());
        assert!(!h.entity_hash.is_empty());
    }
    let h = &s.screen(
        &ScreenQuery::name("IRAN AIRCRAFT MANUFACTURNG INDUSTRIAL COMPANY"),
        0.85,
    )[0];
    assert!(
        h.explanation
            .tokens
            .iter()
            .any(|t| t.query == "manufacturng"
                && t.listed == "manufacturing"
                && t.similarity < 1.0),
        "{:?}",
        h.explanation
    );
    assert!(
        h.explanation
            .summary()
            .contains("manufacturng~manufacturing")
    );
}

#[test]
fn a_whole_listed_name_inside_a_longer_one_alerts() {
    let s = screener();
    let q = "Gaddafi International Charity and Development Foundation Benghazi";
    let hits = s.screen(&ScreenQuery::name(q), 0.85);
    assert_eq!(
        hits.first().map(|h| h.entity_id.as_str()),
        Some("12685"),
        "{hits:?}"
    );
    let e = &hits[0].explanation;
    assert_eq!(e.unmatched_query, vec!["benghazi"]);
    assert!(
        e.summary()
            .contains("the whole listed name is inside the query")
    );
    // Without the distinctive word the listed name is not inside, and nothing alerts.
    let q = "International Charity and Development Foundation Benghazi";
    assert!(s.screen(&ScreenQuery::name(q), 0.85).is_empty());
}

#[test]
fn generic_names_and_weak_aliases_do_not_alert() {
    let s = screener();
    for q in [
        "Trading Company Ltd",
        "International Trading Group",
        "Aircraft Company",
        "Charity Foundation",
        "Iran Aircraft Company",
        "IAMCO",
    ] {
        let hits = s.screen(&ScreenQuery::name(q), 0.85);
        assert!(
            hits.is_empty(),
            "{q}: {:?}",
            hits.iter().map(|h| (&h.name, h.score)).collect::<Vec<_>>()
        );
    }
    // The weak alias matches exactly but is capped below the threshold.
    let hits = s.screen(&ScreenQuery::name("IAMCO"), 0.5);
    assert_eq!(hits[0].entity_id, "11195");
    assert!(hits[0].score <= 0.8);
    assert_eq!(
        hits[0].explanation.name_kind,
        kontra::sanctions::NameKind::WeakAlias
    );
}

#[test]
fn identifiers_and_country_adjust_the_score() {
    let s = screener();
    let base = s.screen(
        &ScreenQuery::name("Iran Aircraft Manufacturng Industrial Co"),
        0.0,
    );
    let base_score = base.iter().find(|h| h.entity_id == "11195").unwrap().score;
    let with_country = ScreenQuery {
        country: Some("IR".into()),
        ..ScreenQuery::name("Iran Aircraft Manufacturng Industrial Co")
    };
    let h = s
        .screen(&with_country, 0.0)
        .into_iter()
        .find(|h| h.entity_id == "11195")
        .unwrap();
    assert!(
        (h.score - (base_score + 0.05).min(1.0)).abs() < 1e-6,
        "{} {}",
        h.score,
        base_score
    );
    let conflict = ScreenQuery {
        country: Some("DE".into()),
        ..with_country.clone()
    };
    let h = s
        .screen(&conflict, 0.0)
        .into_iter()
        .find(|h| h.entity_id == "11195")
        .unwrap();
    // A fuzzy name ("Manufacturng") loses 0.2 to another country.
    assert!((h.score - (base_score - 0.20)).abs() < 1e-6);
    assert!(
        h.explanation.adjustments[0]
            .reason
            .contains("country conflict")
    );
    // An identifier match alerts even on a weak name, and says so.
    let by_id = ScreenQuery {
        register: Some("10100722073".into()),
        ..ScreenQuery::name("Shahin Shahr Works")
    };
    let hits = s.screen(&by_id, 0.85);
    assert_eq!(hits[0].entity_id, "11195");
    assert!(hits[0].score >= 0.95);
    assert!(
        hits[0].explanation.adjustments[0]
            .reason
            .contains("identifier match")
    );
}

#[test]
fn index_and_brute_force_agree_on_the_fixtures() {
    let s = screener();
    for q in [
        "Iran Aircraft Manufacturing Industries",
        "Banco Nacional",
        "Allied Democratic Forces",
        "KOMID",
    ] {
        let a: Vec<_> = s
            .screen(&ScreenQuery::name(q), 0.7)
            .into_iter()
            .map(|h| (h.entity_id, h.score))
            .collect();
        let b: Vec<_> = s
            .screen_brute_force(&ScreenQuery::name(q), 0.7)
            .into_iter()
            .map(|h| (h.entity_id, h.score))
            .collect();
        assert_eq!(a, b, "{q}");
    }
}

#[test]
fn quality_gate_on_the_committed_sample() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screening");
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
    let own =
        kontra::sanctions::self_recall::measure(&Screener::new(set.entities.clone()), threshold);
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
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screening");
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

#[test]
fn command_line_import_status_screen() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = || {
        let mut c = Command::cargo_bin("kontra").unwrap();
        c.env("KONTRA_DATA_DIR", dir.path())
            .env("KONTRA_CONFIG", dir.path().join("none.toml"));
        c
    };
    let fx = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let out = cmd()
        .args([
            "sanctions",
            "import",
            "--source",
            "ofac",
            &format!("{fx}/sanctions_ofac"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ofac: 17 entities"));
    let out = cmd()
        .args([
            "sanctions",
            "import",
            "--source",
            "un",
            &format!("{fx}/sanctions_uk/UK-Sanctions-List.sample.COMPOSED.csv"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "a CSV is not the UN XML");
    let out = cmd()
        .args(["sanctions", "status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status[1]["source"], "ofac");
    assert_eq!(status[1]["entities"], 17);
    assert_eq!(status[3]["stale"], true);
    assert!(
        status[3]["last_error"]
            .as_str()
            .unwrap()
            .contains("not a UN")
    );
    let input = dir.path().join("names.txt");
    std::fs::write(&input, "Iran Aircraft Manufacturing Industries\nGlobal Trading Ltd\nAIRCRAFT AVIONICS PARTS & SUPPORT LTD\n").unwrap();
    let out = cmd()
        .args(["sanctions", "screen", "--json", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["query"], "Iran Aircraft Manufacturing Industries");
    assert_eq!(lines[0]["hits"][0]["source"], "ofac");
    assert_eq!(lines[0]["hits"][0]["id"], "11195");
    assert_eq!(
        lines[0]["hits"][0]["name"],
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    );
    assert!(lines[0]["hits"][0]["score"].as_f64().unwrap() >= 0.85);
    assert!(lines[0]["hits"][0]["explanation"]["tokens"].is_array());
    assert_eq!(lines[1]["hits"].as_array().unwrap().len(), 0);
    assert_eq!(lines[2]["hits"][0]["id"], "19709");
    let out = cmd()
        .args([
            "sanctions",
            "screen",
            "--threshold",
            "0.99",
            "Iran Aircraft Manufacturing Industries Tehran",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("no hit"));
}

#[test]
fn command_line_decisions_are_recorded_audited_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = || {
        let mut c = Command::cargo_bin("kontra").unwrap();
        c.env("KONTRA_DATA_DIR", dir.path())
            .env("KONTRA_CONFIG", dir.path().join("none.toml"));
        c
    };
    let fx = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let out = cmd()
        .args([
            "add",
            "--name",
            "Iran Aircraft Manufacturing Industries",
            "--country",
            "IR",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cp: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let decide = |entity: &str, cp: u64| {
        cmd()
            .args(["sanctions", "decide", &cp.to_string(), "--source", "ofac"])
            .args([
                "--entity",
                entity,
                "--not-this",
                "different company, Tehran vs Shiraz",
            ])
            .output()
            .unwrap()
    };
    // No list loaded yet: the entity cannot be found.
    assert_eq!(decide("11195", cp).status.code(), Some(6));
    let out = cmd()
        .args([
            "sanctions",
            "import",
            "--source",
            "ofac",
            &format!("{fx}/sanctions_ofac"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(decide("11195", cp + 100).status.code(), Some(6));
    assert_eq!(decide("999999", cp).status.code(), Some(6));
    let out = decide("11195", cp);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cmd()
        .args(["sanctions", "decisions", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["counterparty_id"], cp);
    assert_eq!(list[0]["source"], "ofac");
    assert_eq!(list[0]["entity_id"], "11195");
    assert_eq!(list[0]["reason"], "different company, Tehran vs Shiraz");
    {
        let store = kontra::store::Store::open(dir.path(), "test").unwrap();
        let audit = store.audit_for(cp).unwrap();
        let last = audit.last().unwrap();
        assert_eq!(last.action, kontra::store::AuditAction::Decision);
        assert!(last.detail.contains("ofac:11195"), "{}", last.detail);
        assert!(last.detail.contains("Tehran vs Shiraz"), "{}", last.detail);
        // The decision suppresses exactly this entity's hit for this counterparty.
        let hits = screener().screen(
            &ScreenQuery::name("Iran Aircraft Manufacturing Industries"),
            0.85,
        );
        assert!(hits.iter().any(|h| h.entity_id == "11195"));
        let kept = sanctions::decisions::filter_hits(&store, cp, hits.clone()).unwrap();
        assert!(!kept.iter().any(|h| h.entity_id == "11195"));
        assert_eq!(kept.len(), hits.len() - 1);
        assert_eq!(
            sanctions::decisions::filter_hits(&store, cp + 1, hits.clone())
                .unwrap()
                .len(),
            hits.len()
        );
    }
    let undo = || {
        cmd()
            .args(["sanctions", "undo-decision", &cp.to_string()])
            .args(["--source", "ofac", "--entity", "11195"])
            .output()
            .unwrap()
    };
    assert!(undo().status.success());
    assert_eq!(undo().status.code(), Some(6), "nothing left to undo");
    let out = cmd().args(["sanctions", "decisions"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("no decisions"));
    let store = kontra::store::Store::open(dir.path(), "test").unwrap();
    let audit = store.audit_for(cp).unwrap();
    assert!(
        audit
            .last()
            .unwrap()
            .detail
            .starts_with("decision withdrawn: ofac:11195")
    );
}

/// A small index of made-up organisations, so that each rule is tested on names chosen for it.
fn made_up(names: &[(&str, &str, &[&str])]) -> Screener {
    use kontra::sanctions::{EntityKind, ListedEntity, NameKind};
    let mut filler: Vec<ListedEntity> = Vec::new();
    // Enough other names that the words of the names under test are rare in the index.
    for i in 0..300 {
        let mut e = ListedEntity::new(ListSource::Ofac, format!("f{i}"), EntityKind::Organisation);
        e.add_name(
            &format!("Filler{i} Trading Company"),
            NameKind::Primary,
            None,
        );
        filler.push(e.finish());
    }
    for (id, name, countries) in names {
        let mut e = ListedEntity::new(ListSource::Ofac, *id, EntityKind::Organisation);
        e.add_name(name, NameKind::Primary, None);
        for c in *countries {
            e.add_country(c);
        }
        filler.push(e.finish());
    }
    Screener::new(filler)
}

fn score_of(s: &Screener, q: &ScreenQuery, id: &str) -> Option<f64> {
    s.screen(q, 0.0)
        .into_iter()
        .find(|h| h.entity_id == id)
        .map(|h| h.score)
}

#[test]
fn generic_words_alone_need_a_country_or_identifier_to_alert() {
    let s = made_up(&[
        ("g1", "Global Energy Company S.A.S.", &["CO"]),
        (
            "g2",
            "Iran Aircraft Manufacturing Industrial Company",
            &["IR"],
        ),
    ]);
    // The name alone: capped below the default threshold, and the explanation says why.
    let q = ScreenQuery::name("Global Energy Co.");
    let hits = s.screen(&q, 0.0);
    let h = hits.iter().find(|h| h.entity_id == "g1").unwrap();
    assert!(h.score <= 0.8, "{}", h.score);
    assert!(
        h.explanation
            .notes
            .iter()
            .any(|n| n.contains("generic words only")),
        "{:?}",
        h.explanation
    );
    assert!(s.screen(&q, 0.85).is_empty());
    // The listed country corroborates it; another country does not.
    let in_co = ScreenQuery {
        country: Some("CO".into()),
        ..q.clone()
    };
    assert!(s.screen(&in_co, 0.85).iter().any(|h| h.entity_id == "g1"));
    let in_de = ScreenQuery {
        country: Some("DE".into()),
        ..q
    };
    assert!(s.screen(&in_de, 0.85).is_empty());
    // Four generic words paired one to one are a name, whatever their order.
    for q in [
        "Iran Aircraft Manufacturing Industrial Co.",
        "Manufacturing Iran Aircraft Industrial Company",
    ] {
        assert!(
            score_of(&s, &ScreenQuery::name(q), "g2").unwrap() >= 0.85,
            "{q}"
        );
    }
    // Three of them are not.
    assert!(
        score_of(&s, &ScreenQuery::name("Iran Aircraft Industrial Co."), "g2").unwrap_or(0.0)
            < 0.85
    );
}

#[test]
fn a_shortened_name_anchored_by_a_rare_word_alerts() {
    let s = made_up(&[
        ("d1", "Mamoun Darkazanli Import-Export Company", &[]),
        (
            "d2",
            "Gaddafi International Charity and Development Foundation",
            &[],
        ),
    ]);
    let hits = s.screen(&ScreenQuery::name("Darkazanli Company"), 0.85);
    assert_eq!(hits.first().map(|h| h.entity_id.as_str()), Some("d1"));
    assert!(
        hits[0]
            .explanation
            .notes
            .iter()
            .any(|n| n.contains("shortened form")),
        "{:?}",
        hits[0].explanation
    );
    assert_eq!(
        hits[0].explanation.unmatched_listed,
        vec!["mamoun", "import", "export"]
    );
    assert!(score_of(&s, &ScreenQuery::name("Darkazanli"), "d1").unwrap() >= 0.85);
    // A typo in the anchor or an extra word of the query's own: the ordinary score, below
    // the threshold.
    for q in ["Darkazanly Company", "Darkazanli Trading Company Hamburg"] {
        let score = score_of(&s, &ScreenQuery::name(q), "d1").unwrap_or(0.0);
        assert!(score < 0.85, "{q}: {score}");
    }
    // Generic words never shorten a name.
    assert!(
        s.screen(&ScreenQuery::name("Charity Foundation"), 0.85)
            .is_empty()
    );
}

#[test]
fn business_words_of_other_languages_pair_with_their_english_equivalent() {
    let s = made_up(&[
        ("t1", "Aviatrans Anstalt", &[]),
        ("t2", "Salafist Group for Call and Combat", &[]),
        ("t3", "Taesong Bank", &[]),
    ]);
    for (q, id) in [
        ("AVIATRANS ESTABLISHMENT", "t1"),
        ("Groupe Salafiste pour Call et Combat", "t2"),
        ("Taesong Unhaeng", "t3"),
    ] {
        let hits = s.screen(&ScreenQuery::name(q), 0.85);
        assert_eq!(hits.first().map(|h| h.entity_id.as_str()), Some(id), "{q}");
    }
}
