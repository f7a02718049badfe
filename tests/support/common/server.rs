//! A serving Kontra for tests: `kontra daemon` on an [`Env`]'s data directory, started and
//! waited for until its socket answers, stopped with SIGTERM (or killed) at the end.

use super::Env;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A running `kontra daemon`.
pub struct Daemon {
    pub child: Child,
}

impl Daemon {
    /// Starts `kontra daemon` on `env` and waits until its socket accepts connections.
    /// The config should disable list downloads (`[sanctions.un] enabled = false` …) so the
    /// daemon stays offline.
    pub fn start(env: &Env) -> Daemon {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kontra"));
        cmd.arg("daemon")
            .env("KONTRA_CONFIG", env.config())
            .env("KONTRA_DATA_DIR", env.data())
            .env("USER", "tester")
            .env("HOME", env.dir.path())
            .env("XDG_STATE_HOME", env.dir.path().join("state"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("spawn kontra daemon");
        let d = Daemon { child };
        d.wait_for_socket(env);
        d
    }

    fn wait_for_socket(&self, env: &Env) {
        let socket = env.data().join("kontra.sock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("kontra daemon did not open {}", socket.display());
    }

    /// SIGTERM, then waits; panics unless it exits 0.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "daemon exit: {status:?}");
    }

    /// SIGKILL: the server dies without cleaning up.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config that keeps a daemon offline: no registries, no list downloads.
pub const OFFLINE: &str = "language = \"en\"\n\
[sources.vies]\nenabled = false\n[sources.evatr]\nenabled = false\n\
[sources.gleif]\nenabled = false\n[sources.handelsregister]\nenabled = false\n\
[sources.insolvency]\nenabled = false\n\
[sanctions.eu]\nenabled = false\n[sanctions.ofac]\nenabled = false\n\
[sanctions.uk]\nenabled = false\n[sanctions.un]\nenabled = false\n";
