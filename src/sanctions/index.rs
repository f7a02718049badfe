//! The screening index over all loaded list entities: interned tokens with IDF weights,
//! postings, a one-deletion neighbourhood and skeleton map for fuzzy token lookup, glued-name
//! and identifier maps. Built once per list change and shared read-only.

use super::model::{ListedEntity, NameKind, compact_identifier};
use super::normalise::{self, TokenClass};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
use std::ops::Range;

/// The highest normalised IDF an ordinary English word gets: that of a word found in about
/// the square root of the number of listed names.
const COMMON_WORD_IDF: f32 = 0.5;

/// Identifiers shorter than this are too ambiguous to match on.
const MIN_IDENTIFIER_LEN: usize = 5;

/// One interned token.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) text: Box<str>,
    pub(crate) class: TokenClass,
    pub(crate) df: u32,
    pub(crate) weight: f32,
}

/// One indexed name of an entity.
#[derive(Debug, Clone)]
pub(crate) struct IndexedName {
    pub(crate) entity: u32,
    /// Position of the name in the entity's `names`.
    pub(crate) name: u16,
    pub(crate) kind: NameKind,
    pub(crate) tokens: Box<[u32]>,
    pub(crate) glued_full: Box<str>,
}

/// The immutable index.
#[derive(Debug, Default)]
pub struct Index {
    pub(crate) entities: Vec<ListedEntity>,
    pub(crate) match_hashes: Vec<String>,
    pub(crate) entity_names: Vec<Range<u32>>,
    pub(crate) names: Vec<IndexedName>,
    pub(crate) dict: FxHashMap<Box<str>, u32>,
    pub(crate) tokens: Vec<TokenInfo>,
    pub(crate) postings: Vec<Vec<u32>>,
    pub(crate) deletes: FxHashMap<u64, Vec<u32>>,
    pub(crate) skeletons: FxHashMap<u64, Vec<u32>>,
    pub(crate) glued: FxHashMap<u64, Vec<u32>>,
    pub(crate) identifiers: FxHashMap<String, Vec<(u32, u16)>>,
    pub(crate) df_cap: u32,
}

/// A fast hash of a string, for maps whose hits are verified afterwards.
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// The token itself and every string with one byte removed (tokens are ASCII after folding).
pub(crate) fn deletion_variants(token: &str, mut f: impl FnMut(u64)) {
    f(hash_str(token));
    let b = token.as_bytes();
    let mut buf = String::with_capacity(b.len());
    for i in 0..b.len() {
        if i > 0 && b[i] == b[i - 1] {
            continue;
        }
        buf.clear();
        buf.push_str(&token[..i]);
        buf.push_str(&token[i + 1..]);
        f(hash_str(&buf));
    }
}

/// Whether a token takes part in fuzzy lookup.
pub(crate) fn fuzzy_eligible(text: &str, class: TokenClass) -> bool {
    matches!(class, TokenClass::Word | TokenClass::Generic) && text.len() >= 4
}

/// Whether a token takes part in skeleton (romanisation variant) lookup.
/// Listed tokens are indexed from three letters, so that a romanised query ("УКИ" -> "uki")
/// can find "UCI"; a Latin query uses skeletons from [`normalise::SKELETON_MIN_LEN`] only.
pub(crate) fn skeleton_eligible(text: &str, class: TokenClass, min_len: usize) -> bool {
    matches!(class, TokenClass::Word | TokenClass::Generic) && text.len() >= min_len
}

/// The identifier keys of a value: the compact form, and its digits when there are at least 6.
pub(crate) fn identifier_keys(value: &str) -> Vec<String> {
    let compact = compact_identifier(value);
    let mut keys = Vec::new();
    if compact.len() >= MIN_IDENTIFIER_LEN {
        keys.push(compact.clone());
    }
    let digits: String = compact.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 6 && digits != compact {
        keys.push(digits);
    }
    keys
}

fn push_unique(v: &mut Vec<u32>, x: u32) {
    if v.last() != Some(&x) {
        v.push(x);
    }
}

