//! End-to-end: the built binary runs in a real tmux pane, a counterparty is added through the
//! form (in German, the default language), the app quits with `q`, and `kontra list --json`
//! finds the record; Ctrl-z and `fg` in an interactive shell suspend and resume the app with its
//! screen restored; a second UI in another window attaches to the first and follows what the
//! command line changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed for this test (.ci/run installs it)")
    }

    fn capture(&self) -> String {
        self.capture_at("e2e")
    }

    /// The screen of one pane (`e2e:srv`, a window of the session).
    fn capture_at(&self, target: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", target]).stdout)
            .into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_at("e2e", text)
    }

    fn wait_at(&self, target: &str, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture_at(target);
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn send(&self, keys: &[&str]) {
        self.send_at("e2e", keys);
    }

    fn send_at(&self, target: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", target];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
        // Let the app take each key on its own, so Esc is never read as an Alt prefix.
        std::thread::sleep(Duration::from_millis(80));
    }

    fn typ(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
        std::thread::sleep(Duration::from_millis(80));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn add_through_the_form_in_tmux_then_list_finds_it() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "user = \"e2e\"\n[log]\ndir = \"{}\"\n",
            dir.path().join("logs").display()
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: format!("kontra-e2e-{}", std::process::id()),
    };
    let cmd = format!(
        "{bin} --config {} --data-dir {} ; echo exited $? > {}",
        config.display(),
        data.display(),
        dir.path().join("exit").display()
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "110",
        "-y",
        "32",
        &cmd,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No `language` in the config: the UI speaks German, the default.
    tmux.wait_for("Das Register ist leer");
    tmux.send(&["a"]);
    tmux.wait_for("Geschäftspartner anlegen");
    tmux.typ("Tmux Testfirma GmbH");
    tmux.send(&["Tab"]);
    tmux.typ("DE");
    tmux.send(&["Tab"]);
    tmux.typ("DE136695976");
    tmux.wait_for("Prüfziffer ok");
    tmux.send(&["Tab"]);
    tmux.typ("einkauf@tmux-test.de");
    tmux.send(&["Enter"]);
    tmux.wait_for("Tmux Testfirma GmbH (#1) angelegt");
    tmux.send(&["q"]);
    let exit_file = dir.path().join("exit");
    let start = Instant::now();
    while !exit_file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "kontra did not quit; screen:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&exit_file).unwrap().trim(),
        "exited 0"
    );
    let list = Command::new(bin)
        .args(["--config", &config.display().to_string()])
        .args(["--data-dir", &data.display().to_string()])
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["name"], "Tmux Testfirma GmbH");
    assert_eq!(rows[0]["vat"], "DE136695976");
    assert_eq!(rows[0]["email"], "einkauf@tmux-test.de");
    assert_eq!(rows[0]["country"], "DE");
    assert!(Path::new(&dir.path().join("logs")).exists());
}

/// Config for the shared-UI tests: offline (no registries, no list downloads), logs in `dir`.
fn offline_config(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "language = \"en\"\n[log]\ndir = \"{}\"\n\
             [sources.vies]\nenabled = false\n[sources.evatr]\nenabled = false\n\
             [sources.gleif]\nenabled = false\n[sources.handelsregister]\nenabled = false\n\
             [sources.insolvency]\nenabled = false\n\
             [sanctions.eu]\nenabled = false\n[sanctions.ofac]\nenabled = false\n\
             [sanctions.uk]\nenabled = false\n[sanctions.un]\nenabled = false\n",
            dir.join("logs").display()
        ),
    )
    .unwrap();
    config
}

/// Waits until `file` exists and returns its text.
fn wait_file(tmux: &Tmux, target: &str, file: &Path) -> String {
    let start = Instant::now();
    while !file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} was not written; screen:\n{}",
            file.display(),
            tmux.capture_at(target)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(50));
    std::fs::read_to_string(file).unwrap().trim().to_string()
}

