//! The record shapes of schema version 1, kept only to read a version-1 store once and rewrite
//! it in the current shape (see `Store::migrate`).
//!
//! bincode is not self-describing: a value is read back only by a type of exactly the shape it
//! was written with. Version 2 appended `kind` to the counterparty and `strength` and `reasons`
//! to a sanctions hit, so the types that contain those two are mirrored here as they were;
//! every type that did not change is reused. Serde names and renames do not matter to bincode,
//! only field order and enum variant order, which these mirrors keep.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::check::{
    Answer, CheckRun, Evidence, InsolvencyAnswer, LeiAnswer, LeiNotFound, LeiSearchAnswer, Outcome,
    QualifiedAnswer, RegisterAnswer, SanctionsAnswer, SanctionsHit, Source, SourceResult,
    Unavailable, VatAnswer,
};
use crate::domain::counterparty::{Frequency, Priority, RegisterEntry};
use crate::domain::screening::HitStrength;
use crate::domain::vat::VatNumber;
use crate::domain::{Counterparty, CounterpartyKind};

/// A version-1 counterparty: the current one without `kind`.
#[derive(Debug, Deserialize)]
pub(super) struct CounterpartyV1 {
    id: u64,
    name: String,
    country: String,
    vat: Option<VatNumber>,
    email: Option<String>,
    domain: Option<String>,
    address: Option<String>,
    contact: Option<String>,
    owner: Option<String>,
    lei: Option<String>,
    register: Option<RegisterEntry>,
    priority: Priority,
    monitor: bool,
    frequency: Frequency,
    tags: Vec<String>,
    notes: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CounterpartyV1 {
    /// Every version-1 counterparty was screened as an organisation.
    pub(super) fn upgrade(self) -> Counterparty {
        Counterparty {
            id: self.id,
            name: self.name,
            country: self.country,
            vat: self.vat,
            email: self.email,
            domain: self.domain,
            address: self.address,
            contact: self.contact,
            owner: self.owner,
            lei: self.lei,
            register: self.register,
            priority: self.priority,
            monitor: self.monitor,
            frequency: self.frequency,
            tags: self.tags,
            notes: self.notes,
            created_at: self.created_at,
            updated_at: self.updated_at,
            kind: CounterpartyKind::Organisation,
        }
    }
}

/// A version-1 sanctions hit: the current one without `strength` and `reasons`.
#[derive(Debug, Deserialize)]
struct SanctionsHitV1 {
    list: String,
    entity_id: String,
    name: String,
    score: f64,
    entity_hash: String,
    explanation: String,
}

impl SanctionsHitV1 {
    /// A version-1 hit was an alarm: it raised a critical `sanctions_found`. It becomes strong,
    /// so that the next screening does not raise it again (a strong hit that is still found,
    /// or found as possible, alerts nothing new).
    fn upgrade(self) -> SanctionsHit {
        SanctionsHit {
            list: self.list,
            entity_id: self.entity_id,
            name: self.name,
            score: self.score,
            entity_hash: self.entity_hash,
            explanation: self.explanation,
            strength: HitStrength::Strong,
            reasons: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct SanctionsAnswerV1 {
    hits: Vec<SanctionsHitV1>,
    lists: Vec<(String, String)>,
}

/// `Answer` of version 1; the variants in their stored order.
#[derive(Debug, Deserialize)]
enum AnswerV1 {
    Vat(VatAnswer),
    Qualified(QualifiedAnswer),
    Lei(LeiAnswer),
    Register(RegisterAnswer),
    Insolvency(InsolvencyAnswer),
    Sanctions(SanctionsAnswerV1),
    LeiSearch(LeiSearchAnswer),
    LeiNotFound(LeiNotFound),
}

// Like `Outcome`: each value is read once and converted, its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Deserialize)]
enum OutcomeV1 {
    Answer(AnswerV1),
    CouldNotAsk {
        reason: Unavailable,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
struct SourceResultV1 {
    source: Source,
    at: DateTime<Utc>,
    outcome: OutcomeV1,
    evidence: Evidence,
}

/// A version-1 check run.
#[derive(Debug, Deserialize)]
pub(super) struct CheckRunV1 {
    id: u64,
    counterparty_id: u64,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    trigger: String,
    results: Vec<SourceResultV1>,
}

impl CheckRunV1 {
    /// Whether the run holds a sanctions hit, i.e. whether its stored shape changed at all:
    /// a run without hits is written the same in both versions and need not be rewritten.
    pub(super) fn has_hits(&self) -> bool {
        self.results.iter().any(|r| {
            matches!(&r.outcome, OutcomeV1::Answer(AnswerV1::Sanctions(s)) if !s.hits.is_empty())
        })
    }

    /// The run in the current shape.
    pub(super) fn upgrade(self) -> CheckRun {
        CheckRun {
            id: self.id,
            counterparty_id: self.counterparty_id,
            started_at: self.started_at,
            finished_at: self.finished_at,
            trigger: self.trigger,
            results: self
                .results
                .into_iter()
                .map(|r| SourceResult {
                    source: r.source,
                    at: r.at,
                    outcome: match r.outcome {
                        OutcomeV1::Answer(a) => Outcome::Answer(match a {
                            AnswerV1::Vat(v) => Answer::Vat(v),
                            AnswerV1::Qualified(q) => Answer::Qualified(q),
                            AnswerV1::Lei(l) => Answer::Lei(l),
                            AnswerV1::Register(r) => Answer::Register(r),
                            AnswerV1::Insolvency(i) => Answer::Insolvency(i),
                            AnswerV1::Sanctions(s) => Answer::Sanctions(SanctionsAnswer {
                                hits: s.hits.into_iter().map(SanctionsHitV1::upgrade).collect(),
                                lists: s.lists,
                            }),
                            AnswerV1::LeiSearch(l) => Answer::LeiSearch(l),
                            AnswerV1::LeiNotFound(l) => Answer::LeiNotFound(l),
                        }),
                        OutcomeV1::CouldNotAsk { reason, message } => {
                            Outcome::CouldNotAsk { reason, message }
                        }
                    },
                    evidence: r.evidence,
                })
                .collect(),
        }
    }
}

/// The bulk-write journal of version 1, whose `replaced` records are version-1 counterparties.
#[derive(Debug, Deserialize)]
pub(super) struct BulkJournalV1 {
    pub(super) first_new: u64,
    pub(super) last_new: u64,
    pub(super) replaced: Vec<CounterpartyV1>,
    pub(super) at: DateTime<Utc>,
}
