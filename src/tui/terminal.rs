//! The terminal guard: enters raw mode and the alternate screen, and restores everything
//! (raw mode, alternate screen, mouse, bracketed paste, cursor) on drop, on panic and before
//! suspending. Restoring never panics: a failed step is logged and the next one still runs.

use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

static PANIC_HOOK: Once = Once::new();

/// Restores the terminal while alive-scoped; dropping it restores.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Takes over the terminal and installs the panic hook (once per process).
    pub fn enter() -> io::Result<TerminalGuard> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        setup()?;
        Ok(TerminalGuard { _private: () })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, alternate screen, bracketed paste, hidden cursor. Mouse stays off: capturing it
/// would take text selection away from the analyst.
pub fn setup() -> io::Result<()> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        cursor::Hide
    )?;
    Ok(())
}

/// Puts the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let steps: [(&str, io::Result<()>); 5] = [
        ("mouse", execute!(out, DisableMouseCapture)),
        ("paste", execute!(out, DisableBracketedPaste)),
        ("screen", execute!(out, LeaveAlternateScreen)),
        ("cursor", execute!(out, cursor::Show)),
        ("raw mode", disable_raw_mode()),
    ];
    for (what, r) in steps {
        if let Err(e) = r {
            tracing::warn!(step = what, error = %e, "restoring the terminal");
        }
    }
    let _ = out.flush();
}

/// Ctrl-z or an outside SIGTSTP: restore the terminal, stop the process like a shell job, and
/// take the terminal back when continued (`fg`, SIGCONT).
pub fn suspend() -> io::Result<()> {
    restore();
    stop_as_a_job();
    setup()
}

/// Stops the process with SIGTSTP's default action, so the shell reports the job as stopped.
/// Raw mode turned Ctrl-z into a key, so the signal is raised by hand; and the UI's own
/// SIGTSTP handler (which brought an outside `kill -TSTP` here) would only catch it again, so
/// the default action stands in for the raise and the handler is put back once continued.
fn stop_as_a_job() {
    // SAFETY: sigaction() reads and writes the two local structs passed by pointer (zeroed is
    // SIG_DFL with an empty mask, a valid value); raise() only sends a signal to this process.
    unsafe {
        let default: libc::sigaction = std::mem::zeroed();
        let mut handler: libc::sigaction = std::mem::zeroed();
        let swapped = libc::sigaction(libc::SIGTSTP, &default, &mut handler) == 0;
        libc::raise(libc::SIGTSTP);
        if swapped {
            libc::sigaction(libc::SIGTSTP, &handler, std::ptr::null_mut());
        }
    }
}
