//! The four list parsers against the committed fixtures, and a property test that no input
//! makes a parser panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use kontra::sanctions::{self, EntityKind, ListSource, NameKind, ParseError, RawList};
use proptest::prelude::*;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ofac_csv_set() -> RawList {
    let mut raw = RawList::default();
    for f in ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"] {
        raw.files
            .push((f.to_string(), fixture(&format!("sanctions_ofac/{f}"))));
    }
    raw
}

#[test]
fn eu_xml() {
    let raw = RawList::single(
        "list.xml",
        fixture("sanctions_eu/xmlFullSanctionsList_1_1.sample.xml"),
    );
    let list = sanctions::parse(ListSource::Eu, &raw).unwrap();
    assert_eq!(
        list.published.as_deref(),
        Some("2024-12-11T21:24:35.826+01:00")
    );
    assert_eq!(list.entities.len(), 3);
    let saddam = &list.entities[0];
    assert_eq!(saddam.id, "13");
    assert_eq!(saddam.kind, EntityKind::Person);
    assert_eq!(saddam.primary_name(), "Saddam Hussein Al-Tikriti");
    assert_eq!(saddam.names.len(), 3);
    assert_eq!(saddam.countries, vec!["IQ"]);
    assert_eq!(saddam.programmes, vec!["IRQ"]);
    let ent = &list.entities[2];
    assert_eq!(ent.kind, EntityKind::Organisation);
    assert_eq!(
        ent.primary_name(),
        "Limited Liability Company EXAMPLE TRADE"
    );
    let kinds: Vec<_> = ent
        .names
        .iter()
        .map(|n| (n.kind, n.text.as_str()))
        .collect();
    assert!(kinds.contains(&(NameKind::OriginalScript, "ООО ПРИМЕР ТРЕЙД")));
    assert!(kinds.contains(&(NameKind::WeakAlias, "Example Trade")));
    assert_eq!(ent.identifiers.len(), 2);
    assert_eq!(ent.identifiers[0].kind, "regnumber");
    assert_eq!(ent.identifiers[0].value, "1234567890123");
    assert_eq!(ent.listed_on.as_deref(), Some("2024-06-24"));
    assert_eq!(ent.addresses.len(), 1);
    assert!(!ent.content_hash.is_empty());
}

#[test]
fn ofac_csv_set_with_quirks() {
    let list = sanctions::parse(ListSource::Ofac, &ofac_csv_set()).unwrap();
    assert_eq!(list.entities.len(), 17);
    let hesa = list.entities.iter().find(|e| e.id == "11195").unwrap();
    assert_eq!(hesa.kind, EntityKind::Organisation);
    assert_eq!(
        hesa.primary_name(),
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    );
    assert_eq!(hesa.programmes, vec!["NPWMD", "IFSR", "IRAN-CON-ARMS-EO"]);
    let strong = hesa
        .names
        .iter()
        .filter(|n| n.kind == NameKind::StrongAlias)
        .count();
    let weak = hesa
        .names
        .iter()
        .filter(|n| n.kind == NameKind::WeakAlias)
        .count();
    assert_eq!((strong, weak), (4, 9), "{:#?}", hesa.names);
    assert!(hesa.identifiers.iter().any(|i| i.value == "26740"));
    assert_eq!(hesa.countries, vec!["IR"]);
    assert_eq!(hesa.addresses.len(), 5);
    let person = list.entities.iter().find(|e| e.id == "10278").unwrap();
    assert_eq!(person.kind, EntityKind::Person);
    // sdn_comments.csv continues the remarks of entry 33151: its LEI comes from the spill-over.
    let e = list.entities.iter().find(|e| e.id == "33151").unwrap();
    assert!(
        e.identifiers
            .iter()
            .any(|i| i.value == "5299007NTWCC3U23WM81"),
        "{:?}",
        e.identifiers
    );
    // No `-0-` placeholder leaks into data.
    assert!(list.entities.iter().all(|e| {
        e.names.iter().all(|n| !n.text.contains("-0-"))
            && e.addresses.iter().all(|a| !a.contains("-0-"))
    }));
}

#[test]
fn ofac_xml() {
    let raw = RawList::single("SDN.XML", fixture("sanctions_ofac/SDN.sample.COMPOSED.xml"));
    let list = sanctions::parse(ListSource::Ofac, &raw).unwrap();
    assert_eq!(list.declared_count, Some(2));
    assert_eq!(list.published.as_deref(), Some("09/30/2026"));
    assert_eq!(list.entities.len(), 2);
    assert_eq!(list.entities[1].kind, EntityKind::Vessel);
    let hesa = &list.entities[0];
    assert_eq!(
        hesa.primary_name(),
        "IRAN AIRCRAFT MANUFACTURING INDUSTRIAL COMPANY"
    );
    assert!(
        hesa.names
            .iter()
            .any(|n| n.kind == NameKind::WeakAlias && n.text == "HESA")
    );
    assert!(hesa.identifiers.iter().any(|i| i.value == "26740"));
}

