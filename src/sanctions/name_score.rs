//! The score of one listed name against a query: an alignment of the query's tokens with the
//! listed name's tokens, then one function per rule that reads the alignment (a whole name
//! inside the other, shortened forms, replaced words and numbers, glued spellings, generic or
//! short-word-only matches, the name as written, weak aliases).
//!
//! `Σ w̄·s / (Σ w̄ + α·Σ unmatched query w + β·Σ unmatched listed w)` is the base score; the
//! rules multiply, raise or cap it. The matcher (`matcher.rs`) finds the candidates and turns
//! the best name per entity into a hit.

use super::index::{Index, IndexedName, TokenInfo};
use super::model::{EntityKind, NameKind};
use super::normalise::{self, NormName, TokenClass};

/// Unmatched query words and numbers cost this share of their weight.
const ALPHA: f32 = 0.8;
/// Unmatched generic words, legal forms and stopwords on the query side cost less.
const ALPHA_LIGHT: f32 = 0.5;
/// Extra query words cost this much when the whole listed name is inside the query.
const ALPHA_CONTAINED: f32 = 0.3;
/// How close every listed word must be paired for the listed name to count as contained.
const CONTAINED_MIN_SIM: f32 = 0.9;
/// A distinctive word on each side without a partner: one word was replaced by another.
const REPLACED_WORD: f32 = 0.9;
/// Unmatched listed tokens cost this share of their weight.
const BETA: f32 = 0.2;
/// Missing listed words cost this much when the query is a shortened form of the listed name
/// ("DARKAZANLI COMPANY" for "MAMOUN DARKAZANLI IMPORT-EXPORT COMPANY") anchored by a rare word.
const BETA_WITHIN: f32 = 0.1;
/// A listed word at least this heavy (in about ten names or fewer) can anchor a shortened name.
const RARE_WEIGHT: f32 = 0.85;
/// The rare anchor word must be spelled the same (a typo in it is one doubt too many).
const RARE_MIN_SIM: f32 = 1.0;
/// A weak alias counts only when it matches exactly, and then no higher than this.
const WEAK_ALIAS_CAP: f32 = 0.8;
/// A match of generic words only ("GLOBAL ENERGY CO" on a listed "GLOBAL ENERGY COMPANY
/// S.A.S.") stays below the default threshold unless a country or identifier corroborates it.
const GENERIC_ONLY_CAP: f32 = 0.8;
/// Generic words paired one to one, both names wholly covered, from which a name of generic
/// words counts as a name.
const GENERIC_NAME_MIN_WORDS: usize = 4;
/// Words up to this length spelled differently do not make a name on their own.
const SHORT_WORD_MAX: usize = 6;
/// A number on each side without a partner ("PHASE 2" for "PHASE 3") multiplies the score.
const NUMBER_MISMATCH: f32 = 0.7;

/// A query token with its fuzzy expansions into the dictionary.
pub(super) struct QueryToken {
    pub(super) text: String,
    pub(super) class: TokenClass,
    pub(super) weight: f32,
    /// Dictionary token ids this token may stand for, with their similarity.
    pub(super) expansions: Vec<(u32, f32)>,
}

/// Score of one listed name against the query.
pub(super) struct NameScore {
    pub(super) score: f32,
    pub(super) distinctive: bool,
    pub(super) exact_all: bool,
    /// The listed name as written (folded): always a hit.
    pub(super) exact_written: bool,
    /// Paired tokens: (query index, listed index, similarity).
    pub(super) pairs: Vec<(usize, usize, f32)>,
    pub(super) glued: bool,
    pub(super) number_mismatch: bool,
    pub(super) replaced: bool,
    pub(super) craft_inside: bool,
    pub(super) weak_capped: bool,
    pub(super) contained: bool,
    pub(super) within: bool,
    pub(super) generic_only: bool,
    /// Only short words spelled differently in common.
    pub(super) misspelled_only: bool,
    /// Every word and number on both sides paired and spelled the same; only legal forms and
    /// stopwords differ.
    pub(super) near_exact: bool,
    /// Only one word in common (a brand word two firms may share).
    pub(super) one_word: bool,
    /// One word in common and the listed name has more.
    pub(super) single_word_lead: bool,
}

