//! List refresh against an HTTP server on 127.0.0.1: every failure mode keeps the last good
//! snapshot and marks the list stale; a good refresh yields a delta; decisions survive list
//! edits that do not touch names or identifiers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use chrono::Utc;
use kontra::sanctions::config::{DEFAULT_USER_AGENT, SanctionsConfig};
use kontra::sanctions::decisions::{self, Decision};
use kontra::sanctions::snapshot::{self, RefreshError};
use kontra::sanctions::{self, ListSource, ParseError, ScreenQuery, update};
use kontra::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone)]
enum Route {
    Ok(Vec<u8>),
    Status(u16, &'static str),
    Slow(Duration, Vec<u8>),
    /// Declares the full length but sends only part of the body, then closes.
    Cut(usize, Vec<u8>),
}

type Routes = Arc<Mutex<HashMap<String, Route>>>;

async fn serve(routes: Routes) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let req = String::from_utf8_lossy(&buf);
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let route = routes.lock().unwrap().get(&path).cloned();
                let head = |status: &str, len: usize| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                    )
                };
                match route {
                    Some(Route::Ok(body)) => {
                        let _ = sock.write_all(head("200 OK", body.len()).as_bytes()).await;
                        let _ = sock.write_all(&body).await;
                    }
                    Some(Route::Status(code, text)) => {
                        let body = format!("<html><body>{code} {text}</body></html>");
                        let status = format!("{code} {text}");
                        let _ = sock.write_all(head(&status, body.len()).as_bytes()).await;
                        let _ = sock.write_all(body.as_bytes()).await;
                    }
                    Some(Route::Slow(d, body)) => {
                        tokio::time::sleep(d).await;
                        let _ = sock.write_all(head("200 OK", body.len()).as_bytes()).await;
                        let _ = sock.write_all(&body).await;
                    }
                    Some(Route::Cut(send, body)) => {
                        let _ = sock.write_all(head("200 OK", body.len()).as_bytes()).await;
                        let _ = sock.write_all(&body[..send]).await;
                    }
                    None => {
                        let _ = sock.write_all(head("404 Not Found", 0).as_bytes()).await;
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// Accepts a UN publication with the default limits.
fn accept_un(
    store: &Store,
    dir: &std::path::Path,
    raw: &sanctions::RawList,
    now: chrono::DateTime<Utc>,
) -> Result<(snapshot::SnapshotMeta, snapshot::Delta), RefreshError> {
    snapshot::accept(
        store,
        dir,
        ListSource::Un,
        raw,
        "test",
        Default::default(),
        now,
    )
}

fn un_fixture() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/sanctions_un/consolidated.sample.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn config_for(base: &str, path: &str) -> SanctionsConfig {
    let mut c = SanctionsConfig::default();
    c.un.url = format!("{base}{path}");
    c
}

#[tokio::test]
async fn refresh_keeps_last_good_snapshot_on_every_failure() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let routes: Routes = Arc::default();
    let base = serve(routes.clone()).await;
    let good = un_fixture();
    {
        let mut r = routes.lock().unwrap();
        r.insert("/good.xml".into(), Route::Ok(good.clone().into_bytes()));
        r.insert("/forbidden".into(), Route::Status(403, "Forbidden"));
        r.insert(
            "/html".into(),
            Route::Ok(b"<!DOCTYPE html><html><head><title>Moved</title></head><body>redirecting</body></html>".to_vec()),
        );
        r.insert(
            "/slow".into(),
            Route::Slow(Duration::from_secs(3), good.clone().into_bytes()),
        );
        r.insert(
            "/cut".into(),
            Route::Cut(good.len() / 2, good.clone().into_bytes()),
        );
        r.insert(
            "/half".into(),
            Route::Ok(good.as_bytes()[..good.len() / 2].to_vec()),
        );
        // Keep only the first individual: 1 entity instead of 4.
        let start = good.find("<INDIVIDUAL>").unwrap();
        let second = good[start + 1..].find("<INDIVIDUAL>").unwrap() + start + 1;
        let end = good.find("</ENTITIES>").unwrap();
        let ent_start = good.find("<ENTITIES>").unwrap() + "<ENTITIES>".len();
        let shrunk = format!(
            "{}</INDIVIDUALS>\n  <ENTITIES>{}",
            &good[..second],
            &good[end..]
        );
        assert!(ent_start < end);
        r.insert("/shrunk".into(), Route::Ok(shrunk.into_bytes()));
    }
    let client = update::client(Duration::from_millis(800), DEFAULT_USER_AGENT).unwrap();
    let (meta, delta) = update::refresh(
        &store,
        dir.path(),
        &config_for(&base, "/good.xml"),
        &client,
        ListSource::Un,
    )
    .await
    .unwrap();
    assert_eq!(meta.entities, 4);
    assert_eq!(delta.added.len(), 4);
    let good_state = snapshot::list_state(&store, ListSource::Un).unwrap();
    let entities_before =
        std::fs::read(snapshot::list_dir(dir.path(), ListSource::Un).join("entities.bin")).unwrap();
    assert!(!good_state.is_stale(Utc::now(), chrono::Duration::hours(24)));

    for (path, check) in [
        ("/forbidden", "403"),
        ("/html", "not a UN consolidated XML"),
        ("/slow", "timed out"),
        ("/cut", "truncated"),
        ("/half", "truncated"),
        ("/shrunk", "suspicious shrink"),
    ] {
        let err = update::refresh(
            &store,
            dir.path(),
            &config_for(&base, path),
            &client,
            ListSource::Un,
        )
        .await
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(check), "{path}: {msg}");
        let st = snapshot::list_state(&store, ListSource::Un).unwrap();
        assert_eq!(st.current, good_state.current, "{path}: snapshot replaced");
        assert!(st.last_error.as_deref().unwrap().contains(check), "{path}");
        assert!(
            st.is_stale(Utc::now(), chrono::Duration::hours(24)),
            "{path}"
        );
        let entities_now =
            std::fs::read(snapshot::list_dir(dir.path(), ListSource::Un).join("entities.bin"))
                .unwrap();
        assert_eq!(entities_now, entities_before, "{path}: entities replaced");
        if path == "/html" {
            assert!(matches!(
                err,
                RefreshError::Invalid(ParseError::WrongFormat { .. })
            ));
        }
    }
    // Screening still works from the last good snapshot, and a good refresh clears staleness.
    let screener = sanctions::open_screener(dir.path(), &SanctionsConfig::default()).unwrap();
    let hits = screener.screen(&ScreenQuery::name("Allied Democratic Forces"), 0.85);
    assert_eq!(hits[0].entity_id, "6908402");
    update::refresh(
        &store,
        dir.path(),
        &config_for(&base, "/good.xml"),
        &client,
        ListSource::Un,
    )
    .await
    .unwrap();
    let st = snapshot::list_state(&store, ListSource::Un).unwrap();
    assert!(st.last_error.is_none());
}

