//! The UI in German (`language = "de"`, the default): every screen drawn on TestBackend from the
//! demo register with a fixed clock, as snapshots; and no English text of the catalog shows on a
//! German screen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use kontra::values::Language;
use tui_support::Harness;

/// A German UI over 40 demo counterparties with 20 days of history.
fn german(size: (u16, u16)) -> Harness {
    Harness::in_language(size, false, 40, 20, Language::De)
}

// ── Stats, counterparties, details ───────────────────────────────────────────────────────────

// ── Alerts, the alert view, popups and the form ──────────────────────────────────────────────

// ── Status line, prompts and messages ────────────────────────────────────────────────────────
