//! Exit codes: documented in the README, one per class of failure, so scripts can react.

/// Success.
pub const OK: u8 = 0;
/// An unexpected error (I/O, corrupted store).
pub const ERROR: u8 = 1;
/// The command line was malformed (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// The configuration file is invalid.
pub const CONFIG: u8 = 3;
/// Another process holds the data directory.
pub const LOCKED: u8 = 4;
/// Some input was rejected (invalid field, import rows, invalid VAT number).
pub const INVALID: u8 = 5;
/// A counterparty or alert id does not exist.
pub const NOT_FOUND: u8 = 6;
/// A registry or mail server could not be reached or refused (nothing was concluded).
pub const UNAVAILABLE: u8 = 7;
/// A configured sanctions list was never loaded or is stale (`sanctions status`).
pub const STALE_LIST: u8 = 8;
/// The analyst's role does not allow the action (a shared Kontra), or their OS account is not
/// an analyst of it.
pub const REFUSED: u8 = 9;

/// An error that carries its exit code and a complete message for the user. It is also the
/// error of the application API, so a command run through a shared Kontra fails with the same
/// code and message as in-process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to tell the user.
    pub message: String,
}

impl Failure {
    /// Builds a failure.
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// The failure an error chain amounts to: its exit code ([`code_for`]) and its whole
    /// message, as the command line would print it.
    pub fn from_error(e: impl Into<color_eyre::Report>) -> Failure {
        let report = e.into();
        Failure::new(code_for(&report), format!("{report:#}"))
    }
}

/// Maps an error chain to its exit code.
pub fn code_for(err: &color_eyre::Report) -> u8 {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if cause.downcast_ref::<crate::config::ConfigError>().is_some() {
            return CONFIG;
        }
        if let Some(e) = cause.downcast_ref::<crate::store::StoreError>() {
            return match e {
                crate::store::StoreError::Locked(crate::store::LockError::Held { .. }) => LOCKED,
                crate::store::StoreError::NotFound { .. } => NOT_FOUND,
                crate::store::StoreError::DuplicateVat { .. } => INVALID,
                _ => ERROR,
            };
        }
    }
    ERROR
}