#[test]
fn delta_and_decisions_follow_material_changes_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let good = un_fixture();
    let raw = sanctions::RawList::single("consolidated.xml", good.clone().into_bytes());
    let now = Utc::now();
    accept_un(&store, dir.path(), &raw, now).unwrap();
    let cfg = SanctionsConfig::default();
    let screener = sanctions::open_screener(dir.path(), &cfg).unwrap();
    let hits = screener.screen(&ScreenQuery::name("Allied Democratic Forces"), 0.85);
    let hit = hits[0].clone();
    assert_eq!(hit.entity_id, "6908402");
    decisions::record(
        &store,
        &Decision {
            counterparty_id: 7,
            source: hit.source,
            entity_id: hit.entity_id.clone(),
            entity_hash: hit.entity_hash.clone(),
            decided_by: "anna".into(),
            at: now,
            reason: "different organisation".into(),
        },
    )
    .unwrap();
    assert!(
        decisions::filter_hits(&store, 7, hits.clone())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        decisions::filter_hits(&store, 8, hits.clone())
            .unwrap()
            .len(),
        1
    );

    // An edit that does not touch names or identifiers: changed, but the decision holds.
    let edited = good
        .replacen("<CITY>Rubavu / Mudende</CITY>", "<CITY>Rubavu</CITY>", 1)
        .replacen(
            "<LISTED_ON>2014-06-30</LISTED_ON>",
            "<LISTED_ON>2014-07-01</LISTED_ON>",
            1,
        );
    let raw = sanctions::RawList::single("consolidated.xml", edited.clone().into_bytes());
    let (_, delta) = accept_un(&store, dir.path(), &raw, now).unwrap();
    assert!(delta.changed.contains(&"6908402".to_string()), "{delta:?}");
    assert!(delta.changed_material.is_empty(), "{delta:?}");
    assert!(delta.added.is_empty() && delta.removed.is_empty());
    let screener = sanctions::open_screener(dir.path(), &cfg).unwrap();
    let hits = screener.screen(&ScreenQuery::name("Allied Democratic Forces"), 0.85);
    assert!(decisions::filter_hits(&store, 7, hits).unwrap().is_empty());

    // A new alias: a material change, so the hit resurfaces; the delta says which entity.
    let renamed = edited.replacen(
        "<ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME>",
        "<ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME></ENTITY_ALIAS><ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Madina at Tauheed Wau Mujahedeen</ALIAS_NAME>",
        1,
    );
    assert_ne!(renamed, edited);
    let raw = sanctions::RawList::single("consolidated.xml", renamed.into_bytes());
    let (_, delta) = accept_un(&store, dir.path(), &raw, now).unwrap();
    assert_eq!(delta.changed_material, vec!["6908402".to_string()]);
    let screener = sanctions::open_screener(dir.path(), &cfg).unwrap();
    let hits = screener.screen(&ScreenQuery::name("Allied Democratic Forces"), 0.85);
    assert_eq!(
        decisions::filter_hits(&store, 7, hits.clone())
            .unwrap()
            .len(),
        1
    );
    // Screening only what changed finds it too, and nothing else.
    let only = [(ListSource::Un, "6908402".to_string())]
        .into_iter()
        .collect();
    assert_eq!(
        screener
            .screen_only(&ScreenQuery::name("Allied Democratic Forces"), 0.85, &only)
            .len(),
        1
    );
    let none = [(ListSource::Un, "6907993".to_string())]
        .into_iter()
        .collect();
    assert!(
        screener
            .screen_only(&ScreenQuery::name("Allied Democratic Forces"), 0.85, &none)
            .is_empty()
    );
}