/// Words, generic words and numbers: what a name is made of (not legal forms or stopwords).
fn is_content(c: TokenClass) -> bool {
    matches!(
        c,
        TokenClass::Word | TokenClass::Generic | TokenClass::Number
    )
}

/// The best one-to-one pairing of query tokens with the listed name's tokens, greedy by
/// similarity, with the weighted sums of the paired tokens.
struct Alignment<'a> {
    ix: &'a Index,
    q: &'a [QueryToken],
    name: &'a IndexedName,
    pairs: Vec<(usize, usize, f32)>,
    q_used: Vec<bool>,
    c_used: Vec<bool>,
    num: f32,
    den: f32,
    /// A real word of three letters or more paired closely.
    distinctive: bool,
}

impl<'a> Alignment<'a> {
    fn new(ix: &'a Index, q: &'a [QueryToken], name: &'a IndexedName) -> Alignment<'a> {
        let mut cells: Vec<(f32, usize, usize)> = Vec::new();
        for (i, qt) in q.iter().enumerate() {
            for (j, &tid) in name.tokens.iter().enumerate() {
                if let Some((_, s)) = qt.expansions.iter().find(|(id, _)| *id == tid) {
                    cells.push((*s, i, j));
                }
            }
        }
        cells.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut al = Alignment {
            ix,
            q,
            name,
            pairs: Vec::new(),
            q_used: vec![false; q.len()],
            c_used: vec![false; name.tokens.len()],
            num: 0.0,
            den: 0.0,
            distinctive: false,
        };
        for (s, i, j) in cells {
            if al.q_used[i] || al.c_used[j] {
                continue;
            }
            al.q_used[i] = true;
            al.c_used[j] = true;
            let info = al.listed(j);
            let w = (q[i].weight + info.weight) / 2.0;
            al.num += w * s;
            al.den += w;
            if info.class == TokenClass::Word
                && q[i].class == TokenClass::Word
                && s >= 0.8
                && info.text.len() >= 3
            {
                al.distinctive = true;
            }
            al.pairs.push((i, j, s));
        }
        al
    }

    /// The listed name's `j`-th token.
    fn listed(&self, j: usize) -> &'a TokenInfo {
        &self.ix.tokens[self.name.tokens[j] as usize]
    }

    fn kind(&self) -> EntityKind {
        self.ix.entities[self.name.entity as usize].kind
    }

    /// Whether listed token `j` is paired at least `min` closely.
    fn listed_paired(&self, j: usize, min: f32) -> bool {
        self.c_used[j] && self.pairs.iter().any(|p| p.1 == j && p.2 >= min)
    }

    /// The whole listed name inside a longer query ("KAVEH CUTTING TOOLS COMPLEX" for
    /// "KAVEH CUTTING TOOLS"): every listed word and number paired closely, and at least two
    /// real words, so that a lone word ("SOLMAR") or a name of generic words never counts.
    /// One real word with two generic ones ("GADDAFI ... CHARITY ... FOUNDATION") is as much
    /// a name as two real words.
    fn contained(&self) -> bool {
        let (mut words, mut generic) = (0, 0);
        let all = (0..self.name.tokens.len()).all(|j| {
            let info = self.listed(j);
            let close = self.listed_paired(j, CONTAINED_MIN_SIM);
            match info.class {
                TokenClass::Word | TokenClass::Number => {
                    if close && info.class == TokenClass::Word && info.text.len() >= 3 {
                        words += 1;
                    }
                    close
                }
                TokenClass::Generic => {
                    generic += usize::from(close);
                    true
                }
                _ => true,
            }
        });
        all && (words >= 2 || (words == 1 && generic >= 2))
    }

