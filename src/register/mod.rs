//! The register as files and filters: CSV import and export, JSON views, list filters.

pub mod csv_io;
pub mod filter;

use crate::domain::Counterparty;
use serde_json::{Value, json};

/// The columns of the CSV format, in export order after `id`.
pub const COLUMNS: [&str; 15] = [
    "name",
    "country",
    "vat",
    "email",
    "address",
    "domain",
    "contact",
    "owner",
    "lei",
    "register",
    "priority",
    "monitor",
    "frequency",
    "tags",
    "notes",
];

/// The JSON object for a counterparty, as `list --json`, `show --json` and `export` print it.
pub fn to_json(cp: &Counterparty) -> Value {
    json!({
        "id": cp.id,
        "name": cp.name,
        "country": cp.country,
        "vat": cp.vat,
        "email": cp.email,
        "address": cp.address,
        "domain": cp.domain,
        "contact": cp.contact,
        "owner": cp.owner,
        "lei": cp.lei,
        "register": cp.register.as_ref().map(|r| r.to_string()),
        "priority": cp.priority.to_string(),
        "monitor": cp.monitor,
        "frequency": cp.frequency.to_string(),
        "tags": cp.tags,
        "notes": cp.notes,
        "created_at": cp.created_at.to_rfc3339(),
        "updated_at": cp.updated_at.to_rfc3339(),
    })
}

/// The CSV cells of a counterparty in [`COLUMNS`] order.
pub fn to_cells(cp: &Counterparty) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        cp.name.clone(),
        cp.country.clone(),
        o(&cp.vat),
        o(&cp.email),
        o(&cp.address),
        o(&cp.domain),
        o(&cp.contact),
        o(&cp.owner),
        o(&cp.lei),
        cp.register
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        cp.priority.to_string(),
        cp.monitor.to_string(),
        cp.frequency.to_string(),
        cp.tags.join(", "),
        cp.notes.clone(),
    ]
}
