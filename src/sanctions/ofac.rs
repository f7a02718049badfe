//! Parsers for the OFAC SDN list: the CSV set (`sdn.csv`, `alt.csv`, `add.csv`,
//! `sdn_comments.csv`, with their CRLF, `-0-` and trailing 0x1A quirks) and `SDN.XML`.

use super::model::{EntityKind, ListSource, ListedEntity, NameKind, ParseError, ParsedList};
use super::xml::{self, Node};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

const LIST: ListSource = ListSource::Ofac;

/// The four files of the CSV publication; only `sdn` is required.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvSet<'a> {
    /// `sdn.csv`: one row per listed entry.
    pub sdn: &'a [u8],
    /// `alt.csv`: strong aliases.
    pub alt: Option<&'a [u8]>,
    /// `add.csv`: addresses.
    pub add: Option<&'a [u8]>,
    /// `sdn_comments.csv`: remarks that did not fit into `sdn.csv`.
    pub comments: Option<&'a [u8]>,
}

fn malformed(file: &str, detail: String) -> ParseError {
    ParseError::Malformed {
        list: LIST,
        detail: format!("{file}: {detail}"),
    }
}

/// `-0- ` means empty in every OFAC CSV column.
fn field(rec: &csv::ByteRecord, i: usize) -> String {
    let raw = rec.get(i).unwrap_or_default();
    let s = String::from_utf8_lossy(raw);
    let t = s.trim();
    if t == "-0-" {
        String::new()
    } else {
        t.to_string()
    }
}

fn rows(file: &str, bytes: &[u8], columns: usize) -> Result<Vec<csv::ByteRecord>, ParseError> {
    // The official files end with a DOS end-of-file byte (0x1A), which is not data.
    let end = bytes
        .iter()
        .rposition(|&b| b != 0x1A && b != b'\r' && b != b'\n' && b != b' ')
        .map_or(0, |p| p + 1);
    let body = &bytes[..end];
    // A complete file ends its last row with a line break (then 0x1A); a body that stops
    // mid-row was cut off in transfer, even when the cut happens to leave 12 columns.
    let tail = &bytes[end..];
    if !body.is_empty() && !tail.contains(&b'\n') {
        return Err(malformed(
            file,
            "last row is not terminated (truncated?)".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut out = Vec::new();
    for (n, rec) in reader.byte_records().enumerate() {
        let rec = rec.map_err(|e| malformed(file, format!("row {}: {e}", n + 1)))?;
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        if rec.len() != columns {
            return Err(if n == 0 {
                ParseError::WrongFormat {
                    list: LIST,
                    expected: "OFAC CSV",
                    detail: format!("{file} has {} columns, expected {columns}", rec.len()),
                }
            } else {
                malformed(
                    file,
                    format!(
                        "row {} has {} columns, expected {columns} (truncated?)",
                        n + 1,
                        rec.len()
                    ),
                )
            });
        }
        out.push(rec);
    }
    Ok(out)
}

/// Parses the CSV set.
pub fn parse_csv(set: CsvSet<'_>) -> Result<ParsedList, ParseError> {
    let mut comments: HashMap<String, String> = HashMap::new();
    if let Some(c) = set.comments {
        for r in rows("sdn_comments.csv", c, 2)? {
            comments
                .entry(field(&r, 0))
                .or_default()
                .push_str(&field(&r, 1));
        }
    }
    let mut entities = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for r in rows("sdn.csv", set.sdn, 12)? {
        let id = field(&r, 0);
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("sdn.csv", format!("bad ent_num {id:?}")));
        }
        let kind = match field(&r, 2).to_lowercase().as_str() {
            "individual" => EntityKind::Person,
            "vessel" => EntityKind::Vessel,
            "aircraft" => EntityKind::Aircraft,
            _ => EntityKind::Organisation,
        };
        let mut e = ListedEntity::new(LIST, id.clone(), kind);
        e.add_name(&field(&r, 1), NameKind::Primary, None);
        for p in field(&r, 3).split("] [") {
            e.add_programme(p.trim_matches(['[', ']']));
        }
        let call_sign = field(&r, 5);
        if !call_sign.is_empty() {
            e.add_identifier("call sign", &call_sign, None);
        }
        let mut remarks = field(&r, 11);
        if let Some(more) = comments.get(&id) {
            remarks.push_str(more);
        }
        apply_remarks(&mut e, &remarks);
        by_id.insert(id, entities.len());
        entities.push(e);
    }
    if let Some(alt) = set.alt {
        for r in rows("alt.csv", alt, 5)? {
            if let Some(&i) = by_id.get(&field(&r, 0)) {
                entities[i].add_name(&field(&r, 3), NameKind::StrongAlias, None);
            }
        }
    }
    if let Some(add) = set.add {
        for r in rows("add.csv", add, 6)? {
            if let Some(&i) = by_id.get(&field(&r, 0)) {
                let country = field(&r, 4);
                entities[i].add_address(&[&field(&r, 2), &field(&r, 3), &country]);
                entities[i].add_country(&country);
            }
        }
    }
    Ok(ParsedList {
        source: LIST,
        published: None,
        declared_count: None,
        entities: entities.into_iter().map(ListedEntity::finish).collect(),
        skipped: Default::default(),
    })
}

/// The identifier pattern of remark segments; a constant, so None only if it were edited badly
/// (the unit test would fail), in which case remarks are simply not mined for identifiers.
fn remark_id_regex() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"^(?:alt\. )?(?P<kind>[A-Za-z][A-Za-z .#/'&-]*?(?:Number|No\.|ID|#|Identification|IMO|MMSI|SWIFT/BIC|License|Code|NIT|RFC|RUC|CUIT|C\.U\.I\.T\.))\s+(?P<value>[A-Za-z0-9][A-Za-z0-9./ -]*?\d[A-Za-z0-9./-]*)(?:\s+\((?P<country>[^)]*)\))?\.?$",
        )
        .ok()
    })
    .as_ref()
}

