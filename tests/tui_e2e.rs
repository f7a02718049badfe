//! End-to-end: the built binary runs in a real tmux pane, a counterparty is added through the
//! form, the app quits with `q`, and `kontra list --json` finds the record; Ctrl-z and `fg` in
//! an interactive shell suspend and resume the app with its screen restored.
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
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
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
        let mut args = vec!["send-keys", "-t", "e2e"];
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
    tmux.wait_for("The register is empty");
    tmux.send(&["a"]);
    tmux.wait_for("Add counterparty");
    tmux.typ("Tmux Testfirma GmbH");
    tmux.send(&["Tab"]);
    tmux.typ("DE");
    tmux.send(&["Tab"]);
    tmux.typ("DE136695976");
    tmux.wait_for("check digits ok");
    tmux.send(&["Tab"]);
    tmux.typ("einkauf@tmux-test.de");
    tmux.send(&["Enter"]);
    tmux.wait_for("added Tmux Testfirma GmbH");
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

#[test]
fn second_instance_is_refused_with_the_holder_and_how_to_attach() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[log]\ndir = \"{}\"\n", dir.path().join("logs").display()),
    )
    .unwrap();
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
    assert_eq!(second.status.code(), Some(4), "exit code LOCKED");
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("kontra tui"), "{err}");
    assert!(err.contains("tmux attach -t e2e"), "{err}");
    tmux.send(&["q"]);
}

#[test]
fn ctrl_z_then_fg_restores_the_screen_and_keeps_running() {
    let bin = env!("CARGO_BIN_EXE_kontra");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[log]\ndir = \"{}\"\n", dir.path().join("logs").display()),
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