    /// The mirror case, the query inside the listed name: registers keep short names, lists
    /// keep full ones. Every query word and number paired closely and one of them rare in
    /// the lists, so that generic words ("CHARITY FOUNDATION") never shorten a name.
    fn within(&self) -> bool {
        let q = self.q;
        let every_query_word_paired = q.iter().enumerate().all(|(i, qt)| {
            !matches!(qt.class, TokenClass::Word | TokenClass::Number)
                || self
                    .pairs
                    .iter()
                    .any(|p| p.0 == i && p.2 >= CONTAINED_MIN_SIM)
        });
        let rare_anchor = self.pairs.iter().any(|&(i, j, s)| {
            let info = self.listed(j);
            q[i].class == TokenClass::Word
                && info.class == TokenClass::Word
                && s >= RARE_MIN_SIM
                && info.text.len() >= 4
                && info.weight >= RARE_WEIGHT
        });
        // One missing word at most: more and the short name is a different name.
        let missing_words = (0..self.name.tokens.len())
            .filter(|&j| !self.c_used[j] && self.listed(j).class == TokenClass::Word)
            .count();
        every_query_word_paired
            && rare_anchor
            && self.kind() == EntityKind::Organisation
            && missing_words <= 1
    }

    /// Adds the cost of unpaired tokens on both sides to the denominator; returns whether a
    /// real word was left unpaired on each side (one word replaced by another) and whether a
    /// number was (on each side).
    fn charge_unpaired(&mut self, contained: bool, within: bool) -> (bool, bool) {
        let (mut q_num, mut q_word) = (false, false);
        for (i, qt) in self.q.iter().enumerate() {
            if !self.q_used[i] {
                let alpha = match qt.class {
                    TokenClass::Word if contained => ALPHA_CONTAINED,
                    TokenClass::Word | TokenClass::Number => ALPHA,
                    _ if contained => ALPHA_CONTAINED.min(ALPHA_LIGHT),
                    _ => ALPHA_LIGHT,
                };
                self.den += alpha * qt.weight;
                q_num |= qt.class == TokenClass::Number;
                q_word |= qt.class == TokenClass::Word && qt.text.len() >= 3;
            }
        }
        let (mut c_num, mut c_word) = (false, false);
        let beta = if within { BETA_WITHIN } else { BETA };
        for j in 0..self.name.tokens.len() {
            if !self.c_used[j] {
                let info = self.listed(j);
                self.den += beta * info.weight;
                c_num |= info.class == TokenClass::Number;
                c_word |= info.class == TokenClass::Word && info.weight >= 0.5;
            }
        }
        (q_word && c_word, q_num && c_num)
    }

    /// Every token on both sides paired closely, apart from legal forms and real stopwords.
    /// Initials ("M S GROUP INVEST") are light but still tell names apart, so they must pair.
    fn full_cover(&self) -> bool {
        let ignorable = |class: TokenClass, text: &str| {
            class == TokenClass::Legal || (class == TokenClass::Stop && text.len() > 1)
        };
        (0..self.name.tokens.len()).all(|j| {
            let info = self.listed(j);
            self.c_used[j] || ignorable(info.class, &info.text)
        }) && self
            .q
            .iter()
            .enumerate()
            .all(|(i, t)| self.q_used[i] || ignorable(t.class, &t.text))
            && self.pairs.iter().all(|p| p.2 >= 0.8)
    }

    /// Every token on both sides paired and spelled the same.
    fn exact_all(&self) -> bool {
        self.q_used.iter().all(|u| *u)
            && self.c_used.iter().all(|u| *u)
            && self.pairs.iter().all(|p| p.2 >= 1.0)
    }