#[test]
fn second_instance_without_a_terminal_attaches_and_says_it_needs_one() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = offline_config(dir.path());
    let tmux = Tmux {
        socket: format!("kontra-e2e-lock-{}", std::process::id()),
    };
    let cmd = format!(
        "{bin} --config {} --data-dir {}",
        config.display(),
        data.display()
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    assert!(out.status.success());
    tmux.wait_for("The register is empty");
    let second = Command::new(bin)
        .args(["--config", &config.display().to_string()])
        .args(["--data-dir", &data.display().to_string()])
        .env_remove("TMUX")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2), "exit code USAGE");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
    tmux.send(&["q"]);
}

/// One `kontra` UI serves in one tmux window, a second attaches in another; `kontra add` from
/// the command line shows in both; the client quits and the server runs on; the server asks
/// before quitting with a client attached; killed with -9, its client says so, restores the
/// terminal and exits 4.
#[test]
fn two_uis_in_tmux_share_one_kontra_and_the_client_survives_the_server_dying() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = offline_config(dir.path());
    let tmux = Tmux {
        socket: format!("kontra-e2e-shared-{}", std::process::id()),
    };
    let args = format!(
        "--config {} --data-dir {}",
        config.display(),
        data.display()
    );
    let pid_file = dir.path().join("server.pid");
    let server = format!("echo $$ > {}; exec {bin} {args}", pid_file.display());
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-n",
        "srv",
        "-x",
        "110",
        "-y",
        "32",
        &server,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_at("e2e:srv", "The register is empty");
    // A client's pane stays after it exits, so its last words can be read.
    let client = |name: &str| {
        let exit = dir.path().join(format!("{name}.exit"));
        let cmd = format!(
            "{bin} {args}; echo exited $? > {}; sleep 60",
            exit.display()
        );
        let out = tmux.run(&["new-window", "-d", "-t", "e2e", "-n", name, &cmd]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exit
    };
    let first_exit = client("cli");
    tmux.wait_at("e2e:cli", "The register is empty");

    let add = Command::new(bin)
        .args(["--config", &config.display().to_string()])
        .args(["--data-dir", &data.display().to_string()])
        .args([
            "add",
            "--name",
            "Geteilte Testfirma GmbH",
            "--country",
            "DE",
        ])
        .env_remove("TMUX")
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    tmux.wait_at("e2e:srv", "Geteilte Testfirma GmbH");
    tmux.wait_at("e2e:cli", "Geteilte Testfirma GmbH");

    // Quitting a client asks nothing and stops nothing.
    tmux.send_at("e2e:cli", &["q"]);
    assert_eq!(wait_file(&tmux, "e2e:cli", &first_exit), "exited 0");
    std::thread::sleep(Duration::from_millis(300));
    let srv = tmux.capture_at("e2e:srv");
    assert!(srv.contains("Geteilte Testfirma GmbH"), "{srv}");
    assert!(data.join("kontra.sock").exists(), "the server still serves");

    // Quitting the server with a client attached asks first and says how many.
    let second_exit = client("cli2");
    tmux.wait_at("e2e:cli2", "Geteilte Testfirma GmbH");
    tmux.send_at("e2e:srv", &["q"]);
    tmux.wait_at("e2e:srv", "1 client is attached");
    tmux.send_at("e2e:srv", &["Escape"]);

    // The server dies: the client says so, restores the terminal and exits 4.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(wait_file(&tmux, "e2e:cli2", &second_exit), "exited 4");
    let screen = tmux.wait_at("e2e:cli2", "stopped");
    assert!(screen.contains("the running Kontra"), "{screen}");
    let alternate = tmux.run(&["display-message", "-p", "-t", "e2e:cli2", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alternate.stdout).trim(),
        "0",
        "{screen}"
    );
}

