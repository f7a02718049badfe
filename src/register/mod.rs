//! The register as files and filters: CSV import, exports, JSON views, list filters.

pub mod csv_io;
pub mod export;
pub mod filter;

use crate::domain::Counterparty;
use crate::domain::{CounterpartyKind, Field, Frequency, Priority};
use serde::Serialize;

/// The JSON shape of a counterparty, as `list --json`, `show --json` and `export` print it.
///
/// Borrowing the record lets `list --json` stream 100,000 objects without building values.
#[derive(Serialize)]
pub struct CounterpartyJson<'a> {
    id: u64,
    name: &'a str,
    country: &'a str,
    vat: Option<&'a str>,
    email: Option<&'a str>,
    address: Option<&'a str>,
    domain: Option<&'a str>,
    contact: Option<&'a str>,
    owner: Option<&'a str>,
    lei: Option<&'a str>,
    register: Option<String>,
    priority: Priority,
    monitor: bool,
    frequency: Frequency,
    tags: &'a [String],
    notes: &'a str,
    kind: CounterpartyKind,
    created_at: String,
    updated_at: String,
}

impl<'a> From<&'a Counterparty> for CounterpartyJson<'a> {
    fn from(cp: &'a Counterparty) -> Self {
        CounterpartyJson {
            id: cp.id,
            name: &cp.name,
            country: &cp.country,
            vat: cp.vat.as_deref(),
            email: cp.email.as_deref(),
            address: cp.address.as_deref(),
            domain: cp.domain.as_deref(),
            contact: cp.contact.as_deref(),
            owner: cp.owner.as_deref(),
            lei: cp.lei.as_deref(),
            register: cp.register.as_ref().map(|r| r.to_string()),
            priority: cp.priority,
            monitor: cp.monitor,
            frequency: cp.frequency,
            tags: &cp.tags,
            notes: &cp.notes,
            kind: cp.kind,
            created_at: cp.created_at.to_rfc3339(),
            updated_at: cp.updated_at.to_rfc3339(),
        }
    }
}

/// Writes counterparties as one JSON array, one object at a time.
pub fn write_json_array<W, I>(mut out: W, items: I, pretty: bool) -> std::io::Result<()>
where
    W: std::io::Write,
    I: IntoIterator,
    I::Item: std::borrow::Borrow<Counterparty>,
{
    use std::borrow::Borrow;
    out.write_all(b"[")?;
    for (i, cp) in items.into_iter().enumerate() {
        let cp: &Counterparty = cp.borrow();
        if i > 0 {
            out.write_all(b",")?;
        }
        if pretty {
            out.write_all(b"\n")?;
            serde_json::to_writer_pretty(&mut out, &CounterpartyJson::from(cp))?;
        } else {
            serde_json::to_writer(&mut out, &CounterpartyJson::from(cp))?;
        }
    }
    out.write_all(if pretty { b"\n]\n" } else { b"]\n" })?;
    Ok(())
}

/// The CSV cells of a counterparty in [`Field::ALL`] order.
pub fn to_cells(cp: &Counterparty) -> Vec<String> {
    Field::ALL.into_iter().map(|f| cell(cp, f)).collect()
}

/// The CSV cell of one field of a counterparty, as an export writes it and an import reads it.
pub fn cell(cp: &Counterparty, field: Field) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        Field::Name => cp.name.clone(),
        Field::Country => cp.country.clone(),
        Field::Vat => cp.vat.as_deref().unwrap_or_default().to_string(),
        Field::Email => o(&cp.email),
        Field::Address => o(&cp.address),
        Field::Domain => o(&cp.domain),
        Field::Contact => o(&cp.contact),
        Field::Owner => o(&cp.owner),
        Field::Lei => o(&cp.lei),
        Field::Register => cp
            .register
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        Field::Priority => cp.priority.to_string(),
        Field::Monitor => cp.monitor.to_string(),
        Field::Frequency => cp.frequency.to_string(),
        Field::Tags => cp.tags.join(", "),
        Field::Notes => cp.notes.clone(),
        Field::Kind => cp.kind.to_string(),
    }
}

/// The JSON value of a counterparty, for callers that embed it in a larger document.
pub fn to_json(cp: &Counterparty) -> serde_json::Value {
    serde_json::to_value(CounterpartyJson::from(cp)).unwrap_or(serde_json::Value::Null)
}