/// The OFAC list host as it behaves since 2026-07-30 (opensanctions#5237): its firewall answers
/// 403 to a User-Agent that does not start with `Mozilla/<digit>` or is shorter than 40 characters.
fn ofac_host(req: &common::Req) -> common::Reply {
    let ua = req.header("user-agent").unwrap_or_default();
    let browser_like = ua
        .strip_prefix("Mozilla/")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        && ua.len() >= 40;
    if browser_like {
        common::Reply::new(
            200,
            "application/xml",
            common::fixture("sanctions_ofac", "SDN.sample.COMPOSED.xml"),
        )
    } else {
        common::Reply::html(403, "<html><body><h1>403 Forbidden</h1></body></html>")
    }
}

#[tokio::test]
async fn ofac_download_passes_the_user_agent_rule_and_a_403_says_blocked_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let server = common::Server::start(ofac_host).await;
    let mut cfg = SanctionsConfig::default();
    cfg.ofac.url = server.url("/api/PublicationPreview/exports/SDN.XML");
    assert!(DEFAULT_USER_AGENT.len() >= 40 && DEFAULT_USER_AGENT.contains("Kontra/"));

    // The User-Agent Kontra sent before: refused by the host, the list turns stale with the fix.
    let old = "Kontra/0.1.0 (sanctions list refresh; counterparty due diligence)";
    cfg.user_agent.0 = old.to_string();
    let client = update::client(Duration::from_secs(5), old).unwrap();
    let err = update::refresh(&store, dir.path(), &cfg, &client, ListSource::Ofac)
        .await
        .unwrap_err();
    let st = snapshot::list_state(&store, ListSource::Ofac).unwrap();
    let shown = st.last_error.unwrap_or_default();
    for words in ["403", "blocked by the host", "user_agent", "Mozilla/", old] {
        assert!(shown.contains(words), "{words}: {shown}");
    }
    assert_eq!(err.to_string(), shown);
    assert!(st.current.is_none());

    let client = update::client(Duration::from_secs(5), DEFAULT_USER_AGENT).unwrap();
    let cfg = SanctionsConfig {
        user_agent: SanctionsConfig::default().user_agent,
        ..cfg
    };
    let (meta, _) = update::refresh(&store, dir.path(), &cfg, &client, ListSource::Ofac)
        .await
        .unwrap();
    assert!(meta.entities > 0);
    let st = snapshot::list_state(&store, ListSource::Ofac).unwrap();
    assert!(st.last_error.is_none());
    let sent = server.requests().last().unwrap().clone();
    assert_eq!(sent.header("user-agent"), Some(DEFAULT_USER_AGENT));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn bodies_over_the_ceiling_are_refused_while_streaming_and_the_snapshot_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let good = un_fixture();
    // 8 MB of inflated XML from a body of a few KB: a small gzip bomb.
    let mut inflated = good.clone().into_bytes();
    inflated.resize(8_000_000, b' ');
    let bomb = gzip(&inflated);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let (g, b) = (good.clone(), bomb.clone());
    let server = common::Server::start(move |req| match req.path.as_str() {
        "/good.xml" => common::Reply::new(200, "application/xml", g.clone()),
        "/bomb.xml" => {
            common::Reply::new(200, "application/xml", b.clone()).header("Content-Encoding", "gzip")
        }
        "/big.xml" => common::Reply::new(200, "application/xml", vec![b' '; 3_000_000]),
        _ => common::Reply::html(404, ""),
    })
    .await;
    let text = format!("[un]\nurl = \"{}\"\nmax_mb = 1\n", server.url("/good.xml"));
    let mut cfg: SanctionsConfig = toml::from_str::<SanctionsConfig>(&text)
        .unwrap()
        .with_defaults();
    assert_eq!(cfg.un.max_bytes(ListSource::Un), 1_000_000);
    assert_eq!(
        cfg.eu.max_bytes(ListSource::Eu),
        200_000_000,
        "defaults fill the others"
    );
    let client = update::client(Duration::from_secs(5), DEFAULT_USER_AGENT).unwrap();
    update::refresh(&store, dir.path(), &cfg, &client, ListSource::Un)
        .await
        .unwrap();
    let before = snapshot::list_state(&store, ListSource::Un)
        .unwrap()
        .current;
    for (path, words) in [
        ("/bomb.xml", "grew past"),
        ("/big.xml", "announces 3000000"),
    ] {
        cfg.un.url = server.url(path);
        let err = update::refresh(&store, dir.path(), &cfg, &client, ListSource::Un)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(words) && err.contains("ceiling of 1 MB"),
            "{path}: {err}"
        );
        let st = snapshot::list_state(&store, ListSource::Un).unwrap();
        assert_eq!(st.current, before, "{path}: the last good snapshot stays");
        assert!(st.last_error.is_some());
    }
    // The bomb is the real list when inflated: with room for it, it is read (and decompressed).
    cfg.un.max_mb = 20;
    cfg.un.url = server.url("/bomb.xml");
    update::refresh(&store, dir.path(), &cfg, &client, ListSource::Un)
        .await
        .unwrap();
}

