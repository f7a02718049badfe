//! `kontra digest send|preview` end to end: the binary against a real SMTP server on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use assert_cmd::Command;
use kontra::exit;
use kontra::store::Store;
use support::*;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A data directory with the seeded alerts and a config for a server on `port`.
    fn new(port: u16, seeded: bool, mail: bool) -> Env {
        let dir = tempfile::tempdir().unwrap();
        if seeded {
            let store = Store::open(&dir.path().join("data"), "test").unwrap();
            seed(&store);
        }
        let mut text = config_text(port, "de", "");
        if !mail {
            text.truncate(text.find("[mail]").unwrap());
        }
        text = text.replacen(
            "[monitor]",
            &format!(
                "[log]\ndir = \"{}\"\n\n[monitor]",
                dir.path().join("logs").display()
            ),
            1,
        );
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
        Env { dir }
    }

    fn kontra(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("kontra")
            .unwrap()
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(args)
            .assert()
    }

    fn store(&self) -> Store {
        Store::open(&self.dir.path().join("data"), "test").unwrap()
    }
}

fn out(a: &assert_cmd::assert::Assert) -> (String, String) {
    let o = a.get_output();
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn unsent(store: &Store) -> usize {
    store
        .alerts()
        .unwrap()
        .iter()
        .filter(|a| a.sent_at.is_none())
        .count()
}

#[test]
fn dry_run_prints_the_mails_and_marks_nothing() {
    let server = SmtpServer::start(Mode::Accept);
    let env = Env::new(server.port, true, true);
    let a = env.kontra(&["digest", "send", "--dry-run"]).success();
    let (stdout, _) = out(&a);
    assert!(
        stdout.contains("To: anna@example.de\nSubject: [Kontra] 2 neue Alerts (1 kritisch)"),
        "{stdout}"
    );
    assert!(stdout.contains("To: team@example.de\nSubject: [Kontra] 1 neuer Alert (1 kritisch)"));
    assert!(stdout.contains("USt-IdNr. ungültig: VIES meldet"));
    assert!(server.received().is_empty());
    assert_eq!(unsent(&env.store()), 5);
}

#[test]
fn send_delivers_once_and_a_second_send_finds_nothing() {
    let server = SmtpServer::start(Mode::Accept);
    let env = Env::new(server.port, true, true);
    let a = env.kontra(&["digest", "send"]).code(i32::from(exit::OK));
    let (stdout, _) = out(&a);
    assert!(
        stdout.contains(
            "sent to anna@example.de: [Kontra] 2 neue Alerts (1 kritisch) (2 alerts, <kontra."
        ),
        "{stdout}"
    );
    assert_eq!(server.received().len(), 3);
    let a = env.kontra(&["digest", "send"]).code(i32::from(exit::OK));
    assert!(out(&a).0.contains("Nothing pending"));
    assert_eq!(server.received().len(), 3);
    assert_eq!(unsent(&env.store()), 0);
}

#[test]
fn send_exits_unavailable_when_the_server_refuses_or_is_down() {
    let server = SmtpServer::start(Mode::RefuseRcpt);
    let env = Env::new(server.port, true, true);
    let a = env
        .kontra(&["digest", "send"])
        .code(i32::from(exit::UNAVAILABLE));
    let (_, stderr) = out(&a);
    assert!(
        stderr.contains("mail to anna@example.de not delivered (alerts stay pending)"),
        "{stderr}"
    );
    assert_eq!(unsent(&env.store()), 5);

    let env = Env::new(closed_port(), true, true);
    let a = env
        .kontra(&["digest", "send"])
        .code(i32::from(exit::UNAVAILABLE));
    assert!(out(&a).1.contains("connect to 127.0.0.1"));
    assert_eq!(unsent(&env.store()), 5);
}

#[test]
fn send_without_mail_or_webhooks_is_a_config_error() {
    let env = Env::new(closed_port(), true, false);
    let a = env
        .kontra(&["digest", "send"])
        .code(i32::from(exit::CONFIG));
    assert!(out(&a).1.contains("no [mail] section"));
}

#[test]
fn preview_one_owner_as_html() {
    let env = Env::new(closed_port(), true, true);
    let a = env
        .kontra(&["digest", "preview", "--owner", "ANNA", "--html"])
        .success();
    let (stdout, _) = out(&a);
    assert!(
        stdout.starts_with(
            "<!-- To: anna@example.de | Subject: [Kontra] 2 neue Alerts (1 kritisch) -->"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("<!DOCTYPE html>"));
    assert!(stdout.contains("Müller &amp; Söhne GmbH"));
    assert!(stdout.contains("background-color:#d32f2f"));
    assert!(!stdout.contains("Beta Handels"));
    assert_eq!(unsent(&env.store()), 5);
}

#[test]
fn preview_with_nothing_pending_still_says_what_was_checked() {
    let env = Env::new(closed_port(), false, true);
    let a = env.kontra(&["digest", "preview"]).success();
    let (stdout, _) = out(&a);
    assert!(
        stdout.contains("Subject: [Kontra] Keine neuen Alerts"),
        "{stdout}"
    );
    assert!(stdout.contains("Seit dem letzten Digest gibt es keine neuen Alerts."));
    assert!(stdout.contains("Es ist noch kein Prüflauf gelaufen"));
}

#[test]
fn unanswered_mail_shows_delivery_unknown_in_alerts_until_the_next_digest_names_it() {
    let server = RawSmtp::start(RawMode::CloseAfterDot);
    let env = Env::new(server.port, true, true);
    let a = env
        .kontra(&["digest", "send"])
        .code(i32::from(exit::UNAVAILABLE));
    let (stdout, stderr) = out(&a);
    assert!(
        format!("{stdout}{stderr}").contains("delivery unknown"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(server.complete(), 3);
    assert!(server.accepted().is_empty());
    assert_eq!(unsent(&env.store()), 5);

    let a = env.kontra(&["alerts", "--json"]).success();
    let (stdout, _) = out(&a);
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(alerts.len(), 5);
    for al in &alerts {
        assert_eq!(al["delivery"], "unknown", "{al}");
        assert!(al["sent_at"].is_null());
        assert_eq!(al["delivery_unknown"][0]["channel"], "mail");
    }
    let a = env.kontra(&["alerts"]).success();
    let (stdout, _) = out(&a);
    assert_eq!(stdout.matches("[delivery unknown]").count(), 5, "{stdout}");

    server.set_mode(RawMode::Accept);
    env.kontra(&["digest", "send"]).success();
    assert_eq!(server.accepted().len(), 3);
    let a = env.kontra(&["alerts", "--json"]).success();
    let (stdout, _) = out(&a);
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert!(alerts.iter().all(|al| al["delivery"] == "sent"), "{stdout}");
}

#[test]
fn alerts_keep_a_range_of_days_and_refuse_a_date_they_cannot_read() {
    // The seeded alerts were raised on 2026-03-02 between 03:01 and 03:10 Berlin time.
    let env = Env::new(closed_port(), true, false);
    let count = |args: &[&str]| {
        let mut all = vec!["alerts", "--json"];
        all.extend_from_slice(args);
        let a = env.kontra(&all).success();
        let alerts: Vec<serde_json::Value> = serde_json::from_str(&out(&a).0).unwrap();
        alerts.len()
    };
    assert_eq!(count(&[]), 5);
    assert_eq!(count(&["--since", "2026-03-02"]), 5);
    assert_eq!(
        count(&["--since", "2026-03-02", "--until", "2026-03-02"]),
        5
    );
    assert_eq!(count(&["--until", "2026-03-01"]), 0);
    assert_eq!(count(&["--since", "2026-03-03"]), 0);
    // The German way of writing a date works too.
    assert_eq!(
        count(&["--since", "02.03.2026", "--until", "02.03.2026"]),
        5
    );
    let a = env.kontra(&["alerts", "--since", "14/03/2026"]).code(2);
    assert!(out(&a).1.contains("is not a date"), "{}", out(&a).1);
}
