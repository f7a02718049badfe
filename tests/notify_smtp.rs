//! Digest delivery to a real SMTP server on 127.0.0.1: MIME structure, subject, grouping and
//! order, both languages, no resend, nothing marked sent on refusal or outage, a connection
//! broken before, inside and after the message (hand-rolled server), crash recovery.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use kontra::domain::CheckRun;
use kontra::domain::Source;
use kontra::domain::check::{
    Answer, Evidence, Outcome, SanctionsAnswer, SourceResult, Unavailable,
};
use kontra::notify::outbox::{Channel, Outbox, OutboxEntry};
use kontra::notify::schedule::{DIGEST_STATE_KEY, DigestState};
use kontra::notify::{Delivery, Notifier};
use kontra::store::{AuditAction, Store};
use std::path::Path;
use std::time::Duration;
use support::*;

fn notifier(port: u16, language: &str, extra: &str) -> Notifier {
    Notifier::new(&config(port, language, extra), Path::new("test.toml")).unwrap()
}

fn sent(store: &Store, id: u64) -> bool {
    store.alert(id).unwrap().unwrap().sent_at.is_some()
}

fn position(hay: &str, needle: &str) -> usize {
    hay.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{hay}"))
}

#[tokio::test]
async fn german_digests_per_owner_with_mime_parts_and_no_resend() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "");

    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(report.messages.len(), 3);
    let mut mails: Vec<Mail> = server.received().iter().map(parse).collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails.len(), 3);

    let anna = &mails[0];
    assert_eq!(anna.envelope_to, vec!["anna@example.de".to_string()]);
    assert_eq!(anna.subject, "[Kontra] 2 neue Alerts (1 kritisch)");
    assert_eq!(anna.top_type, "multipart/alternative");
    assert_eq!(anna.auto_submitted, "auto-generated");
    assert_eq!(anna.part_types, vec!["text/plain", "text/html"]);
    // Critical before medium; each with name, VAT number, what changed, when, and the id.
    let crit = position(&anna.text, "KRITISCH (1)");
    let med = position(&anna.text, "MITTEL (1)");
    assert!(crit < med);
    let vat_invalid = position(&anna.text, "USt-IdNr. ungültig: VIES meldet");
    let renamed = position(&anna.text, "Firmenname geändert: Name im Handelsregister");
    assert!(crit < vat_invalid && vat_invalid < med && med < renamed);
    assert!(
        anna.text
            .contains("Müller & Söhne GmbH · USt-IdNr.: DE136695976")
    );
    assert!(anna.text.contains(&format!("kontra show {}", s.mueller)));
    assert!(anna.text.contains("02.03.2026 03:10 CET"), "{}", anna.text);
    assert!(anna.text.contains("Zuständig: Anna"));
    assert!(!anna.text.contains("Beta Handels"));
    assert!(anna.html.contains("Müller &amp; Söhne GmbH"));
    assert!(anna.html.contains("#d32f2f") && anna.html.contains("#fbc02d"));
    assert!(position(&anna.html, "#d32f2f") < position(&anna.html, "#fbc02d"));
    // No check has run: the digest says so instead of implying all is well.
    assert!(anna.text.contains("noch kein Prüflauf"), "{}", anna.text);

    let bernd = &mails[1];
    assert_eq!(bernd.subject, "[Kontra] 2 neue Alerts");
    assert!(position(&bernd.text, "HOCH (1)") < position(&bernd.text, "NIEDRIG (1)"));
    assert!(bernd.html.contains("#f57c00") && bernd.html.contains("#388e3c"));

    let team = &mails[2];
    assert_eq!(team.envelope_to, vec!["team@example.de".to_string()]);
    assert_eq!(team.subject, "[Kontra] 1 neuer Alert (1 kritisch)");
    assert!(team.text.contains("Ohne Zuständigen"));
    assert!(team.text.contains("Gamma Bau KG"));

    // Every alert is marked sent at the run's time, and the audit trail names the message.
    for id in [
        s.vat_invalid,
        s.name_changed,
        s.sanctions_removed,
        s.register_status,
        s.insolvency,
    ] {
        assert_eq!(store.alert(id).unwrap().unwrap().sent_at, Some(t(7, 0)));
    }
    let anna_report = report
        .messages
        .iter()
        .find(|m| m.recipient == "anna@example.de")
        .unwrap();
    assert_eq!(anna_report.message_id, anna.message_id);
    assert_eq!(anna_report.alert_ids, vec![s.vat_invalid, s.name_changed]);
    let audit = store.audit_for(s.mueller).unwrap();
    let mailed: Vec<_> = audit
        .iter()
        .filter(|e| e.action == AuditAction::AlertSent)
        .collect();
    assert_eq!(mailed.len(), 2);
    assert!(mailed[0].detail.contains(&anna.message_id));
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());

    // A second run sends nothing.
    let again = n.run_digest(&store, t(7, 5)).await.unwrap();
    assert!(again.messages.is_empty() && again.ok());
    assert_eq!(server.received().len(), 3);
    let state: DigestState = store.get_state(DIGEST_STATE_KEY).unwrap().unwrap();
    assert_eq!(state.last_success, Some(t(7, 5)));
}

