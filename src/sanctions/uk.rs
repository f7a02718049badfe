//! Parser for the FCDO UK Sanctions List CSV (the only UK list since 28 January 2026).
//!
//! Rows are read flexibly: a row with another number of fields than the header (a stray comma,
//! an unquoted line break) or unreadable bytes is left out and counted, as maintained readers of
//! the live file do; only a file with more than the configured share of such rows is refused.

use super::model::{
    EntityKind, ListSource, ListedEntity, NameKind, ParseError, ParsedList, SkippedRows,
};
use std::collections::HashMap;

const LIST: ListSource = ListSource::Uk;

fn wrong(detail: String) -> ParseError {
    ParseError::WrongFormat {
        list: LIST,
        expected: "UK Sanctions List CSV",
        detail,
    }
}

/// `dd/mm/yyyy` to `yyyy-mm-dd`; anything else is kept as written.
fn iso_date(s: &str) -> String {
    let p: Vec<&str> = s.trim().split('/').collect();
    match p.as_slice() {
        [d, m, y] if y.len() == 4 && d.len() == 2 && m.len() == 2 => format!("{y}-{m}-{d}"),
        _ => s.trim().to_string(),
    }
}

/// Parses `UK-Sanctions-List.csv`, leaving out malformed rows unless more than
/// `max_malformed_share` of all rows are malformed.
pub fn parse(bytes: &[u8], max_malformed_share: f64) -> Result<ParsedList, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let nl = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| wrong("no line break".into()))?;
    let first = String::from_utf8_lossy(&bytes[..nl]);
    let first = first.trim().trim_matches(',').trim_matches('"');
    let published = first
        .strip_prefix("Report Date:")
        .ok_or_else(|| {
            wrong(format!(
                "first line is {:.60?}, expected \"Report Date: ...\"",
                first
            ))
        })?
        .trim()
        .to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(&bytes[nl + 1..]);
    let headers = reader
        .headers()
        .map_err(|e| wrong(format!("header: {e}")))?
        .clone();
    let header: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    for needed in ["Unique ID", "Name 6", "Designation Type", "Name type"] {
        if !header.contains_key(needed) {
            return Err(wrong(format!("header has no column {needed:?}")));
        }
    }
    let col = |rec: &csv::StringRecord, name: &str| -> String {
        header
            .get(name)
            .and_then(|&i| rec.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let mut order: Vec<String> = Vec::new();
    let mut map: HashMap<String, ListedEntity> = HashMap::new();
    let mut skipped = SkippedRows::default();
    // The reader starts after the "Report Date" line, so its line 1 is the file's line 2.
    let file_line = |p: Option<&csv::Position>| p.map_or(0, |p| p.line() + 1);
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) if r.len() == headers.len() => r,
            Ok(r) => {
                skipped.skip(file_line(r.position()));
                continue;
            }
            Err(e) => {
                skipped.skip(file_line(e.position()));
                continue;
            }
        };
        skipped.read();
        let id = col(&rec, "Unique ID");
        if id.is_empty() {
            continue;
        }
        let e = map.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            let kind = match col(&rec, "Designation Type").to_lowercase().as_str() {
                "individual" => EntityKind::Person,
                "entity" => EntityKind::Organisation,
                "ship" => EntityKind::Vessel,
                _ => EntityKind::Other,
            };
            ListedEntity::new(LIST, id.clone(), kind)
        });
        let name = ["Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6"]
            .iter()
            .map(|c| col(&rec, c))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let kind = match col(&rec, "Name type").to_lowercase().as_str() {
            "primary name" => NameKind::Primary,
            _ if col(&rec, "Alias strength").to_lowercase().contains("low") => NameKind::WeakAlias,
            _ => NameKind::StrongAlias,
        };
        e.add_name(&name, kind, None);
        let script = col(&rec, "Name non-latin script");
        let lang = Some(col(&rec, "Non-latin script language")).filter(|s| !s.is_empty());
        e.add_name(&script, NameKind::OriginalScript, lang);
        e.add_programme(&col(&rec, "Regime Name"));
        let lines: Vec<String> = [
            "Address Line 1",
            "Address Line 2",
            "Address Line 3",
            "Address Line 4",
            "Address Line 5",
            "Address Line 6",
            "Address Postal Code",
            "Address Country",
        ]
        .iter()
        .map(|c| col(&rec, c))
        .collect();
        e.add_address(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        e.add_country(&col(&rec, "Address Country"));
        for nat in col(&rec, "Nationality(/ies)").split(['|', ',']) {
            e.add_country(nat);
        }
        for (column, kind) in [
            ("Business registration number (s)", "regnumber"),
            ("IMO number", "imo"),
            ("National Identifier number", "national id"),
            ("Passport number", "passport"),
        ] {
            for v in col(&rec, column).split('|') {
                e.add_identifier(kind, v, None);
            }
        }
        if e.listed_on.is_none() {
            let d = col(&rec, "Date Designated");
            if !d.is_empty() {
                e.listed_on = Some(iso_date(&d));
            }
        }
    }
    if skipped.share() > max_malformed_share {
        return Err(ParseError::TooManyMalformed {
            list: LIST,
            skipped,
            max_share: max_malformed_share,
        });
    }
    let entities = order
        .into_iter()
        .filter_map(|id| map.remove(&id))
        .map(ListedEntity::finish)
        .collect();
    Ok(ParsedList {
        source: LIST,
        published: Some(published).filter(|s| !s.is_empty()),
        declared_count: None,
        entities,
        skipped,
    })
}
