//! CSV import and export of the register, including files saved by German Excel
//! (semicolon separator, byte-order mark, Windows-1252) and ERP exports (columns Kontra does
//! not know are skipped and named once; street, postcode and city make the address).

use crate::domain::Field;
use crate::domain::counterparty::CounterpartyDraft;
use crate::domain::field::{AddressPart, AddressParts, is_export_only_header, is_id_header};
use std::borrow::Cow;

/// A rejected cell or line, with the 1-based line number where the record starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    /// Line in the file.
    pub line: u64,
    /// Column name, when one column is at fault.
    pub column: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {}: {}", self.line, c, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// A row that parsed into a draft (field validation happens when the draft is applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// Line in the file.
    pub line: u64,
    /// The draft; absent cells are `None`, so an update leaves those fields alone.
    pub draft: CounterpartyDraft,
}

/// A header column the import does not know and skips (an ERP's customer number, payment
/// terms, ...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnknownColumn {
    /// 1-based column index.
    pub index: usize,
    /// The header text.
    pub name: String,
}

impl std::fmt::Display for UnknownColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.name.trim().is_empty() {
            write!(f, "column {} (no name)", self.index)
        } else {
            write!(f, "column {} \"{}\"", self.index, self.name)
        }
    }
}

/// What the file contained.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Rows that could be read.
    pub rows: Vec<ParsedRow>,
    /// Lines that could not be read at all.
    pub errors: Vec<RowError>,
    /// Header columns that were skipped, in file order.
    pub unknown_columns: Vec<UnknownColumn>,
    /// Which encoding and separator were detected, for the report.
    pub detected: String,
}

/// Why a whole file was refused (as opposed to single rows).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    /// The file has no header line.
    #[error("the file is empty: a header line with at least name and country is required")]
    Empty,
    /// A required column is missing from the header.
    #[error("line 1: the header has no column \"{0}\" (required: name, country)")]
    MissingColumn(String),
    /// A column appears twice.
    #[error("line 1: column \"{0}\" appears twice")]
    DuplicateColumn(String),
    /// The file is UTF-8 (it has UTF-8 characters) but a byte is not: reading it as
    /// Windows-1252 would garble every umlaut, so it is refused.
    #[error(
        "line {line}: byte 0x{byte:02X} is not UTF-8, but the rest of the file is UTF-8; fix or remove it (or save the whole file as UTF-8) and import again"
    )]
    InvalidUtf8 {
        /// 1-based line of the first bad byte.
        line: u64,
        /// The byte.
        byte: u8,
    },
}

/// The longest cell an import accepts, in characters (notes included): longer is a broken file.
pub const MAX_CELL_CHARS: usize = 10_000;

/// Decodes the bytes: UTF-8 (with or without BOM), else Windows-1252 as German Excel writes.
///
/// A file that is not valid UTF-8 is Windows-1252 only if it holds no UTF-8 multi-byte
/// character at all; one that does is a UTF-8 file with a stray byte, refused with its line.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), FileError> {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok((
            Cow::Borrowed(s),
            if bom { "UTF-8 with BOM" } else { "UTF-8" },
        ));
    }
    let mut rest = body;
    let mut offset = 0;
    let mut multibyte = bom;
    let mut first_bad = None;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                multibyte |= !s.is_ascii();
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                multibyte |= !rest[..valid].is_ascii();
                first_bad.get_or_insert(offset + valid);
                let skip = valid + e.error_len().unwrap_or(rest.len() - valid);
                offset += skip;
                rest = &rest[skip..];
            }
        }
    }
    match first_bad {
        Some(at) if multibyte => Err(FileError::InvalidUtf8 {
            line: memchr::memchr_iter(b'\n', &body[..at]).count() as u64 + 1,
            byte: body[at],
        }),
        _ => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(body);
            Ok((text, "Windows-1252"))
        }
    }
}

