//! The binary under hostile or unusual conditions: `--read-only` honoured or refused for every
//! command, private file modes, a world-readable password file, and small robustness cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::common;

use common::{Env, stderr, stdout};
use std::os::unix::fs::PermissionsExt;

/// The binary as a plain `std` command with this installation's environment (for stdio control).
fn std_kontra(env: &Env) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"));
    c.env_clear().envs(
        env.kontra()
            .get_envs()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
    );
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn read_only_refuses_every_command_that_writes_or_sends_and_serves_the_readers() {
    let env = Env::new();
    env.kontra()
        .args([
            "add",
            "--name",
            "Kept GmbH",
            "--country",
            "DE",
            "--no-monitor",
        ])
        .assert()
        .success();
    let csv = env.write("in.csv", "name,country\nNeu GmbH,DE\n");
    let csv = csv.to_str().unwrap();
    for args in [
        vec!["add", "--name", "X GmbH", "--country", "DE"],
        vec!["edit", "1", "--name", "Changed GmbH"],
        vec!["rm", "1"],
        vec!["monitor", "on", "1"],
        vec!["import", csv],
        vec!["alerts", "ack", "1"],
        vec!["digest", "send"],
    ] {
        let out = env
            .kontra()
            .arg("--read-only")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--read-only"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let all = env.list_json();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Kept GmbH");
    assert_eq!(all[0]["monitor"], false);
    // Readers work under --read-only, and so does a dry run.
    for args in [
        vec!["list"],
        vec!["show", "1"],
        vec!["export"],
        vec!["alerts"],
        vec!["history", "1"],
        vec!["import", csv, "--dry-run"],
    ] {
        let out = env
            .kontra()
            .arg("--read-only")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.list_json().len(), 1);
}

#[test]
fn data_directory_store_lock_logs_and_exports_are_private() {
    let env = Env::new();
    env.kontra()
        .args(["add", "--name", "Kept GmbH", "--country", "DE"])
        .assert()
        .success();
    let out = env.dir.path().join("export.csv");
    env.kontra()
        .args(["export", "--out", out.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(mode(&env.data()), 0o700);
    assert_eq!(mode(&env.data().join("kontra.lock")), 0o600);
    assert_eq!(mode(&env.data().join("db")), 0o700);
    for f in std::fs::read_dir(env.data().join("db")).unwrap() {
        let f = f.unwrap();
        if f.file_type().unwrap().is_file() {
            assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
        }
    }
    assert_eq!(mode(&out), 0o600);
    let logs = env.dir.path().join("state/kontra/logs");
    let mut seen = 0;
    for f in std::fs::read_dir(&logs).unwrap() {
        assert_eq!(mode(&f.unwrap().path()), 0o600);
        seen += 1;
    }
    assert!(seen > 0);

    // An existing directory that others can read is tightened.
    std::fs::set_permissions(env.data(), std::fs::Permissions::from_mode(0o755)).unwrap();
    env.kontra().args(["list"]).assert().success();
    assert_eq!(mode(&env.data()), 0o700);
}

#[test]
fn a_password_file_others_can_read_is_warned_about() {
    let env = Env::new();
    let pw = env.write("pw", "secret\n");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.write(
        "config.toml",
        format!(
            "[mail]\nhost = \"127.0.0.1\"\nport = 1\nsecurity = \"none\"\nusername = \"u\"\npassword_file = \"{}\"\nfrom = \"k@example.de\"\nto = \"t@example.de\"\n",
            pw.display()
        ),
    );
    let out = env
        .kontra()
        .args(["digest", "send", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("can be read by everyone (mode 644); chmod 600 it"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("secret") && !stderr(&out).contains("secret\n"));
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env
        .kontra()
        .args(["digest", "send", "--dry-run"])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn control_characters_are_refused_in_names_and_escaped_on_line_output() {
    let env = Env::new();
    let out = env
        .kontra()
        .args([
            "add",
            "--name",
            "Evil\x1b]2;pwned\x07 GmbH",
            "--country",
            "DE",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("name: contains the control character U+001B"));
    assert!(env.list_json().is_empty());
    // A record that got in before this rule (or any stored text) is escaped on output.
    {
        let store = kontra::store::Store::open(&env.data(), "test").unwrap();
        let mut cp = kontra::domain::CounterpartyDraft {
            name: Some("Plain GmbH".into()),
            country: Some("DE".into()),
            ..Default::default()
        }
        .apply(None, chrono::Utc::now())
        .unwrap();
        cp.name = "Old\x1b]2;pwned\x07 GmbH".into();
        cp.notes = "note\x1b[2J".into();
        store.add_counterparty(cp, "test").unwrap();
    }
    for args in [vec!["list"], vec!["show", "1"]] {
        let out = env.kontra().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!out.stdout.contains(&0x1b), "{args:?}: raw ESC in output");
        assert!(
            stdout(&out).contains("Old\\x1b]2;pwned\\x07 GmbH"),
            "{}",
            stdout(&out)
        );
    }
    // JSON keeps the exact text (escaped the JSON way).
    assert_eq!(env.list_json()[0]["name"], "Old\x1b]2;pwned\x07 GmbH");
}

#[test]
fn a_named_config_that_does_not_exist_is_an_error_and_the_ui_needs_a_terminal() {
    let env = Env::new();
    let out = env
        .kontra()
        .arg("--config")
        .arg(env.dir.path().join("nonexistent.toml"))
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nonexistent.toml"),
        "{}",
        stderr(&out)
    );
    // The default path (here KONTRA_CONFIG, not written) may be missing.
    env.kontra().arg("list").assert().success();
    // No terminal: a clear refusal instead of "reader source not set".
    let out = std_kontra(&env)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_reader_that_went_away_ends_the_output_quietly_without_a_panic() {
    use std::os::fd::FromRawFd;
    let env = Env::new();
    env.kontra()
        .args(["add", "--name", "Kept GmbH", "--country", "DE"])
        .assert()
        .success();
    // A pipe whose reading end is closed before kontra writes: what `kontra show 1 | true`
    // gives when `true` has already exited.
    let mut fds = [0; 2];
    // SAFETY: pipe fills the two descriptors, which are owned below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] and fds[1] are fresh descriptors owned by nobody else.
    let (reader, writer) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    };
    drop(reader);
    let out = std_kontra(&env)
        .args(["show", "1"])
        .stdout(writer)
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_ne!(out.status.code(), Some(101));
}

#[test]
fn an_error_exit_takes_no_backtrace_unless_asked() {
    let env = Env::new();
    let run = |lib: Option<&str>| {
        let mut c = env.kontra();
        c.env("RUST_BACKTRACE", "1").args(["show", "999"]);
        match lib {
            Some(v) => c.env("RUST_LIB_BACKTRACE", v),
            None => c.env_remove("RUST_LIB_BACKTRACE"),
        };
        c.output().unwrap()
    };
    let out = run(None);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let out = run(Some("1"));
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("Backtrace") || stderr(&out).lines().count() > 1);
}