    /// Pairs of words, generic words or numbers (legal forms and stopwords left out).
    fn content_pairs(&self) -> Vec<(usize, usize, f32)> {
        self.pairs
            .iter()
            .copied()
            .filter(|p| is_content(self.q[p.0].class) && is_content(self.listed(p.1).class))
            .collect()
    }

    /// Pairs that are names rather than legal forms or stopwords on either side.
    fn paired_words(&self) -> usize {
        self.pairs
            .iter()
            .filter(|p| self.listed(p.1).class != TokenClass::Legal)
            .filter(|p| !matches!(self.q[p.0].class, TokenClass::Legal | TokenClass::Stop))
            .count()
    }

    /// Classes of the listed content tokens left unpaired.
    fn missing_content(&self) -> Vec<TokenClass> {
        (0..self.name.tokens.len())
            .filter(|&j| !self.c_used[j] && is_content(self.listed(j).class))
            .map(|j| self.listed(j).class)
            .collect()
    }

    fn listed_has_word(&self) -> bool {
        (0..self.name.tokens.len()).any(|j| self.listed(j).class == TokenClass::Word)
    }
}

/// Joined or split words change the token count; only then compare whole names without
/// spaces, so that edits spread over several words do not pass as one name. Returns the
/// score of the glued comparison when it is within the edit budget for the length.
fn glued_score(query: &str, listed: &str) -> Option<f32> {
    if query.len() < 6 || listed.len() < 6 {
        return None;
    }
    let (a, b) = (query.as_bytes(), listed.as_bytes());
    let len = a.len().max(b.len());
    let budget = match len {
        0..12 => 0,
        12..24 => 1,
        _ => 2,
    };
    let d = normalise::osa_distance(a, b, budget);
    (d <= budget).then(|| 0.97 * (1.0 - 0.8 * d as f32 / len as f32))
}

/// A name that rests on one short word with a letter replaced ("CISCO" for "ZISCO",
/// "BAYER" for "BAJER") is another name, not a typo: one letter in five is a fifth of the
/// word. A slip of typing (a letter dropped, doubled or swapped) still counts, and so does
/// another romanisation of a name written in Cyrillic or Greek. It stays below the threshold
/// unless a country or identifier agrees, or another word agrees.
fn misspelled_only(
    al: &Alignment<'_>,
    content_pairs: &[(usize, usize, f32)],
    norm: &NormName,
) -> bool {
    content_pairs.len() == 1
        && content_pairs.iter().all(|p| {
            let listed = &al.listed(p.1).text;
            p.2 < 1.0
                && listed.len() <= SHORT_WORD_MAX
                && !normalise::is_typing_slip(&al.q[p.0].text, listed)
                && !(norm.transliterated && normalise::same_skeleton(&al.q[p.0].text, listed))
        })
}

/// One word in common while the listed name says more ("ACCENTURE" for "ACCENTURE BUILDING
/// MATERIALS", "AMD" for "AMD CO. LTD AGENCY") is a namesake as often as the entity: the
/// missing words are what the listed firm is. Registers often drop the one word that says
/// what kind of business it is ("MELLI PLC" for "MELLI BANK PLC"), a whole word spelled out,
/// not an acronym or a typo; only that, or a shortened form anchored by a word rare
/// everywhere (`within`), may drop words.
fn single_word_lead(
    al: &Alignment<'_>,
    content_pairs: &[(usize, usize, f32)],
    within: bool,
) -> bool {
    let missing = al.missing_content();
    let drops_business_word = missing.len() == 1
        && missing[0] == TokenClass::Generic
        && content_pairs
            .iter()
            .all(|p| p.2 >= 1.0 && al.listed(p.1).text.len() > 3);
    content_pairs.len() == 1 && !missing.is_empty() && !drops_business_word && !within
}

