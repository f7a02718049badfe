//! One running Kontra for the team: commands attach to a serving `kontra daemon` over its Unix
//! socket; who asks is the kernel's word (peer credentials) mapped to an analyst and a role; a
//! client of another version is refused in words; a dead server leaves a stale socket that the
//! next start replaces; a client killed mid-request leaves the server and the store whole.
//!
//! The role tests need a second OS user. They create one (and a group) with `useradd` when the
//! tests run as root, and otherwise say on stderr that they were skipped and why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use common::server::{Daemon, OFFLINE};
use common::{Env, stderr, stdout};
use kontra::app::Api as _;
use kontra::app::wire::{Conn, Hello, Welcome};
use std::os::unix::process::CommandExt;
use support::common;

fn offline(env: &Env, extra: &str) {
    env.write("config.toml", format!("{OFFLINE}{extra}"));
}

fn add(env: &Env, name: &str, owner: Option<&str>) -> u64 {
    let mut cmd = env.kontra();
    cmd.args(["add", "--name", name, "--country", "DE"]);
    if let Some(o) = owner {
        cmd.args(["--owner", o]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().parse().unwrap()
}

#[test]
fn commands_attach_to_the_serving_daemon_instead_of_being_refused() {
    let env = Env::new();
    offline(&env, "");
    let before = add(&env, "Vorher GmbH", None);
    let daemon = Daemon::start(&env);
    // While the daemon holds the data directory, every register command works through it.
    let id = add(&env, "Während AG", Some("tester"));
    assert_eq!(id, before + 1);
    let shown = env
        .kontra()
        .args(["show", &id.to_string()])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(stdout(&shown).contains("Während AG"));
    let edited = env
        .kontra()
        .args(["edit", &id.to_string(), "--address", "Hauptstraße 1"])
        .output()
        .unwrap();
    assert_eq!(stdout(&edited).trim(), format!("{id}: changed address"));
    // The same exit code and message as in-process for an unknown id.
    let missing = env.kontra().args(["show", "999"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(6));
    assert!(stderr(&missing).contains("no counterparty with id 999"));
    daemon.stop();
    // After the daemon stopped, the socket is gone and commands run in-process again.
    assert!(!env.data().join("kontra.sock").exists());
    let listed = env.list_json();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["address"], "Hauptstraße 1");
}

#[test]
fn a_client_of_another_version_is_refused_in_words() {
    let env = Env::new();
    offline(&env, "");
    let daemon = Daemon::start(&env);
    let mut conn = Conn::connect(&env.data().join("kontra.sock")).unwrap();
    let mut hello = Hello::new(false, false);
    hello.version = "0.0.1-old".into();
    hello.protocol = 0;
    conn.send(&hello).unwrap();
    match conn.recv::<Welcome>().unwrap() {
        Some(Welcome::Refused(f)) => {
            assert_eq!(f.code, 4);
            assert!(f.message.contains("0.0.1-old"), "{}", f.message);
            assert!(f.message.contains("same kontra binary"), "{}", f.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The server is unaffected.
    add(&env, "Danach GmbH", None);
    daemon.stop();
}

#[test]
fn a_dead_server_is_reported_its_stale_socket_replaced_and_its_data_kept() {
    let env = Env::new();
    offline(&env, "");
    let daemon = Daemon::start(&env);
    let id = add(&env, "Bleibt GmbH", None);
    let client = kontra::app::Remote::connect(&env.data(), false)
        .unwrap()
        .expect("a server listens");
    assert_eq!(client.counterparty(id).unwrap().name, "Bleibt GmbH");
    daemon.kill();
    // The attached client says the server went away, with exit code 4.
    let e = client.counterparty(id).unwrap_err();
    assert_eq!(e.code, 4);
    assert!(e.message.contains("went away"), "{}", e.message);
    // The socket file stays behind; the next command runs in-process over the data.
    assert!(env.data().join("kontra.sock").exists());
    assert_eq!(env.list_json().len(), 1);
    // The next server replaces the stale socket and serves again.
    let daemon = Daemon::start(&env);
    let shown = env
        .kontra()
        .args(["show", &id.to_string()])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", stderr(&shown));
    daemon.stop();
}

#[test]
fn a_client_killed_mid_request_leaves_the_server_and_the_store_whole() {
    let env = Env::new();
    offline(&env, "");
    let daemon = Daemon::start(&env);
    // A client greets, sends an add and hangs up before the answer arrives.
    let mut conn = Conn::connect(&env.data().join("kontra.sock")).unwrap();
    conn.send(&Hello::new(false, false)).unwrap();
    assert!(matches!(
        conn.recv::<Welcome>().unwrap(),
        Some(Welcome::Accepted { .. })
    ));
    let draft = kontra::domain::CounterpartyDraft {
        name: Some("Halb GmbH".into()),
        country: Some("DE".into()),
        ..Default::default()
    };
    conn.send(&kontra::app::api::Request::Add { draft })
        .unwrap();
    drop(conn);
    // The server goes on serving; the add was carried out whole or not at all.
    let next = add(&env, "Ganz AG", None);
    let listed = env.list_json();
    let names: Vec<&str> = listed.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Ganz AG"));
    assert!(names.len() == 1 || (names.len() == 2 && names.contains(&"Halb GmbH")));
    assert!(next >= 1);
    daemon.stop();
}

/// A throwaway OS user (and group) for the role tests, removed again on drop.
struct OsUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl OsUser {
    fn create(name: &str, group: &str) -> OsUser {
        let ok = std::process::Command::new("useradd")
            // The group is the primary one: a child started with `Command::uid` keeps only its
            // primary group (std drops supplementary groups).
            .args([
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "-g",
                group,
                name,
            ])
            .status()
            .unwrap();
        assert!(ok.success(), "useradd {name}");
        let out = std::process::Command::new("id")
            .args(["-u", name])
            .output()
            .unwrap();
        let uid = stdout(&out).trim().parse().unwrap();
        let out = std::process::Command::new("id")
            .args(["-g", name])
            .output()
            .unwrap();
        let gid = stdout(&out).trim().parse().unwrap();
        OsUser {
            name: name.into(),
            uid,
            gid,
        }
    }
}

impl Drop for OsUser {
    fn drop(&mut self) {
        let _ = std::process::Command::new("userdel")
            .arg(&self.name)
            .status();
    }
}

struct OsGroup(String);

impl OsGroup {
    fn create(name: &str) -> OsGroup {
        let ok = std::process::Command::new("groupadd")
            .arg(name)
            .status()
            .unwrap();
        assert!(ok.success(), "groupadd {name}");
        OsGroup(name.into())
    }
}

impl Drop for OsGroup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("groupdel").arg(&self.0).status();
    }
}

/// Why the role tests cannot run here, if they cannot.
fn cannot_make_users() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root, so no second OS user can be created".into());
    }
    for tool in ["useradd", "groupadd", "userdel", "groupdel"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

/// `kontra` run as another OS user, with a home of its own.
fn kontra_as(
    env: &Env,
    user: &OsUser,
    home: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("KONTRA_CONFIG", env.config())
        .env("KONTRA_DATA_DIR", env.data())
        // Claims to be someone else: the server must not believe it.
        .env("USER", "lena")
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .gid(user.gid)
        .uid(user.uid)
        .output()
        .unwrap()
}

#[test]
fn roles_come_from_the_os_user_on_the_socket_and_refusals_name_them() {
    if let Some(why) = cannot_make_users() {
        eprintln!("SKIPPED roles_come_from_the_os_user_on_the_socket: {why}");
        return;
    }
    let tag = std::process::id() % 100_000;
    let group = OsGroup::create(&format!("ktg{tag}"));
    let viewer = OsUser::create(&format!("ktv{tag}"), &group.0);
    let analyst = OsUser::create(&format!("kta{tag}"), &group.0);
    let stranger = OsUser::create(&format!("kts{tag}"), &group.0);
    let env = Env::new();
    // The other users must pass through the test's directory to the socket and read the
    // config; the data directory itself is opened to the group by the server.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    offline(
        &env,
        &format!(
            "[server]\ngroup = \"{g}\"\n\
             [[analysts]]\nname = \"Vera\"\nemail = \"vera@example.de\"\nunix_user = \"{v}\"\nrole = \"viewer\"\n\
             [[analysts]]\nname = \"Anton\"\nemail = \"anton@example.de\"\nunix_user = \"{a}\"\nrole = \"analyst\"\n",
            g = group.0,
            v = viewer.name,
            a = analyst.name
        ),
    );
    std::fs::set_permissions(env.config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let theirs = add(&env, "Fremd GmbH", Some("bernd"));
    let daemon = Daemon::start(&env);
    let homes = tempfile::tempdir().unwrap();
    std::fs::set_permissions(homes.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let home = |u: &OsUser| {
        let h = homes.path().join(&u.name);
        std::fs::create_dir(&h).unwrap();
        std::os::unix::fs::chown(&h, Some(u.uid), None).unwrap();
        h
    };
    let (vh, ah, sh) = (home(&viewer), home(&analyst), home(&stranger));

    // A viewer reads, and is refused a change with who they are, their role and the need.
    let listed = kontra_as(&env, &viewer, &vh, &["list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("Fremd GmbH"));
    let refused = kontra_as(
        &env,
        &viewer,
        &vh,
        &["add", "--name", "X GmbH", "--country", "DE"],
    );
    assert_eq!(refused.status.code(), Some(9), "{}", stderr(&refused));
    let msg = stderr(&refused);
    assert!(msg.contains("Vera") && msg.contains("viewer"), "{msg}");
    assert!(
        !msg.contains("lena"),
        "the claimed $USER must not count: {msg}"
    );

    // An analyst changes their own and unowned counterparties, not a colleague's.
    let own = kontra_as(
        &env,
        &analyst,
        &ah,
        &[
            "add",
            "--name",
            "Eigen GmbH",
            "--country",
            "DE",
            "--owner",
            "Anton",
        ],
    );
    assert!(own.status.success(), "{}", stderr(&own));
    let own_id = stdout(&own).trim().to_string();
    let edit_own = kontra_as(
        &env,
        &analyst,
        &ah,
        &["edit", &own_id, "--notes", "geprüft"],
    );
    assert!(edit_own.status.success(), "{}", stderr(&edit_own));
    let edit_theirs = kontra_as(
        &env,
        &analyst,
        &ah,
        &["edit", &theirs.to_string(), "--notes", "x"],
    );
    assert_eq!(edit_theirs.status.code(), Some(9));
    assert!(
        stderr(&edit_theirs).contains("owner (bernd)"),
        "{}",
        stderr(&edit_theirs)
    );
    let delete = kontra_as(&env, &analyst, &ah, &["rm", &own_id]);
    assert_eq!(delete.status.code(), Some(9));
    assert!(stderr(&delete).contains("needs the role lead"));

    // An OS user who is no analyst is turned away.
    let unknown = kontra_as(&env, &stranger, &sh, &["list"]);
    assert_eq!(unknown.status.code(), Some(9), "{}", stderr(&unknown));
    assert!(stderr(&unknown).contains(&stranger.name));

    daemon.stop();
    // The audit trail names the authenticated analyst for the add, and records the refusals.
    let audit = kontra::store::Store::open(&env.data(), "test")
        .unwrap()
        .audit_all()
        .unwrap();
    let added = audit
        .iter()
        .find(|e| e.action == kontra::store::AuditAction::Added && e.detail.contains("Eigen"))
        .or_else(|| {
            audit
                .iter()
                .rfind(|e| e.action == kontra::store::AuditAction::Added)
        })
        .unwrap();
    assert_eq!(added.actor, "Anton");
    let refusals: Vec<_> = audit
        .iter()
        .filter(|e| e.action == kontra::store::AuditAction::Refused)
        .collect();
    assert!(refusals.iter().any(|e| e.actor == "Vera"), "{refusals:?}");
    assert!(refusals.iter().any(|e| e.actor == "Anton"), "{refusals:?}");
}
