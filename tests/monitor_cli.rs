//! The monitor through the binary, against registries on 127.0.0.1 whose answers change between
//! cycles: VIES valid -> unavailable -> invalid -> invalid, name and address changes, a new
//! sanctions listing screened as a delta; `alerts`, `alerts ack`, `history`; a cycle killed with
//! SIGKILL and restarted without duplicates; the daemon stopping cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Env, stderr, stdout};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a fake registry answers.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn json(body: String) -> Answer {
    Answer {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body,
    }
}

fn html(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: vec![("content-type", "text/html; charset=utf-8".into())],
        body: body.to_string(),
    }
}

/// What the fake registry answers for (method, path, headers, request body).
type Handler = dyn Fn(&str, &str, &str, &str) -> Answer + Send + Sync;

/// A tiny HTTP/1.1 server on 127.0.0.1 (one thread per connection, keep-alive).
struct Registry {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Registry {
    fn start(
        delay: Duration,
        handler: impl Fn(&str, &str, &str, &str) -> Answer + Send + Sync + 'static,
    ) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let count = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (handler, count) = (handler.clone(), count.clone());
                std::thread::spawn(move || serve(stream, &*handler, &count, delay));
            }
        });
        Registry { addr, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(mut s: TcpStream, handler: &Handler, count: &AtomicUsize, delay: Duration) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let len = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
        buf.drain(..head_end + len);
        let mut first = head.lines().next().unwrap_or_default().split(' ');
        let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
        count.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(delay);
        let a = handler(method, path, &head, &body);
        let mut resp = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
            a.status,
            a.body.len()
        );
        for (k, v) in &a.headers {
            resp.push_str(&format!("{k}: {v}\r\n"));
        }
        resp.push_str("\r\n");
        resp.push_str(&a.body);
        if s.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

/// A VIES `check-vat-number` answer about the number in the request body `body` (VIES names
/// the number it answers about).
fn vies_answer(body: &str, valid: bool, name: &str, address: &str, reference: &str) -> String {
    let req: Value = serde_json::from_str(body).unwrap_or_default();
    serde_json::json!({
        "countryCode": req["countryCode"], "vatNumber": req["vatNumber"],
        "requestDate": "2026-11-21T10:00:00.000Z",
        "valid": valid, "requestIdentifier": reference, "name": name, "address": address,
    })
    .to_string()
}

fn config(env: &Env, vies: &str) {
    config_with(env, vies, None);
}

/// The config, with the insolvency portal at `insolvency` (disabled when None).
fn config_with(env: &Env, vies: &str, insolvency: Option<&str>) {
    let insolvency = match insolvency {
        Some(url) => format!(
            "base_url = \"{url}\"\nretry = {{ max_attempts = 1, backoff_base_ms = 10, backoff_max_ms = 10 }}\nbudget = {{ requests_per_minute = 100000, concurrency = 4 }}\n"
        ),
        None => "enabled = false\n".to_string(),
    };
    env.write(
        "config.toml",
        format!(
            r#"language = "en"
[sources.vies]
base_url = "{vies}"
requester_vat = "DE136695976"
retry = {{ max_attempts = 1, backoff_base_ms = 10, backoff_max_ms = 10 }}
budget = {{ requests_per_minute = 100000, concurrency = 64 }}
member_state_budget = {{ requests_per_minute = 100000, concurrency = 64 }}
[sources.vies.member_states.DE]
requests_per_minute = 100000
concurrency = 64
[sources.evatr]
enabled = false
[sources.gleif]
enabled = false
[sources.handelsregister]
enabled = false
[sources.insolvency]
{insolvency}[sanctions.eu]
enabled = false
[sanctions.ofac]
enabled = false
[sanctions.uk]
enabled = false
"#
        ),
    );
}

const INSOLVENCY_FORM: &str = r#"<html><body><form id="frm_suche" name="frm_suche" method="post" action="/ap/suche.jsf;jsessionid=xyz">
<input type="hidden" name="frm_suche" value="frm_suche">
<select name="frm_suche:lsom_bundesland:codelist:scl_bundesland:mysom"><option value="NO_CODE" selected>alle</option></select>
<input type="date" name="frm_suche:ldi_datumVon:datumHtml5" value="">
<input type="date" name="frm_suche:ldi_datumBis:datumHtml5" value="">
<select name="frm_suche:lsom_gegenstand:codelist:mysom"><option value="">alle</option></select>
<select name="frm_suche:lsom_wildcard:lsom"><option value="1">?</option><option value="0">*</option></select>
<input type="text" name="frm_suche:litx_firmaNachName:text" value="">
<input type="text" name="frm_suche:litx_sitzWohnsitz:text" value="">
<input type="submit" name="frm_suche:cbt_suchen" value="Suchen">
<input type="hidden" name="jakarta.faces.ViewState" value="-123:456"></form></body></html>"#;