#[test]
fn ctrl_z_then_fg_restores_the_screen_and_keeps_running() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "language = \"en\"\n[log]\ndir = \"{}\"\n",
            dir.path().join("logs").display()
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: format!("kontra-e2e-tstp-{}", std::process::id()),
    };
    // Job control needs an interactive shell: `sh -c` (tmux's command) has no `fg`.
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        "env PS1='shell$ ' bash --norc --noprofile -i",
    ]);
    assert!(out.status.success());
    tmux.wait_for("shell$");
    let exit_file = dir.path().join("exit");
    // No `; echo $?` after the command: bash runs the rest of a list as soon as a job stops.
    tmux.typ(&format!(
        "{bin} --config {} --data-dir {}",
        config.display(),
        data.display(),
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("The register is empty");
    for round in 0..2 {
        tmux.send(&["C-z"]);
        let screen = tmux.wait_for("Stopped");
        assert!(
            !screen.contains("The register is empty"),
            "round {round}: the alternate screen was left; screen:\n{screen}"
        );
        tmux.typ("fg");
        tmux.send(&["Enter"]);
        tmux.wait_for("The register is empty");
        // Wait past crossterm's 2 s cursor-position timeout that used to end the app here.
        std::thread::sleep(Duration::from_millis(2500));
        let screen = tmux.capture();
        assert!(
            screen.contains("The register is empty") && !screen.contains("shell$"),
            "round {round}: the screen was not restored; screen:\n{screen}"
        );
        // Keys still reach the app: the help overlay opens and closes.
        tmux.send(&["?"]);
        tmux.wait_for("j/k scroll");
        tmux.send(&["Escape"]);
    }
    tmux.send(&["q"]);
    tmux.wait_for("shell$");
    tmux.typ(&format!("echo exited $? > {}", exit_file.display()));
    tmux.send(&["Enter"]);
    let start = Instant::now();
    while !exit_file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "kontra did not quit; screen:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_to_string(&exit_file).unwrap().trim(),
        "exited 0"
    );
}

/// `kill -TSTP` from outside (not the key) suspends as Ctrl-z does: the shell gets its normal
/// screen back and reports the job stopped; `kill -CONT` continues it in the background, where
/// it waits for the terminal (stopped again by the kernel, screen untouched); `fg` brings it
/// back with its screen restored and its keys working.
#[test]
fn an_outside_tstp_then_cont_and_fg_restores_the_screen() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let config = offline_config(dir.path());
    let pid_file = dir.path().join("kontra.pid");
    let tmux = Tmux {
        socket: format!("kontra-e2e-kill-tstp-{}", std::process::id()),
    };
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        "env PS1='shell$ ' bash --norc --noprofile -i",
    ]);
    assert!(out.status.success());
    tmux.wait_for("shell$");
    // `exec` keeps the pid the file names: the job is Kontra itself.
    tmux.typ(&format!(
        "bash -c 'echo $$ > {}; exec {bin} --config {} --data-dir {}'",
        pid_file.display(),
        config.display(),
        dir.path().join("data").display(),
    ));
    tmux.send(&["Enter"]);
    tmux.wait_for("The register is empty");
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let state = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // The state follows the command name in parentheses.
        stat.rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let alternate = || {
        let out = tmux.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let kill = |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    kill("-TSTP");
    let screen = tmux.wait_for("Stopped");
    assert_eq!(
        alternate(),
        "0",
        "the alternate screen was left on:\n{screen}"
    );
    assert!(!screen.contains("The register is empty"), "{screen}");
    assert_eq!(state(), "T");
    kill("-CONT");
    // In the background it may not take the terminal: it stops again, the screen the shell's.
    let start = Instant::now();
    while state() != "T" {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(alternate(), "0", "{}", tmux.capture());
    tmux.typ("fg");
    tmux.send(&["Enter"]);
    tmux.wait_for("The register is empty");
    // Past crossterm's 2 s cursor-position timeout.
    std::thread::sleep(Duration::from_millis(2500));
    let screen = tmux.capture();
    assert!(
        screen.contains("The register is empty") && !screen.contains("shell$"),
        "the screen was not restored:\n{screen}"
    );
    assert_eq!(alternate(), "1");
    tmux.send(&["?"]);
    tmux.wait_for("j/k scroll");
    tmux.send(&["Escape"]);
    tmux.send(&["q"]);
    tmux.wait_for("shell$");
}