#[tokio::test]
async fn english_by_config_with_source_health() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    // Health comes from the stored runs: insolvency answered at 01:30 and failed since 02:00
    // (UTC+1), VIES answered in the cycle at 03:15.
    let result = |source, at, answered: bool| SourceResult {
        source,
        at,
        outcome: if answered {
            Outcome::Answer(Answer::Sanctions(SanctionsAnswer::default()))
        } else {
            Outcome::CouldNotAsk {
                reason: Unavailable::ServiceUnavailable,
                message: "HTTP 503".into(),
            }
        },
        evidence: Evidence::default(),
    };
    let runs = [
        (t(0, 30), vec![result(Source::Insolvency, t(0, 30), true)]),
        (t(1, 0), vec![result(Source::Insolvency, t(1, 0), false)]),
        (
            t(2, 15),
            vec![
                result(Source::Vies, t(2, 14), true),
                result(Source::Insolvency, t(2, 15), false),
            ],
        ),
    ];
    for (at, results) in runs {
        let run = CheckRun {
            id: 0,
            counterparty_id: s.mueller,
            started_at: at,
            finished_at: at,
            trigger: "monitor".into(),
            results,
        };
        store.record_check(run, vec![]).unwrap();
    }
    // The top-level language is German; [mail] language switches the mails to English.
    let n = notifier(server.port, "de", "language = \"en\"");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(report.ok());
    let mails: Vec<Mail> = server.received().iter().map(parse).collect();
    let anna = mails.iter().find(|m| m.to.contains("anna@")).unwrap();
    assert_eq!(anna.subject, "[Kontra] 2 new alerts (1 critical)");
    assert!(position(&anna.text, "CRITICAL (1)") < position(&anna.text, "MEDIUM (1)"));
    assert!(
        anna.text
            .contains("VAT number invalid: VIES reports VAT number DE136695976 as invalid")
    );
    assert!(anna.text.contains("2026-03-02 03:10 CET"));
    assert!(anna.text.contains("Owner: Anna"));
    assert!(!anna.text.contains("ungültig"));
    assert!(
        anna.text.contains("Last check cycle: 2026-03-02 03:15 CET"),
        "{}",
        anna.text
    );
    assert!(
        anna.text
            .contains("VIES: answering (last answer 2026-03-02 03:14 CET)")
    );
    assert!(
        anna.text.contains(
            "Insolvency publications: unavailable since 2026-03-02 02:00 CET (last answer 2026-03-02 01:30 CET): HTTP 503"
        ),
        "{}",
        anna.text
    );
    assert!(anna.html.contains("Source status"));
    assert!(sent(&store, s.vat_invalid));
}

#[tokio::test]
async fn refused_recipient_marks_nothing_and_is_retried_once_accepted() {
    let server = SmtpServer::start(Mode::RefuseRcpt);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "");

    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(!report.ok());
    assert_eq!(report.messages.len(), 3);
    for m in &report.messages {
        assert!(
            matches!(&m.outcome, Delivery::Failed(r) if r.contains("RCPT") && r.contains("550")),
            "{:?}",
            m.outcome
        );
    }
    assert!(server.received().is_empty());
    assert!(!sent(&store, s.vat_invalid) && !sent(&store, s.insolvency));
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());
    let state: DigestState = store.get_state(DIGEST_STATE_KEY).unwrap().unwrap();
    assert!(state.last_failed && state.last_success.is_none());

    server.set_mode(Mode::Accept);
    let report = n.run_digest(&store, t(7, 15)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(server.received().len(), 3);
    assert!(sent(&store, s.vat_invalid) && sent(&store, s.insolvency));
    n.run_digest(&store, t(7, 30)).await.unwrap();
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn refused_message_body_marks_nothing() {
    let server = SmtpServer::start(Mode::RefuseData);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    for m in &report.messages {
        assert!(
            matches!(&m.outcome, Delivery::Failed(r) if r.contains("554")),
            "{:?}",
            m.outcome
        );
    }
    assert!(server.received().is_empty());
    for id in [s.vat_invalid, s.name_changed, s.insolvency] {
        assert!(!sent(&store, id));
    }
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());
    assert!(
        store
            .audit_all()
            .unwrap()
            .iter()
            .all(|e| e.action != AuditAction::AlertSent)
    );
}

