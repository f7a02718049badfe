//! Headless app tests: the app is driven by events (keys, monitor reports, effect results)
//! with effects executed against a real sled store, as the event loop does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use chrono::Duration;
use crossterm::event::KeyCode;
use kontra::domain::{AlertKind, Severity, Source};
use kontra::monitor::MonitorEvent;
use kontra::monitor::events::{AlertNote, ChecksSummary};
use kontra::monitor::service::Request;
use kontra::tui::effects::Effect;
use kontra::tui::event::Event;
use kontra::tui::state::{Popup, Tab};
use tui_support::{Harness, now};

#[test]
fn add_through_the_form_stores_and_selects_the_counterparty() {
    let mut h = Harness::new((100, 30));
    let before = h.store.counterparty_count();
    h.ch('a');
    h.typ("Neue Testfirma GmbH");
    h.key(KeyCode::Tab);
    h.typ("de");
    h.key(KeyCode::Tab);
    h.typ("DE 136 695 976");
    for _ in 0..4 {
        h.key(KeyCode::Tab);
    }
    h.typ("Erika Muster");
    h.key(KeyCode::Tab);
    h.typ("anna");
    h.shift_tab();
    h.shift_tab();
    assert!(matches!(&h.app.state.popup, Some(Popup::Form(f)) if f.focus == 5));
    h.key(KeyCode::Enter);
    assert!(h.app.state.popup.is_none(), "form closed after saving");
    assert_eq!(h.store.counterparty_count(), before + 1);
    let id = h.store.find_by_vat("DE136695976").unwrap().expect("stored");
    let cp = h.store.counterparty(id).unwrap().unwrap();
    assert_eq!(cp.name, "Neue Testfirma GmbH");
    assert_eq!(cp.country, "DE");
    assert_eq!(cp.contact.as_deref(), Some("Erika Muster"));
    assert_eq!(cp.owner.as_deref(), Some("anna"));
    assert_eq!(h.app.state.selected_row().unwrap().cp.id, id);
    assert!(
        h.flash().contains("added Neue Testfirma GmbH"),
        "{}",
        h.flash()
    );
}

#[test]
fn invalid_fields_block_saving_and_show_live_errors() {
    let mut h = Harness::new((100, 30));
    let before = h.store.counterparty_count();
    h.ch('a');
    h.typ("X");
    h.key(KeyCode::Tab);
    h.typ("DE");
    h.key(KeyCode::Tab);
    h.typ("DE136695977");
    let Some(Popup::Form(f)) = &h.app.state.popup else {
        panic!("form open")
    };
    assert!(f.shows_error(2), "VAT check digit error shows while typing");
    assert!(f.errors[2].as_deref().unwrap().contains("check digit"));
    h.key(KeyCode::Backspace);
    h.ch('6');
    let Some(Popup::Form(f)) = &h.app.state.popup else {
        panic!("form open")
    };
    assert!(!f.shows_error(2));
    assert!(f.notes[2].as_deref().unwrap().contains("check digits ok"));
    h.key(KeyCode::Tab);
    h.typ("nope");
    h.key(KeyCode::Enter);
    assert!(matches!(&h.app.state.popup, Some(Popup::Form(f)) if f.focus == 3));
    assert_eq!(h.store.counterparty_count(), before);
    h.key(KeyCode::Esc);
    assert!(h.app.state.popup.is_none());
    assert_eq!(h.store.counterparty_count(), before);
}

#[test]
fn duplicate_vat_number_is_refused_on_the_field() {
    let mut h = Harness::new((100, 30));
    let existing = h.app.state.rows[0].cp.vat.clone().unwrap();
    h.ch('a');
    h.typ("Doppelt AG");
    h.key(KeyCode::Tab);
    h.typ(&existing[..2].replace("EL", "GR"));
    h.key(KeyCode::Tab);
    h.typ(&existing);
    h.key(KeyCode::Enter);
    let Some(Popup::Form(f)) = &h.app.state.popup else {
        panic!("form stays open")
    };
    assert_eq!(f.focus, 2);
    assert!(
        f.errors[2]
            .as_deref()
            .unwrap()
            .contains("already registered")
    );
}

#[test]
fn edit_changes_the_stored_record() {
    let mut h = Harness::new((100, 30));
    // Edit a row that has been checked, to see that its last check survives the edit.
    for _ in 0..40 {
        if h.app.state.selected_row().unwrap().last.is_some() {
            break;
        }
        h.key(KeyCode::Down);
    }
    let id = h.app.state.selected_row().unwrap().cp.id;
    assert!(h.app.state.selected_row().unwrap().last.is_some());
    h.ch('e');
    for _ in 0..7 {
        h.key(KeyCode::Tab);
    }
    for _ in 0..10 {
        h.key(KeyCode::Backspace);
    }
    h.typ("zoe");
    h.key(KeyCode::Enter);
    assert!(h.app.state.popup.is_none());
    assert_eq!(
        h.store.counterparty(id).unwrap().unwrap().owner.as_deref(),
        Some("zoe")
    );
    let row = &h.app.state.rows[h.app.state.index[&id]];
    assert_eq!(row.cp.owner.as_deref(), Some("zoe"));
    assert!(row.last.is_some(), "the last check survives an edit");
    let audit = h.store.audit_for(id).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.actor == "tester" && e.detail.contains("owner"))
    );
}

