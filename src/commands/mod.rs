//! Subcommand handlers: each reads its arguments, calls the library and prints the result.

pub mod digest;
pub mod lookup;
pub mod monitor;
pub mod register;
pub mod sanctions;
pub mod sanctions_decide;
pub mod sources;
pub mod ui;
pub mod vat;

use crate::cli::{Cli, Command};
use crate::config::{Config, Paths};
use crate::exit::{self, Failure};
use crate::store::Store;
use color_eyre::Result;

/// What every command needs: the configuration, the resolved paths, and who is acting.
pub struct Ctx {
    /// The loaded configuration.
    pub config: Config,
    /// Config, data and log paths.
    pub paths: Paths,
    /// The analyst name for the audit trail.
    pub actor: String,
    /// `--read-only`: commands that change data or send something are refused.
    pub read_only: bool,
}

impl Ctx {
    /// Loads the configuration and resolves paths from the parsed command line.
    pub fn load(cli: &Cli) -> Result<Ctx> {
        let initial = Paths::resolve(cli.config.clone(), cli.data_dir.clone(), None);
        let config = if cli.config.is_some() {
            Config::load_named(&initial.config)?
        } else {
            Config::load(&initial.config)?
        };
        let paths = Paths::resolve(cli.config.clone(), cli.data_dir.clone(), Some(&config));
        let actor = config.actor();
        Ok(Ctx {
            config,
            paths,
            actor,
            read_only: cli.read_only,
        })
    }

    /// Refuses a command that changes data or sends something when `--read-only` was given.
    pub fn writable(&self, role: &str) -> Result<()> {
        if self.read_only {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "--read-only was given and `{role}` changes data or sends something; run it without --read-only"
                ),
            )
            .into());
        }
        Ok(())
    }

    /// The application API for a command: through the Kontra running on the data directory
    /// when there is one (the command becomes its client), else in-process over the store,
    /// opened for writing or, for `Access::Read`, as [`Ctx::store_read`] does.
    pub fn api(&self, role: &str, access: crate::app::Access) -> Result<Box<dyn crate::app::Api>> {
        if let Some(remote) = crate::app::Remote::connect(&self.paths.data, self.read_only)? {
            tracing::debug!(server = remote.server(), "{role} runs as a client");
            return Ok(Box::new(remote));
        }
        let store = match access {
            crate::app::Access::Read => self.store_read(role)?,
            crate::app::Access::Write => self.store(role)?,
        };
        let instance = std::sync::Arc::new(crate::app::Instance::new(
            std::sync::Arc::new(store),
            std::sync::Arc::new(self.config.clone()),
            &self.paths.data,
            &self.paths.config,
        ));
        let who = instance.identify(crate::app::identity::own_uid())?;
        Ok(Box::new(crate::app::Local::new(
            instance,
            who,
            self.read_only,
        )))
    }

    /// Opens the store for a command-line action that writes, finishing first what a killed
    /// process left half done (see [`crate::sanctions::snapshot::recover`]). Refused under
    /// `--read-only`.
    pub fn store(&self, role: &str) -> Result<Store> {
        self.writable(role)?;
        let store = Store::open(&self.paths.data, role)?;
        crate::sanctions::snapshot::recover(&store, &self.paths.data)?;
        Ok(store)
    }

    /// Opens the store for a command that only reads: it also works on a read-only mount and
    /// on a full disk, by reading a private copy (said on stderr).
    pub fn store_read(&self, role: &str) -> Result<Store> {
        let store = Store::open_for_reading(&self.paths.data, role)?;
        if store.is_copy() {
            eprintln!(
                "kontra: the data directory {} cannot be written (read-only or full); showing a read-only copy",
                self.paths.data.display()
            );
        } else if !self.read_only {
            crate::sanctions::snapshot::recover(&store, &self.paths.data)?;
        }
        Ok(store)
    }
}