/// Mines `Remarks` for weak aliases (`a.k.a. '...'`), identifiers and nationalities.
fn apply_remarks(e: &mut ListedEntity, remarks: &str) {
    for seg in remarks.split(';') {
        let seg = seg.trim().trim_end_matches('.');
        if seg.is_empty() {
            continue;
        }
        for prefix in ["a.k.a. '", "f.k.a. '", "n.k.a. '"] {
            if let Some(rest) = seg.strip_prefix(prefix) {
                e.add_name(rest.trim_end_matches('\''), NameKind::WeakAlias, None);
            }
        }
        for prefix in [
            "nationality ",
            "citizen ",
            "alt. nationality ",
            "alt. citizen ",
        ] {
            if let Some(rest) = seg.strip_prefix(prefix) {
                e.add_country(rest);
            }
        }
        if seg.starts_with("DOB ")
            || seg.starts_with("POB ")
            || seg.starts_with("Linked To")
            || seg.contains("Digital Currency Address")
        {
            continue;
        }
        if let Some(c) = remark_id_regex().and_then(|r| r.captures(seg)) {
            let kind = c.name("kind").map_or("", |m| m.as_str());
            let value = c.name("value").map_or("", |m| m.as_str());
            let country = c.name("country").map(|m| m.as_str());
            e.add_identifier(kind, value, country);
        }
    }
}

/// Parses the classic `SDN.XML` file.
pub fn parse_xml(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    let mut entities = Vec::new();
    let root = xml::read(bytes, LIST, "OFAC SDN.XML", "sdnList", &["sdnEntry"], |n| {
        if let Some(e) = xml_entry(&n) {
            entities.push(e);
        }
        Ok(())
    })?;
    let info = root.child("publshInformation");
    let published = info
        .map(|i| i.child_text("Publish_Date").to_string())
        .filter(|s| !s.is_empty());
    let declared_count = info.and_then(|i| i.child_text("Record_Count").parse().ok());
    Ok(ParsedList {
        source: LIST,
        published,
        declared_count,
        entities,
        skipped: Default::default(),
    })
}

fn person_name(n: &Node) -> String {
    let last = n.child_text("lastName");
    let first = n.child_text("firstName");
    match (last.is_empty(), first.is_empty()) {
        (false, false) => format!("{last}, {first}"),
        (false, true) => last.to_string(),
        _ => first.to_string(),
    }
}

fn xml_entry(n: &Node) -> Option<ListedEntity> {
    let id = n.child_text("uid");
    if id.is_empty() {
        return None;
    }
    let kind = match n.child_text("sdnType") {
        "Individual" => EntityKind::Person,
        "Vessel" => EntityKind::Vessel,
        "Aircraft" => EntityKind::Aircraft,
        _ => EntityKind::Organisation,
    };
    let mut e = ListedEntity::new(LIST, id, kind);
    e.add_name(&person_name(n), NameKind::Primary, None);
    if let Some(list) = n.child("akaList") {
        for a in list.children("aka") {
            let kind = if a.child_text("category") == "weak" {
                NameKind::WeakAlias
            } else {
                NameKind::StrongAlias
            };
            e.add_name(&person_name(a), kind, None);
        }
    }
    if let Some(list) = n.child("programList") {
        for p in list.children("program") {
            e.add_programme(&p.text);
        }
    }
    if let Some(list) = n.child("idList") {
        for i in list.children("id") {
            let value = i.child_text("idNumber");
            if value.chars().any(|c| c.is_ascii_digit())
                && !i.child_text("idType").contains("Digital Currency")
            {
                let country = Some(i.child_text("idCountry")).filter(|c| !c.is_empty());
                e.add_identifier(i.child_text("idType"), value, country);
            }
        }
    }
    if let Some(list) = n.child("addressList") {
        for a in list.children("address") {
            e.add_address(&[
                a.child_text("address1"),
                a.child_text("address2"),
                a.child_text("address3"),
                a.child_text("city"),
                a.child_text("stateOrProvince"),
                a.child_text("postalCode"),
                a.child_text("country"),
            ]);
            e.add_country(a.child_text("country"));
        }
    }
    for (list, item) in [
        ("nationalityList", "nationality"),
        ("citizenshipList", "citizenship"),
    ] {
        if let Some(l) = n.child(list) {
            for c in l.children(item) {
                e.add_country(c.child_text("country"));
            }
        }
    }
    if let Some(v) = n.child("vesselInfo") {
        let cs = v.child_text("callSign");
        if !cs.is_empty() {
            e.add_identifier("call sign", cs, None);
        }
    }
    Some(e.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_give_weak_aliases_ids_and_countries() {
        let mut e = ListedEntity::new(LIST, "1", EntityKind::Organisation);
        apply_remarks(
            &mut e,
            "DOB 12 Oct 1972; nationality Iran; Registration Number 26740 (Iran); Legal Entity Number 5299007NTWCC3U23WM81 (Czech Republic); a.k.a. 'HESA'; Linked To: MAHAN AIR.",
        );
        assert_eq!(e.names[0].text, "HESA");
        assert_eq!(e.names[0].kind, NameKind::WeakAlias);
        assert_eq!(e.countries, vec!["IR".to_string()]);
        let ids: Vec<_> = e.identifiers.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(ids, vec!["26740", "5299007NTWCC3U23WM81"]);
        assert_eq!(e.identifiers[1].country.as_deref(), Some("CZ"));
    }
}
