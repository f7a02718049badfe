//! CSV import (bad rows, duplicates, German Excel files, dry run, update) and export round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use common::{Env, fixture_path as fixture, stderr, stdout};
use serde_json::Value;
use support::common;

/// Two registers hold the same counterparties, field for field (times of writing aside).
fn assert_same_fields(before: &[Value], after: &[Value]) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        let o = v.as_object_mut().unwrap();
        o.remove("created_at");
        o.remove("updated_at");
        v
    };
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(strip(b), strip(a));
    }
}

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
    assert_same_fields(&before, &fresh.list_json());
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
    // The list's objects, with the last check (none yet).
    let with_checks: Vec<Value> = before
        .iter()
        .map(|v| {
            let mut v = v.clone();
            let o = v.as_object_mut().unwrap();
            o.insert("last_check".into(), Value::Null);
            o.insert("last_check_status".into(), Value::Null);
            v
        })
        .collect();
    assert_eq!(parsed, with_checks);
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
    assert!(
        header.ends_with(",notes,kind,last_check,last_check_status"),
        "{header}"
    );
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

/// Imports an ERP file and returns stderr and the register.
fn import_erp(env: &Env, name: &str) -> (String, Vec<Value>) {
    let out = env
        .kontra()
        .arg("import")
        .arg(fixture(&format!("import/{name}")))
        .output()
        .unwrap();
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    (stderr(&out), env.list_json())
}

#[test]
fn erp_files_skip_unknown_columns_named_once_and_join_street_postcode_and_city() {
    // German ERP export: UTF-8 with BOM, `;`, CRLF, Straße/PLZ/Ort, customer number, phone
    // and payment terms Kontra does not keep.
    let env = Env::new();
    let (err, all) = import_erp(&env, "erp_debitoren_utf8_bom.csv");
    let notices: Vec<&str> = err.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(notices.len(), 1, "once, not per row: {err}");
    assert!(
        notices[0].ends_with(
            "skipped 3 columns Kontra does not know: column 1 \"Kundennummer\", column 9 \"Telefon\", column 10 \"Zahlungsziel\" (rename a column to a known header to import it)"
        ),
        "{err}"
    );
    let got: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["address"].as_str().unwrap_or("-"),
                c["vat"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "Müller & Söhne GmbH",
                "Hauptstraße 1, 80331 München",
                "DE136695976"
            ),
            (
                "Bäckerei Groß KG",
                "Am Markt 7, 01067 Dresden",
                "DE812345673"
            ),
            ("Nordlicht Logistik AG", "20095 Hamburg", "DE276543216"),
            ("Kaffeerösterei Weiß e.K.", "Lindenallee 12", "-"),
        ]
    );
    assert_eq!(all[0]["contact"], "Frau Schulz");
    assert_eq!(all[0]["email"], "einkauf@mueller-soehne.de");

    // Lexware-style: Windows-1252, Strasse/Hausnummer/PLZ/Stadt, a trailing separator.
    let env = Env::new();
    let (err, all) = import_erp(&env, "erp_lexware_cp1252.csv");
    assert!(
        err.contains("skipped 1 column Kontra does not know: column 10 \"Kreditlimit\""),
        "{err}"
    );
    assert_eq!(all[0]["name"], "Weißbier-Brauerei Öttl GmbH");
    assert_eq!(all[0]["address"], "Bräuhausgasse 3a, 85354 Freising");
    assert_eq!(all[0]["notes"], "Stammkunde seit 1998");
    assert_eq!(all[1]["address"], "Industriestraße, 33602 Bielefeld");

    // English headers, comma-separated; --json names the skipped columns too.
    let env = Env::new();
    let out = env
        .kontra()
        .args(["import", "--json"])
        .arg(fixture("import/erp_export_en.csv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], 2);
    assert_eq!(report["dry_run"], false);
    assert_eq!(
        report["unknown_columns"],
        serde_json::json!([
            {"index": 1, "name": "Customer No."},
            {"index": 9, "name": "Payment Terms"}
        ])
    );
    let all = env.list_json();
    assert_eq!(all[0]["address"], "1 High Street, SW1A 1AA London");
    assert_eq!(all[1]["address"], "Strandkaien 4, 5013 Bergen");
}

#[test]
fn an_erp_file_imported_again_with_update_merges_the_joined_address() {
    let env = Env::new();
    import_erp(&env, "erp_debitoren_utf8_bom.csv");
    let csv = env.write(
        "moved.csv",
        "Firma;Land;USt-IdNr;Straße;PLZ;Ort;Telefon\nMüller & Söhne GmbH;DE;DE136695976;Neuer Weg 2;80333;München;0\n",
    );
    let out = env
        .kontra()
        .args(["import", "--update"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let all = env.list_json();
    assert_eq!(all[0]["address"], "Neuer Weg 2, 80333 München");
    assert_eq!(
        all[0]["contact"], "Frau Schulz",
        "absent columns keep what is stored"
    );
}

#[test]
fn excel_export_has_a_bom_semicolons_the_last_check_and_imports_back() {
    use kontra::domain::check::{Answer, CheckRun, Evidence, Outcome, SourceResult, VatAnswer};
    let env = Env::new();
    import_erp(&env, "erp_debitoren_utf8_bom.csv");
    // The first counterparty was checked: VIES said its number is invalid.
    let at = chrono::DateTime::parse_from_rfc3339("2025-03-14T08:15:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    {
        let store = kontra::store::Store::open(&env.data(), "test").unwrap();
        let run = CheckRun {
            id: 0,
            counterparty_id: 1,
            started_at: at,
            finished_at: at,
            trigger: "monitor".into(),
            results: vec![SourceResult {
                source: kontra::domain::Source::Vies,
                at,
                outcome: Outcome::Answer(Answer::Vat(VatAnswer {
                    vat: "DE136695976".into(),
                    valid: false,
                    name: None,
                    address: None,
                })),
                evidence: Evidence::default(),
            }],
        };
        store.record_check(run, vec![]).unwrap();
        store.flush().unwrap();
    }
    let path = env.dir.path().join("excel.csv");
    let out = env
        .kontra()
        .args(["export", "--excel", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exported 4 counterparties"),
        "{}",
        stderr(&out)
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[0],
        "id;name;country;vat;email;address;domain;contact;owner;lei;register;priority;monitor;\
         frequency;tags;notes;kind;last_check;last_check_status"
    );
    assert!(
        lines[1].starts_with("1;Müller & Söhne GmbH;DE;DE136695976;einkauf@mueller-soehne.de;Hauptstraße 1, 80331 München;")
            && lines[1].ends_with(";organisation;2025-03-14T08:15:00Z;invalid"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].ends_with(";organisation;;"),
        "never checked: {}",
        lines[2]
    );
    // The same in JSON.
    let out = env
        .kontra()
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    let json: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["last_check"], "2025-03-14T08:15:00Z");
    assert_eq!(json[0]["last_check_status"], "invalid");
    assert!(json[1]["last_check"].is_null());
    // --excel is a CSV form: with JSON it is a usage error.
    let out = env
        .kontra()
        .args(["export", "--excel", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // The Excel file imports back field for field, without a word about the check columns.
    let fresh = Env::new();
    let out = fresh.kontra().arg("import").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("skipped"), "{}", stderr(&out));
    assert!(stdout(&out).contains("UTF-8 with BOM, semicolon-separated"));
    assert_same_fields(&env.list_json(), &fresh.list_json());
}
