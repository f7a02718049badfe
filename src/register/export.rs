//! Exporting the register: each counterparty with its last check (when and what it found), as
//! CSV for programs and re-import, as CSV for German Excel (UTF-8 with byte-order mark, `;`),
//! or as JSON. The CLI's `export` and the UI's `x` write through here.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::csv_io::guard_formula;
use super::{CounterpartyJson, to_cells};
use crate::domain::Counterparty;
use crate::domain::field::{EXPORT_ONLY_HEADERS, Field};
use crate::tui::data::LastCheck;

/// One counterparty as an export writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRow {
    /// The counterparty.
    pub cp: Counterparty,
    /// Its last check, if it was ever checked.
    pub last: Option<LastCheck>,
}

/// How a CSV export is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvStyle {
    /// UTF-8 without byte-order mark, `,` between cells, LF line ends: what programs and
    /// `kontra import` read.
    Plain,
    /// What German Excel opens with umlauts and columns intact on a double click: UTF-8 with
    /// byte-order mark, `;` between cells (`,` is the decimal comma), CRLF line ends.
    Excel,
}

/// The byte-order mark Excel needs to read a CSV file as UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// When a check finished, as the export writes it: RFC 3339 in UTC, to the second.
fn check_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes the rows as CSV: `id`, the fields in [`Field::ALL`] order, then the last check's
/// time and status (empty when never checked). Cells a spreadsheet would run as formulas are
/// neutralised (see [`guard_formula`]), so the file imports back unchanged.
pub fn write_csv<W: Write>(mut out: W, rows: &[ExportRow], style: CsvStyle) -> csv::Result<()> {
    let mut builder = csv::WriterBuilder::new();
    if style == CsvStyle::Excel {
        out.write_all(BOM)?;
        builder.delimiter(b';').terminator(csv::Terminator::CRLF);
    }
    let mut w = builder.from_writer(out);
    let mut header = vec!["id"];
    header.extend(Field::ALL.map(Field::name));
    header.extend(EXPORT_ONLY_HEADERS);
    w.write_record(&header)?;
    for row in rows {
        let mut cells = vec![row.cp.id.to_string()];
        cells.extend(
            to_cells(&row.cp)
                .iter()
                .map(|c| guard_formula(c).into_owned()),
        );
        match row.last {
            Some(last) => {
                cells.push(check_time(last.at));
                cells.push(last.status.label().to_string());
            }
            None => cells.extend([String::new(), String::new()]),
        }
        w.write_record(&cells)?;
    }
    w.flush()?;
    Ok(())
}

/// The JSON shape of an exported counterparty: the `list --json` object with the last check's
/// time and status (`null` when never checked).
#[derive(Serialize)]
struct ExportJson<'a> {
    #[serde(flatten)]
    cp: CounterpartyJson<'a>,
    last_check: Option<String>,
    last_check_status: Option<&'static str>,
}

/// Writes the rows as one pretty-printed JSON array.
pub fn write_json<W: Write>(mut out: W, rows: &[ExportRow]) -> std::io::Result<()> {
    let items: Vec<ExportJson<'_>> = rows
        .iter()
        .map(|r| ExportJson {
            cp: CounterpartyJson::from(&r.cp),
            last_check: r.last.map(|l| check_time(l.at)),
            last_check_status: r.last.map(|l| l.status.label()),
        })
        .collect();
    serde_json::to_writer_pretty(&mut out, &items)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CounterpartyDraft;
    use crate::register::csv_io;
    use crate::tui::data::CheckStatus;

    fn row(name: &str, last: Option<LastCheck>) -> ExportRow {
        let draft = CounterpartyDraft {
            name: Some(name.to_string()),
            country: Some("DE".to_string()),
            notes: Some("=1+1".to_string()),
            ..CounterpartyDraft::default()
        };
        let at = DateTime::parse_from_rfc3339("2025-03-01T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut cp = draft.apply(None, at).unwrap();
        cp.id = 7;
        ExportRow { cp, last }
    }

    #[test]
    fn the_excel_form_has_a_bom_semicolons_crlf_and_the_last_check_and_imports_back() {
        let at = DateTime::parse_from_rfc3339("2025-03-02T10:15:30.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = [
            row(
                "Müller; Söhne GmbH",
                Some(LastCheck {
                    at,
                    status: CheckStatus::Partial,
                }),
            ),
            row("Nie geprüft AG", None),
        ];
        let mut out = Vec::new();
        write_csv(&mut out, &rows, CsvStyle::Excel).unwrap();
        assert!(out.starts_with(BOM));
        let text = std::str::from_utf8(&out[3..]).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "id;name;country;vat;email;address;domain;contact;owner;lei;register;priority;\
             monitor;frequency;tags;notes;kind;last_check;last_check_status"
        );
        assert!(
            lines[1].starts_with("7;\"Müller; Söhne GmbH\";DE;")
                && lines[1].ends_with(";'=1+1;organisation;2025-03-02T10:15:30Z;partial"),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with(";organisation;;"), "{}", lines[2]);
        // The importer reads it back (and skips the last-check columns without a word).
        let parsed = csv_io::parse(&out).unwrap();
        assert_eq!(parsed.detected, "UTF-8 with BOM, semicolon-separated");
        assert!(parsed.unknown_columns.is_empty());
        assert_eq!(
            parsed.rows[0].draft.name.as_deref(),
            Some("Müller; Söhne GmbH")
        );
        assert_eq!(parsed.rows[0].draft.notes.as_deref(), Some("=1+1"));

        let mut plain = Vec::new();
        write_csv(&mut plain, &rows, CsvStyle::Plain).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert!(plain.starts_with("id,name,country,") && !plain.contains('\r'));
    }

    #[test]
    fn the_json_form_carries_the_last_check_or_null() {
        let at = DateTime::parse_from_rfc3339("2025-03-02T10:15:30Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = [
            row(
                "A",
                Some(LastCheck {
                    at,
                    status: CheckStatus::Sanctions,
                }),
            ),
            row("B", None),
        ];
        let mut out = Vec::new();
        write_json(&mut out, &rows).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["name"], "A");
        assert_eq!(v[0]["last_check"], "2025-03-02T10:15:30Z");
        assert_eq!(v[0]["last_check_status"], "sanctions");
        assert!(v[1]["last_check"].is_null() && v[1]["last_check_status"].is_null());
    }
}
