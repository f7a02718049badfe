//! The demo's registries: what VIES, eVatR, GLEIF, the Handelsregister, the insolvency
//! publications and the sanctions lists answer about a counterparty on a day of the history,
//! outages included, and the scripted changes ("stories") in those answers. Answers only: the
//! monitor's change detector turns them into alerts (see `super::populate`).

use chrono::{DateTime, Duration, Utc};

use crate::domain::check::{
    Answer, Evidence, FieldMatch, InsolvencyAnswer, LeiAnswer, LeiSearchAnswer, Publication,
    QualifiedAnswer, RegisterAnswer, RegisterRecord, SanctionsAnswer, Unavailable, VatAnswer,
};
use crate::domain::{Counterparty, Outcome, Source, SourceResult};
use crate::monitor::live::Live;
use crate::rng::Rng;
use crate::sanctions::{EntityKind, ListSource, ListedEntity, NameKind, Screener};

/// A change in what the registries say about one counterparty, from a day of the history on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Story {
    /// VIES (and eVatR) answer INVALID from the first day on.
    VatInvalid,
    /// INVALID for two days, then valid again.
    VatBackValid,
    /// The EU list adds an entry of the counterparty's name, first with another country,
    /// two days later corrected to the counterparty's country.
    SanctionsFound,
    /// The EU list carries an entry of the counterparty's name for a week, then drops it.
    SanctionsListedThenRemoved,
    /// The insolvency court publishes protective measures.
    Insolvency,
    /// The registries report a new name.
    NameChanged,
    /// The registries report a new address.
    AddressChanged,
    /// GLEIF and the register report a new legal form (GmbH to AG).
    LegalFormChanged,
    /// eVatR's qualified confirmation stops matching the name.
    QualifiedMismatch,
    /// The register reports the entry deleted, GLEIF the entity inactive.
    RegisterDeleted,
    /// GLEIF reports the LEI not renewed.
    LeiLapsed,
    /// VIES cannot be asked about the number any more.
    Unverifiable,
}

/// Every story, in the order they are dealt to counterparties.
pub(super) const STORIES: [Story; 12] = [
    Story::VatInvalid,
    Story::VatBackValid,
    Story::SanctionsFound,
    Story::SanctionsListedThenRemoved,
    Story::Insolvency,
    Story::NameChanged,
    Story::AddressChanged,
    Story::LegalFormChanged,
    Story::QualifiedMismatch,
    Story::RegisterDeleted,
    Story::LeiLapsed,
    Story::Unverifiable,
];

impl Story {
    /// Whether the registries that tell this story are asked about the counterparty.
    pub(super) fn fits(self, cp: &Counterparty) -> bool {
        let de = cp.country == "DE";
        match self {
            Story::Insolvency => de,
            // GLEIF tells these: the monitor reads too few runs back to find the previous
            // Handelsregister answer between its weekly look-ups (see the demoreal note).
            Story::RegisterDeleted => cp.lei.is_some(),
            Story::LegalFormChanged => cp.lei.is_some() && cp.name.contains("GmbH"),
            Story::QualifiedMismatch => !de && cp.vat.is_some(),
            Story::LeiLapsed => cp.lei.is_some(),
            Story::VatInvalid | Story::VatBackValid | Story::Unverifiable => cp.vat.is_some(),
            // Only VIES (outside Germany) and GLEIF disclose an address.
            Story::AddressChanged => !de && cp.vat.is_some() || cp.lei.is_some(),
            Story::NameChanged | Story::SanctionsFound | Story::SanctionsListedThenRemoved => true,
        }
    }
}

/// A counterparty's story as of one day: which, and how many days since it began.
pub(super) type Chapter = Option<(Story, i64)>;

/// The registries on one day: which are down and what the sanctions lists hold.
pub(super) struct Day {
    /// Member states whose VIES back end is down all day.
    pub down: Vec<&'static str>,
    /// Whether eVatR is in a maintenance window.
    pub evatr_down: bool,
    /// The screener over the day's demo lists.
    pub screener: Screener,
    /// The score a hit needs (the configured default).
    pub threshold: f64,
    /// The day's list snapshots, as a screening answer names them.
    pub snapshots: Vec<(String, String)>,
}

/// The listed entity of the sanctions stories: an EU entry named like the counterparty.
fn entity(cp: &Counterparty, name: &str, country: &str) -> ListedEntity {
    let mut e = ListedEntity::new(
        ListSource::Eu,
        format!("EU.{}.17", 4000 + cp.id),
        EntityKind::Organisation,
    );
    e.add_name(&name.to_uppercase(), NameKind::Primary, None);
    e.add_country(country);
    e.add_programme("IRN");
    e.finish()
}