fn run(env: &Env, args: &[&str]) -> std::process::Output {
    env.kontra().args(args).output().expect("run kontra")
}

fn ok(env: &Env, args: &[&str]) -> String {
    let out = run(env, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn add(env: &Env, name: &str, country: &str, vat: Option<&str>) -> u64 {
    let mut args = vec![
        "add",
        "--name",
        name,
        "--country",
        country,
        "--monitor",
        "--owner",
        "anna",
    ];
    if let Some(v) = vat {
        args.extend(["--vat", v]);
    }
    ok(env, &args).trim().parse().unwrap()
}

fn alerts(env: &Env) -> Vec<Value> {
    serde_json::from_str(&ok(env, &["alerts", "--json"])).unwrap()
}

/// The first UN sample list, and the same list with one more entity named like a counterparty.
fn un_lists(env: &Env) -> (std::path::PathBuf, std::path::PathBuf) {
    let v1 = String::from_utf8(common::fixture("sanctions_un", "consolidated.sample.xml")).unwrap();
    let extra = r#"    <ENTITY>
      <DATAID>9990001</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>ORINOCO MARITIME LOGISTICS</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPe.999</REFERENCE_NUMBER>
      <LISTED_ON>2026-11-20</LISTED_ON>
      <LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>
      <ENTITY_ALIAS><QUALITY/><ALIAS_NAME/></ENTITY_ALIAS>
      <ENTITY_ADDRESS><COUNTRY>Panama</COUNTRY></ENTITY_ADDRESS>
      <SORT_KEY/>
      <SORT_KEY_LAST_MOD/>
    </ENTITY>
  </ENTITIES>"#;
    let v2 = v1.replacen("</ENTITIES>", extra, 1);
    assert_ne!(v1, v2);
    (env.write("un1.xml", v1), env.write("un2.xml", v2))
}

#[test]
fn cycles_against_changing_registries_raise_true_alerts_once() {
    let env = Env::new();
    // Phase of the registry: 0 valid, 1 unavailable, 2 and 3 invalid (for Alpha); Beta's name
    // and address change in phase 2.
    let phase = Arc::new(AtomicUsize::new(0));
    let p = phase.clone();
    let vies = Registry::start(Duration::ZERO, move |method, path, _, body| {
        assert_eq!((method, path), ("POST", "/check-vat-number"), "{body}");
        let req: Value = serde_json::from_str(body).unwrap();
        let number = req["vatNumber"].as_str().unwrap_or_default().to_string();
        let n = p.load(Ordering::SeqCst);
        let reference = format!("WAPI{n}{number}");
        json(match (number.as_str(), n) {
            ("136695976", 0) => vies_answer(
                body,
                true,
                "Alpha GmbH",
                "Hauptstr. 1\n10117 Berlin",
                &reference,
            ),
            ("136695976", 1) => {
                r#"{"actionSucceed":false,"errorWrappers":[{"error":"MS_UNAVAILABLE"}]}"#
                    .to_string()
            }
            ("136695976", _) => vies_answer(body, false, "---", "---", &reference),
            (_, 0 | 1) => vies_answer(
                body,
                true,
                "BETA GMBH",
                "Marktplatz 2, 80331 München",
                &reference,
            ),
            _ => vies_answer(
                body,
                true,
                "Gamma GmbH",
                "Industriestr. 9, 04109 Leipzig",
                &reference,
            ),
        })
    });
    let p = phase.clone();
    let results = String::from_utf8(common::fixture(
        "insolvency",
        "search_results.sample.COMPOSED.html",
    ))
    .unwrap();
    // Each search form opens a session; the result page answers the search of its session.
    let sessions = Arc::new(AtomicUsize::new(0));
    let posted: Arc<std::sync::Mutex<HashMap<String, String>>> = Default::default();
    let portal = Registry::start(Duration::ZERO, move |method, path, head, body| {
        let session = head
            .lines()
            .find(|l| l.to_lowercase().starts_with("cookie:"))
            .and_then(|l| l.split("JSESSIONID=").nth(1))
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
        match (method, path.split(';').next().unwrap_or_default()) {
            ("GET", "/ap/suche.jsf") => {
                let n = sessions.fetch_add(1, Ordering::SeqCst);
                let mut a = html(200, INSOLVENCY_FORM);
                a.headers
                    .push(("set-cookie", format!("JSESSIONID=s{n}; Path=/ap")));
                a
            }
            ("POST", "/ap/suche.jsf") if session.is_some() => {
                posted
                    .lock()
                    .unwrap()
                    .insert(session.unwrap_or_default(), body.to_string());
                let mut a = html(302, "");
                a.headers.push(("location", "/ap/ergebnis.jsf".into()));
                a
            }
            ("GET", "/ap/ergebnis.jsf") => {
                let searched = posted
                    .lock()
                    .unwrap()
                    .get(&session.unwrap_or_default())
                    .cloned()
                    .unwrap_or_default();
                // The publication appears in phase 3, for searches of its debtor only.
                if p.load(Ordering::SeqCst) >= 3 && searched.contains("Musterbau") {
                    html(200, &results)
                } else {
                    html(
                        200,
                        "<html><body><span id=\"frm_ergebnis:otx_keineTreffer\">Es wurden keine Treffer gefunden.</span></body></html>",
                    )
                }
            }
            _ => html(500, "<html>Fehler</html>"),
        }
    });
    config_with(&env, &vies.url(""), Some(&portal.url("")));
    let alpha = add(&env, "Alpha GmbH", "DE", Some("DE136695976"));
    let beta = add(&env, "Beta GmbH", "DE", Some("DE811907980"));
    let acme = add(&env, "Orinoco Maritime Logistics", "PA", None);
    let muster = ok(
        &env,
        &[
            "add",
            "--name",
            "Musterbau GmbH",
            "--country",
            "DE",
            "--monitor",
            "--owner",
            "anna",
            "--address",
            "Musterstr. 1, 10115 Berlin",
        ],
    )
    .trim()
    .parse::<u64>()
    .unwrap();
    let (un1, un2) = un_lists(&env);
    ok(
        &env,
        &[
            "sanctions",
            "import",
            "--source",
            "un",
            un1.to_str().unwrap(),
        ],
    );

    for n in 0..4 {
        phase.store(n, Ordering::SeqCst);
        let out = run(&env, &["monitor", "run", "--all"]);
        assert!(
            out.status.success(),
            "cycle {n}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(stdout(&out).contains("4/4 done"), "{}", stdout(&out));
        let mut kinds: Vec<(u64, String)> = alerts(&env)
            .iter()
            .map(|a| {
                (
                    a["counterparty_id"].as_u64().unwrap(),
                    a["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        kinds.sort();
        let expected: Vec<(u64, &str)> = match n {
            0 | 1 => vec![],
            2 => vec![
                (beta, "company_name_changed"),
                (beta, "company_address_changed"),
            ],
            _ => vec![
                (beta, "company_name_changed"),
                (beta, "company_address_changed"),
                (alpha, "vat_invalid"),
                (muster, "insolvency_started"),
            ],
        };
        let mut expected: Vec<(u64, String)> = expected
            .into_iter()
            .map(|(i, k)| (i, k.to_string()))
            .collect();
        expected.sort();
        assert_eq!(kinds, expected, "after cycle {n}");
    }
    // A new listing: only what changed in the list is screened, and it alerts.
    ok(
        &env,
        &[
            "sanctions",
            "import",
            "--source",
            "un",
            un2.to_str().unwrap(),
        ],
    );
    let out = run(&env, &["monitor", "run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sanctions list changes"),
        "{}",
        stderr(&out)
    );
    let all = alerts(&env);
    let found: Vec<&Value> = all
        .iter()
        .filter(|a| a["kind"] == "sanctions_found")
        .collect();
    assert_eq!(found.len(), 1, "{all:#?}");
    assert_eq!(found[0]["counterparty_id"].as_u64(), Some(acme));
    assert!(found[0]["message"].as_str().unwrap().contains("9990001"));
    // Running everything again finds nothing new.
    phase.store(3, Ordering::SeqCst);
    ok(&env, &["monitor", "run", "--all"]);
    assert_eq!(alerts(&env).len(), 5);
    let insolvency = all
        .iter()
        .find(|a| a["kind"] == "insolvency_started")
        .unwrap();
    let msg = insolvency["message"].as_str().unwrap();
    assert!(
        msg.contains("Musterbau GmbH") && msg.contains("insolvency publications"),
        "{msg}"
    );

    // Every alert has the documented fields; the message says from what to what and where.
    let invalid = all.iter().find(|a| a["kind"] == "vat_invalid").unwrap();
    for key in [
        "id",
        "kind",
        "severity",
        "counterparty_id",
        "message",
        "created_at",
        "sent_at",
        "acknowledged_at",
    ] {
        assert!(invalid.get(key).is_some(), "{key} missing: {invalid}");
    }
    assert_eq!(invalid["severity"], "critical");
    let msg = invalid["message"].as_str().unwrap();
    assert!(
        msg.contains("from valid") && msg.contains("INVALID") && msg.contains("VIES"),
        "{msg}"
    );
    assert!(
        msg.contains("WAPI3136695976"),
        "consultation number in the message: {msg}"
    );

    // Filters, acknowledgement and the audit trail.
    let critical: Vec<Value> =
        serde_json::from_str(&ok(&env, &["alerts", "--json", "--severity", "critical"])).unwrap();
    assert_eq!(critical.len(), 3);
    let unsent: Vec<Value> = serde_json::from_str(&ok(
        &env,
        &["alerts", "--json", "--unsent", "--owner", "ANNA"],
    ))
    .unwrap();
    assert_eq!(unsent.len(), 5);
    let id = invalid["id"].as_u64().unwrap().to_string();
    ok(&env, &["alerts", "ack", &id]);
    let after: Vec<Value> = alerts(&env);
    let acked = after
        .iter()
        .find(|a| a["id"].as_u64().unwrap().to_string() == id)
        .unwrap();
    assert!(acked["acknowledged_at"].is_string());
    assert_eq!(run(&env, &["alerts", "ack", "999"]).status.code(), Some(6));

    let h: Value =
        serde_json::from_str(&ok(&env, &["history", &alpha.to_string(), "--json"])).unwrap();
    let checks = h["checks"].as_array().unwrap();
    assert_eq!(
        checks.len(),
        6,
        "four full cycles, the delta screening and one more"
    );
    assert_eq!(checks[4]["trigger"], "sanctions-delta");
    let vies_ref = checks[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "vies")
        .unwrap();
    assert_eq!(vies_ref["outcome"], "answer");
    assert_eq!(vies_ref["evidence"]["reference"], "WAPI0136695976");
    assert_eq!(checks[1]["results"][0]["outcome"], "unavailable");
    let actions: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"added"));
    assert!(
        actions.contains(&"checked") && actions.contains(&"alert_acknowledged"),
        "{actions:?}"
    );
    let text = ok(&env, &["history", &alpha.to_string()]);
    assert!(
        text.contains("check run") && text.contains("WAPI0136695976"),
        "{text}"
    );
}

#[test]
fn a_killed_cycle_resumes_without_duplicate_runs_or_alerts() {
    let env = Env::new();
    let phase = Arc::new(AtomicUsize::new(0));
    let p = phase.clone();
    let vies = Registry::start(Duration::from_millis(150), move |_, _, _, body| {
        let req: Value = serde_json::from_str(body).unwrap_or_default();
        let name = if p.load(Ordering::SeqCst) == 0 {
            "Old Name GmbH"
        } else {
            "New Name GmbH"
        };
        let number = req["vatNumber"].as_str().unwrap_or_default();
        json(vies_answer(
            body,
            true,
            name,
            "Hauptstr. 1, 10117 Berlin",
            &format!("R{number}"),
        ))
    });
    config(&env, &vies.url(""));
    env.write(
        "config.toml",
        std::fs::read_to_string(env.config()).unwrap() + "[monitor]\nconcurrency = 2\n",
    );
    let numbers = [
        "DE136695976",
        "DE811907980",
        "DE129273398",
        "DE813495425",
        "DE118855099",
        "DE143593638",
    ];
    let ids: Vec<u64> = numbers
        .iter()
        .enumerate()
        .map(|(i, v)| add(&env, &format!("Firma {i} GmbH"), "DE", Some(v)))
        .collect();
    ok(&env, &["monitor", "run", "--all"]);
    phase.store(1, Ordering::SeqCst);
    let before = vies.count();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"))
        .args(["monitor", "run", "--all"])
        .env("KONTRA_CONFIG", env.config())
        .env("KONTRA_DATA_DIR", env.data())
        .env("USER", "tester")
        .env("HOME", env.dir.path())
        .env("XDG_STATE_HOME", env.dir.path().join("state"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a few checks went through, while others are in flight.
    let t0 = Instant::now();
    while vies.count() < before + 3 && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run(&env, &["monitor", "run", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("finished interrupted cycle"),
        "the restart must finish the killed cycle: {}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("6/6 done"), "{}", stdout(&out));
    for id in &ids {
        let h: Value =
            serde_json::from_str(&ok(&env, &["history", &id.to_string(), "--json"])).unwrap();
        assert_eq!(
            h["checks"].as_array().unwrap().len(),
            2,
            "counterparty {id}: one run per cycle"
        );
        let kinds: Vec<&str> = h["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["company_name_changed"], "counterparty {id}");
    }
    // Nothing left to resume.
    let out = ok(&env, &["monitor", "run", "--all"]);
    assert!(!out.contains("interrupted"), "{out}");
}

#[test]
fn the_daemon_stops_cleanly_on_sigterm() {
    let env = Env::new();
    let vies = Registry::start(Duration::ZERO, |_, _, _, body| {
        json(vies_answer(body, true, "A", "B", "R"))
    });
    config(&env, &vies.url(""));
    // No list downloads from the internet in tests.
    env.write(
        "config.toml",
        std::fs::read_to_string(env.config()).unwrap() + "[sanctions.un]\nenabled = false\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"))
        .arg("daemon")
        .env("KONTRA_CONFIG", env.config())
        .env("KONTRA_DATA_DIR", env.data())
        .env("USER", "tester")
        .env("HOME", env.dir.path())
        .env("XDG_STATE_HOME", env.dir.path().join("state"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the daemon to say it runs (polling with other commands could take the lock first).
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr_pipe)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let started = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("daemon output");
    assert!(started.contains("monitoring"), "{started}");
    // The daemon holds the data directory while it runs, and serves it: a command becomes its
    // client instead of being refused.
    let listed = run(&env, &["list"]);
    assert!(listed.status.success(), "{listed:?}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    let text = reader.join().unwrap();
    assert!(status.success(), "{text}");
    assert!(text.contains("stopped"), "{text}");
    // The data directory is free again.
    assert!(run(&env, &["list"]).status.success());
}

#[test]
fn the_counterpartys_kind_decides_which_listed_entities_it_is_screened_against() {
    let env = Env::new();
    env.write(
        "config.toml",
        "language = \"en\"\n[sources.vies]\nenabled = false\n[sources.evatr]\nenabled = false\n\
         [sources.gleif]\nenabled = false\n[sources.handelsregister]\nenabled = false\n\
         [sources.insolvency]\nenabled = false\n",
    );
    ok(
        &env,
        &[
            "sanctions",
            "import",
            "--source",
            "ofac",
            common::fixture_path("sanctions_ofac").to_str().unwrap(),
        ],
    );
    // OFAC lists IRIS MAKRAN as a vessel: a company of that name is not alerted on the ship.
    let company = ok(&env, &["add", "--name", "Iris Makran", "--country", "IR"]);
    let ship = ok(
        &env,
        &[
            "add",
            "--name",
            "Iris Makran",
            "--country",
            "IR",
            "--kind",
            "vessel",
        ],
    );
    let out = ok(&env, &["check", company.trim(), ship.trim()]);
    assert!(
        out.contains("HIT ofac 40716 IRIS MAKRAN (strong, 1.00)"),
        "{out}"
    );
    let all = alerts(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["counterparty_id"].as_u64(), ship.trim().parse().ok());
    assert_eq!(all[0]["kind"], "sanctions_found");
    let message = all[0]["message"].as_str().unwrap();
    assert!(message.contains("entry 40716"), "{message}");
    assert!(
        message.contains("(strong hit, score 1.00: same name as listed: \"IRIS MAKRAN\""),
        "{message}"
    );
    let history: Value =
        serde_json::from_str(&ok(&env, &["history", ship.trim(), "--json"])).unwrap();
    let hit = &history["checks"][0]["results"][0]["answer"]["sanctions"]["hits"][0];
    assert_eq!(hit["strength"], "strong");
    assert_eq!(hit["reasons"][0]["exact_name"]["listed"], "IRIS MAKRAN");
}