/// A writer for line-oriented output that escapes terminal control characters (C0 except
/// newline and tab, DEL, and the C1 range), so that text from the register or from a registry's
/// answer cannot retitle a tmux pane, move the cursor or smuggle an OSC sequence. `\x1b` is
/// written for ESC, `\u{9b}` for a C1 character. JSON and CSV output are not passed through it:
/// JSON escapes control characters itself and exports are data.
pub struct Printable<W: std::io::Write> {
    inner: W,
    /// A 0xC2 lead byte whose continuation (a C1 character or not) has not arrived yet.
    pending_c2: bool,
}

impl<W: std::io::Write> Printable<W> {
    /// Wraps a writer.
    pub fn new(inner: W) -> Printable<W> {
        Printable {
            inner,
            pending_c2: false,
        }
    }
}

impl<W: std::io::Write> std::io::Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        for &b in buf {
            if self.pending_c2 {
                self.pending_c2 = false;
                if (0x80..=0x9F).contains(&b) {
                    out.extend_from_slice(format!("\\u{{{b:x}}}").as_bytes());
                    continue;
                }
                out.push(0xC2);
            }
            match b {
                b'\n' | b'\t' => out.push(b),
                0x00..=0x1F | 0x7F => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                0xC2 => self.pending_c2 = true,
                _ => out.push(b),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.pending_c2 {
            self.pending_c2 = false;
            self.inner.write_all(&[0xC2])?;
        }
        self.inner.flush()
    }
}

/// Standard output for line-oriented text: buffered, control characters escaped.
pub fn text_out() -> std::io::BufWriter<Printable<std::io::StdoutLock<'static>>> {
    std::io::BufWriter::new(Printable::new(std::io::stdout().lock()))
}

/// Runs a subcommand and returns the process exit code.
pub fn run(ctx: &Ctx, command: Command) -> Result<u8> {
    match command {
        Command::Vat(c) => vat::run(c),
        Command::Add(a) => register::add(ctx, a),
        Command::List(a) => register::list(ctx, a),
        Command::Show { id, json } => register::show(ctx, id, json),
        Command::Edit(a) => register::edit(ctx, a),
        Command::Rm { ids } => register::remove(ctx, &ids),
        Command::Monitor(c) => monitor::monitor(ctx, c),
        Command::Import(a) => register::import(ctx, a),
        Command::Export(a) => register::export(ctx, a),
        Command::Check(a) => monitor::check(ctx, a),
        Command::Daemon => monitor::daemon(ctx),
        Command::Alerts(a) => monitor::alerts(ctx, a),
        Command::History { id, json } => monitor::history(ctx, id, json),
        Command::Lookup(c) => lookup::run(ctx, c),
        Command::Digest(c) => digest::run(ctx, c),
        Command::Sanctions(c) => sanctions::run(ctx, c),
        Command::Sources(c) => sources::run(ctx, c),
    }
}

#[cfg(test)]
mod tests {
    use super::Printable;
    use std::io::Write;

    #[test]
    fn control_characters_are_escaped_and_text_is_kept() {
        let mut out = Printable::new(Vec::new());
        // ESC ] 2 ; title BEL (tmux/xterm title), CR, a C1 CSI, and ordinary umlauts.
        write!(out, "Evil\x1b]2;pwned\x07 GmbH\r\u{9b}31m Müller\tä\n").unwrap();
        out.flush().unwrap();
        let text = String::from_utf8(out.inner).unwrap();
        assert_eq!(
            text,
            "Evil\\x1b]2;pwned\\x07 GmbH\\x0d\\u{9b}31m Müller\tä\n"
        );
        // A C1 character split across two writes is still caught.
        let mut out = Printable::new(Vec::new());
        out.write_all(&[b'a', 0xC2]).unwrap();
        out.write_all(&[0x9D, b'b']).unwrap();
        out.flush().unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "a\\u{9d}b");
    }
}