#[tokio::test]
async fn server_down_marks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(closed_port(), "de", "");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(!report.ok());
    for m in &report.messages {
        assert!(
            matches!(&m.outcome, Delivery::Failed(r) if r.contains("connect")),
            "{:?}",
            m.outcome
        );
    }
    assert!(!sent(&store, s.vat_invalid));
    // The schedule retries after retry_minutes, not at once.
    let next = n.next_digest_at(&store, t(7, 1)).unwrap().unwrap();
    assert_eq!(next, t(7, 15));
}

#[tokio::test]
async fn no_reply_after_the_whole_message_is_delivery_unknown_and_named_next_time() {
    // The server takes the body but answers only after the client gave up: the message may
    // have arrived, so its alerts are neither sent nor plainly pending but "delivery unknown",
    // and the next digest repeats them, saying so.
    let server = SmtpServer::start(Mode::SlowAccept(Duration::from_millis(2500)));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let mut cfg = config(server.port, "de", "");
    cfg.mail.as_mut().unwrap().timeout_secs = 1;
    cfg.analysts.clear();
    let n = Notifier::new(&cfg, Path::new("test.toml")).unwrap();
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert_eq!(report.messages.len(), 1);
    assert!(
        matches!(&report.messages[0].outcome, Delivery::Uncertain(r) if r.contains("no reply")),
        "{:?}",
        report.messages[0].outcome
    );
    assert!(!report.ok());
    let first_id = report.messages[0].message_id.clone();
    assert!(!sent(&store, s.vat_invalid) && !sent(&store, s.insolvency));
    let unknown = store.deliveries_unknown().unwrap();
    assert_eq!(unknown.len(), 5, "{unknown:?}");
    assert_eq!(unknown[&s.insolvency][0].reference, first_id);
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());
    let audit = store.audit_for(s.gamma).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == AuditAction::AlertSent && e.detail.contains("outcome is unknown"))
    );
    // Let the server finish: it did take the first message.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(server.received().len(), 1);
    server.set_mode(Mode::Accept);
    let again = n.run_digest(&store, t(7, 20)).await.unwrap();
    assert!(again.ok(), "{:?}", again.problems());
    let mails: Vec<Mail> = server.received().iter().map(parse).collect();
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].text.contains("Zustellung unbekannt"),
        "{}",
        mails[1].text
    );
    assert!(mails[1].text.contains(&first_id), "{}", mails[1].text);
    assert!(mails[1].html.contains("Zustellung unbekannt"));
    assert!(sent(&store, s.vat_invalid) && sent(&store, s.insolvency));
    assert!(store.deliveries_unknown().unwrap().is_empty());
}

fn all_alerts(s: &Seeded) -> [u64; 5] {
    [
        s.vat_invalid,
        s.name_changed,
        s.sanctions_removed,
        s.register_status,
        s.insolvency,
    ]
}