#[test]
fn filter_as_you_type_narrows_and_clears() {
    let mut h = Harness::new((100, 30));
    let total = h.app.state.rows.len();
    h.ch('/');
    h.typ("at");
    let narrowed: Vec<u32> = h.app.state.table.visible.clone();
    assert!(!narrowed.is_empty() && narrowed.len() < total);
    for &i in &narrowed {
        let cp = &h.app.state.rows[i as usize].cp;
        assert!(
            kontra::register::filter::text_matches(cp, "at"),
            "{}",
            cp.name
        );
    }
    // typing narrowed incrementally; a fresh full filter must agree
    h.key(KeyCode::Backspace);
    h.ch('t');
    assert_eq!(h.app.state.table.visible, narrowed);
    h.typ("u");
    assert!(h.app.state.table.visible.len() <= narrowed.len());
    // q is text while typing, not quit
    h.ch('q');
    assert!(!h.app.state.quit);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.table.visible.len(), total);
    assert!(!h.app.state.table.typing);
    h.ch('M');
    let monitored = h.app.state.rows.iter().filter(|r| r.cp.monitor).count();
    assert_eq!(h.app.state.table.visible.len(), monitored);
    h.ch('s');
    h.ch('s');
    assert!(h.app.state.table.visible.iter().all(|&i| {
        h.app.state.rows[i as usize]
            .last
            .is_some_and(|l| l.status.is_problem())
    }));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.table.visible.len(), total);
}

#[test]
fn delete_asks_first_then_removes_from_store_and_table() {
    let mut h = Harness::new((100, 30));
    let total = h.app.state.rows.len();
    let id = h.app.state.selected_row().unwrap().cp.id;
    h.ch('d');
    assert!(matches!(h.app.state.popup, Some(Popup::Confirm { .. })));
    h.ch('n');
    assert!(h.store.counterparty(id).unwrap().is_some());
    h.ch('d');
    h.ch('y');
    assert!(h.store.counterparty(id).unwrap().is_none());
    assert_eq!(h.app.state.rows.len(), total - 1);
    assert!(!h.app.state.index.contains_key(&id));
    // bulk: mark two rows, delete both
    h.ch(' ');
    h.ch(' ');
    let marked: Vec<u64> = h.app.state.table.marks.iter().copied().collect();
    assert_eq!(marked.len(), 2);
    h.ch('d');
    h.key(KeyCode::Enter);
    for id in marked {
        assert!(h.store.counterparty(id).unwrap().is_none());
    }
    assert_eq!(h.app.state.rows.len(), total - 3);
    assert!(h.app.state.table.marks.is_empty());
}

#[test]
fn monitoring_toggles_for_the_marked_rows() {
    let mut h = Harness::new((100, 30));
    h.ch('*');
    let n = h.app.state.table.marks.len();
    assert_eq!(n, h.app.state.rows.len());
    h.ch('m');
    assert!(h.app.state.rows.iter().all(|r| r.cp.monitor));
    assert!(h.store.counterparties().unwrap().iter().all(|c| c.monitor));
    // The bulk action took the marks: they are cleared, so the next key acts on one row.
    assert!(h.app.state.table.marks.is_empty());
    assert!(h.flash().starts_with("monitoring on for "), "{}", h.flash());
    h.ch('*');
    h.ch('m');
    assert!(h.store.counterparties().unwrap().iter().all(|c| !c.monitor));
}

#[test]
fn acknowledge_one_and_all_shown() {
    let mut h = Harness::new((100, 30));
    h.ch('4');
    h.ch('u');
    let open = h.app.state.alert_view.visible.len();
    assert!(open >= 2, "demo has open alerts");
    let first = h.app.state.selected_alert().unwrap().id;
    h.ch('a');
    assert!(matches!(h.app.state.popup, Some(Popup::Confirm { .. })));
    h.ch('y');
    let a = h.store.alert(first).unwrap().unwrap();
    assert_eq!(a.acknowledged_by.as_deref(), Some("tester"));
    assert_eq!(h.app.state.alert_view.visible.len(), open - 1);
    h.ch('A');
    h.ch('y');
    assert!(h.app.state.alert_view.visible.is_empty());
    assert!(
        h.store
            .alerts()
            .unwrap()
            .iter()
            .all(|a| a.acknowledged_at.is_some())
    );
}

#[test]
fn alert_enter_jumps_to_the_counterparty_details() {
    let mut h = Harness::new((100, 30));
    h.ch('4');
    let cp = h.app.state.selected_alert().unwrap().counterparty_id;
    h.key(KeyCode::Enter);
    assert!(
        h.app.state.alert_view.detail.is_some(),
        "Enter reads the alert"
    );
    assert_eq!(h.app.state.tab, Tab::Alerts);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::Details);
    let d = h.app.state.details.data.as_ref().expect("details loaded");
    assert_eq!(d.cp.id, cp);
    assert!(!d.runs.is_empty());
    assert!(
        d.runs
            .windows(2)
            .all(|w| w[0].started_at >= w[1].started_at)
    );
    let newest = d.runs[0].id;
    h.key(KeyCode::Enter);
    assert!(h.app.state.details.expanded.contains(&newest));
}

#[test]
fn check_now_without_monitor_says_so_and_with_monitor_sends_a_request() {
    let mut h = Harness::new((100, 30));
    h.ch('c');
    assert!(h.flash().contains("monitor is configured"), "{}", h.flash());
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    h.instance.set_monitor(tx);
    let id = h.app.state.selected_row().unwrap().cp.id;
    h.ch('c');
    let req = rx.try_recv().expect("request sent");
    assert_eq!(req, Request::CheckAs(vec![id], "tester".to_string()));
}

