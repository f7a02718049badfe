//! The matcher: screens one query (a counterparty's name, country and identifiers) against the
//! index and returns scored hits in [0, 1], each with an explanation.
//!
//! Score of one listed name: IDF-weighted token alignment
//! `Σ w̄·s / (Σ w̄ + α·Σ unmatched query w + β·Σ unmatched listed w)` (α 0.8 for words,
//! 0.5 for generic words, legal forms and stopwords, 0.3 when the whole listed name stands
//! inside the query; β 0.2, or 0.1 when the query is a shortened form anchored by a rare
//! word), a number mismatch ×0.7, generic words alone capped at 0.8, weak aliases exact only
//! and capped at 0.8. Entity score: best name, then identifier match (≥ 0.95) and country
//! (+0.05 / −0.20 for a fuzzy name). A hit needs at least one matched distinctive word unless the whole name
//! matched exactly or an identifier matched.

use super::index::{self, Index, fuzzy_eligible, hash_str, skeleton_eligible};
use super::model::{EntityKind, ListSource, ListedEntity, NameKind};
use super::name_score::{self, NameScore, QueryToken};
use super::normalise::{self, NormName, TokenClass};
use crate::domain::counterparty::CounterpartyKind;
use crate::domain::screening::{HitReason, HitStrength};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// Default alert threshold (calibrated on the evaluation set; see the README).
pub const DEFAULT_THRESHOLD: f64 = 0.85;

const MIN_TOKEN_SIM: f32 = 0.75;
const TOP_K: usize = 100;
const IDENTIFIER_FLOOR: f64 = 0.95;
const COUNTRY_MATCH: f64 = 0.05;
/// Another country costs a fuzzy name this much (nothing for the listed name itself).
const COUNTRY_CONFLICT: f64 = -0.20;

/// Whether a counterparty of kind `query` (`None`: any) can be a listed entity of kind `listed`.
/// An organisation is never a person, a ship or an aircraft of the same name; an entity the
/// list calls something else (`Other`) stays a candidate for every kind.
pub fn kind_compatible(query: Option<CounterpartyKind>, listed: EntityKind) -> bool {
    match (query, listed) {
        (None, _) | (_, EntityKind::Other) => true,
        (Some(q), l) => matches!(
            (q, l),
            (CounterpartyKind::Organisation, EntityKind::Organisation)
                | (CounterpartyKind::Person, EntityKind::Person)
                | (CounterpartyKind::Vessel, EntityKind::Vessel)
                | (CounterpartyKind::Aircraft, EntityKind::Aircraft)
        ),
    }
}

/// What is screened: a counterparty's name plus whatever else is known about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenQuery {
    /// The name.
    pub name: String,
    /// ISO country code.
    pub country: Option<String>,
    /// VAT number (any spelling).
    pub vat: Option<String>,
    /// Legal Entity Identifier.
    pub lei: Option<String>,
    /// Register entry or number (e.g. "HRB 44343 B").
    pub register: Option<String>,
    /// What the counterparty is; it is matched only against listed entities of a compatible
    /// kind. `None` matches every kind (`sanctions screen --kind any`).
    pub kind: Option<CounterpartyKind>,
}

impl ScreenQuery {
    /// A query with a name only.
    pub fn name(name: impl Into<String>) -> ScreenQuery {
        ScreenQuery {
            name: name.into(),
            ..ScreenQuery::default()
        }
    }
}

/// One aligned token pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenMatch {
    /// The query token (normalised).
    pub query: String,
    /// The listed token (normalised).
    pub listed: String,
    /// Similarity in [0, 1].
    pub similarity: f64,
}

/// A score adjustment and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// What caused it (e.g. `identifier match: regnumber 26740`, `country match: IR`).
    pub reason: String,
    /// The change to the score (for an identifier match: how far it was raised).
    pub delta: f64,
}

