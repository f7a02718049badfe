//! CSV import (bad rows, duplicates, German Excel files, dry run, update) and export round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use common::{Env, fixture_path as fixture, stderr, stdout};
use serde_json::Value;
use support::common;

#[test]
fn bad_rows_are_reported_and_good_rows_stored() {
    let env = Env::new();
    let out = env
        .kontra()
        .args(["import"])
        .arg(fixture("import/mixed_bad_rows.csv"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "rejected rows make the exit code non-zero"
    );
    let err = stderr(&out);
    for expected in [
        "line 3, column name: a name is required",
        "line 4, column country: \"XX\" is not a known country code",
        "line 5, column vat: check digit",
        "line 6, column email",
        "line 7: malformed line: 8 fields, but the header has 6",
        "line 9, column vat: duplicate: DE136695976 already appears on line 2",
        "line 10, column monitor",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    let all = env.list_json();
    let names: Vec<&str> = all.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Good One GmbH", "Good Two Oy"]);
    assert_eq!(all[1]["priority"], "high");
    assert_eq!(all[1]["monitor"], true);
}

#[test]
fn dry_run_stores_nothing() {
    let env = Env::new();
    let out = env
        .kontra()
        .args(["import", "--dry-run"])
        .arg(fixture("import/mixed_bad_rows.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stdout(&out).contains("would import 2 new"),
        "{}",
        stdout(&out)
    );
    assert!(env.list_json().is_empty());
}

#[test]
fn german_excel_file_is_read() {
    let env = Env::new();
    let out = env
        .kontra()
        .args(["import"])
        .arg(fixture("import/excel_de_cp1252.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Windows-1252, semicolon-separated"),
        "{}",
        stdout(&out)
    );
    let all = env.list_json();
    assert_eq!(all[0]["name"], "Müller & Söhne GmbH");
    assert_eq!(all[0]["vat"], "DE136695976");
    assert_eq!(all[0]["address"], "Hauptstraße 1; 80331 München");
    assert_eq!(all[0]["priority"], "high");
    assert_eq!(all[0]["monitor"], true);
    assert_eq!(all[1]["name"], "Café Crème SARL");
}

#[test]
fn duplicates_skip_or_update() {
    let env = Env::new();
    env.kontra()
        .args([
            "add",
            "--name",
            "Alt GmbH",
            "--country",
            "DE",
            "--vat",
            "DE136695976",
            "--owner",
            "anna",
            "--email",
            "old@alt.de",
        ])
        .assert()
        .success();
    let csv = env.write(
        "dup.csv",
        "name,country,vat,email,owner\nNeu GmbH,DE,DE136695976,new@neu.de,\n",
    );
    let out = env.kontra().arg("import").arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains(
            "line 2, column vat: duplicate: DE136695976 is already registered as counterparty 1"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.list_json()[0]["name"], "Alt GmbH");

    let out = env
        .kontra()
        .args(["import", "--update"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let all = env.list_json();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Neu GmbH");
    assert_eq!(all[0]["email"], "new@neu.de");
    assert_eq!(
        all[0]["owner"], "anna",
        "an empty cell keeps the stored value"
    );
}

#[test]
fn export_import_round_trip_is_field_for_field() {
    let env = Env::new();
    let tricky = [
        vec![
            "--name",
            "Łódź \"Quote\", Comma & Co. Sp. z o.o.",
            "--country",
            "PL",
            "--vat",
            "PL5260250274",
            "--address",
            "ul. Długa 1,\n00-001 Warszawa",
            "--notes",
            "line one\nline \"two\", three",
            "--tags",
            "key, eu",
        ],
        vec![
            "--name",
            "Ωmega Α.Ε.",
            "--country",
            "GR",
            "--vat",
            "EL094259216",
            "--owner",
            "björn",
            "--priority",
            "high",
            "--frequency",
            "weekly",
            "--monitor",
        ],
        vec![
            "--name",
            "Plain Ltd",
            "--country",
            "IE",
            "--domain",
            "plain.ie",
            "--contact",
            "Seán Ó Briain",
            "--lei",
            "HWUPKR0MPOU8FGXBT394",
            "--register",
            "HRB 44343 B, Berlin (Charlottenburg)",
            "--kind",
            "vessel",
        ],
    ];
    for args in &tricky {
        env.kontra().arg("add").args(args).assert().success();
    }
    let before = env.list_json();
    let export = env.dir.path().join("export.csv");
    env.kontra()
        .args(["export", "--out"])
        .arg(&export)
        .assert()
        .success();

    let fresh = Env::new();
    let out = fresh.kontra().arg("import").arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = fresh.list_json();
    assert_eq!(before.len(), after.len());
    let strip = |v: &Value| {
        let mut v = v.clone();
        let o = v.as_object_mut().unwrap();
        o.remove("created_at");
        o.remove("updated_at");
        v
    };
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(strip(b), strip(a));
    }
    assert_eq!(
        before[2]["kind"], "vessel",
        "the kind survives the round trip"
    );
    assert_eq!(before[0]["kind"], "organisation");

    let json = env
        .kontra()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    let parsed: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed, before);
}

#[test]
fn kind_column_with_german_header_defaults_validates_and_merges() {
    let env = Env::new();
    let csv = env.dir.path().join("kind.csv");
    std::fs::write(
        &csv,
        "Name;Land;USt-IdNr;Art\n\
         Reederei Nord;DE;DE136695976;Schiff\n\
         Anna Berger e.K.;DE;;Einzelkaufmann\n\
         Plain GmbH;DE;;\n\
         Boot GmbH;DE;;Boot\n",
    )
    .unwrap();
    let out = env.kontra().arg("import").arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "one row is rejected");
    let err = stderr(&out);
    assert!(
        err.contains(
            "line 5, column kind: \"boot\" is not a kind (organisation, person, vessel or aircraft)"
        ),
        "{err}"
    );
    let all = env.list_json();
    let kinds: Vec<(&str, &str)> = all
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Reederei Nord", "vessel"),
            ("Anna Berger e.K.", "person"),
            ("Plain GmbH", "organisation"),
        ]
    );
    // A merge whose kind cell is empty keeps the stored kind; a filled one replaces it.
    std::fs::write(
        &csv,
        "name,country,vat,kind,notes\nReederei Nord,DE,DE136695976,,merged\n",
    )
    .unwrap();
    env.kontra()
        .args(["import", "--update"])
        .arg(&csv)
        .assert()
        .success();
    let cp = &env.list_json()[0];
    assert_eq!(
        (cp["kind"].as_str(), cp["notes"].as_str()),
        (Some("vessel"), Some("merged"))
    );
    std::fs::write(
        &csv,
        "name,country,vat,typ\nReederei Nord,DE,DE136695976,organisation\n",
    )
    .unwrap();
    env.kontra()
        .args(["import", "--update"])
        .arg(&csv)
        .assert()
        .success();
    assert_eq!(env.list_json()[0]["kind"], "organisation");
    // The export carries the column, last.
    let out = env.kontra().arg("export").output().unwrap();
    let header = stdout(&out).lines().next().unwrap().to_string();
    assert!(header.ends_with(",notes,kind"), "{header}");
}