/// Scores listed name `name_id` of the index against the expanded query `q` (`norm` is the
/// query's normalised form).
pub(super) fn score_name(ix: &Index, q: &[QueryToken], norm: &NormName, name_id: u32) -> NameScore {
    let name = &ix.names[name_id as usize];
    let mut al = Alignment::new(ix, q, name);
    let contained = al.contained();
    let within = al.within();
    let (replaced, number_mismatch) = al.charge_unpaired(contained, within);
    let mut score = if al.den > 0.0 { al.num / al.den } else { 0.0 };
    if replaced {
        score *= REPLACED_WORD;
    }
    // Vessels and aircraft carry common words as names ("SAFE"); a longer company name that
    // merely contains one is weak evidence.
    let craft_inside = matches!(al.kind(), EntityKind::Vessel | EntityKind::Aircraft)
        && al.q_used.iter().any(|u| !u);
    if craft_inside {
        score *= REPLACED_WORD;
    }
    let full_cover = al.full_cover();
    let exact_all = al.exact_all();
    if number_mismatch {
        score *= NUMBER_MISMATCH;
    }
    let mut glued = false;
    if !number_mismatch
        && score < 0.95
        && let Some(g) = glued_score(&norm.glued_full, &name.glued_full)
        && g > score
    {
        score = g;
        glued = al.listed_has_word();
    }
    // Generic words alone never make a hit on the name: "GLOBAL ENERGY CO" names too many
    // companies. A joined spelling of real words ("SIEMENSAG") is not generic, and neither is
    // a long name paired word for word ("IRAN AIRCRAFT MANUFACTURING INDUSTRIAL CO"): four
    // generic words in common are a name, not a coincidence.
    let long_generic_name = full_cover && al.paired_words() >= GENERIC_NAME_MIN_WORDS;
    let content_pairs = al.content_pairs();
    let misspelled_only = !glued && misspelled_only(&al, &content_pairs, norm);
    if misspelled_only {
        score = score.min(GENERIC_ONLY_CAP);
    }
    // The same words and legal form, spelled out or abbreviated ("NATIONAL IRANIAN OIL CO"
    // for "... COMPANY"), with at least two words: the listed name, not a generic phrase.
    let same_name = exact_all && content_pairs.len() >= 2;
    let generic_only = !al.distinctive && !glued && !long_generic_name && !same_name;
    if generic_only {
        score = score.min(GENERIC_ONLY_CAP);
    }
    let near_exact = full_cover && !number_mismatch && al.pairs.iter().all(|p| p.2 >= 1.0);
    // The listed name itself is a hit whatever its words are: a front company registered
    // under "CENTRAL BANK OF IRAN" is not a generic coincidence. "Exact" is the name as
    // written, after folding case, accents, script and spacing: "CAPITAL JSC" is not
    // "CAPITAL S.A.L." although both are a capital company.
    let exact_written = exact_all && norm.glued_full == *name.glued_full;
    if exact_written {
        score = 1.0;
    }
    let one_word = content_pairs.len() == 1;
    let single_word_lead = !glued && single_word_lead(&al, &content_pairs, within);
    if single_word_lead {
        score = score.min(GENERIC_ONLY_CAP);
    }
    let mut weak_capped = false;
    if name.kind == NameKind::WeakAlias {
        weak_capped = true;
        score = if exact_all || (glued && norm.glued_full == *name.glued_full) {
            score.min(WEAK_ALIAS_CAP)
        } else {
            0.0
        };
    }
    // Names made only of generic words (e.g. "IRAN AIRCRAFT INDUSTRIES") have no distinctive
    // word; they may still alert when every word on both sides is paired.
    let distinctive = al.distinctive || (full_cover && !al.listed_has_word());
    NameScore {
        score,
        distinctive,
        exact_all,
        exact_written,
        pairs: al.pairs,
        glued,
        number_mismatch,
        replaced,
        craft_inside,
        weak_capped,
        contained,
        within,
        generic_only,
        misspelled_only,
        near_exact,
        one_word,
        single_word_lead,
    }
}