#[tokio::test]
async fn list_redirects_carry_no_referer_with_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let good = un_fixture();
    let server = common::Server::start(move |req| {
        if req.path.starts_with("/content") {
            common::Reply::html(302, "").header("Location", "/blob/consolidated.xml")
        } else {
            common::Reply::new(200, "application/xml", good.clone())
        }
    })
    .await;
    let mut cfg = SanctionsConfig::default();
    cfg.un.url = server.url("/content?token=SECRET");
    let client = update::client(Duration::from_secs(5), DEFAULT_USER_AGENT).unwrap();
    update::refresh(&store, dir.path(), &cfg, &client, ListSource::Un)
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("referer"), None, "{:?}", reqs[1].headers);
}

#[test]
fn a_doctype_or_an_undeclared_entity_is_refused_and_the_last_good_snapshot_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let good = un_fixture();
    let now = Utc::now();
    let raw = sanctions::RawList::single("consolidated.xml", good.clone().into_bytes());
    accept_un(&store, dir.path(), &raw, now).unwrap();
    let before = snapshot::list_state(&store, ListSource::Un)
        .unwrap()
        .current;
    // What the hardening review fed the parser: names that lost words, import exit 0.
    let root = good.find("<CONSOLIDATED_LIST").unwrap();
    let with_doctype = format!(
        "{}<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY forces \"Forces\">]>{}",
        &good[..root],
        good[root..].replacen("Allied Democratic Forces", "Allied Democratic &forces;", 1)
    );
    let undeclared = good.replacen("Allied Democratic Forces", "Allied &democratic; Forces", 1);
    assert_ne!(undeclared, good);
    for (what, body) in [("DOCTYPE", with_doctype), ("&democratic;", undeclared)] {
        let raw = sanctions::RawList::single("consolidated.xml", body.into_bytes());
        let err = accept_un(&store, dir.path(), &raw, now)
            .unwrap_err()
            .to_string();
        assert!(err.contains(what), "{what}: {err}");
        let st = snapshot::list_state(&store, ListSource::Un).unwrap();
        assert_eq!(st.current, before, "{what}: the last good snapshot stays");
    }
    let screener = sanctions::open_screener(dir.path(), &SanctionsConfig::default()).unwrap();
    let hits = screener.screen(&ScreenQuery::name("Allied Democratic Forces"), 0.85);
    assert_eq!(hits[0].entity_id, "6908402");
}

/// The UN fixture with one more alias for entity 6908402: a material change.
fn un_with_alias() -> String {
    un_fixture().replacen(
        "<ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME>",
        "<ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME></ENTITY_ALIAS><ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Madina at Tauheed Wau Mujahedeen</ALIAS_NAME>",
        1,
    )
}