#[test]
fn uk_csv() {
    let raw = RawList::single(
        "list.csv",
        fixture("sanctions_uk/UK-Sanctions-List.sample.COMPOSED.csv"),
    );
    let list = sanctions::parse(ListSource::Uk, &raw).unwrap();
    assert_eq!(list.published.as_deref(), Some("13-Feb-2026"));
    assert_eq!(list.entities.len(), 2);
    let e = &list.entities[0];
    assert_eq!(e.id, "AFG0001");
    assert_eq!(e.kind, EntityKind::Organisation);
    assert_eq!(
        e.primary_name(),
        "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    );
    assert!(e.names.iter().any(|n| n.kind == NameKind::OriginalScript));
    assert!(e.names.iter().any(|n| n.text == "Haji Alim Hawala"));
    assert_eq!(e.countries, vec!["PK"]);
    assert_eq!(e.listed_on.as_deref(), Some("2012-06-29"));
    let p = &list.entities[1];
    assert_eq!(p.kind, EntityKind::Person);
    assert_eq!(p.primary_name(), "MOHAMMAD HASSAN AKHUND");
}

#[test]
fn uk_csv_leaves_a_ragged_row_out_and_counts_it() {
    let raw = RawList::single(
        "list.csv",
        fixture("sanctions_uk/UK-Sanctions-List.one-ragged.COMPOSED.csv"),
    );
    let list = sanctions::parse(ListSource::Uk, &raw).unwrap();
    assert_eq!(list.skipped.rows, 150);
    assert_eq!(list.skipped.malformed, 1);
    assert_eq!(list.skipped.lines, vec![57]);
    // Three real rows (two entities) and 147 made ones, one of them ragged.
    assert_eq!(list.entities.len(), 2 + 146);
    assert!(
        !list.entities.iter().any(|e| e.id == "TST0052"),
        "line 57 is TST0052"
    );
    assert!(list.entities.iter().any(|e| e.id == "TST0053"));
    assert_eq!(list.skipped.describe(), "1 of 150 rows (0.67%) at line 57");

    let raw = RawList::single(
        "list.csv",
        fixture("sanctions_uk/UK-Sanctions-List.many-ragged.COMPOSED.csv"),
    );
    let err = sanctions::parse(ListSource::Uk, &raw).unwrap_err();
    assert!(matches!(err, ParseError::TooManyMalformed { .. }));
    assert_eq!(
        err.to_string(),
        "uk: too many malformed rows: 5 of 150 rows (3.33%) at lines 10, 57, 100, 120, 140, \
         more than the allowed 1.00% ([sanctions] max_malformed_share = 0.01)"
    );
    let list = sanctions::parse_with(ListSource::Uk, &raw, 0.05).unwrap();
    assert_eq!(list.skipped.malformed, 5);
}

#[test]
fn un_xml() {
    let raw = RawList::single("list.xml", fixture("sanctions_un/consolidated.sample.xml"));
    let list = sanctions::parse(ListSource::Un, &raw).unwrap();
    assert_eq!(list.published.as_deref(), Some("2026-02-27T00:00:09.554Z"));
    assert_eq!(list.entities.len(), 4);
    let eric = &list.entities[0];
    assert_eq!(eric.id, "6907993");
    assert_eq!(eric.primary_name(), "ERIC BADEGE");
    assert_eq!(eric.names.len(), 1, "empty alias placeholders are dropped");
    assert_eq!(eric.countries, vec!["RW", "CD"]);
    let adf = list.entities.iter().find(|e| e.id == "6908402").unwrap();
    assert_eq!(adf.kind, EntityKind::Organisation);
    assert!(
        adf.names
            .iter()
            .any(|n| n.text == "Allied Democratic Forces")
    );
    assert_eq!(adf.listed_on.as_deref(), Some("2014-06-30"));
}

#[test]
fn wrong_files_are_refused_with_the_right_error() {
    let html = RawList::single(
        "x",
        b"<!DOCTYPE html><html><head><title>403</title></head></html>".to_vec(),
    );
    for s in [ListSource::Eu, ListSource::Un, ListSource::Ofac] {
        assert!(
            matches!(
                sanctions::parse(s, &html),
                Err(ParseError::WrongFormat { .. })
            ),
            "{s}"
        );
    }
    assert!(matches!(
        sanctions::parse(ListSource::Uk, &html),
        Err(ParseError::WrongFormat { .. })
    ));
    let un = fixture("sanctions_un/consolidated.sample.xml");
    let cut = RawList::single("x", un[..un.len() / 2].to_vec());
    assert!(matches!(
        sanctions::parse(ListSource::Un, &cut),
        Err(ParseError::Malformed { .. })
    ));
    let sdn = fixture("sanctions_ofac/sdn.csv");
    let cut = RawList {
        files: vec![("sdn.csv".into(), sdn[..sdn.len() / 2].to_vec())],
    };
    assert!(sanctions::parse(ListSource::Ofac, &cut).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), cut in 0usize..8000) {
        let raw = RawList::single("x", bytes.clone());
        for s in ListSource::ALL {
            let _ = sanctions::parse(s, &raw);
        }
        // Also cut real files at arbitrary points and splice in the random bytes.
        for path in [
            "sanctions_eu/xmlFullSanctionsList_1_1.sample.xml",
            "sanctions_un/consolidated.sample.xml",
            "sanctions_uk/UK-Sanctions-List.sample.COMPOSED.csv",
            "sanctions_ofac/sdn.csv",
            "sanctions_ofac/SDN.sample.COMPOSED.xml",
        ] {
            let mut f = fixture(path);
            let at = cut.min(f.len());
            f.truncate(at);
            f.extend_from_slice(&bytes);
            let raw = RawList::single("x", f.clone());
            let csv = RawList { files: vec![("sdn.csv".into(), f.clone()), ("alt.csv".into(), f)] };
            for s in ListSource::ALL {
                let _ = sanctions::parse(s, &raw);
            }
            let _ = sanctions::parse(ListSource::Ofac, &csv);
        }
    }
}
