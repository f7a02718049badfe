//! Sanctions list health through the binary: a ragged UK row is left out and reported, too many
//! refuse the file; `sanctions status` exits 8 for a never-loaded or stale list; screening and
//! the digest say which lists were used and how old they were.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use chrono::{Duration, Utc};
use common::{Env, Reply, Server, fixture, stderr, stdout};
use kontra::sanctions::snapshot;
use kontra::sanctions::{ListSource, RawList};
use kontra::store::Store;

const ONE_RAGGED: &str = "UK-Sanctions-List.one-ragged.COMPOSED.csv";
const MANY_RAGGED: &str = "UK-Sanctions-List.many-ragged.COMPOSED.csv";

/// The FCDO host: serves the two UK files as CSV.
fn uk_host(req: &common::Req) -> Reply {
    let name = req.path.trim_start_matches('/');
    if name == ONE_RAGGED || name == MANY_RAGGED {
        Reply::new(200, "text/csv", fixture("sanctions_uk", name))
    } else {
        Reply::html(404, "<html><body>Not Found</body></html>")
    }
}

/// A config with only the given lists enabled (the UK one at `uk_url` when given).
fn write_config(env: &Env, enabled: &[&str], uk_url: Option<&str>) {
    let mut toml = format!(
        "[log]\ndir = \"{}\"\n[sanctions]\nrefresh_hours = 12\n",
        env.dir.path().join("logs").display()
    );
    for list in ["eu", "ofac", "uk", "un"] {
        toml.push_str(&format!(
            "[sanctions.{list}]\nenabled = {}\n",
            enabled.contains(&list)
        ));
        if list == "uk"
            && let Some(url) = uk_url
        {
            toml.push_str(&format!("url = \"{url}\"\n"));
        }
    }
    env.write("config.toml", toml);
}

fn status_json(env: &Env) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = env
        .kontra()
        .args(["sanctions", "status", "--json"])
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn row<'a>(rows: &'a [serde_json::Value], list: &str) -> &'a serde_json::Value {
    rows.iter().find(|r| r["source"] == list).unwrap()
}

