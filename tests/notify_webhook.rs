//! Webhook delivery to a real HTTP server on 127.0.0.1: payloads, HMAC signature, retries with
//! backoff, permanent refusals, outages, and no repeats.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;

use chrono::Duration as ChronoDuration;
use kontra::config::Config;
use kontra::domain::AlertKind;
use kontra::http::retry::RetryPolicy;
use kontra::notify::webhook;
use kontra::notify::{Delivery, Notifier};
use kontra::store::Store;
use std::path::Path;
use std::time::Duration;
use support::*;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
    }
}

fn notifier(hooks: &str) -> Notifier {
    let text = format!(
        "language = \"de\"\n[[analysts]]\nname = \"anna\"\nemail = \"anna@example.de\"\n{hooks}"
    );
    let config = Config::parse(&text, Path::new("test.toml")).unwrap();
    Notifier::new(&config, Path::new("test.toml"))
        .unwrap()
        .with_retry_policy(policy())
        .with_webhook_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn json_hook_is_signed_retried_with_backoff_and_not_repeated() {
    // SAFETY: set once, before any thread of this test reads it; no other test uses it.
    unsafe { std::env::set_var("KONTRA_TEST_WEBHOOK_SECRET", "geheim") };
    let server = HttpServer::start(vec![503, 500]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{}/hooks/t0ken\"\nkind = \"json\"\nmin_severity = \"high\"\nsecret_env = \"KONTRA_TEST_WEBHOOK_SECRET\"\n",
        server.port
    ));
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert!(report.messages.is_empty());
    // High and critical only, most serious first, oldest first within a severity.
    let ids: Vec<u64> = report.webhooks.iter().map(|w| w.alert_id).collect();
    assert_eq!(ids, vec![s.insolvency, s.vat_invalid, s.register_status]);
    assert_eq!(report.webhooks[0].attempts, 3);
    assert_eq!(report.webhooks[1].attempts, 1);
    assert_eq!(
        report.webhooks[0].url,
        format!("http://127.0.0.1:{}/…", server.port)
    );

    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    for r in &reqs {
        assert_eq!(r.path, "/hooks/t0ken");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(
            r.headers["x-kontra-signature"],
            webhook::signature(b"geheim", &r.body)
        );
        assert_eq!(r.headers["x-kontra-delivery"], r.json()["delivery_id"]);
    }
    // The three attempts for the first alert carry the same delivery id and body.
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(reqs[1].body, reqs[2].body);
    let first = reqs[0].json();
    assert_eq!(first["event"], "alert");
    assert_eq!(first["alert"]["id"], s.insolvency);
    assert_eq!(first["alert"]["kind"], "insolvency_started");
    assert_eq!(first["alert"]["severity"], "critical");
    assert_eq!(first["counterparty"]["name"], "Gamma Bau KG");
    assert_eq!(first["counterparty"]["vat"], "DE811128135");
    assert!(
        first["alert"]["message"]["de"]
            .as_str()
            .unwrap()
            .contains("Insolvenzverfahren")
    );
    // A tampered body would not verify.
    assert_ne!(
        webhook::signature(b"geheim", b"{}"),
        reqs[0].headers["x-kontra-signature"]
    );

    // Webhooks are independent of mail: the alerts are not marked mailed.
    assert!(
        store
            .alert(s.vat_invalid)
            .unwrap()
            .unwrap()
            .sent_at
            .is_none()
    );
    // Nothing is posted twice.
    let again = n.deliver_new(&store, t(7, 5)).await.unwrap();
    assert!(again.webhooks.is_empty());
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn slack_and_teams_payloads_respect_min_severity() {
    let server = HttpServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{p}/slack\"\nkind = \"slack\"\nmin_severity = \"critical\"\n\n[[webhooks]]\nurl = \"http://127.0.0.1:{p}/teams\"\nkind = \"teams\"\nmin_severity = \"low\"\n",
        p = server.port
    ));
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert!(report.ok());
    let reqs = server.requests();
    let slack: Vec<_> = reqs.iter().filter(|r| r.path == "/slack").collect();
    let teams: Vec<_> = reqs.iter().filter(|r| r.path == "/teams").collect();
    assert_eq!(slack.len(), 2);
    assert_eq!(teams.len(), 5);
    assert!(
        reqs.iter()
            .all(|r| !r.headers.contains_key("x-kontra-signature"))
    );
    let v = slack[1].json();
    assert_eq!(
        v["text"],
        "[KRITISCH] Müller & Söhne GmbH · USt-IdNr. ungültig"
    );
    assert_eq!(v["attachments"][0]["color"], "#d32f2f");
    let text = v["attachments"][0]["text"].as_str().unwrap();
    assert!(text.contains("DE136695976") && text.contains(&format!("kontra show {}", s.mueller)));
    let card = teams[4].json();
    assert_eq!(card["type"], "message");
    let att = &card["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(att["content"]["type"], "AdaptiveCard");
    assert_eq!(
        att["content"]["body"][0]["text"],
        "[NIEDRIG] Beta Handels AG"
    );
    assert_eq!(att["content"]["body"][0]["color"], "Good");
}