#[tokio::test]
async fn server_closing_after_354_gets_nothing_marks_nothing_and_is_retried() {
    let server = RawSmtp::start(RawMode::CloseAfter354);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "");
    // Five runs of three messages: a race between the close and the client's writes would show.
    // On a loaded machine the client may write the whole body before the close reaches it; the
    // server's kernel then resets the connection with the body unread. The client cannot tell
    // that from a reply lost after delivery, so it says "unknown", never "sent".
    let mut raced = 0;
    for minute in 0..5 {
        let report = n.run_digest(&store, t(7, minute)).await.unwrap();
        assert_eq!(report.messages.len(), 3);
        for m in &report.messages {
            match &m.outcome {
                Delivery::Failed(r) if r.contains("not completely handed over") => {}
                Delivery::Uncertain(r) if r.contains("reset") => raced += 1,
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(server.complete(), 0);
    assert!(server.accepted().is_empty());
    for id in all_alerts(&s) {
        assert!(!sent(&store, id));
    }
    if raced == 0 {
        assert!(store.deliveries_unknown().unwrap().is_empty());
    }
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());
    let state: DigestState = store.get_state(DIGEST_STATE_KEY).unwrap().unwrap();
    assert!(state.last_failed);

    server.set_mode(RawMode::Accept);
    let report = n.run_digest(&store, t(7, 30)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(server.accepted().len(), 3);
    for id in all_alerts(&s) {
        assert!(sent(&store, id));
    }
}

#[tokio::test]
async fn server_closing_inside_the_body_gets_nothing_and_marks_nothing() {
    let server = RawSmtp::start(RawMode::CloseMidBody);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert_eq!(report.messages.len(), 3);
    assert!(report.messages.iter().all(|m| !m.outcome.is_delivered()));
    assert_eq!(server.complete(), 0);
    for id in all_alerts(&s) {
        assert!(!sent(&store, id));
    }
    server.set_mode(RawMode::Accept);
    let report = n.run_digest(&store, t(7, 30)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(server.accepted().len(), 3);
    for id in all_alerts(&s) {
        assert!(sent(&store, id));
    }
}

#[tokio::test]
async fn server_closing_after_the_final_dot_is_delivery_unknown_then_named() {
    let server = RawSmtp::start(RawMode::CloseAfterDot);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "en", "");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert_eq!(report.messages.len(), 3);
    for m in &report.messages {
        assert!(
            matches!(&m.outcome, Delivery::Uncertain(r) if r.contains("whole message")),
            "{:?}",
            m.outcome
        );
    }
    assert_eq!(server.complete(), 3);
    let unknown = store.deliveries_unknown().unwrap();
    for id in all_alerts(&s) {
        assert!(!sent(&store, id));
        assert_eq!(unknown[&id].len(), 1);
    }
    let anna = report
        .messages
        .iter()
        .find(|m| m.recipient == "anna@example.de")
        .unwrap();
    assert_eq!(unknown[&s.vat_invalid][0].reference, anna.message_id);
    assert_eq!(unknown[&s.vat_invalid][0].to, "anna@example.de");

    server.set_mode(RawMode::Accept);
    let report = n.run_digest(&store, t(9, 0)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 3);
    let mails: Vec<Mail> = accepted
        .iter()
        .map(|d| {
            parse(&Received {
                data: d.clone(),
                ..Received::default()
            })
        })
        .collect();
    let anna_mail = mails.iter().find(|m| m.to.contains("anna")).unwrap();
    assert!(
        anna_mail
            .text
            .contains("Delivery unknown: 2 of these alerts"),
        "{}",
        anna_mail.text
    );
    assert!(anna_mail.text.contains(&anna.message_id));
    for id in all_alerts(&s) {
        assert!(sent(&store, id));
    }
    assert!(store.deliveries_unknown().unwrap().is_empty());
}

#[tokio::test]
async fn outbox_left_by_a_dead_process_is_delivery_unknown_and_sent_again_named() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let s = {
        let store = Store::open(dir.path(), "crashed run").unwrap();
        let s = seed(&store);
        // What a process leaves when it dies after handing Anna's digest to the server and
        // before recording the answer; and, for Bernd's, after marking the alerts sent but
        // before clearing its entry.
        let outbox = Outbox::open(&store).unwrap();
        outbox
            .put(&OutboxEntry {
                id: "<kontra.dead@example.de>".into(),
                channel: Channel::Mail {
                    recipient: "anna@example.de".into(),
                },
                alert_ids: vec![s.vat_invalid, s.name_changed],
                handed_over_at: t(6, 59),
            })
            .unwrap();
        store
            .mark_sent(&[s.sanctions_removed, s.register_status], t(6, 59))
            .unwrap();
        outbox
            .put(&OutboxEntry {
                id: "<kontra.done@example.de>".into(),
                channel: Channel::Mail {
                    recipient: "bernd@example.de".into(),
                },
                alert_ids: vec![s.sanctions_removed, s.register_status],
                handed_over_at: t(6, 59),
            })
            .unwrap();
        s
    };
    // A new process opens the store and runs the digest.
    let store = Store::open(dir.path(), "restarted").unwrap();
    let n = notifier(server.port, "de", "");
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert_eq!(report.reconciled.len(), 2);
    let dead = report
        .reconciled
        .iter()
        .find(|r| r.entry.id == "<kontra.dead@example.de>")
        .unwrap();
    assert!(dead.uncertain);
    let done = report
        .reconciled
        .iter()
        .find(|r| r.entry.id == "<kontra.done@example.de>")
        .unwrap();
    assert!(!done.uncertain);
    assert!(
        report
            .problems()
            .iter()
            .any(|p| p.contains("<kontra.dead@example.de>"))
    );
    // Bernd's were recorded sent: nothing goes to him. Anna's digest went out unanswered, so it
    // goes again, naming the earlier message; Gamma's goes to the fallback.
    let mut mails: Vec<Mail> = server.received().iter().map(parse).collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails[0].to.contains("anna@example.de"));
    assert!(
        mails[0].text.contains("<kontra.dead@example.de>"),
        "{}",
        mails[0].text
    );
    assert!(mails[0].text.contains("Zustellung unbekannt"));
    assert!(mails[1].to.contains("team@example.de"));
    assert_eq!(
        store.alert(s.vat_invalid).unwrap().unwrap().sent_at,
        Some(t(7, 0))
    );
    assert_eq!(
        store.alert(s.sanctions_removed).unwrap().unwrap().sent_at,
        Some(t(6, 59))
    );
    assert!(store.deliveries_unknown().unwrap().is_empty());
    assert!(Outbox::open(&store).unwrap().entries().unwrap().is_empty());
}