/// Why an entity scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The listed name that matched best.
    pub matched_name: String,
    /// Its kind (primary, strong alias, weak alias, original script).
    pub name_kind: NameKind,
    /// The name score before adjustments.
    pub name_score: f64,
    /// Aligned tokens.
    pub tokens: Vec<TokenMatch>,
    /// Query tokens without a partner.
    pub unmatched_query: Vec<String>,
    /// Listed tokens without a partner.
    pub unmatched_listed: Vec<String>,
    /// Notes on rules applied (glued match, number mismatch, weak alias cap).
    pub notes: Vec<String>,
    /// Identifier and country adjustments.
    pub adjustments: Vec<Adjustment>,
}

impl Explanation {
    /// One line for people: the matched name, the token pairs and the adjustments.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} \"{}\" {:.2}",
            self.name_kind.as_str(),
            self.matched_name,
            self.name_score
        );
        if !self.tokens.is_empty() {
            let pairs: Vec<String> = self
                .tokens
                .iter()
                .map(|t| {
                    if t.query == t.listed {
                        t.query.clone()
                    } else {
                        format!("{}~{} {:.2}", t.query, t.listed, t.similarity)
                    }
                })
                .collect();
            s.push_str(&format!("; tokens: {}", pairs.join(", ")));
        }
        if !self.unmatched_query.is_empty() {
            s.push_str(&format!("; extra: {}", self.unmatched_query.join(" ")));
        }
        if !self.unmatched_listed.is_empty() {
            s.push_str(&format!("; missing: {}", self.unmatched_listed.join(" ")));
        }
        for n in &self.notes {
            s.push_str(&format!("; {n}"));
        }
        for a in &self.adjustments {
            s.push_str(&format!("; {} {:+.2}", a.reason, a.delta));
        }
        s
    }
}

/// One screening hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The list.
    pub source: ListSource,
    /// The list's id of the entity.
    pub entity_id: String,
    /// The entity's primary name.
    pub name: String,
    /// Person, organisation, vessel, aircraft.
    pub kind: super::model::EntityKind,
    /// Score in [0, 1].
    pub score: f64,
    /// Why.
    pub explanation: Explanation,
    /// Hash of the entity's names and identifiers (decisions stay valid while it holds).
    pub entity_hash: String,
    /// Hash of the whole entity record.
    pub content_hash: String,
    /// Strong (exact listed name, identifier, or a name corroborated by the country) or
    /// possible (name similarity alone, a namesake, a country conflict).
    pub strength: HitStrength,
    /// Why it has that strength, for the analyst.
    pub reasons: Vec<HitReason>,
}

impl Hit {
    /// The form a check run stores.
    pub fn to_stored(&self) -> crate::domain::check::SanctionsHit {
        crate::domain::check::SanctionsHit {
            list: self.source.as_str().to_string(),
            entity_id: self.entity_id.clone(),
            name: self.name.clone(),
            score: self.score,
            entity_hash: self.entity_hash.clone(),
            explanation: self.explanation.summary(),
            strength: self.strength,
            reasons: self.reasons.clone(),
        }
    }
}

/// Per-thread buffers so that a query allocates little.
#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The screening engine over an immutable index; cheap to clone and share between threads.
#[derive(Clone, Default)]
pub struct Screener {
    index: Arc<Index>,
}

impl Screener {
    /// Builds the index over these entities.
    pub fn new(entities: Vec<ListedEntity>) -> Screener {
        Screener {
            index: Arc::new(Index::build(entities)),
        }
    }

    /// The index (for counts and the entities).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Screens one query; returns hits at or above `threshold`, best first.
    pub fn screen(&self, query: &ScreenQuery, threshold: f64) -> Vec<Hit> {
        self.screen_filtered(query, threshold, None)
    }

    /// Screens one query against only the given entities (e.g. a refresh's added and changed
    /// ones), with the same weights as a full screen.
    pub fn screen_only(
        &self,
        query: &ScreenQuery,
        threshold: f64,
        only: &HashSet<(ListSource, String)>,
    ) -> Vec<Hit> {
        self.screen_filtered(query, threshold, Some(only))
    }

