//! A local GLEIF API that behaves like the live one as far as the evidence goes: a register
//! search (`filter[entity.registeredAs]`) matches only the exact text GLEIF stores (so
//! "HRB 12345" does not find "HRB 12345 B"); a comma is part of the value, not a list;
//! `filter[fulltext]` matches words of the legal name; a filter name it does not know (such as
//! `filter[entity.registeredAt]`) is refused with a JSON:API 400.

use super::{Reply, Req, fixture};

/// Filters the local GLEIF accepts on `/lei-records`.
const KNOWN: [&str; 5] = [
    "filter[entity.registeredAs]",
    "filter[entity.legalAddress.country]",
    "filter[fulltext]",
    "page[size]",
    "page[number]",
];

/// The real Apple record, re-registered as a Berlin company `HRB 12345 B` at `RA000999`.
pub fn berlin_record() -> serde_json::Value {
    let mut rec: serde_json::Value =
        serde_json::from_slice(&fixture("gleif", "lei-record_HWUPKR0MPOU8FGXBT394.json")).unwrap();
    let entity = &mut rec["data"]["attributes"]["entity"];
    entity["registeredAs"] = "HRB 12345 B".into();
    entity["registeredAt"]["id"] = "RA000999".into();
    entity["legalAddress"]["country"] = "DE".into();
    rec["data"].clone()
}

/// The real Apple record, re-registered as a German company `number` at the court `ra`, with
/// its own LEI (two companies under one number at two courts are two records).
pub fn german_record(lei: &str, number: &str, ra: &str) -> serde_json::Value {
    let mut rec = berlin_record();
    rec["id"] = lei.into();
    rec["attributes"]["lei"] = lei.into();
    let entity = &mut rec["attributes"]["entity"];
    entity["registeredAs"] = number.into();
    entity["registeredAt"]["id"] = ra.into();
    rec
}

/// Answers one request of the local GLEIF holding `records`.
pub fn answer(req: &Req, records: &[serde_json::Value]) -> Reply {
    let url = url::Url::parse(&format!("http://x{}", req.path)).unwrap();
    if !url.path().ends_with("/lei-records") {
        return Reply::json(404, r#"{"errors":[{"status":"404","title":"Not Found"}]}"#);
    }
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Reply::json(
            400,
            serde_json::json!({"errors": [{"status": "400", "title": "Bad Request",
                "detail": format!("unknown filter {k}")}]})
            .to_string(),
        );
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let found: Vec<serde_json::Value> = records
        .iter()
        .filter(|r| {
            let e = &r["attributes"]["entity"];
            get("filter[entity.registeredAs]")
                .is_none_or(|v| e["registeredAs"].as_str() == Some(v.as_str()))
                && get("filter[entity.legalAddress.country]")
                    .is_none_or(|c| e["legalAddress"]["country"].as_str() == Some(c.as_str()))
                && get("filter[fulltext]").is_none_or(|q| {
                    let name = e["legalName"]["name"].as_str().unwrap_or("").to_lowercase();
                    q.to_lowercase()
                        .split_whitespace()
                        .all(|w| name.contains(w))
                })
        })
        .cloned()
        .collect();
    Reply::new(
        200,
        "application/vnd.api+json",
        serde_json::json!({"meta": {"pagination": {"currentPage": 1, "perPage": 20,
            "total": found.len(), "lastPage": 1}}, "data": found})
        .to_string(),
    )
}