#[tokio::test]
async fn critical_alerts_go_out_at_once_and_the_rest_waits_for_the_digest() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(server.port, "de", "critical_immediately = true");

    let report = n.deliver_new(&store, t(3, 0)).await.unwrap();
    assert!(report.ok());
    let mails: Vec<Mail> = server.received().iter().map(parse).collect();
    assert_eq!(mails.len(), 2);
    for m in &mails {
        assert_eq!(
            m.subject,
            "[Kontra] Sofortmeldung: 1 neuer Alert (1 kritisch)"
        );
    }
    assert!(sent(&store, s.vat_invalid) && sent(&store, s.insolvency));
    assert!(!sent(&store, s.name_changed));

    // Nothing more is critical: a second immediate delivery sends nothing.
    assert!(
        n.deliver_new(&store, t(3, 5))
            .await
            .unwrap()
            .messages
            .is_empty()
    );

    n.run_digest(&store, t(7, 0)).await.unwrap();
    let mails: Vec<Mail> = server.received().iter().map(parse).collect();
    assert_eq!(mails.len(), 4);
    let anna_digest = mails[2..].iter().find(|m| m.to.contains("anna@")).unwrap();
    assert_eq!(anna_digest.subject, "[Kontra] 1 neuer Alert");
    assert!(!anna_digest.text.contains("ungültig"));
}