#[test]
fn monitor_events_show_progress_new_alerts_and_fresh_checks() {
    let mut h = Harness::new((100, 30));
    h.send(Event::Monitor(MonitorEvent::CycleStarted {
        cycle_id: 1,
        total: 12,
        done: 0,
        reason: "scheduled".into(),
    }));
    h.send(Event::Monitor(MonitorEvent::SourceStarted {
        counterparty_id: 1,
        source: Source::Vies,
    }));
    h.send(Event::Monitor(MonitorEvent::Progress {
        cycle_id: 1,
        done: 3,
        total: 12,
    }));
    assert!(h.screen().contains("checking 3/12 · #1 vies"));
    // quitting while a cycle runs asks first
    h.ch('q');
    assert!(!h.app.state.quit);
    assert!(matches!(h.app.state.popup, Some(Popup::Confirm { .. })));
    h.ch('n');
    // The monitor says what it stored; the UI reads it (an effect against the real store).
    let id = h.app.state.rows[0].cp.id;
    let mut run = h.store.last_check(id).unwrap().expect("demo history");
    run.id = 0;
    run.started_at = now() - Duration::minutes(2);
    run.finished_at = now() - Duration::minutes(1);
    let mut alert = h.store.alerts().unwrap()[0].clone();
    alert.id = 0;
    alert.counterparty_id = id;
    alert.kind = AlertKind::LeiLapsed;
    alert.severity = Severity::Medium;
    alert.dedup_key = "test:lei-lapsed".into();
    alert.acknowledged_at = None;
    let (run, alerts) = h.store.record_check(run, vec![alert]).unwrap();
    let before = h.app.state.alerts.len();
    h.send(Event::Monitor(MonitorEvent::CheckFinished {
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
    }));
    assert_eq!(
        h.app.state.rows[0].last.unwrap().at,
        now() - Duration::minutes(1)
    );
    assert_eq!(h.app.state.alerts.len(), before + 1);
    // One alert is "1 new alert", not "1 new alerts".
    assert_eq!(h.flash(), "1 new alert", "{}", h.flash());
    h.send(Event::Monitor(MonitorEvent::CycleFinished {
        cycle_id: 1,
        done: 12,
        total: 12,
        cancelled: false,
        new_alerts: 1,
        checked: 12,
        failed: 0,
        next: None,
    }));
    assert!(h.app.state.progress.is_none());
    h.ch('q');
    assert!(h.app.state.quit);
    assert!(h.loop_effects.contains(&Effect::Quit));
}

/// The export files in the harness's export directory.
fn exports(h: &Harness) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(h.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

#[test]
fn export_asks_where_and_writes_the_filtered_rows_for_excel_with_their_last_checks() {
    let mut h = Harness::new((100, 30));
    h.ch('/');
    h.typ("de");
    h.key(KeyCode::Enter);
    let shown = h.app.state.table.visible.len();
    assert!(shown > 0 && shown < h.app.state.rows.len());
    // `x` asks first, prefilled with a new file in the export directory; nothing is written.
    h.ch('x');
    let Some(Popup::Reason { text, .. }) = &h.app.state.popup else {
        panic!("no prompt: {:?}", h.app.state.popup);
    };
    let default = std::path::PathBuf::from(text);
    assert_eq!(default.parent(), Some(h.dir.path()));
    assert!(
        default
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("kontra-export-")
    );
    assert!(exports(&h).is_empty());
    // Esc cancels: still nothing.
    h.key(KeyCode::Esc);
    assert!(h.app.state.popup.is_none() && exports(&h).is_empty());
    // Enter writes the default.
    h.ch('x');
    h.key(KeyCode::Enter);
    assert_eq!(exports(&h), std::slice::from_ref(&default));
    let bytes = std::fs::read(&default).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), shown + 1);
    assert!(
        lines[0].starts_with("id;name;country;")
            && lines[0].ends_with(";last_check;last_check_status"),
        "{}",
        lines[0]
    );
    // The demo register has history: the rows carry their last check.
    let checked = h
        .app
        .state
        .table
        .visible
        .iter()
        .filter(|&&i| h.app.state.rows[i as usize].last.is_some())
        .count();
    assert!(checked > 0);
    let with_check = lines[1..]
        .iter()
        .filter(|l| !l.trim_end().ends_with(";;"))
        .count();
    assert_eq!(with_check, checked, "{text}");
    let flash = h.flash();
    assert!(
        flash.contains(&format!("exported {shown} rows to {}", default.display())),
        "{flash}"
    );
    // A relative name is taken from the export directory, not the current one.
    h.ch('x');
    for _ in 0..default.display().to_string().chars().count() {
        h.key(KeyCode::Backspace);
    }
    h.typ("mine.csv");
    h.key(KeyCode::Enter);
    assert!(h.dir.path().join("mine.csv").is_file());
    assert!(!std::path::Path::new("mine.csv").exists());
    // An existing file is kept, and the status line says so.
    let before = std::fs::read(&default).unwrap();
    h.ch('x');
    for _ in 0..default.display().to_string().chars().count() {
        h.key(KeyCode::Backspace);
    }
    h.typ(&default.display().to_string());
    h.key(KeyCode::Enter);
    assert!(h.flash().contains("exists already"), "{}", h.flash());
    assert_eq!(std::fs::read(&default).unwrap(), before);
    // An empty answer is refused with a word, the prompt stays.
    h.ch('x');
    for _ in 0..default.display().to_string().chars().count() {
        h.key(KeyCode::Backspace);
    }
    h.key(KeyCode::Enter);
    assert!(
        h.flash().contains("type the file to write first"),
        "{}",
        h.flash()
    );
    assert!(h.app.state.popup.is_some());
}