/// The EU list entry a counterparty's chapter puts on the list that day, if any.
pub(super) fn listed(cp: &Counterparty, chapter: Chapter) -> Option<ListedEntity> {
    match chapter? {
        // First listed with another legal form in another country (a possible hit),
        // corrected two days later to the counterparty's name and country (a strong one).
        (Story::SanctionsFound, since) if since < 2 => {
            // Demo names are "root trade form".
            let base: Vec<&str> = cp.name.split_whitespace().take(2).collect();
            Some(entity(cp, &format!("{} Ltd", base.join(" ")), "IR"))
        }
        (Story::SanctionsFound, _) => Some(entity(cp, &cp.name, &cp.country)),
        (Story::SanctionsListedThenRemoved, since) if since < 7 => {
            Some(entity(cp, &cp.name, &cp.country))
        }
        _ => None,
    }
}

/// The name and address the registries give for the counterparty under its chapter.
fn identity(cp: &Counterparty, story: Option<Story>) -> (String, String) {
    let name = match story {
        Some(Story::NameChanged) => format!("{} Holding", cp.name),
        Some(Story::LegalFormChanged) => cp.name.replace("GmbH", "AG"),
        _ => cp.name.clone(),
    };
    let address = match story {
        Some(Story::AddressChanged) => {
            let city = cp.address.as_deref().unwrap_or("").rsplit(", ").next();
            format!("Neue Allee 1, {}", city.unwrap_or(""))
        }
        _ => cp.address.clone().unwrap_or_default(),
    };
    (name, address)
}

fn unavailable(rng: &mut Rng) -> (Unavailable, &'static str, &'static str) {
    *rng.pick(&[
        (
            Unavailable::ServiceUnavailable,
            "MS_UNAVAILABLE",
            "member state unavailable",
        ),
        (Unavailable::Timeout, "TIMEOUT", "no answer within 20 s"),
        (
            Unavailable::Throttled,
            "MS_MAX_CONCURRENT_REQ",
            "too many concurrent requests",
        ),
    ])
}

/// What a registry's response leaves as evidence: reference, time, code and the raw body.
fn evidence(
    rng: &mut Rng,
    source: Source,
    at: DateTime<Utc>,
    code: Option<&str>,
    raw: String,
) -> Evidence {
    let reference = match source {
        Source::Vies => Some(format!("WAPIAAAAW{}", rng.digits(10))),
        Source::Evatr => Some(format!("EVATR-{}", rng.digits(8))),
        _ => None,
    };
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(raw.as_bytes()))
    };
    Evidence {
        reference,
        registry_time: Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        code: code.map(str::to_string),
        http_status: Some(if code.is_some() { 503 } else { 200 }),
        sha256: Some(digest),
        raw: Some(raw),
    }
}

fn could_not_ask(
    source: Source,
    at: DateTime<Utc>,
    reason: Unavailable,
    message: &str,
    evidence: Evidence,
) -> SourceResult {
    SourceResult {
        source,
        at,
        outcome: Outcome::CouldNotAsk {
            reason,
            message: message.to_string(),
        },
        evidence,
    }
}

fn answered(source: Source, at: DateTime<Utc>, answer: Answer, evidence: Evidence) -> SourceResult {
    SourceResult {
        source,
        at,
        outcome: Outcome::Answer(answer),
        evidence,
    }
}