    /// The brute-force baseline: scores the query against every listed name (no blocking).
    pub fn screen_brute_force(&self, query: &ScreenQuery, threshold: f64) -> Vec<Hit> {
        let norm = normalise::normalise(&query.name);
        let qtokens = self.expand(&norm);
        let ix = &self.index;
        let mut best: Vec<(u32, f32, u32, bool)> = Vec::new();
        for (name_id, n) in ix.names.iter().enumerate() {
            if !kind_compatible(query.kind, ix.entities[n.entity as usize].kind) {
                continue;
            }
            let s = self.score_name(&qtokens, &norm, name_id as u32);
            if s.score > 0.0 && (s.distinctive || s.exact_all || s.glued) {
                best.push((n.entity, s.score, name_id as u32, s.exact_written));
            }
        }
        self.finish(query, threshold, &qtokens, &norm, best, Vec::new(), None)
    }

    fn expand(&self, norm: &NormName) -> Vec<QueryToken> {
        let ix = &self.index;
        norm.tokens
            .iter()
            .map(|t| {
                let mut expansions: Vec<(u32, f32)> = Vec::new();
                if let Some(&id) = ix.dict.get(t.text.as_str()) {
                    expansions.push((id, 1.0));
                }
                // The other reading of a position-dependent legal form ("SA" moved to the
                // middle of the name); it pairs tokens but never counts as distinctive.
                if let Some(&id) = t.alt.as_deref().and_then(|a| ix.dict.get(a))
                    && !expansions.iter().any(|(x, _)| *x == id)
                {
                    expansions.push((id, 1.0));
                }
                let skeleton_min = if norm.transliterated {
                    normalise::ROMANISED_SKELETON_MIN_LEN
                } else {
                    normalise::SKELETON_MIN_LEN
                };
                if skeleton_eligible(&t.text, t.class, skeleton_min) {
                    let mut cands: Vec<u32> = Vec::new();
                    if fuzzy_eligible(&t.text, t.class) {
                        index::deletion_variants(&t.text, |h| {
                            if let Some(ids) = ix.deletes.get(&h) {
                                cands.extend_from_slice(ids);
                            }
                        });
                    }
                    let (soft, hard) = normalise::skeletons(&t.text);
                    for k in std::iter::once(soft).chain(hard) {
                        if let Some(ids) = ix.skeletons.get(&hash_str(&k)) {
                            cands.extend_from_slice(ids);
                        }
                    }
                    cands.sort_unstable();
                    cands.dedup();
                    for id in cands {
                        if expansions.iter().any(|(x, _)| *x == id) {
                            continue;
                        }
                        let info = &ix.tokens[id as usize];
                        let s = normalise::token_similarity_with(&t.text, &info.text, skeleton_min);
                        if s >= MIN_TOKEN_SIM {
                            expansions.push((id, s));
                        }
                    }
                }
                // The token's own weight when listed, else that of its closest listed
                // neighbour, never more than its class allows (a generic word stays light).
                let weight = expansions
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(id, _)| ix.tokens[*id as usize].weight)
                    .unwrap_or_else(|| t.class.base_weight())
                    .min(t.class.base_weight());
                QueryToken {
                    text: t.text.clone(),
                    class: t.class,
                    weight,
                    expansions,
                }
            })
            .collect()
    }

    fn score_name(&self, q: &[QueryToken], norm: &NormName, name_id: u32) -> NameScore {
        name_score::score_name(&self.index, q, norm, name_id)
    }

    fn screen_filtered(
        &self,
        query: &ScreenQuery,
        threshold: f64,
        only: Option<&HashSet<(ListSource, String)>>,
    ) -> Vec<Hit> {
        let ix = &self.index;
        let norm = normalise::normalise(&query.name);
        let q = self.expand(&norm);
        let id_hits = self.identifier_hits(query);
        let has_word = q
            .iter()
            .any(|t| matches!(t.class, TokenClass::Word | TokenClass::Number));
        let candidates: Vec<u32> = SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let sc = &mut *guard;
            if sc.acc.len() < ix.names.len() {
                sc.acc = vec![0.0; ix.names.len()];
            }
            sc.touched.clear();
            // Rare tokens open candidates; frequent ones (df above the cap) only add to names
            // already opened, so "Ansar Bank" prefers the Ansar names that are banks.
            let mut frequent: Vec<(u32, f32)> = Vec::new();
            for qt in &q {
                for &(tid, s) in &qt.expansions {
                    let info = &ix.tokens[tid as usize];
                    let add = info.weight * s;
                    if info.df > ix.df_cap && has_word {
                        frequent.push((tid, add));
                        continue;
                    }
                    for &n in &ix.postings[tid as usize] {
                        let slot = &mut sc.acc[n as usize];
                        if *slot == 0.0 {
                            sc.touched.push(n);
                        }
                        *slot += add;
                    }
                }
            }
            for (tid, add) in frequent {
                for &n in &ix.postings[tid as usize] {
                    let slot = &mut sc.acc[n as usize];
                    if *slot != 0.0 {
                        *slot += add;
                    }
                }
            }
            for g in [&norm.glued, &norm.glued_full] {
                if g.len() >= 4
                    && let Some(ns) = ix.glued.get(&hash_str(g))
                {
                    for &n in ns {
                        let slot = &mut sc.acc[n as usize];
                        if *slot == 0.0 {
                            sc.touched.push(n);
                        }
                        *slot += 100.0;
                    }
                }
            }
            let Scratch { acc, touched } = sc;
            // Among equal sums, shorter names first: they can score higher.
            let mut scored: Vec<(f32, u32)> = touched
                .iter()
                .map(|&n| {
                    let len = ix.names[n as usize].tokens.len() as f32;
                    (acc[n as usize] - 0.001 * len, n)
                })
                .collect();
            for &n in touched.iter() {
                acc[n as usize] = 0.0;
            }
            if scored.len() > TOP_K {
                scored.select_nth_unstable_by(TOP_K, |a, b| b.0.total_cmp(&a.0));
                scored.truncate(TOP_K);
            }
            scored.into_iter().map(|(_, n)| n).collect()
        });
        let mut best: Vec<(u32, f32, u32, bool)> = Vec::new();
        for n in candidates {
            if !kind_compatible(
                query.kind,
                ix.entities[ix.names[n as usize].entity as usize].kind,
            ) {
                continue;
            }
            let s = self.score_name(&q, &norm, n);
            if s.score > 0.0 && (s.distinctive || s.exact_all || s.glued) {
                best.push((ix.names[n as usize].entity, s.score, n, s.exact_written));
            }
        }
        self.finish(query, threshold, &q, &norm, best, id_hits, only)
    }

    fn identifier_hits(&self, query: &ScreenQuery) -> Vec<(u32, u16, String)> {
        let ix = &self.index;
        let mut out: Vec<(u32, u16, String)> = Vec::new();
        let mut keys: Vec<(String, &'static str)> = Vec::new();
        if let Some(v) = &query.vat {
            let c = super::model::compact_identifier(v);
            let bare = c
                .get(2..)
                .filter(|_| c.chars().take(2).all(|x| x.is_ascii_alphabetic()));
            for k in index::identifier_keys(&c) {
                keys.push((k, "VAT"));
            }
            if let Some(b) = bare {
                for k in index::identifier_keys(b) {
                    keys.push((k, "VAT"));
                }
            }
        }
        for (v, label) in [(&query.lei, "LEI"), (&query.register, "register")] {
            if let Some(v) = v {
                for k in index::identifier_keys(v) {
                    keys.push((k, label));
                }
            }
        }
        for (k, label) in keys {
            if let Some(hits) = ix.identifiers.get(&k) {
                for &(e, i) in hits {
                    if kind_compatible(query.kind, ix.entities[e as usize].kind)
                        && !out.iter().any(|(x, _, _)| *x == e)
                    {
                        out.push((e, i, label.to_string()));
                    }
                }
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        query: &ScreenQuery,
        threshold: f64,
        q: &[QueryToken],
        norm: &NormName,
        mut best: Vec<(u32, f32, u32, bool)>,
        id_hits: Vec<(u32, u16, String)>,
        only: Option<&HashSet<(ListSource, String)>>,
    ) -> Vec<Hit> {
        let ix = &self.index;
        // Per entity the best name, and among equals the one written as the query is: "PETROPARS
        // LIMITED" is that alias itself, not the primary "PETROPARS LTD." that scores the same.
        best.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(b.3.cmp(&a.3)));
        best.dedup_by_key(|x| x.0);
        for (e, _, _) in &id_hits {
            if !best.iter().any(|(x, _, _, _)| x == e) {
                // Identifier-only hit: report the entity's best-scoring name.
                let range = ix.entity_names[*e as usize].clone();
                let top = range
                    .map(|n| {
                        let s = self.score_name(q, norm, n);
                        (s.score, n, s.exact_written)
                    })
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                if let Some((s, n, exact)) = top {
                    best.push((*e, s, n, exact));
                }
            }
        }
        let country = query.country.as_deref().and_then(super::countries::to_iso);
        let has_identifier = query.vat.is_some() || query.lei.is_some() || query.register.is_some();
        let mut hits = Vec::new();
        for (e, name_score, name_id, _) in best {
            let entity = &ix.entities[e as usize];
            if let Some(only) = only
                && !only.contains(&(entity.source, entity.id.clone()))
            {
                continue;
            }
            // Only a matching country (+0.05) or an identifier lifts a name score; a candidate
            // that cannot reach the threshold (even after rounding to three decimals) is not
            // scored again for its explanation.
            let identified_here = id_hits.iter().any(|(x, _, _)| *x == e);
            if !identified_here && f64::from(name_score) + COUNTRY_MATCH + 0.001 < threshold {
                continue;
            }
            let ns = self.score_name(q, norm, name_id);
            let name = &ix.names[name_id as usize];
            let listed_text = &entity.names[name.name as usize].text;
            // The listed name itself (weak aliases excepted: they are too short to be sure).
            // The listed name as written, or the same words and legal form with the form
            // spelled another way ("CO" for "COMPANY") when more than one word agrees.
            let exact = name.kind != NameKind::WeakAlias
                && (ns.exact_written || (ns.exact_all && !ns.one_word));
            // Only the legal form differs, and more than one word agrees: still the listed
            // name. One word alone (a brand, an acronym) may be a namesake.
            let near_exact =
                exact || (ns.near_exact && !ns.one_word && name.kind != NameKind::WeakAlias);
            let mut score = f64::from(name_score);
            let mut adjustments = Vec::new();
            let mut reasons = Vec::new();
            if exact {
                reasons.push(HitReason::ExactName {
                    listed: listed_text.clone(),
                });
            } else {
                reasons.push(HitReason::SimilarName {
                    listed: listed_text.clone(),
                    score: (f64::from(name_score) * 1000.0).round() / 1000.0,
                });
                reasons.extend(self.name_reasons(q, &ns, name_id));
            }
            let mut identified = false;
            if let Some((_, i, label)) = id_hits.iter().find(|(x, _, _)| *x == e) {
                let id = &entity.identifiers[*i as usize];
                let raised = (IDENTIFIER_FLOOR - score).max(0.0);
                score = score.max(IDENTIFIER_FLOOR);
                let detail = format!("query {label} = listed {} {}", id.kind, id.value);
                adjustments.push(Adjustment {
                    reason: format!("identifier match: {detail}"),
                    delta: raised,
                });
                reasons.push(HitReason::IdentifierMatch { detail });
                identified = true;
            } else if has_identifier {
                reasons.push(HitReason::NoIdentifierInCommon);
            }
            let mut same_country = false;
            match country {
                Some(c) if !entity.countries.is_empty() => {
                    if entity.countries.iter().any(|x| x == c) {
                        let delta = COUNTRY_MATCH.min(1.0 - score).max(0.0);
                        score += delta;
                        adjustments.push(Adjustment {
                            reason: format!("country match: {c}"),
                            delta,
                        });
                        reasons.push(HitReason::SameCountry {
                            country: c.to_string(),
                        });
                        same_country = true;
                    } else {
                        // Front companies live abroad: another country never lowers the listed
                        // name itself, nor an identifier match; it only makes a fuzzy name weaker.
                        let delta = if near_exact || identified {
                            0.0
                        } else {
                            COUNTRY_CONFLICT
                        };
                        score = (score + delta).max(0.0);
                        adjustments.push(Adjustment {
                            reason: format!(
                                "country conflict: query {c}, listed {}",
                                entity.countries.join("/")
                            ),
                            delta,
                        });
                        reasons.push(HitReason::CountryDiffers {
                            ours: c.to_string(),
                            listed: entity.countries.clone(),
                        });
                    }
                }
                _ => reasons.push(HitReason::NoCountryToCompare),
            }
            let score = (score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0;
            if score < threshold {
                continue;
            }
            // Strong: the listed name itself, an identifier, or a name that passes on its own
            // and whose country agrees. Everything else is a lead for review.
            let strength = if exact
                || identified
                || (same_country && f64::from(name_score) >= threshold && !ns.one_word)
            {
                HitStrength::Strong
            } else {
                HitStrength::Possible
            };
            let explanation = self.explain(q, norm, name_id, name_score, adjustments);
            hits.push(Hit {
                source: entity.source,
                entity_id: entity.id.clone(),
                name: entity.primary_name().to_string(),
                kind: entity.kind,
                score,
                explanation,
                entity_hash: ix.match_hashes[e as usize].clone(),
                content_hash: entity.content_hash.clone(),
                strength,
                reasons,
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.source.cmp(&b.source))
                .then(a.entity_id.cmp(&b.entity_id))
        });
        hits
    }

    /// What an analyst should know about a name that is not the listed name word for word.
    fn name_reasons(&self, q: &[QueryToken], ns: &NameScore, name_id: u32) -> Vec<HitReason> {
        let ix = &self.index;
        let name = &ix.names[name_id as usize];
        let text = |j: usize| ix.tokens[name.tokens[j] as usize].text.to_string();
        let mut out = Vec::new();
        if ns.one_word
            && let Some(&(_, j, _)) = ns
                .pairs
                .iter()
                .find(|p| ix.tokens[name.tokens[p.1] as usize].class == TokenClass::Word)
        {
            out.push(HitReason::OneWordInCommon { word: text(j) });
        }
        for &(i, j, sim) in &ns.pairs {
            if sim < 1.0 {
                out.push(HitReason::SpellingDiffers {
                    ours: q[i].text.clone(),
                    listed: text(j),
                });
            }
        }
        let missing: Vec<String> = (0..name.tokens.len())
            .filter(|j| !ns.pairs.iter().any(|p| p.1 == *j))
            .filter(|j| {
                matches!(
                    ix.tokens[name.tokens[*j] as usize].class,
                    TokenClass::Word | TokenClass::Generic | TokenClass::Number
                )
            })
            .map(text)
            .collect();
        if !missing.is_empty() {
            out.push(HitReason::ListedWordsMissing { words: missing });
        }
        out
    }

    fn explain(
        &self,
        q: &[QueryToken],
        norm: &NormName,
        name_id: u32,
        name_score: f32,
        adjustments: Vec<Adjustment>,
    ) -> Explanation {
        let ix = &self.index;
        let s = self.score_name(q, norm, name_id);
        let name = &ix.names[name_id as usize];
        let entity = &ix.entities[name.entity as usize];
        let text = |j: usize| ix.tokens[name.tokens[j] as usize].text.to_string();
        let mut pairs = s.pairs.clone();
        pairs.sort_by_key(|p| p.0);
        let tokens = pairs
            .iter()
            .map(|&(i, j, sim)| TokenMatch {
                query: q[i].text.clone(),
                listed: text(j),
                similarity: (f64::from(sim) * 100.0).round() / 100.0,
            })
            .collect();
        let unmatched_query = (0..q.len())
            .filter(|i| !s.pairs.iter().any(|p| p.0 == *i))
            .map(|i| q[i].text.clone())
            .collect();
        let unmatched_listed = (0..name.tokens.len())
            .filter(|j| !s.pairs.iter().any(|p| p.1 == *j))
            .map(text)
            .collect();
        let mut notes = Vec::new();
        if s.glued {
            notes.push("whole name compared without spaces".to_string());
        }
        if s.number_mismatch {
            notes.push("numbers differ (x0.7)".to_string());
        }
        if s.replaced {
            notes.push("a distinctive word differs on each side (x0.9)".to_string());
        }
        if s.craft_inside {
            notes.push("vessel/aircraft name inside a longer name (x0.9)".to_string());
        }
        if s.contained && !s.pairs.is_empty() && s.pairs.len() < q.len() {
            notes.push("the whole listed name is inside the query (extra words x0.3)".to_string());
        }
        if s.within && !s.contained && s.pairs.len() < name.tokens.len() {
            notes.push(
                "the query is a shortened form of the listed name, anchored by a rare word \
                 (missing words x0.1)"
                    .to_string(),
            );
        }
        if s.generic_only {
            notes.push(
                "generic words only: capped at 0.8 unless the country or an identifier matches"
                    .to_string(),
            );
        }
        if s.misspelled_only {
            notes.push(
                "one short word with a letter replaced: capped at 0.8 unless the country or an \
                 identifier matches"
                    .to_string(),
            );
        }
        if s.single_word_lead {
            notes.push(
                "one word in common and the listed name says more: capped at 0.8 unless the \
                 country or an identifier matches"
                    .to_string(),
            );
        }
        if s.weak_capped {
            notes.push("weak alias: exact only, capped at 0.8".to_string());
        }
        Explanation {
            matched_name: entity.names[name.name as usize].text.clone(),
            name_kind: name.kind,
            name_score: (f64::from(name_score) * 1000.0).round() / 1000.0,
            tokens,
            unmatched_query,
            unmatched_listed,
            notes,
            adjustments,
        }
    }
}

impl Screener {
    /// The candidate names blocking selects for a name (for measuring blocking and baselines):
    /// `(entity index, listed name text)`.
    pub fn candidates(&self, name: &str) -> Vec<(usize, String)> {
        let ix = &self.index;
        let norm = normalise::normalise(name);
        let q = self.expand(&norm);
        let has_word = q
            .iter()
            .any(|t| matches!(t.class, TokenClass::Word | TokenClass::Number));
        let mut acc: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
        let mut frequent = Vec::new();
        for qt in &q {
            for &(tid, s) in &qt.expansions {
                let info = &ix.tokens[tid as usize];
                if info.df > ix.df_cap && has_word {
                    frequent.push((tid, info.weight * s));
                    continue;
                }
                for &n in &ix.postings[tid as usize] {
                    *acc.entry(n).or_default() += info.weight * s;
                }
            }
        }
        for (tid, add) in frequent {
            for &n in &ix.postings[tid as usize] {
                if let Some(v) = acc.get_mut(&n) {
                    *v += add;
                }
            }
        }
        for (n, v) in acc.iter_mut() {
            *v -= 0.001 * ix.names[*n as usize].tokens.len() as f32;
        }
        for g in [&norm.glued, &norm.glued_full] {
            if let Some(ns) = ix.glued.get(&hash_str(g)) {
                for &n in ns {
                    *acc.entry(n).or_default() += 100.0;
                }
            }
        }
        let mut v: Vec<(f32, u32)> = acc.into_iter().map(|(n, s)| (s, n)).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.truncate(TOP_K);
        v.into_iter()
            .map(|(_, n)| {
                let name = &ix.names[n as usize];
                let e = &ix.entities[name.entity as usize];
                (
                    name.entity as usize,
                    e.names[name.name as usize].text.clone(),
                )
            })
            .collect()
    }
}