#[tokio::test]
async fn empty_digest_is_sent_with_context_when_configured_and_scheduled_once() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let n = notifier(
        server.port,
        "en",
        "send_empty = true\ndigest_at = \"08:00\"",
    );
    // 06:59 UTC is 07:59 in Berlin: the last slot was yesterday and nothing ran: due.
    let r = n.run_digest_if_due(&store, t(6, 59)).await.unwrap();
    assert!(r.is_some());
    assert_eq!(server.received().len(), 3);
    let mail = parse(&server.received()[0]);
    assert_eq!(mail.subject, "[Kontra] No new alerts");
    assert!(mail.text.contains("No check has run yet"), "{}", mail.text);
    // Not again before today's slot at 08:00 Berlin (07:00 UTC); then once.
    assert!(
        n.run_digest_if_due(&store, t(6, 59))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(n.next_digest_at(&store, t(6, 59)).unwrap(), Some(t(7, 0)));
    assert!(
        n.run_digest_if_due(&store, t(7, 0))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        n.run_digest_if_due(&store, t(9, 0))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(server.received().len(), 6);
}

#[tokio::test]
async fn starttls_with_a_company_ca_and_auth_from_a_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_cert(dir.path());
    let server = SmtpServer::start_with(
        Mode::Accept,
        Some(Secure {
            cert_path: cert.clone(),
            key_path: key,
            login: ("kontra".into(), "s3cret pw".into()),
        }),
    );
    std::fs::write(dir.path().join("pw"), "s3cret pw\n").unwrap();
    let store = Store::open(&dir.path().join("data"), "test").unwrap();
    let s = seed(&store);
    let secure = |extra: &str| {
        let text = config_text(server.port, "de", extra)
            .replace("security = \"none\"", "security = \"starttls\"");
        kontra::config::Config::parse(&text, Path::new("test.toml")).unwrap()
    };

    // Without the CA the certificate is not trusted: nothing is sent or marked.
    let n = Notifier::new(
        &secure(&format!(
            "username = \"kontra\"\npassword_file = \"{}\"",
            dir.path().join("pw").display()
        )),
        Path::new("test.toml"),
    )
    .unwrap();
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(
        matches!(&report.messages[0].outcome, Delivery::Failed(r) if r.contains("STARTTLS")),
        "{:?}",
        report.messages[0].outcome
    );
    assert!(server.received().is_empty() && !sent(&store, s.vat_invalid));

    // A wrong password: refused at AUTH, nothing sent.
    std::fs::write(dir.path().join("bad"), "wrong").unwrap();
    let n = Notifier::new(
        &secure(&format!(
            "username = \"kontra\"\npassword_file = \"{}\"\nca_file = \"{cert}\"",
            dir.path().join("bad").display()
        )),
        Path::new("test.toml"),
    )
    .unwrap();
    let report = n.run_digest(&store, t(7, 1)).await.unwrap();
    assert!(
        matches!(&report.messages[0].outcome, Delivery::Failed(r) if r.contains("AUTH") && r.contains("535")),
        "{:?}",
        report.messages[0].outcome
    );
    assert!(server.received().is_empty() && !sent(&store, s.vat_invalid));

    let n = Notifier::new(
        &secure(&format!(
            "username = \"kontra\"\npassword_file = \"{}\"\nca_file = \"{cert}\"",
            dir.path().join("pw").display()
        )),
        Path::new("test.toml"),
    )
    .unwrap();
    let report = n.run_digest(&store, t(7, 2)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(server.received().len(), 3);
    assert_eq!(server.authenticated(), vec!["kontra"; 3]);
    assert!(sent(&store, s.vat_invalid));
}

#[tokio::test]
async fn starttls_is_required_unless_security_is_none() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let text = config_text(server.port, "de", "")
        .replace("security = \"none\"", "security = \"starttls\"");
    let cfg = kontra::config::Config::parse(&text, Path::new("test.toml")).unwrap();
    let n = Notifier::new(&cfg, Path::new("test.toml")).unwrap();
    let report = n.run_digest(&store, t(7, 0)).await.unwrap();
    assert!(
        matches!(&report.messages[0].outcome, Delivery::Failed(r) if r.contains("does not offer STARTTLS")),
        "{:?}",
        report.messages[0].outcome
    );
    assert!(server.received().is_empty() && !sent(&store, s.vat_invalid));
}

#[tokio::test]
async fn a_retried_digest_repeats_no_empty_digest_that_arrived() {
    let server = SmtpServer::start(Mode::RefuseRcpt);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let n = notifier(server.port, "de", "send_empty = true");
    let r = n.run_digest_if_due(&store, t(7, 0)).await.unwrap().unwrap();
    assert_eq!(r.messages.len(), 3);
    assert!(r.messages.iter().all(|m| !m.outcome.is_delivered()));
    assert!(
        n.run_digest_if_due(&store, t(7, 10))
            .await
            .unwrap()
            .is_none()
    );
    server.set_mode(Mode::Accept);
    let r = n
        .run_digest_if_due(&store, t(7, 15))
        .await
        .unwrap()
        .unwrap();
    assert!(r.ok());
    assert_eq!(server.received().len(), 3);
    // Sent by hand in the same slot: the empty digests already arrived; only new alerts go.
    let r = n.run_digest(&store, t(7, 20)).await.unwrap();
    assert!(r.messages.is_empty());
    let s = seed(&store);
    let r = n.run_digest(&store, t(7, 25)).await.unwrap();
    assert_eq!(r.messages.len(), 3);
    assert!(sent(&store, s.vat_invalid));
    assert_eq!(server.received().len(), 6);
    // The next day's slot sends empty digests again.
    assert!(
        n.run_digest_if_due(&store, t(7, 0) + chrono::Duration::days(1))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(server.received().len(), 9);
}

#[tokio::test]
async fn delivery_runs_as_a_spawned_task_like_the_daemon_does() {
    let server = SmtpServer::start(Mode::Accept);
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(dir.path(), "test").unwrap());
    seed(&store);
    let n = std::sync::Arc::new(notifier(server.port, "de", ""));
    let (s2, n2) = (store.clone(), n.clone());
    let report = tokio::spawn(async move { n2.deliver_new(&s2, t(3, 0)).await.map(|r| r.ok()) })
        .await
        .unwrap()
        .unwrap();
    assert!(report);
    let (s2, n2) = (store.clone(), n.clone());
    let r = tokio::spawn(async move { n2.run_digest_if_due(&s2, t(7, 0)).await })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(r.messages.len(), 3);
}