#[test]
fn read_only_blocks_changes() {
    let mut h = Harness::with((100, 30), true, 10, 2);
    let n = h.store.counterparty_count();
    h.ch('d');
    h.ch('y');
    h.ch('a');
    assert!(h.app.state.popup.is_none());
    assert_eq!(h.store.counterparty_count(), n);
    assert!(h.screen().contains("[read-only]"));
}

#[test]
fn flash_messages_clear_themselves() {
    let mut h = Harness::new((100, 30));
    h.ch('c');
    let seq = h.app.state.flash.as_ref().unwrap().seq;
    assert!(h.loop_effects.contains(&Effect::ExpireFlash(seq)));
    h.send(Event::FlashExpired(seq));
    assert!(h.app.state.flash.is_none());
}

#[test]
fn not_this_entity_records_the_reason_and_acknowledges_the_sanctions_alert() {
    use kontra::sanctions::decisions;
    use kontra::sanctions::{ListSource, RawList, snapshot};
    let mut h = Harness::new((110, 30));
    h.ch('4');
    // Select the first sanctions alert; other kinds only get a hint.
    let pos = |h: &Harness, kind: AlertKind| {
        h.app
            .state
            .alert_view
            .visible
            .iter()
            .position(|&i| h.app.state.alerts[i as usize].kind == kind)
            .unwrap()
    };
    let other = pos(&h, AlertKind::VatInvalid);
    h.app.state.alert_view.cursor.selected = other;
    h.ch('n');
    assert!(h.app.state.popup.is_none());
    assert!(h.flash().contains("sanctions_found"), "{}", h.flash());
    let at = pos(&h, AlertKind::SanctionsFound);
    h.app.state.alert_view.cursor.selected = at;
    let alert = h.app.state.selected_alert().unwrap().clone();
    let entity = format!("EU.{}.17", 4000 + alert.counterparty_id);

    // No EU list loaded yet: the decision is refused with the reason, nothing is acknowledged.
    h.ch('n');
    assert!(matches!(h.app.state.popup, Some(Popup::Reason { .. })));
    assert!(
        h.screen()
            .contains(&format!("is not EU entry {entity}: why?"))
    );
    h.key(KeyCode::Enter);
    assert!(h.flash().contains("type the reason"), "{}", h.flash());
    h.typ("other company, registered in Leipzig");
    h.key(KeyCode::Enter);
    assert!(h.app.state.popup.is_none());
    assert!(h.flash().contains("no entity"), "{}", h.flash());
    assert!(
        h.store
            .alert(alert.id)
            .unwrap()
            .unwrap()
            .acknowledged_at
            .is_none()
    );

    // Load an EU list on which that entry exists, then decide again.
    let xml = std::fs::read_to_string(format!(
        "{}/tests/fixtures/sanctions_eu/xmlFullSanctionsList_1_1.sample.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replacen(
        "logicalId=\"900001\"",
        &format!("logicalId=\"{entity}\""),
        1,
    );
    snapshot::accept(
        &h.store,
        &h.dir.path().join("data"),
        ListSource::Eu,
        &RawList::single("eu.xml", xml.into_bytes()),
        "test",
        Default::default(),
        now(),
    )
    .unwrap();
    h.ch('n');
    h.typ("other company");
    h.key(KeyCode::Enter);
    assert!(
        h.flash().contains(&format!("is not eu:{entity}")),
        "{}",
        h.flash()
    );
    let d = decisions::get(&h.store, alert.counterparty_id, ListSource::Eu, &entity)
        .unwrap()
        .unwrap();
    assert_eq!(
        (d.decided_by.as_str(), d.reason.as_str()),
        ("tester", "other company")
    );
    let a = h.store.alert(alert.id).unwrap().unwrap();
    assert_eq!(a.acknowledged_by.as_deref(), Some("tester"));
    let audit = h.store.audit_for(alert.counterparty_id).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains(&format!("not this entity: eu:{entity}"))),
        "{audit:?}"
    );
}

#[test]
fn not_this_entity_is_gone_in_read_only_mode() {
    let mut h = Harness::with((110, 30), true, 40, 20);
    h.ch('4');
    h.ch('n');
    assert!(h.app.state.popup.is_none());
}

#[test]
fn not_this_entity_applies_to_possible_sanctions_alerts_too() {
    let mut h = Harness::new((110, 30));
    h.select_alert(&[AlertKind::SanctionsPossible]);
    let alert = h.app.state.selected_alert().unwrap().clone();
    assert_eq!(alert.severity, kontra::domain::Severity::High);
    assert!(
        alert.message.en.contains("possible hit"),
        "{}",
        alert.message.en
    );
    let entity = format!("EU.{}.17", 4000 + alert.counterparty_id);
    h.ch('n');
    assert!(matches!(h.app.state.popup, Some(Popup::Reason { .. })));
    assert!(
        h.screen()
            .contains(&format!("is not EU entry {entity}: why?")),
        "{}",
        h.screen()
    );
}