impl Index {
    /// Builds the index over these entities.
    pub fn build(entities: Vec<ListedEntity>) -> Index {
        let mut ix = Index {
            match_hashes: entities.iter().map(ListedEntity::match_hash).collect(),
            ..Index::default()
        };
        for (ei, e) in entities.iter().enumerate() {
            let ei = ei as u32;
            let start = ix.names.len() as u32;
            for (ni, n) in e.names.iter().enumerate().take(u16::MAX as usize) {
                let norm = normalise::normalise(&n.text);
                if norm.tokens.is_empty() {
                    continue;
                }
                let name_id = ix.names.len() as u32;
                let mut ids = Vec::with_capacity(norm.tokens.len());
                for t in norm.tokens {
                    let id = match ix.dict.get(t.text.as_str()) {
                        Some(&id) => id,
                        None => {
                            let id = ix.tokens.len() as u32;
                            ix.dict.insert(t.text.clone().into_boxed_str(), id);
                            ix.tokens.push(TokenInfo {
                                text: t.text.into_boxed_str(),
                                class: t.class,
                                df: 0,
                                weight: 0.0,
                            });
                            ix.postings.push(Vec::new());
                            id
                        }
                    };
                    push_unique(&mut ix.postings[id as usize], name_id);
                    ids.push(id);
                }
                for g in [&norm.glued, &norm.glued_full] {
                    if g.len() >= 4 {
                        push_unique(ix.glued.entry(hash_str(g)).or_default(), name_id);
                    }
                }
                ix.names.push(IndexedName {
                    entity: ei,
                    name: ni as u16,
                    kind: n.kind,
                    tokens: ids.into_boxed_slice(),
                    glued_full: norm.glued_full.into_boxed_str(),
                });
            }
            ix.entity_names.push(start..ix.names.len() as u32);
            for id in &e.identifiers {
                for key in identifier_keys(&id.value) {
                    let slot = ix.identifiers.entry(key).or_default();
                    let idx = e.identifiers.iter().position(|x| x == id).unwrap_or(0) as u16;
                    if !slot.iter().any(|(x, _)| *x == ei) {
                        slot.push((ei, idx));
                    }
                }
            }
        }
        let n = ix.names.len().max(1) as f32;
        let max_idf = (1.0 + n).ln();
        for (id, t) in ix.tokens.iter_mut().enumerate() {
            t.df = ix.postings[id].len() as u32;
            let mut idf = (1.0 + n / t.df.max(1) as f32).ln() / max_idf;
            // Rarity on the lists alone would make "TARGET" or "POST" as telling as a listed
            // surname; in ordinary company names they are everyday words.
            if t.class == TokenClass::Word && normalise::is_common_word(&t.text) {
                idf = idf.min(COMMON_WORD_IDF);
            }
            t.weight = match t.class {
                TokenClass::Word | TokenClass::Number => {
                    t.class.base_weight() * (0.35 + 0.65 * idf)
                }
                c => c.base_weight(),
            };
        }
        for (id, t) in ix.tokens.iter().enumerate() {
            let id = id as u32;
            if fuzzy_eligible(&t.text, t.class) {
                let deletes = &mut ix.deletes;
                deletion_variants(&t.text, |h| push_unique(deletes.entry(h).or_default(), id));
            }
            if skeleton_eligible(&t.text, t.class, normalise::ROMANISED_SKELETON_MIN_LEN) {
                let (soft, hard) = normalise::skeletons(&t.text);
                for k in std::iter::once(soft).chain(hard) {
                    ix.skeletons.entry(hash_str(&k)).or_default().push(id);
                }
            }
        }
        ix.df_cap = ((ix.names.len() / 100) as u32).max(200);
        ix.entities = entities;
        ix
    }

    /// Number of entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// Number of indexed names.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Number of distinct tokens.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// The indexed entities.
    pub fn entities(&self) -> &[ListedEntity] {
        &self.entities
    }
}