#[test]
fn export_neutralises_formulas_and_imports_back_exactly() {
    let env = Env::new();
    env.kontra()
        .args([
            "add",
            "--name",
            "@Home GmbH",
            "--country",
            "DE",
            "--contact",
            "+49 30 1234",
            "--address=-Hof 3",
            "--notes",
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "--tags",
            "'=quoted",
        ])
        .assert()
        .success();
    let before = env.list_json();
    let export = env.dir.path().join("export.csv");
    env.kontra()
        .args(["export", "--out"])
        .arg(&export)
        .assert()
        .success();
    let text = std::fs::read_to_string(&export).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    for rec in reader.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell {cell:?} in:\n{text}"
            );
        }
    }
    assert!(
        text.contains("'@Home GmbH") && text.contains("'+49 30 1234"),
        "{text}"
    );
    assert!(text.contains("''=quoted"), "{text}");
    let fresh = Env::new();
    let out = fresh.kontra().arg("import").arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = fresh.list_json();
    for key in ["name", "contact", "address", "notes", "tags"] {
        assert_eq!(before[0][key], after[0][key], "{key}");
    }
}

#[test]
fn a_stray_byte_in_a_utf8_file_is_reported_with_its_line_and_nothing_is_imported() {
    let env = Env::new();
    let mut bytes = "name,country\nMüller GmbH,DE\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"Beta \xFC AG,DE\n");
    let path = env.write("stray.csv", bytes);
    let out = env.kontra().arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 3: byte 0xFC is not UTF-8"),
        "{}",
        stderr(&out)
    );
    assert!(env.list_json().is_empty());
}

#[test]
fn importing_the_same_file_again_warns_and_identical_updates_change_nothing() {
    let env = Env::new();
    let path = env.write(
        "firms.csv",
        "name,country,vat,notes\nOhne USt GmbH,DE,,a\nMit USt GmbH,DE,DE136695976,b\n",
    );
    let out = env.kontra().arg("import").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let out = env.kontra().arg("import").arg(&path).output().unwrap();
    assert!(
        stderr(&out).contains("has the same content")
            && stderr(&out).contains("(2 new counterparties)"),
        "{}",
        stderr(&out)
    );
    // --update with rows identical to what is stored: reported unchanged, no audit entry.
    let id = env.list_json()[1]["id"].as_u64().unwrap();
    let before = env
        .kontra()
        .args(["history", &id.to_string(), "--json"])
        .output()
        .unwrap();
    let before: Value = serde_json::from_slice(&before.stdout).unwrap();
    let out = env
        .kontra()
        .args(["import", "--update"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("0 updated, 1 unchanged"),
        "{}",
        stdout(&out)
    );
    let after = env
        .kontra()
        .args(["history", &id.to_string(), "--json"])
        .output()
        .unwrap();
    let after: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(before["events"], after["events"]);
}

#[test]
fn an_endless_or_huge_file_is_refused_before_it_is_read_whole() {
    let env = Env::new();
    let out = env.kontra().args(["import", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/dev/zero: larger than 256 MB"),
        "{}",
        stderr(&out)
    );
}
