//! Pure types and rules of the domain: counterparties, VAT numbers, checks, alerts. No I/O.

pub mod alert;
pub mod analyst;
pub mod changes;
pub mod check;
pub mod collate;
pub mod cosmetic;
pub mod counterparty;
pub mod country;
pub mod field;
pub mod health;
pub mod last_check;
pub mod pause;
pub mod screening;
pub mod vat;

pub use alert::{Alert, AlertKind, DeliveryUnknown, Severity};
pub use check::{CheckRun, Outcome, Source, SourceResult};
pub use counterparty::{
    Counterparty, CounterpartyDraft, CounterpartyKind, Frequency, Priority, RegisterEntry,
};
pub use field::Field;