#[test]
fn an_alert_whose_mail_got_no_answer_shows_delivery_unknown_not_sent() {
    // Wide enough for the Sent column (narrower terminals leave it to the alert view).
    let mut h = Harness::new((120, 30));
    let cp = h.store.counterparties().unwrap()[0].id;
    // A fresh unsent alert (the newest, so the first row of the tab) and its unanswered mail.
    let run = kontra::domain::CheckRun {
        id: 0,
        counterparty_id: cp,
        started_at: now(),
        finished_at: now(),
        trigger: "monitor".into(),
        results: vec![],
    };
    let alert = kontra::domain::Alert {
        id: 0,
        kind: AlertKind::InsolvencyStarted,
        severity: kontra::domain::Severity::Critical,
        counterparty_id: cp,
        check_run_id: None,
        message: kontra::domain::alert::Bilingual {
            de: "Insolvenz".into(),
            en: "Insolvency opened".into(),
        },
        dedup_key: "test:unknown".into(),
        created_at: now(),
        sent_at: None,
        acknowledged_by: None,
        acknowledged_at: None,
        subject: None,
    };
    let (_, fresh) = h.store.record_check(run, vec![alert]).unwrap();
    let id = fresh[0].id;
    let load = |h: &mut Harness| {
        let snap = kontra::tui::data::load_snapshot(&*h.api, now()).unwrap();
        h.send(Event::Done(kontra::tui::event::Done::Loaded(Box::new(
            snap,
        ))));
    };
    load(&mut h);
    h.ch('4');
    let row = |screen: &str| {
        screen
            .lines()
            .find(|l| l.contains("Insolvency opened"))
            .unwrap_or_else(|| panic!("{screen}"))
            .to_string()
    };
    assert!(row(&h.screen()).contains("unsent"));
    h.store
        .record_delivery_unknown(
            &[id],
            &kontra::domain::DeliveryUnknown {
                channel: "mail".into(),
                to: "anna@example.de".into(),
                reference: "<kontra.x@example.de>".into(),
                at: now(),
                reason: "no reply".into(),
            },
        )
        .unwrap();
    load(&mut h);
    let line = row(&h.screen());
    assert!(
        line.contains("unknown") && !line.contains("unsent"),
        "{line}"
    );
}

#[test]
fn a_manual_check_shows_progress_a_summary_and_a_critical_notice() {
    let mut h = Harness::new((100, 30));
    h.app.state.monitor_attached = true;
    h.app.state.bell_on_critical = true;
    let ids: Vec<u64> = h.app.state.rows[..3].iter().map(|r| r.cp.id).collect();
    h.send(Event::Monitor(MonitorEvent::ChecksStarted {
        batch: 7,
        ids: ids.clone(),
    }));
    h.send(Event::Monitor(MonitorEvent::SourceStarted {
        counterparty_id: ids[0],
        source: Source::Vies,
    }));
    h.send(Event::Monitor(MonitorEvent::ChecksProgress {
        batch: 7,
        done: 1,
        total: 3,
    }));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("manual check 1/3 · #{} vies", ids[0])),
        "{screen}"
    );
    insta::assert_snapshot!("manual_check_progress_100x30", screen);
    // Quitting during a manual check asks, as during a cycle.
    h.ch('q');
    assert!(!h.app.state.quit);
    match &h.app.state.popup {
        Some(Popup::Confirm { question, .. }) => {
            assert!(question.contains("check of 3 counterparties"), "{question}")
        }
        other => panic!("a question, got {other:?}"),
    }
    h.ch('n');
    assert!(h.app.state.popup.is_none());
    // A new critical alert: status line, a badge on the Alerts tab, the bell.
    let mut run = h.store.last_check(ids[1]).unwrap().expect("demo history");
    run.id = 0;
    run.counterparty_id = ids[1];
    let mut alert = h.store.alerts().unwrap()[0].clone();
    alert.id = 0;
    alert.counterparty_id = ids[1];
    alert.kind = AlertKind::SanctionsFound;
    alert.severity = Severity::Critical;
    alert.dedup_key = "test:sanctions-found".into();
    alert.acknowledged_at = None;
    let (run, alerts) = h.store.record_check(run, vec![alert]).unwrap();
    h.send(Event::Monitor(MonitorEvent::CheckFinished {
        counterparty_id: ids[1],
        run_id: run.id,
        alerts: vec![AlertNote {
            id: alerts[0].id,
            kind: AlertKind::SanctionsFound,
            severity: Severity::Critical,
        }],
    }));
    assert!(
        h.flash().contains("1 new alert (1 critical)"),
        "{}",
        h.flash()
    );
    assert_eq!(h.app.state.unseen_critical, 1);
    assert!(h.loop_effects.contains(&Effect::Bell));
    assert!(h.screen().contains(" 4 Alerts 1! "), "{}", h.screen());
    h.send(Event::Monitor(MonitorEvent::ChecksProgress {
        batch: 7,
        done: 3,
        total: 3,
    }));
    h.send(Event::Monitor(MonitorEvent::ChecksFinished {
        batch: 7,
        summary: ChecksSummary {
            total: 3,
            checked: 3,
            answers: 9,
            could_not_ask: 2,
            new_alerts: 1,
            critical: 1,
            ..Default::default()
        },
    }));
    assert!(h.app.state.manual.is_none());
    assert_eq!(
        h.flash(),
        "check finished: 3 of 3 checked, 9 answers, 2 could not ask, 1 new alert (1 critical)"
    );
    insta::assert_snapshot!("manual_check_summary_100x30", h.screen());
    // Seen on the Alerts tab: the badge goes.
    h.ch('4');
    assert_eq!(h.app.state.unseen_critical, 0);
    assert!(!h.screen().contains("1!"));
    h.ch('q');
    assert!(h.app.state.quit, "nothing runs: q quits at once");
}