/// What `source` answers about `cp` at `at` in the demo world.
pub(super) fn ask(
    rng: &mut Rng,
    source: Source,
    cp: &Counterparty,
    at: DateTime<Utc>,
    chapter: Chapter,
    day: &Day,
) -> SourceResult {
    let since = chapter.map_or(0, |(_, d)| d);
    let story = chapter.map(|(s, _)| s);
    let (name, address) = identity(cp, story);
    let vat = cp.vat.as_deref().unwrap_or_default().to_string();
    let vat_valid = match story {
        Some(Story::VatInvalid) => false,
        Some(Story::VatBackValid) => since >= 2,
        _ => true,
    };
    match source {
        Source::Vies => {
            let down = day.down.contains(&cp.country.as_str());
            if down || story == Some(Story::Unverifiable) || rng.chance(2) {
                let (reason, code, message) = unavailable(rng);
                let raw = format!("<soap:Fault><faultstring>{code}</faultstring></soap:Fault>");
                let ev = evidence(rng, source, at, Some(code), raw);
                return could_not_ask(source, at, reason, message, ev);
            }
            // Germany's VIES back end discloses neither name nor address.
            let disclosed = |s: &str| (cp.country != "DE").then(|| s.to_uppercase());
            let shown = disclosed(&name).unwrap_or_else(|| "---".to_string());
            let raw = format!(
                "<checkVatResponse><countryCode>{}</countryCode><vatNumber>{}</vatNumber><valid>{vat_valid}</valid><name>{shown}</name></checkVatResponse>",
                vat.get(..2).unwrap_or(""),
                vat.get(2..).unwrap_or("")
            );
            let answer = Answer::Vat(VatAnswer {
                vat: vat.clone(),
                valid: vat_valid,
                name: disclosed(&name),
                address: disclosed(&address),
            });
            answered(source, at, answer, evidence(rng, source, at, None, raw))
        }
        Source::Evatr => {
            if day.evatr_down {
                let raw = "{\"status\":\"evatr-0011\"}".to_string();
                let ev = evidence(rng, source, at, Some("evatr-0011"), raw);
                let reason = Unavailable::ServiceUnavailable;
                return could_not_ask(source, at, reason, "eVatR maintenance window", ev);
            }
            let status = if vat_valid {
                "evatr-0000"
            } else {
                "evatr-2001"
            };
            let name_match = if story == Some(Story::QualifiedMismatch) {
                FieldMatch::Mismatch
            } else {
                FieldMatch::Match
            };
            let letter = if name_match == FieldMatch::Match {
                "A"
            } else {
                "B"
            };
            let raw = format!("{{\"status\":\"{status}\",\"ergFirmenname\":\"{letter}\"}}");
            let answer = Answer::Qualified(QualifiedAnswer {
                vat,
                status: status.to_string(),
                valid: vat_valid,
                valid_from: None,
                valid_until: None,
                name: name_match,
                street: FieldMatch::Match,
                postcode: FieldMatch::Match,
                city: FieldMatch::Match,
            });
            answered(source, at, answer, evidence(rng, source, at, None, raw))
        }
        Source::Gleif => {
            let Some(lei) = &cp.lei else {
                // Looked up by register number: few German companies have an LEI.
                let raw = "{\"meta\":{\"pagination\":{\"total\":0}},\"data\":[]}".to_string();
                let answer = Answer::LeiSearch(LeiSearchAnswer {
                    total: 0,
                    records: Vec::new(),
                });
                return answered(source, at, answer, evidence(rng, source, at, None, raw));
            };
            let status = if story == Some(Story::LeiLapsed) {
                "LAPSED"
            } else {
                "ISSUED"
            };
            let raw = format!(
                "{{\"data\":{{\"id\":\"{lei}\",\"attributes\":{{\"registration\":{{\"status\":\"{status}\"}}}}}}}}"
            );
            let answer = Answer::Lei(LeiAnswer {
                lei: lei.clone(),
                legal_name: name,
                legal_address: address,
                legal_form_code: None,
                legal_form_name: None,
                entity_status: if story == Some(Story::RegisterDeleted) {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                }
                .to_string(),
                registration_status: status.to_string(),
                successor: None,
                registered_as: None,
                registered_at: None,
            });
            answered(source, at, answer, evidence(rng, source, at, None, raw))
        }
        Source::Handelsregister => {
            if rng.chance(5) {
                let ev = evidence(rng, source, at, Some("429"), "Too Many Requests".into());
                let message = "more than 60 requests per hour";
                return could_not_ask(source, at, Unavailable::Throttled, message, ev);
            }
            let (court, kind, number) = cp
                .register
                .clone()
                .map(|e| (e.court, e.kind, e.number))
                .unwrap_or_default();
            let status = if story == Some(Story::RegisterDeleted) {
                "gelöscht"
            } else {
                "aktuell"
            };
            let history = if name != cp.name {
                vec![cp.name.clone()]
            } else {
                Vec::new()
            };
            let raw = format!(
                "<tr><td>{} {} {}</td><td>{name}</td><td>{status}</td></tr>",
                court, kind, number
            );
            let answer = Answer::Register(RegisterAnswer {
                records: vec![RegisterRecord {
                    court,
                    kind,
                    number,
                    seat: address.rsplit(' ').next().unwrap_or("").to_string(),
                    name,
                    status: status.to_string(),
                    history,
                }],
            });
            answered(source, at, answer, evidence(rng, source, at, None, raw))
        }
        Source::Insolvency => {
            let publications = match story {
                Some(Story::Insolvency) => {
                    let opened = at - Duration::days(since);
                    vec![Publication {
                        date: opened.format("%d.%m.%Y").to_string(),
                        court: "Amtsgericht Charlottenburg".to_string(),
                        case_number: format!("36a IN {}/{}", 1000 + cp.id, opened.format("%y")),
                        debtor: cp.name.clone(),
                        seat: address.rsplit(' ').next().unwrap_or("").to_string(),
                        register: cp.register.as_ref().map(|r| r.to_string()),
                        notice: "Sicherungsmaßnahmen".to_string(),
                    }]
                }
                _ => Vec::new(),
            };
            let raw = format!("{} Treffer", publications.len());
            let answer = Answer::Insolvency(InsolvencyAnswer { publications });
            answered(source, at, answer, evidence(rng, source, at, None, raw))
        }
        Source::Sanctions => {
            let hits = day.screener.screen(&Live::screen_query(cp), day.threshold);
            let answer = Answer::Sanctions(SanctionsAnswer {
                hits: hits.iter().map(|h| h.to_stored()).collect(),
                lists: day.snapshots.clone(),
            });
            answered(source, at, answer, Evidence::default())
        }
    }
}
