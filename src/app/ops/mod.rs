//! The bodies of the application API's larger operations, one module per area, each a
//! function over [`super::Local`]; `Local`'s `Api` implementation delegates to them.

pub mod alerts;
pub(crate) mod ask;
pub mod checks;
pub mod decisions;
pub mod digest;
pub mod history;
pub mod register;
pub mod sanctions;
pub mod sources;
pub mod ui;