#[test]
fn the_bell_rings_only_when_configured() {
    let mut h = Harness::new((100, 30));
    let id = h.app.state.rows[0].cp.id;
    let mut run = h.store.last_check(id).unwrap().expect("demo history");
    run.id = 0;
    let mut alert = h.store.alerts().unwrap()[0].clone();
    alert.id = 0;
    alert.counterparty_id = id;
    alert.severity = Severity::Critical;
    alert.dedup_key = "test:critical".into();
    let (run, alerts) = h.store.record_check(run, vec![alert]).unwrap();
    h.send(Event::Monitor(MonitorEvent::CheckFinished {
        counterparty_id: id,
        run_id: run.id,
        alerts: vec![AlertNote {
            id: alerts[0].id,
            kind: alerts[0].kind,
            severity: Severity::Critical,
        }],
    }));
    assert_eq!(h.app.state.unseen_critical, 1);
    assert!(!h.loop_effects.contains(&Effect::Bell));
}

#[test]
fn stats_shows_the_next_run_the_monitor_reports_after_a_cycle() {
    let mut h = Harness::new((100, 30));
    // What the UI knew before the cycle: the slot that has just run.
    h.app.state.next_cycle = Some(now() - Duration::minutes(30));
    let next = now() + Duration::hours(16);
    h.send(Event::Monitor(MonitorEvent::CycleFinished {
        cycle_id: 3,
        done: 40,
        total: 40,
        cancelled: false,
        new_alerts: 0,
        checked: 40,
        failed: 0,
        next: Some(next),
    }));
    assert_eq!(h.app.state.next_cycle, Some(next));
}

#[test]
fn the_loaded_next_run_follows_the_schedule_through_the_spring_gap() {
    let h = Harness::new((100, 30));
    let config = kontra::config::Config::parse(
        "[monitor]\ntimezone = \"Europe/Berlin\"\nrun_at = [\"02:30\"]\nhigh_priority_run_at = []\n",
        std::path::Path::new("gap.toml"),
    )
    .unwrap();
    // Saturday 28 March 2026, 13:00 in Berlin: Sunday's 02:30 does not exist; the monitor runs
    // at 03:00 CEST (01:00 UTC), and the UI says so.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 28, 12, 0, 0).unwrap();
    let instance = support::tui::instance(h.store.clone(), config, &h.dir.path().join("data"));
    let api = support::tui::tester(&instance, false);
    let snap = kontra::tui::data::load_snapshot(&*api, at).unwrap();
    assert_eq!(
        snap.next_cycle,
        Some(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 29, 1, 0, 0).unwrap())
    );
}

/// Replaces the text of form field `field` (counted from the first) with `text`.
fn retype_field(h: &mut Harness, field: usize, text: &str) {
    for _ in 0..field {
        h.key(KeyCode::Tab);
    }
    for _ in 0..200 {
        h.key(KeyCode::Backspace);
    }
    h.typ(text);
    for _ in 0..field {
        h.shift_tab();
    }
}

#[test]
fn details_follow_an_edit_and_a_monitoring_toggle() {
    let mut h = Harness::new((120, 40));
    let id = h.app.state.selected_row().unwrap().cp.id;
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::Details);
    assert!(h.app.state.details.data.is_some());
    let was_monitored = h.app.state.details.data.as_ref().unwrap().cp.monitor;
    h.ch('e');
    retype_field(&mut h, 4, "Neue Straße 5, 10115 Berlin");
    retype_field(&mut h, 7, "zoe");
    h.key(KeyCode::Enter);
    assert!(h.app.state.popup.is_none(), "saved: {}", h.flash());
    let screen = h.screen();
    assert!(
        screen.contains("Neue Straße 5, 10115 Berlin"),
        "the new address shows:\n{screen}"
    );
    assert!(screen.contains("zoe"), "the new owner shows:\n{screen}");
    // Leaving and reopening shows the stored values too.
    h.ch('2');
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.details.id, Some(id));
    let screen = h.screen();
    assert!(screen.contains("Neue Straße 5, 10115 Berlin"), "{screen}");
    h.ch('m');
    let cp = h.store.counterparty(id).unwrap().unwrap();
    assert_eq!(cp.monitor, !was_monitored);
    assert_eq!(
        h.app.state.details.data.as_ref().unwrap().cp.monitor,
        cp.monitor
    );
    let screen = h.screen();
    let monitor_line = screen
        .lines()
        .find(|l| l.contains("Monitor "))
        .unwrap_or_default()
        .to_string();
    if cp.monitor {
        assert!(monitor_line.contains("on, "), "{monitor_line}");
    } else {
        assert!(monitor_line.contains("off"), "{monitor_line}");
    }
    h.ch('m');
    assert_eq!(
        h.app.state.details.data.as_ref().unwrap().cp.monitor,
        was_monitored
    );
}