/// Picks the separator from the header line: the most frequent of `;`, `,`, tab.
pub fn detect_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    let (semi, comma, tab) = (count(';'), count(','), count('\t'));
    if tab > semi && tab > comma {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// The export's `id`, ignored on import.
    Id,
    /// A counterparty field.
    Field(Field),
    /// A part of the address, joined into the address field.
    Part(AddressPart),
    /// What an export writes after the fields (the last check), skipped without a word.
    ExportOnly,
    /// A column Kontra does not know: skipped, and named once in the report.
    Unknown,
    /// A trailing separator in the header (Excel writes one): not a column.
    Trailing,
}

impl Column {
    /// What the header text names.
    fn of_header(header: &str) -> Column {
        if is_id_header(header) {
            Column::Id
        } else if let Some(f) = Field::from_header(header) {
            Column::Field(f)
        } else if let Some(p) = AddressPart::from_header(header) {
            Column::Part(p)
        } else if is_export_only_header(header) {
            Column::ExportOnly
        } else {
            Column::Unknown
        }
    }

    /// The column's name in messages.
    fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Field(f) => f.name(),
            Column::Part(p) => p.name(),
            Column::ExportOnly | Column::Unknown | Column::Trailing => "",
        }
    }

    /// Whether the import reads the column's cells.
    fn is_read(self) -> bool {
        matches!(self, Column::Field(_) | Column::Part(_))
    }
}

/// Parses CSV text into drafts and line errors; refuses the file when the header is unusable.
pub fn parse(bytes: &[u8]) -> Result<Parsed, FileError> {
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    // csv counts record lines wrongly on CRLF input, and the line numbers are what the analyst
    // fixes the file by; Excel writes LF inside cells anyway.
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        text
    };
    let sep = detect_separator(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        _ => return Err(FileError::Empty),
    };
    let mut columns: Vec<Column> = Vec::new();
    let mut unknown_columns = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let c = match Column::of_header(h) {
            Column::Unknown if h.trim().is_empty() && i + 1 == header.len() => Column::Trailing,
            Column::Unknown => {
                unknown_columns.push(UnknownColumn {
                    index: i + 1,
                    name: h.to_string(),
                });
                Column::Unknown
            }
            c => c,
        };
        if matches!(c, Column::Id | Column::Field(_) | Column::Part(_)) && columns.contains(&c) {
            return Err(FileError::DuplicateColumn(c.name().to_string()));
        }
        columns.push(c);
    }
    let has_parts = columns.iter().any(|c| matches!(c, Column::Part(_)));
    for required in Field::ALL.into_iter().filter(|f| f.required()) {
        if !columns.contains(&Column::Field(required)) {
            return Err(FileError::MissingColumn(required.name().to_string()));
        }
    }
    let sep_name = match sep {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    };
    let mut parsed = Parsed {
        detected: format!("{encoding}, {sep_name}-separated"),
        unknown_columns,
        ..Parsed::default()
    };
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                parsed.errors.push(RowError {
                    line,
                    column: None,
                    reason: format!("malformed line: {e}"),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let trailing_empty = columns.last() == Some(&Column::Trailing);
        let expected = columns.len();
        let fits = rec.len() == expected
            || (trailing_empty && rec.len() + 1 == expected)
            || (!trailing_empty
                && rec.len() == expected + 1
                && rec.get(expected).is_some_and(|c| c.is_empty()));
        if !fits {
            parsed.errors.push(RowError {
                line,
                column: None,
                reason: format!(
                    "malformed line: {} fields, but the header has {}",
                    rec.len(),
                    expected - usize::from(trailing_empty)
                ),
            });
            continue;
        }
        if let Some((col, n)) = columns
            .iter()
            .zip(rec.iter())
            .filter(|(col, _)| col.is_read())
            .map(|(col, cell)| (col, cell.chars().count()))
            .find(|&(_, n)| n > MAX_CELL_CHARS)
        {
            parsed.errors.push(RowError {
                line,
                column: Some(col.name().to_string()),
                reason: format!("{n} characters; a cell holds at most {MAX_CELL_CHARS}"),
            });
            continue;
        }
        let mut draft = CounterpartyDraft::default();
        let mut bad = None;
        let mut address = AddressParts::default();
        for (col, cell) in columns.iter().zip(rec.iter()) {
            let cell = unguard_formula(cell);
            match *col {
                Column::Field(Field::Address) if has_parts => address.address = cell,
                Column::Field(field) => {
                    if let Err(e) = draft.set(field, cell) {
                        bad = Some(e);
                    }
                }
                Column::Part(part) => address.set(part, cell),
                _ => {}
            }
        }
        if has_parts {
            // Text: validated with the other fields when the draft is applied.
            draft.address = Some(address.join());
        }
        if let Some(e) = bad {
            parsed.errors.push(RowError {
                line,
                column: Some(e.field.to_string()),
                reason: e.reason.to_string(),
            });
            continue;
        }
        parsed.rows.push(ParsedRow { line, draft });
    }
    Ok(parsed)
}

