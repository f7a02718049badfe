//! Parser for the EU Financial Sanctions Files consolidated list, XML format 1.1.

use super::model::{EntityKind, ListSource, ListedEntity, NameKind, ParseError, ParsedList};
use super::xml::{self, Node};

const LIST: ListSource = ListSource::Eu;

/// Parses an `xmlFullSanctionsList_1_1` file.
pub fn parse(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    let mut entities = Vec::new();
    let root = xml::read(
        bytes,
        LIST,
        "EU FSF XML",
        "export",
        &["sanctionEntity"],
        |n| {
            if let Some(e) = entity(&n) {
                entities.push(e);
            }
            Ok(())
        },
    )?;
    let published = Some(root.attr("generationDate").to_string()).filter(|s| !s.is_empty());
    Ok(ParsedList {
        source: LIST,
        published,
        declared_count: None,
        entities,
        skipped: Default::default(),
    })
}

fn entity(n: &Node) -> Option<ListedEntity> {
    let id = n.attr("logicalId").trim();
    if id.is_empty() {
        return None;
    }
    let kind = match n.child("subjectType").map(|s| s.attr("code")) {
        Some("person") => EntityKind::Person,
        Some("enterprise") => EntityKind::Organisation,
        Some(c) if c.contains("vessel") => EntityKind::Vessel,
        _ => EntityKind::Other,
    };
    let mut e = ListedEntity::new(LIST, id, kind);
    let mut first = true;
    for a in n.children("nameAlias") {
        let whole = a.attr("wholeName");
        let whole = if whole.trim().is_empty() {
            [
                a.attr("firstName"),
                a.attr("middleName"),
                a.attr("lastName"),
            ]
            .iter()
            .filter(|p| !p.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
        } else {
            whole.to_string()
        };
        let lang = Some(a.attr("nameLanguage").to_string()).filter(|s| !s.is_empty());
        let kind = if a.attr("strong") == "false" {
            NameKind::WeakAlias
        } else if !is_latin(&whole) {
            NameKind::OriginalScript
        } else if first {
            first = false;
            NameKind::Primary
        } else {
            NameKind::StrongAlias
        };
        e.add_name(&whole, kind, lang);
    }
    for c in n.children("citizenship") {
        e.add_country(c.attr("countryIso2Code"));
    }
    for a in n.children("address") {
        e.add_address(&[
            a.attr("street"),
            a.attr("poBox"),
            a.attr("zipCode"),
            a.attr("city"),
            a.attr("region"),
            a.attr("place"),
            a.attr("countryDescription").trim_start_matches("UNKNOWN"),
        ]);
        e.add_country(a.attr("countryIso2Code"));
    }
    for i in n.children("identification") {
        let value = if i.attr("number").trim().is_empty() {
            i.attr("latinNumber")
        } else {
            i.attr("number")
        };
        let country = Some(i.attr("countryIso2Code")).filter(|c| !c.is_empty());
        e.add_identifier(i.attr("identificationTypeCode"), value, country);
    }
    for r in n.children("regulation") {
        e.add_programme(r.attr("programme"));
    }
    let designated = n.attr("designationDate");
    e.listed_on = if designated.is_empty() {
        n.children("regulation")
            .map(|r| r.attr("publicationDate"))
            .filter(|d| !d.is_empty())
            .min()
            .map(str::to_string)
    } else {
        Some(designated.to_string())
    };
    Some(e.finish())
}

/// Whether a name is written mostly in Latin letters (so it is not an original-script form).
pub fn is_latin(s: &str) -> bool {
    let (latin, other) = s
        .chars()
        .filter(|c| c.is_alphabetic())
        .fold((0, 0), |(l, o), c| {
            if (c as u32) < 0x250 || ('\u{1E00}'..='\u{1EFF}').contains(&c) {
                (l + 1, o)
            } else {
                (l, o + 1)
            }
        });
    latin >= other
}