fn status_sha(data: &std::path::Path) -> String {
    let config = data.join("config.toml");
    std::fs::write(
        &config,
        format!("[log]\ndir = \"{}\"\n", data.join("logs").display()),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("kontra")
        .unwrap()
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .args(["sanctions", "status", "--json"])
        .output()
        .unwrap();
    // 8: the other lists were never loaded.
    assert!(
        matches!(out.status.code(), Some(0 | 8)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let un = rows.iter().find(|r| r["source"] == "un").unwrap();
    un["sha256"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_crash_after_the_files_were_put_in_place_is_finished_when_the_store_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let old = sanctions::RawList::single("consolidated.xml", un_fixture().into_bytes());
    let new = sanctions::RawList::single("consolidated.xml", un_with_alias().into_bytes());
    let new_sha = snapshot::raw_hash(&new);
    {
        let store = Store::open(dir.path(), "test").unwrap();
        accept_un(&store, dir.path(), &old, now).unwrap();
        // The process dies after the renames and before the store update.
        snapshot::stage(
            &store,
            dir.path(),
            ListSource::Un,
            &new,
            "test",
            Default::default(),
            now,
        )
        .unwrap();
        snapshot::install(dir.path(), ListSource::Un).unwrap();
    }
    // The screener already reads the new files; the store alone still names the old list.
    {
        let store = Store::open(dir.path(), "test").unwrap();
        let st = snapshot::list_state(&store, ListSource::Un).unwrap();
        assert_ne!(st.current.unwrap().sha256, new_sha);
    }
    // Any command opening the store finishes the acceptance: status names the new list...
    assert_eq!(status_sha(dir.path()), new_sha);
    let store = Store::open(dir.path(), "test").unwrap();
    // ...and the delta the monitor screens against is the one of that acceptance.
    let delta = snapshot::last_delta(&store, ListSource::Un)
        .unwrap()
        .unwrap();
    assert_eq!(delta.to, new_sha);
    assert_eq!(delta.changed_material, vec!["6908402".to_string()]);
    // The journal is gone: recovering again changes nothing, and a retried import is a no-op.
    snapshot::recover(&store, dir.path()).unwrap();
    let (_, again) = accept_un(&store, dir.path(), &new, now).unwrap();
    assert!(again.added.is_empty() && again.changed.is_empty());
}

#[test]
fn a_crash_before_the_files_were_put_in_place_is_finished_too_and_leftovers_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let old = sanctions::RawList::single("consolidated.xml", un_fixture().into_bytes());
    let new = sanctions::RawList::single("consolidated.xml", un_with_alias().into_bytes());
    let old_sha = snapshot::raw_hash(&old);
    let new_sha = snapshot::raw_hash(&new);
    {
        let store = Store::open(dir.path(), "test").unwrap();
        accept_un(&store, dir.path(), &old, now).unwrap();
        // Staged and journalled, killed before the renames.
        snapshot::stage(
            &store,
            dir.path(),
            ListSource::Un,
            &new,
            "test",
            Default::default(),
            now,
        )
        .unwrap();
    }
    let store = Store::open(dir.path(), "test").unwrap();
    snapshot::recover(&store, dir.path()).unwrap();
    let st = snapshot::list_state(&store, ListSource::Un).unwrap();
    assert_eq!(st.current.unwrap().sha256, new_sha);
    let entities = snapshot::load_entities(dir.path(), ListSource::Un).unwrap();
    assert!(
        entities
            .iter()
            .flat_map(|e| e.names.iter())
            .any(|n| n.text.contains("Madina at Tauheed"))
    );
    drop(store);

    // Killed while writing the staged files (no journal yet): the old snapshot stays, in the
    // store and on disk, and the next acceptance overwrites the leftovers.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    accept_un(&store, dir.path(), &old, now).unwrap();
    let list = snapshot::list_dir(dir.path(), ListSource::Un);
    std::fs::create_dir_all(list.join("raw.new")).unwrap();
    std::fs::write(list.join("entities.bin.new"), b"half").unwrap();
    drop(store);
    assert_eq!(status_sha(dir.path()), old_sha);
    let store = Store::open(dir.path(), "test").unwrap();
    assert!(
        !snapshot::load_entities(dir.path(), ListSource::Un)
            .unwrap()
            .is_empty()
    );
    accept_un(&store, dir.path(), &new, now).unwrap();
    assert_eq!(
        snapshot::list_state(&store, ListSource::Un)
            .unwrap()
            .current
            .unwrap()
            .sha256,
        new_sha
    );
}
