//! Parser for the UN Security Council consolidated list XML.

use super::model::{EntityKind, ListSource, ListedEntity, NameKind, ParseError, ParsedList};
use super::xml::{self, Node};

const LIST: ListSource = ListSource::Un;

/// Parses `consolidated.xml`.
pub fn parse(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    let mut entities = Vec::new();
    let root = xml::read(
        bytes,
        LIST,
        "UN consolidated XML",
        "CONSOLIDATED_LIST",
        &["INDIVIDUAL", "ENTITY"],
        |n| {
            if let Some(e) = record(&n) {
                entities.push(e);
            }
            Ok(())
        },
    )?;
    Ok(ParsedList {
        source: LIST,
        published: Some(root.attr("dateGenerated").to_string()).filter(|s| !s.is_empty()),
        declared_count: None,
        entities,
        skipped: Default::default(),
    })
}

fn record(n: &Node) -> Option<ListedEntity> {
    let id = n.child_text("DATAID");
    if id.is_empty() {
        return None;
    }
    let person = n.name == "INDIVIDUAL";
    let kind = if person {
        EntityKind::Person
    } else {
        EntityKind::Organisation
    };
    let mut e = ListedEntity::new(LIST, id, kind);
    let name = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .map(|c| n.child_text(c))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    e.add_name(&name, NameKind::Primary, None);
    e.add_name(
        n.child_text("NAME_ORIGINAL_SCRIPT"),
        NameKind::OriginalScript,
        None,
    );
    let alias_tag = if person {
        "INDIVIDUAL_ALIAS"
    } else {
        "ENTITY_ALIAS"
    };
    for a in n.children(alias_tag) {
        let kind = if a.child_text("QUALITY").eq_ignore_ascii_case("low") {
            NameKind::WeakAlias
        } else {
            NameKind::StrongAlias
        };
        e.add_name(a.child_text("ALIAS_NAME").trim_matches('"'), kind, None);
    }
    let addr_tag = if person {
        "INDIVIDUAL_ADDRESS"
    } else {
        "ENTITY_ADDRESS"
    };
    for a in n.children(addr_tag) {
        e.add_address(&[
            a.child_text("STREET"),
            a.child_text("CITY"),
            a.child_text("STATE_PROVINCE"),
            a.child_text("ZIP_CODE"),
            a.child_text("COUNTRY"),
        ]);
        e.add_country(a.child_text("COUNTRY"));
    }
    if let Some(nat) = n.child("NATIONALITY") {
        for v in nat.children("VALUE") {
            e.add_country(&v.text);
        }
    }
    for d in n.children("INDIVIDUAL_DOCUMENT") {
        let kind = d.child_text("TYPE_OF_DOCUMENT");
        let country = Some(d.child_text("ISSUING_COUNTRY")).filter(|c| !c.is_empty());
        e.add_identifier(kind, d.child_text("NUMBER"), country);
    }
    e.add_programme(n.child_text("UN_LIST_TYPE"));
    let reference = n.child_text("REFERENCE_NUMBER");
    if !reference.is_empty() {
        e.add_identifier("un reference", reference, None);
    }
    e.listed_on = Some(n.child_text("LISTED_ON").to_string()).filter(|s| !s.is_empty());
    Some(e.finish())
}