#[test]
fn acknowledge_from_the_alert_view_with_a_comment_is_audited() {
    let mut h = Harness::new((120, 40));
    h.ch('4');
    h.ch('u');
    let a = h.app.state.selected_alert().unwrap().clone();
    assert!(a.acknowledged_at.is_none());
    h.ch('v');
    assert!(
        h.screen().contains(&format!("Alert #{}", a.id)),
        "{}",
        h.screen()
    );
    // Moving in the view scrolls it; the alert stays the one read.
    h.key(KeyCode::Down);
    h.ch('a');
    assert!(
        matches!(&h.app.state.popup, Some(Popup::Reason { .. })),
        "acknowledging from the view asks for a comment"
    );
    h.typ("called the customer, number is fine");
    h.key(KeyCode::Enter);
    assert!(h.app.state.popup.is_none());
    let stored = h.store.alert(a.id).unwrap().unwrap();
    assert_eq!(stored.acknowledged_by.as_deref(), Some("tester"));
    let audit = h.store.audit_for(a.counterparty_id).unwrap();
    assert!(
        audit.iter().any(|e| e.actor == "tester"
            && e.detail.contains(&format!("alert {}", a.id))
            && e.detail.contains("called the customer, number is fine")),
        "{audit:#?}"
    );
    // The view shows who acknowledged; Esc goes back to the list.
    assert!(
        h.screen().contains("acknowledged by tester"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Esc);
    assert!(h.app.state.alert_view.detail.is_none());

    // The comment is optional: an empty one acknowledges too.
    let b = h.app.state.selected_alert().unwrap().clone();
    assert!(b.acknowledged_at.is_none() && b.id != a.id);
    h.ch('v');
    h.ch('a');
    h.key(KeyCode::Enter);
    assert!(
        h.store
            .alert(b.id)
            .unwrap()
            .unwrap()
            .acknowledged_at
            .is_some()
    );
}

/// The names of the rows shown, in table order.
fn shown(h: &Harness) -> Vec<kontra::domain::Counterparty> {
    let s = &h.app.state;
    s.table
        .visible
        .iter()
        .map(|&i| s.rows[i as usize].cp.clone())
        .collect()
}

#[test]
fn the_filter_takes_country_and_owner_fields_and_ignores_accents() {
    let mut h = Harness::new((100, 30));
    // "de" as text also finds the owner "deniz"; as a country it finds only German rows.
    h.ch('/');
    h.typ("de");
    let text = shown(&h);
    assert!(
        text.iter().any(|c| c.country != "DE"),
        "text matches owners too"
    );
    h.key(KeyCode::Esc);
    h.ch('/');
    h.typ("country:de");
    let de = shown(&h);
    assert!(!de.is_empty() && de.iter().all(|c| c.country == "DE"));
    h.key(KeyCode::Esc);
    h.ch('/');
    h.typ("owner:deniz country:de,at");
    let mine = shown(&h);
    assert!(!mine.is_empty());
    assert!(
        mine.iter().all(
            |c| c.owner.as_deref() == Some("deniz") && (c.country == "DE" || c.country == "AT")
        )
    );
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("filter: \"owner:deniz country:de,at\""));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.table.visible.len(), h.app.state.rows.len());

    // Accents: "oster" finds "Österreichische", and "Ö" sorts with "O".
    let mut cp = shown(&h)[0].clone();
    cp.id = 9_001;
    cp.name = "Österreichische Post AG".to_string();
    h.app.state.upsert(vec![cp]);
    h.ch('/');
    h.typ("oster");
    let names: Vec<String> = shown(&h).into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Österreichische Post AG"]);
    h.key(KeyCode::Esc);
    let names: Vec<String> = shown(&h).into_iter().map(|c| c.name).collect();
    let pos = names
        .iter()
        .position(|n| n.starts_with("Österreich"))
        .unwrap();
    assert!(names[pos - 1].to_lowercase().as_str() < "osterreich");
    assert!(
        names[pos + 1].to_lowercase().as_str() > "osterreich",
        "{names:?}"
    );
}

#[test]
fn alerts_filter_by_days_and_esc_clears_every_alert_filter() {
    let mut h = Harness::new((100, 30));
    h.ch('4');
    let all = h.app.state.alert_view.visible.len();
    assert!(all > 2);
    h.ch('s');
    h.ch('u');
    h.ch('/');
    h.typ("since:2025-03-12 until:13.03.2025");
    h.key(KeyCode::Enter);
    let tz = h.app.state.tz;
    let days = &h.app.state.alert_view.visible;
    for &i in days {
        let day = h.app.state.alerts[i as usize]
            .created_at
            .with_timezone(&tz)
            .date_naive()
            .to_string();
        assert!(day == "2025-03-12" || day == "2025-03-13", "{day}");
    }
    assert!(h.screen().contains("since:2025-03-12 until:13.03.2025"));
    h.key(KeyCode::Esc);
    let v = &h.app.state.alert_view;
    assert!(v.query.is_empty() && v.severity.is_none() && !v.unacked_only);
    assert_eq!(v.visible.len(), all);
}

#[test]
fn back_from_a_counterparty_opened_from_an_alert_returns_to_alerts() {
    let mut h = Harness::new((100, 30));
    h.ch('4');
    h.ch('l');
    assert_eq!(h.app.state.tab, Tab::Details);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.tab, Tab::Alerts);
    // Opened from the table, back goes to the table.
    h.ch('2');
    h.key(KeyCode::Enter);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.tab, Tab::Counterparties);
}

#[test]
fn help_scrolls_no_further_than_its_end_and_names_each_action() {
    let mut h = Harness::new((100, 30));
    h.ch('?');
    for _ in 0..500 {
        h.ch('j');
    }
    let Some(Popup::Help(scroll)) = h.app.state.popup else {
        panic!("help closed")
    };
    assert!(scroll <= h.app.keymap.help_lines(), "{scroll}");
    let screen = h.screen();
    assert!(screen.contains("close_help"), "{screen}");
    h.ch('k');
    assert!(matches!(h.app.state.popup, Some(Popup::Help(s)) if s + 1 == scroll));
}