#[test]
fn a_ragged_uk_row_is_left_out_and_reported_and_too_many_refuse_the_file() {
    let env = Env::new();
    let server = Server::start_in_thread(uk_host);
    write_config(&env, &["uk"], Some(&server.url(&format!("/{ONE_RAGGED}"))));

    // One ragged row in 150: accepted without it, and the refresh log says which line.
    let out = env.kontra().args(["sanctions", "update"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = "malformed rows left out: 1 of 150 rows (0.67%) at line 57";
    assert!(stdout(&out).contains(said), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("uk: 148 entities"),
        "{}",
        stdout(&out)
    );

    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(said), "{}", stdout(&out));
    let (code, rows) = status_json(&env);
    assert_eq!(code, Some(0));
    let uk = row(&rows, "uk");
    assert_eq!(uk["skipped_rows"]["malformed"], 1);
    assert_eq!(uk["skipped_rows"]["rows"], 150);
    assert_eq!(uk["skipped_rows"]["lines"], serde_json::json!([57]));
    assert_eq!(uk["stale"], false);
    let sha = uk["sha256"].clone();

    // Five in 150 (3.33%) is more than the default 1%: refused, the snapshot stays, and the
    // message names the share and the lines.
    write_config(&env, &["uk"], Some(&server.url(&format!("/{MANY_RAGGED}"))));
    let out = env.kontra().args(["sanctions", "update"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let err = stderr(&out);
    for words in [
        "too many malformed rows: 5 of 150 rows (3.33%) at lines 10, 57, 100, 120, 140",
        "more than the allowed 1.00%",
        "max_malformed_share",
        "keeping the previous snapshot",
    ] {
        assert!(err.contains(words), "{words}: {err}");
    }
    let (code, rows) = status_json(&env);
    assert_eq!(code, Some(8), "a list whose refresh was refused is stale");
    let uk = row(&rows, "uk");
    assert_eq!(uk["sha256"], sha, "the previous snapshot stays");
    assert_eq!(uk["entities"], 148);
    assert_eq!(uk["failure"], "too_many_malformed");
    assert_eq!(uk["stale"], true);
    assert!(
        uk["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .contains("last refresh failed: too many malformed rows")
    );
    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert!(
        stdout(&out).contains("STALE: last refresh failed: too many malformed rows"),
        "{}",
        stdout(&out)
    );

    // A larger configured share accepts the same file.
    let cfg = std::fs::read_to_string(env.config()).unwrap().replace(
        "refresh_hours = 12\n",
        "refresh_hours = 12\nmax_malformed_share = 0.05\n",
    );
    env.write("config.toml", cfg);
    let out = env.kontra().args(["sanctions", "update"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5 of 150 rows (3.33%) at lines 10, 57, 100, 120, 140"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_share_is_validated_in_the_config() {
    let env = Env::new();
    env.write("config.toml", "[sanctions]\nmax_malformed_share = 0.7\n");
    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("0 to 0.5"), "{}", stderr(&out));
}

fn import_un(env: &Env) {
    let out = env
        .kontra()
        .args(["sanctions", "import", "--source", "un"])
        .arg(format!(
            "{}/tests/fixtures/sanctions_un/consolidated.sample.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn status_exits_8_for_a_never_loaded_or_stale_list_and_0_when_all_are_fresh() {
    let env = Env::new();
    write_config(&env, &["uk", "un"], None);
    import_un(&env);

    // UK is configured but was never loaded.
    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(stdout(&out).contains("uk    enabled   no snapshot  STALE: never loaded"));
    assert!(
        stderr(&out).contains("never loaded or stale: uk"),
        "{}",
        stderr(&out)
    );
    let (code, rows) = status_json(&env);
    assert_eq!(code, Some(8));
    assert_eq!(row(&rows, "uk")["reasons"][0]["code"], "never_loaded");
    assert_eq!(row(&rows, "un")["stale"], false);
    // A disabled list that was never loaded is no problem.
    assert_eq!(row(&rows, "eu")["stale"], false);

    write_config(&env, &["un"], None);
    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // A snapshot older than twice refresh_hours is stale.
    {
        let store = Store::open(&env.data(), "test").unwrap();
        let raw = RawList::single(
            "consolidated.xml",
            fixture("sanctions_un", "consolidated.sample.xml"),
        );
        snapshot::accept(
            &store,
            &env.data(),
            ListSource::Un,
            &raw,
            "test",
            Default::default(),
            Utc::now() - Duration::days(3),
        )
        .unwrap();
    }
    let out = env.kontra().args(["sanctions", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(
        stdout(&out).contains("STALE: too old: 3d old, max 1d"),
        "{}",
        stdout(&out)
    );
    let (_, rows) = status_json(&env);
    assert_eq!(row(&rows, "un")["reasons"][0]["code"], "too_old");
}

#[test]
fn screening_and_the_digest_say_which_lists_were_used_and_how_old() {
    let env = Env::new();
    write_config(&env, &["uk", "un"], None);
    import_un(&env);

    let out = env
        .kontra()
        .args(["sanctions", "screen", "--json", "Allied Democratic Forces"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let lists = v["lists"].as_array().unwrap();
    assert_eq!(lists.len(), 2, "the configured lists: {lists:?}");
    let un = lists.iter().find(|l| l["source"] == "un").unwrap();
    assert_eq!(un["used"], true);
    assert_eq!(un["published"], "2026-02-27T00:00:09.554Z");
    assert!(un["age_seconds"].as_i64().unwrap() < 600);
    assert_eq!(un["stale"], false);
    let uk = lists.iter().find(|l| l["source"] == "uk").unwrap();
    assert_eq!(uk["used"], false);
    assert_eq!(uk["reasons"][0], "never loaded");

    let out = env
        .kontra()
        .args(["sanctions", "screen", "Allied Democratic Forces"])
        .output()
        .unwrap();
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with("# lists: uk: not loaded, STALE: never loaded | un: "),
        "{first}"
    );
    assert!(
        first.contains("old (published 2026-02-27T00:00:09.554Z)"),
        "{first}"
    );

    let out = env.kontra().args(["digest", "preview"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Sanktionslisten (Alter des verwendeten Stands):"),
        "{text}"
    );
    assert!(
        text.contains("  uk: nicht geladen, VERALTET: nie geladen"),
        "{text}"
    );
    assert!(
        text.contains("alt (veröffentlicht 2026-02-27T00:00:09.554Z)"),
        "{text}"
    );
    let out = env
        .kontra()
        .args(["digest", "preview", "--html"])
        .output()
        .unwrap();
    let html = stdout(&out);
    assert!(
        html.contains("nicht geladen, VERALTET: nie geladen"),
        "{html}"
    );
}