/// Characters that make a spreadsheet read a cell as a formula (or, tab and CR, that some
/// spreadsheets strip before looking for one).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell is quotes followed by a formula character (the form [`guard_formula`]
/// protects, counting the quotes it adds).
fn quoted_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(FORMULA_START.as_slice())
}

/// Neutralises a cell for spreadsheets: one `'` goes in front of a cell that starts with a
/// formula character, or with quotes and then one, so Excel and LibreOffice show it as text.
/// [`unguard_formula`] undoes exactly this, so an export imports back unchanged.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    if quoted_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The inverse of [`guard_formula`]: drops the one `'` it added.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if quoted_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_semicolon_cp1252_with_bom_like_header() {
        let mut bytes = b"Name;Land;USt-IdNr;Monitor\r\n".to_vec();
        bytes.extend_from_slice(b"M\xfcller GmbH;DE;DE136695976;ja\r\n");
        let p = parse(&bytes).unwrap();
        assert_eq!(p.detected, "Windows-1252, semicolon-separated");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].draft.name.as_deref(), Some("Müller GmbH"));
        assert_eq!(p.rows[0].draft.monitor, Some(true));
        assert_eq!(p.rows[0].line, 2);
    }

    #[test]
    fn a_stray_byte_in_a_utf8_file_is_refused_with_its_line_not_read_as_windows_1252() {
        let mut bytes = "name,country\nMüller GmbH,DE\nBeta AG,DE\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"Gamma \xFC KG,DE\n");
        let err = parse(&bytes).unwrap_err();
        assert_eq!(
            err,
            FileError::InvalidUtf8 {
                line: 4,
                byte: 0xFC
            }
        );
        assert!(
            err.to_string()
                .starts_with("line 4: byte 0xFC is not UTF-8"),
            "{err}"
        );
        // Windows-1252 throughout (no UTF-8 character anywhere) still reads as before.
        let p = parse(b"name;country\nM\xfcller GmbH;DE\nStra\xdfe AG;AT\n").unwrap();
        assert_eq!(p.rows[0].draft.name.as_deref(), Some("Müller GmbH"));
        assert_eq!(p.rows[1].draft.name.as_deref(), Some("Straße AG"));
        // A BOM says UTF-8 too.
        let mut bom = b"\xEF\xBB\xBFname,country\n".to_vec();
        bom.extend_from_slice(b"M\xfcller,DE\n");
        assert_eq!(
            parse(&bom).unwrap_err(),
            FileError::InvalidUtf8 {
                line: 2,
                byte: 0xFC
            }
        );
    }

    #[test]
    fn formula_cells_are_neutralised_and_the_guard_is_undone_exactly() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+49 30 1234",
            "-5",
            "@SUM(A1)",
            "\tx",
            "'=already quoted",
            "''-two",
            "'plain quote",
            "plain",
            "",
        ] {
            let guarded = guard_formula(cell);
            assert!(
                !guarded.starts_with(FORMULA_START.as_slice()),
                "{cell:?} -> {guarded:?}"
            );
            assert_eq!(unguard_formula(&guarded), cell, "{cell:?}");
        }
        assert_eq!(guard_formula("=1+1"), "'=1+1");
        assert_eq!(guard_formula("'plain quote"), "'plain quote");
    }

    #[test]
    fn an_overlong_cell_is_a_row_error_naming_line_and_column() {
        let text = format!(
            "name,country,notes\nA,DE,{}\nB,DE,short\n",
            "x".repeat(10_001)
        );
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(
            p.errors[0].to_string(),
            "line 2, column notes: 10001 characters; a cell holds at most 10000"
        );
    }

    #[test]
    fn the_export_header_and_the_known_columns_keep_their_text() {
        let mut out = Vec::new();
        super::super::export::write_csv(&mut out, &[], super::super::export::CsvStyle::Plain)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,name,country,vat,email,address,domain,contact,owner,lei,register,priority,\
             monitor,frequency,tags,notes,kind,last_check,last_check_status\n"
        );
        assert_eq!(
            parse(b"ID,Firma,Land,id\n").unwrap_err(),
            FileError::DuplicateColumn("id".into())
        );
        assert_eq!(
            parse(b"name,Land,country\n").unwrap_err(),
            FileError::DuplicateColumn("country".into())
        );
    }

    #[test]
    fn header_problems_refuse_the_file() {
        assert_eq!(parse(b"").unwrap_err(), FileError::Empty);
        assert_eq!(
            parse(b"name,vat\nA,DE1\n").unwrap_err(),
            FileError::MissingColumn("country".into())
        );
        assert_eq!(
            parse(b"name,PLZ,country,Postleitzahl\n").unwrap_err(),
            FileError::DuplicateColumn("postcode".into())
        );
    }

    #[test]
    fn unknown_columns_are_named_once_and_skipped_and_address_parts_make_the_address() {
        let p = parse(
            "Kundennr;Firma;Straße;Hausnummer;PLZ;Ort;Land;Zahlungsziel;;x\n\
             4711;Müller GmbH;Hauptstraße;1;80331;München;DE;30 Tage;a;b\n\
             4712;Ohne Adresse AG;;;;;DE;;;\n"
                .as_bytes(),
        )
        .unwrap();
        let unknown: Vec<String> = p.unknown_columns.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            unknown,
            [
                "column 1 \"Kundennr\"",
                "column 8 \"Zahlungsziel\"",
                "column 9 (no name)",
                "column 10 \"x\""
            ]
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.rows[0].draft.address.as_deref(),
            Some("Hauptstraße 1, 80331 München")
        );
        assert_eq!(p.rows[1].draft.address.as_deref(), Some(""));
        // An `address` column beside the parts is the street line.
        let p = parse(b"name,country,Anschrift,zip,city\nA,DE,Hof 3,12345,Berlin\n").unwrap();
        assert_eq!(
            p.rows[0].draft.address.as_deref(),
            Some("Hof 3, 12345 Berlin")
        );
        // An overlong cell in a skipped column does not reject the row.
        let text = format!(
            "name,country,memo\nA,DE,{}\n",
            "x".repeat(MAX_CELL_CHARS + 1)
        );
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!((p.rows.len(), p.errors.len()), (1, 0));
    }

    #[test]
    fn malformed_and_bad_bool_rows_are_reported_with_lines() {
        let p =
            parse(b"name,country,monitor\nA,DE,yes\nB,DE\nC,DE,maybe\n\"D\nE\",FR,no\n").unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1].line, 5);
        assert_eq!(p.rows[1].draft.name.as_deref(), Some("D\nE"));
        let msgs: Vec<String> = p.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].starts_with("line 3: malformed line"), "{msgs:?}");
        assert!(msgs[1].starts_with("line 4, column monitor"), "{msgs:?}");
    }
}