#[tokio::test]
async fn permanent_refusal_is_not_retried_now_but_on_the_next_run() {
    let server = HttpServer::start(vec![400]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{}/h\"\nkind = \"json\"\nmin_severity = \"critical\"\n",
        server.port
    ));
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert!(!report.ok());
    assert_eq!(report.webhooks.len(), 2);
    assert_eq!(report.webhooks[0].attempts, 1);
    assert!(matches!(&report.webhooks[0].outcome, Delivery::Failed(r) if r.contains("400")));
    assert!(report.webhooks[1].outcome.is_delivered());
    assert_eq!(server.requests().len(), 2);
    let hook_key = webhook::hook_key(
        &url::Url::parse(&format!("http://127.0.0.1:{}/h", server.port)).unwrap(),
    );
    assert!(!webhook::was_delivered(&store, &hook_key, s.insolvency).unwrap());
    assert!(webhook::was_delivered(&store, &hook_key, s.vat_invalid).unwrap());

    let report = n.deliver_new(&store, t(7, 30)).await.unwrap();
    assert!(report.ok());
    assert_eq!(report.webhooks.len(), 1);
    assert_eq!(report.webhooks[0].alert_id, s.insolvency);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retry_after_beyond_the_longest_wait_leaves_the_alert_for_the_next_run() {
    let server = HttpServer::start(vec![429]).await;
    // An HTTP-date an hour ahead: far beyond the policy's longest wait of 100 ms.
    let later = chrono::Utc::now() + ChronoDuration::hours(1);
    server.set_header(
        "retry-after",
        &later.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let url = format!("http://127.0.0.1:{}/h", server.port);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"{url}\"\nkind = \"json\"\nmin_severity = \"critical\"\n"
    ));
    let started = std::time::Instant::now();
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    // Not waited for and not asked again in this run; the next alert goes out normally.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(report.webhooks.len(), 2);
    assert_eq!(report.webhooks[0].attempts, 1);
    assert!(
        matches!(&report.webhooks[0].outcome, Delivery::Failed(r) if r.contains("429")),
        "{:?}",
        report.webhooks[0].outcome
    );
    assert!(report.webhooks[1].outcome.is_delivered());
    assert_eq!(server.requests().len(), 2);
    let key = webhook::hook_key(&url::Url::parse(&url).unwrap());
    assert!(!webhook::was_delivered(&store, &key, s.insolvency).unwrap());

    let report = n.deliver_new(&store, t(7, 30)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(report.webhooks.len(), 1);
    assert_eq!(report.webhooks[0].alert_id, s.insolvency);
    assert!(webhook::was_delivered(&store, &key, s.insolvency).unwrap());
}

#[tokio::test]
async fn unreachable_hook_is_retried_then_left_pending() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let port = closed_port();
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{port}/h\"\nkind = \"json\"\nmin_severity = \"critical\"\n"
    ));
    let started = std::time::Instant::now();
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert!(!report.ok());
    for w in &report.webhooks {
        assert_eq!(w.attempts, 3);
        assert!(
            matches!(&w.outcome, Delivery::Failed(r) if r.contains("cannot connect") && r.contains("after 3 attempts")),
            "{:?}",
            w.outcome
        );
    }
    // Two alerts, each waited at least half of 20 ms and 40 ms between its attempts (the other
    // half is jitter).
    assert!(started.elapsed() >= Duration::from_millis(60));
    let key = webhook::hook_key(&url::Url::parse(&format!("http://127.0.0.1:{port}/h")).unwrap());
    assert!(!webhook::was_delivered(&store, &key, s.vat_invalid).unwrap());
}