#[test]
fn every_sort_column_shows_its_arrow() {
    let mut h = Harness::new((100, 30));
    for _ in 0..7 {
        let col = h.app.state.table.sort.title(kontra::tui::text::Tr::EN);
        let screen = h.screen();
        assert!(screen.contains(&format!("{col} ▲")), "{col}\n{screen}");
        h.ch('o');
    }
}

#[test]
fn the_form_shows_the_terminal_cursor_where_typing_goes() {
    let mut h = Harness::new((100, 30));
    h.ch('a');
    h.typ("Acme");
    let mut t = h.render();
    let at = t.get_cursor_position().unwrap();
    let screen = t.backend().to_string();
    let line = screen.lines().nth(usize::from(at.y)).unwrap();
    // Each line is quoted: skip the quote, then the columns before the cursor.
    let before: String = line.chars().skip(1).take(usize::from(at.x)).collect();
    assert!(before.ends_with("Acme"), "{line:?} at {at:?}");
}

#[test]
fn bulk_actions_name_what_they_touch_and_clear_the_marks() {
    let mut h = Harness::new((100, 30));
    h.ch(' ');
    h.ch(' ');
    let names: Vec<String> = h
        .app
        .state
        .table
        .marks
        .iter()
        .map(|id| h.app.state.rows[h.app.state.index[id]].cp.name.clone())
        .collect();
    h.ch('d');
    let Some(Popup::Confirm { question, .. }) = &h.app.state.popup else {
        panic!("no question")
    };
    for n in &names {
        assert!(question.contains(n.as_str()), "{question}");
    }
    h.ch('n');
    h.ch('c');
    assert!(h.app.state.table.marks.is_empty());
}

#[test]
fn read_only_says_why_a_key_does_nothing_and_demo_says_why_checks_are_off() {
    let mut h = Harness::with((100, 30), true, 10, 2);
    h.ch('e');
    assert!(h.app.state.popup.is_none());
    assert!(h.flash().contains("--read-only"), "{}", h.flash());
    assert!(h.flash().contains("\"edit\""), "{}", h.flash());

    let mut h = Harness::new((100, 30));
    h.app.state.demo = true;
    h.ch('c');
    assert!(
        h.flash().contains("never sent to the registries"),
        "{}",
        h.flash()
    );
    assert!(
        h.loop_effects
            .iter()
            .all(|e| !matches!(e, Effect::CheckNow(_)))
    );
}

#[test]
fn one_is_singular() {
    let mut h = Harness::new((100, 30));
    h.ch('m');
    assert!(h.flash().ends_with("for 1 counterparty"), "{}", h.flash());
}

/// The resume key lifts the VIES pause through the running monitor: the live checker's own copy
/// goes too (else it would write the pause back), the store no longer holds it, the lift is
/// audited by the analyst and the UI shows the monitor's answer.
#[test]
fn the_resume_key_lifts_the_vies_pause_through_the_monitor() {
    use kontra::config::Config;
    use kontra::monitor::clock::{Clock, SystemClock};
    use kontra::monitor::live::Live;
    use kontra::monitor::{CheckSettings, Runner, Schedule, service};
    use kontra::store::AuditAction;
    use std::sync::Arc;

    // The monitor runs on its own runtime, as in the UI; the key's effect runs on this thread,
    // as on the UI's blocking tasks, and waits there for the monitor's answer.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _entered = rt.enter();
    let mut h = Harness::new((120, 40));
    h.pause_vies();
    assert!(h.app.state.runs.pause.is_some());
    let config = Config::default();
    let live = Arc::new(Live::new(&config, &h.store, &h.dir.path().join("data")).unwrap());
    assert!(
        live.sources().vies_pause().is_some(),
        "the live client holds its copy"
    );
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let runner = Runner::new(
        h.store.clone(),
        live.clone(),
        CheckSettings::from_config(&config, clock.clone()),
        1,
    )
    .unwrap();
    let handle = service::spawn(runner, Schedule::from_config(&config.monitor), clock);
    h.instance.attach_monitor(&handle);

    h.ch('1');
    h.ch('r');
    assert!(h.app.state.runs.pause.is_none());
    assert!(
        h.flash().contains("VIES resumed by tester"),
        "{}",
        h.flash()
    );
    assert!(!h.screen().contains("[VIES paused]"));
    assert_eq!(h.store.source_pause(Source::Vies).unwrap(), None);
    assert!(live.sources().vies_pause().is_none());
    // The monitor's next sync does not write the pause back.
    live.sync_vies_pause();
    assert_eq!(h.store.source_pause(Source::Vies).unwrap(), None);
    let audit = h.store.audit_all().unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == AuditAction::SourceResumed && e.actor == "tester"),
        "{audit:?}"
    );
    rt.block_on(handle.shutdown()).unwrap();
}

/// Read-only refuses the resume action with its reason and asks nothing of anyone.
#[test]
fn read_only_refuses_the_resume_action() {
    let mut h = Harness::with((100, 30), true, 10, 5);
    h.pause_vies();
    let effects =
        kontra::tui::update::update(&mut h.app.state, kontra::tui::action::Action::ResumeVies);
    assert!(effects.iter().all(|e| matches!(e, Effect::ExpireFlash(_))));
    assert!(h.flash().contains("read-only"), "{}", h.flash());
    assert!(h.store.source_pause(Source::Vies).unwrap().is_some());
}