#[tokio::test]
async fn a_hook_added_later_does_not_replay_old_alerts() {
    let server = HttpServer::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{}/h\"\nkind = \"json\"\nmin_severity = \"low\"\n",
        server.port
    ));
    // First used eight days after the seeded alerts.
    let later = t(7, 0) + ChronoDuration::days(8);
    let report = n.deliver_new(&store, later).await.unwrap();
    assert!(report.webhooks.is_empty());
    let fresh = raise(
        &store,
        s.beta,
        vec![(
            AlertKind::SanctionsFound,
            later + ChronoDuration::minutes(1),
            "Treffer auf der OFAC-Liste",
            "OFAC list match",
        )],
    );
    let report = n
        .deliver_new(&store, later + ChronoDuration::minutes(2))
        .await
        .unwrap();
    assert_eq!(report.webhooks.len(), 1);
    assert_eq!(report.webhooks[0].alert_id, fresh[0]);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn hook_that_never_answers_is_delivery_unknown_and_posted_again_with_the_same_id() {
    let server = SilentHttp::start(true);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let url = format!("http://127.0.0.1:{}/h", server.port);
    let text = format!(
        "language = \"de\"\n[[webhooks]]\nurl = \"{url}\"\nkind = \"json\"\nmin_severity = \"critical\"\n"
    );
    let config = Config::parse(&text, Path::new("test.toml")).unwrap();
    let n = Notifier::new(&config, Path::new("test.toml"))
        .unwrap()
        .with_retry_policy(policy())
        .with_webhook_timeout(Duration::from_millis(500));
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert_eq!(report.webhooks.len(), 2);
    for w in &report.webhooks {
        assert!(
            matches!(&w.outcome, Delivery::Uncertain(_)),
            "{:?}",
            w.outcome
        );
    }
    let key = webhook::hook_key(&url::Url::parse(&url).unwrap());
    assert!(!webhook::was_delivered(&store, &key, s.vat_invalid).unwrap());
    let unknown = store.deliveries_unknown().unwrap();
    assert_eq!(unknown[&s.vat_invalid][0].channel, key);
    let first = server.deliveries();
    assert_eq!(first.len(), 2);

    // The next run posts both again, with the same delivery ids, and books them.
    server.set_silent(false);
    let report = n.deliver_new(&store, t(7, 30)).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems());
    assert_eq!(report.webhooks.len(), 2);
    let all = server.deliveries();
    assert_eq!(all.len(), 4);
    let mut again = all[2..].to_vec();
    let mut before = first.clone();
    again.sort();
    before.sort();
    assert_eq!(again, before);
    assert!(webhook::was_delivered(&store, &key, s.vat_invalid).unwrap());
    assert!(store.deliveries_unknown().unwrap().is_empty());
    // And not a third time.
    let report = n.deliver_new(&store, t(8, 0)).await.unwrap();
    assert!(report.webhooks.is_empty());
}

#[tokio::test]
async fn a_hook_that_redirects_elsewhere_is_not_followed_and_not_booked_delivered() {
    // The configured hook answers 307 to another host: a re-POST would hand the signed alert
    // payload to an address nobody configured.
    let elsewhere = HttpServer::start(vec![]).await;
    let hook = HttpServer::start(vec![307, 307]).await;
    hook.set_location(&format!("http://localhost:{}/stolen", elsewhere.port));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seed(&store);
    let n = notifier(&format!(
        "[[webhooks]]\nurl = \"http://127.0.0.1:{}/h\"\nkind = \"json\"\nmin_severity = \"critical\"\n",
        hook.port
    ));
    let report = n.deliver_new(&store, t(7, 0)).await.unwrap();
    assert!(!report.ok());
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reaches the other host"
    );
    for w in &report.webhooks {
        assert!(
            matches!(&w.outcome, Delivery::Failed(r) if r.contains("redirect")),
            "{:?}",
            w.outcome
        );
    }
    let hook_key =
        webhook::hook_key(&url::Url::parse(&format!("http://127.0.0.1:{}/h", hook.port)).unwrap());
    assert!(!webhook::was_delivered(&store, &hook_key, s.insolvency).unwrap());
    assert!(!webhook::was_delivered(&store, &hook_key, s.vat_invalid).unwrap());
}
