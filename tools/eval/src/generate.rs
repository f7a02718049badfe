//! The screening evaluation set (screening.md section 8): seeded, deterministic positives built
//! from real list names (exact, real alias held out, transliteration, typos, word order, legal
//! form, spacing, abbreviations, generic extras and drops, homoglyphs, combinations) and hard
//! negatives (generic-token names, token swaps, edits beyond a typo, generic-only names, clean
//! synthetic EU company names), the metrics, and a token-set-ratio baseline.

use kontra::rng::Rng;
use kontra::sanctions::matcher::{ScreenQuery, Screener};
use kontra::sanctions::model::{EntityKind, ListSource, ListedEntity, NameKind};
use kontra::sanctions::normalise::{self, TokenClass};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Mixed into every seed before it starts the generator, so the sets generated since the first
/// evaluation stay exactly the same (the generator once did this itself).
const SEED_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// One evaluation query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalQuery {
    /// Class tag (P0..P11, N1..N6, G for generic-only).
    pub class: String,
    /// The query text.
    pub query: String,
    /// For positives: the entity that must alert (`source:id`).
    pub expected: Option<String>,
    /// For hard negatives built from an entity: that entity, which must not alert.
    pub origin: Option<String>,
}

impl EvalQuery {
    /// Whether it is a positive.
    pub fn is_positive(&self) -> bool {
        self.class.starts_with('P')
    }
}

/// The index entities (with held-out aliases removed) and the queries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvalSet {
    /// What the screener indexes.
    pub entities: Vec<ListedEntity>,
    /// The queries.
    pub queries: Vec<EvalQuery>,
}

/// An evaluation query: a counterparty name screened as an organisation, as the monitor does.
fn org_query(name: &str) -> ScreenQuery {
    ScreenQuery {
        kind: Some(kontra::domain::counterparty::CounterpartyKind::Organisation),
        ..ScreenQuery::name(name)
    }
}

fn key(e: &ListedEntity) -> String {
    format!("{}:{}", e.source, e.id)
}

const SYLLABLES: &[&str] = &[
    "ka", "ro", "mi", "ve", "lu", "sa", "to", "ri", "na", "be", "do", "la", "zi", "fe", "mo",
    "tra", "ver", "len", "dor", "kin", "bra", "sol", "mar", "tel", "nor", "vik", "lia", "qua",
    "pre", "sto", "gal", "ber", "fin", "hal", "ost", "rin", "vel", "cor", "dan", "eli",
];
const INDUSTRY: &[&str] = &[
    "Logistik",
    "Maschinenbau",
    "Handel",
    "Bau",
    "Elektrotechnik",
    "Consulting",
    "Software",
    "Lebensmittel",
    "Transporte",
    "Costruzioni",
    "Servizi",
    "Conseil",
    "Distribution",
    "Ingenieria",
    "Comercial",
    "Technik",
    "Metallbau",
    "Textil",
    "Immobilien",
    "Energie",
    "Systems",
    "Foods",
    "Packaging",
    "Pharma",
    "Druckerei",
    "Spedition",
    "Holzbau",
    "Medien",
    "Automotive",
    "Plastics",
    "Industrie",
    "Solutions",
    "Trading",
    "Services",
    "Group",
];
const FORMS: &[&str] = &[
    "GmbH",
    "AG",
    "GmbH & Co. KG",
    "S.r.l.",
    "S.p.A.",
    "SARL",
    "SAS",
    "S.L.",
    "S.A.",
    "B.V.",
    "N.V.",
    "Sp. z o.o.",
    "s.r.o.",
    "Kft.",
    "Oy",
    "AB",
    "A/S",
    "Ltd",
    "Limited",
    "e.K.",
    "KG",
    "OHG",
    "UG (haftungsbeschränkt)",
    "SE",
    "",
];
const CITIES: &[&str] = &[
    "Hamburg",
    "München",
    "Köln",
    "Wien",
    "Milano",
    "Lyon",
    "Madrid",
    "Rotterdam",
    "Kraków",
    "Brno",
    "Graz",
    "Porto",
    "Gent",
    "Aarhus",
    "Göteborg",
    "Tallinn",
    "Riga",
    "Vilnius",
    "",
    "",
    "",
    "",
];

fn brand(rng: &mut Rng) -> String {
    let n = 2 + rng.index(2);
    let mut s: String = (0..n).map(|_| *rng.pick(SYLLABLES)).collect();
    if let Some(f) = s.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    s
}

/// A clean synthetic company name in an EU language (brand, industry word, form, city).
pub fn clean_name(rng: &mut Rng) -> String {
    let parts = [
        brand(rng),
        (*rng.pick(INDUSTRY)).to_string(),
        (*rng.pick(FORMS)).to_string(),
        (*rng.pick(CITIES)).to_string(),
    ];
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name made only of generic words and a legal form.
pub fn generic_name(rng: &mut Rng) -> String {
    const G: &[&str] = &[
        "International",
        "Trading",
        "Global",
        "General",
        "Services",
        "Group",
        "Holding",
        "Industries",
        "Import Export",
        "Investment",
        "Development",
        "Construction",
        "Technology",
        "National",
        "Commercial",
        "Logistics",
        "Engineering",
        "Energy",
        "Bank",
        "Capital",
        "Partners",
        "Management",
        "United",
        "First",
        "Trust",
    ];
    const F: &[&str] = &[
        "Company",
        "Ltd",
        "LLC",
        "GmbH",
        "Co.",
        "Corporation",
        "S.A.",
        "JSC",
    ];
    let n = 2 + rng.index(2);
    let mut words: Vec<&str> = (0..n).map(|_| *rng.pick(G)).collect();
    words.dedup();
    format!("{} {}", words.join(" "), rng.pick(F))
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Index of the longest word that normalises to a distinctive token.
fn distinctive_word(ws: &[String]) -> Option<usize> {
    ws.iter()
        .enumerate()
        .filter(|(_, w)| {
            let n = normalise::normalise(w);
            n.tokens.len() == 1 && n.tokens[0].class == TokenClass::Word && w.len() >= 5
        })
        .max_by_key(|(i, w)| (w.len(), usize::MAX - i))
        .map(|(i, _)| i)
}

const KEYBOARD: &[(char, &str)] = &[
    ('a', "sqz"),
    ('b', "vn"),
    ('c', "xv"),
    ('d', "sf"),
    ('e', "wr"),
    ('f', "dg"),
    ('g', "fh"),
    ('h', "gj"),
    ('i', "uo"),
    ('j', "hk"),
    ('k', "jl"),
    ('l', "k"),
    ('m', "n"),
    ('n', "bm"),
    ('o', "ip"),
    ('p', "o"),
    ('q', "w"),
    ('r', "et"),
    ('s', "ad"),
    ('t', "ry"),
    ('u', "yi"),
    ('v', "cb"),
    ('w', "qe"),
    ('x', "zc"),
    ('y', "tu"),
    ('z', "x"),
];

fn typo(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if c.len() < 3 {
        return word.to_string();
    }
    // Keep the first letter: most real typos do, and it is what analysts see first.
    let i = 1 + rng.index(c.len() - 1);
    match rng.index(4) {
        0 => {
            let lower = c[i].to_ascii_lowercase();
            if let Some((_, near)) = KEYBOARD.iter().find(|(k, _)| *k == lower) {
                let n: Vec<char> = near.chars().collect();
                let r = *rng.pick(&n);
                c[i] = if c[i].is_uppercase() {
                    r.to_ascii_uppercase()
                } else {
                    r
                };
            }
        }
        1 if i + 1 < c.len() => c.swap(i, i + 1),
        2 => {
            c.remove(i);
        }
        _ => {
            let x = c[i];
            c.insert(i, x);
        }
    }
    c.into_iter().collect()
}

/// Changes at least three (and at least half of the) letters, each to a different letter.
fn edit_beyond(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.to_uppercase().chars().collect();
    let mut positions: Vec<usize> = (0..c.len()).collect();
    for i in (1..positions.len()).rev() {
        let j = rng.index(i + 1);
        positions.swap(i, j);
    }
    for &i in positions.iter().take((c.len() / 2).max(3)) {
        let old = c[i];
        let mut new = old;
        while new == old {
            new = (b'A' + rng.index(26) as u8) as char;
        }
        c[i] = new;
    }
    c.into_iter().collect()
}

fn homoglyphs(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        let sub = match ch {
            'A' => Some('А'),
            'E' => Some('Е'),
            'O' => Some('О'),
            'P' => Some('Р'),
            'C' => Some('С'),
            'a' => Some('а'),
            'e' => Some('е'),
            'o' => Some('о'),
            _ => None,
        };
        match sub {
            Some(x) if rng.index(2) == 0 => out.push(x),
            _ => out.push(ch),
        }
        if i == 2 {
            out.push('\u{200B}');
        }
    }
    out.replacen(' ', "\u{00A0}", 1)
}

/// Latin to Cyrillic, the reverse of a BGN-style romanisation (for transliteration positives).
fn to_cyrillic(s: &str) -> String {
    const MULTI: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ts", "ц"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
    ];
    const ONE: &[(char, &str)] = &[
        ('a', "а"),
        ('b', "б"),
        ('v', "в"),
        ('g', "г"),
        ('d', "д"),
        ('e', "е"),
        ('z', "з"),
        ('i', "и"),
        ('y', "й"),
        ('k', "к"),
        ('l', "л"),
        ('m', "м"),
        ('n', "н"),
        ('o', "о"),
        ('p', "п"),
        ('r', "р"),
        ('s', "с"),
        ('t', "т"),
        ('u', "у"),
        ('f', "ф"),
        ('c', "к"),
        ('h', "х"),
        ('j', "й"),
        ('w', "в"),
        ('x', "кс"),
        ('q', "к"),
    ];
    const FORMS: &[(&str, &str)] = &[
        ("llc", "ооо"),
        ("ltd", "ооо"),
        ("ltd.", "ооо"),
        ("limited", "ооо"),
        ("jsc", "ао"),
        ("company", "компания"),
        ("co.", "компания"),
        ("co", "компания"),
    ];
    let lower: String = s
        .to_lowercase()
        .split_whitespace()
        .map(|w| {
            FORMS
                .iter()
                .find(|(f, _)| *f == w.trim_end_matches(','))
                .map_or(w, |(_, t)| t)
        })
        .collect::<Vec<_>>()
        .join(" ");
    let b = lower.as_str();
    let mut out = String::new();
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in MULTI {
            if b[i..].starts_with(from) {
                out.push_str(to);
                i += from.len();
                continue 'outer;
            }
        }
        let ch = b[i..].chars().next().unwrap_or(' ');
        match ONE.iter().find(|(c, _)| *c == ch) {
            Some((_, to)) => out.push_str(to),
            None => out.push(ch),
        }
        i += ch.len_utf8();
    }
    out.to_uppercase()
}

const LEGAL_SWAPS: &[(&str, &[&str])] = &[
    ("LTD", &["LIMITED", "LLC", "GmbH", "OOO"]),
    ("LTD.", &["LIMITED", "LLC", "GmbH"]),
    ("LIMITED", &["LTD", "LLC", "GmbH"]),
    ("LLC", &["LIMITED LIABILITY COMPANY", "LTD", "OOO", "GmbH"]),
    ("CO.", &["COMPANY", "CORP", "COMP"]),
    ("COMPANY", &["CO.", "COMP", "CORPORATION"]),
    ("CORPORATION", &["CORP", "CO.", "COMPANY"]),
    ("JSC", &["AO", "PAO", "JOINT STOCK COMPANY"]),
    ("S.A.", &["SA", "AG", "JSC"]),
    ("GMBH", &["LLC", "LTD", "OOO"]),
];

const ABBREV: &[(&str, &str)] = &[
    ("COMPANY", "COMP"),
    ("INTERNATIONAL", "INTL"),
    ("GROUP", "GRP"),
    ("SERVICES", "SVCS"),
    ("TECHNOLOGY", "TECH"),
    ("MANUFACTURING", "MFG"),
    ("INDUSTRIES", "IND"),
    ("CORPORATION", "CORP"),
    ("HOLDINGS", "HLDGS"),
    ("TRADING", "TRDG"),
];

fn perturb(class: &str, name: &str, rng: &mut Rng) -> Option<String> {
    let mut ws = words(name);
    if ws.is_empty() {
        return None;
    }
    let d = distinctive_word(&ws);
    let out = match class {
        "P0" => name.to_string(),
        "P3" => to_cyrillic(name),
        "P4" => {
            let i = d?;
            ws[i] = typo(&ws[i], rng);
            ws.join(" ")
        }
        "P5" => {
            // Word order changes among the name's words; a trailing legal form stays last.
            let full = normalise::normalise(name).tokens.len();
            let end = (1..ws.len())
                .find(|&k| {
                    let tail = normalise::normalise(&ws[k..].join(" "));
                    let head = normalise::normalise(&ws[..k].join(" "));
                    tail.tokens.len() == 1
                        && tail.tokens[0].class == TokenClass::Legal
                        && head.tokens.len() + 1 == full
                })
                .unwrap_or(ws.len());
            if end < 2 {
                return None;
            }
            ws[..end].rotate_left(1);
            ws.join(" ")
        }
        "P6" => {
            let pos = ws.iter().position(|w| {
                LEGAL_SWAPS
                    .iter()
                    .any(|(f, _)| f.eq_ignore_ascii_case(w.trim_end_matches(',')))
            });
            match pos {
                Some(i) => {
                    let w = ws[i].trim_end_matches(',').to_uppercase();
                    let (_, to) = LEGAL_SWAPS
                        .iter()
                        .find(|(f, _)| f.eq_ignore_ascii_case(&w))?;
                    let replacement = *rng.pick(to);
                    if replacement == "OOO" || replacement == "AO" {
                        ws.remove(i);
                        format!("{replacement} {}", ws.join(" "))
                    } else {
                        ws[i] = replacement.to_string();
                        ws.join(" ")
                    }
                }
                None => format!("{name} {}", rng.pick(&["LLC", "GmbH", "LTD", "S.A."])),
            }
        }
        "P7" => {
            if ws.len() >= 2 && rng.index(2) == 0 {
                let i = rng.index(ws.len() - 1);
                let j = ws.remove(i + 1);
                ws[i].push_str(&j);
                ws.join(" ")
            } else {
                format!("«{}»", ws.join("-"))
            }
        }
        "P8" => {
            let i = ws.iter().position(|w| {
                ABBREV
                    .iter()
                    .any(|(f, _)| f.eq_ignore_ascii_case(w.trim_end_matches([',', '.'])))
            })?;
            let w = ws[i].trim_end_matches([',', '.']).to_uppercase();
            ws[i] = ABBREV.iter().find(|(f, _)| *f == w)?.1.to_string();
            ws.join(" ")
        }
        "P9" => {
            if ws.len() >= 3 && rng.index(2) == 0 {
                let cand: Vec<usize> = (1..ws.len())
                    .filter(|&i| Some(i) != d && ws[i].len() >= 4)
                    .collect();
                if cand.is_empty() {
                    return None;
                }
                ws.remove(*rng.pick(&cand));
                ws.join(" ")
            } else {
                format!(
                    "{name} {}",
                    rng.pick(&["TRADING", "GROUP", "HOLDING", "INTERNATIONAL"])
                )
            }
        }
        "P10" => homoglyphs(name, rng),
        "P11" => {
            let i = d?;
            ws[i] = typo(&ws[i], rng);
            format!(
                "{} {}",
                ws.join(" "),
                rng.pick(&["TRADING", "GROUP", "HOLDING"])
            )
        }
        _ => return None,
    };
    (out != name || class == "P0").then_some(out)
}

/// Generates the evaluation set from full lists.
pub fn generate(entities: &[ListedEntity], seed: u64, targets: usize, clean: usize) -> EvalSet {
    let mut rng = Rng::new(seed ^ SEED_MIX);
    let mut pool: Vec<usize> = (0..entities.len())
        .filter(|&i| {
            let e = &entities[i];
            e.kind == EntityKind::Organisation
                && distinctive_word(&words(e.primary_name())).is_some()
        })
        .collect();
    // Deterministic shuffle.
    for i in (1..pool.len()).rev() {
        let j = rng.index(i + 1);
        pool.swap(i, j);
    }
    pool.truncate(targets);
    let mut index_entities: Vec<ListedEntity> = entities.to_vec();
    let mut queries = Vec::new();
    for &t in &pool {
        let e = &entities[t];
        let k = key(e);
        let primary = e.primary_name().to_string();
        for class in ["P0", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11"] {
            if class == "P3"
                && !(e
                    .programmes
                    .iter()
                    .any(|p| p.contains("RUS") || p.contains("UKRAINE")))
                && rng.index(4) != 0
            {
                continue;
            }
            if let Some(q) = perturb(class, &primary, &mut rng) {
                queries.push(EvalQuery {
                    class: class.into(),
                    query: q,
                    expected: Some(k.clone()),
                    origin: None,
                });
            }
        }
        // P1: hold out one strong alias (remove it from the index) and query with it.
        let strong: Vec<usize> = e
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NameKind::StrongAlias)
            .map(|(i, _)| i)
            .collect();
        if !strong.is_empty() {
            let ni = *rng.pick(&strong);
            let alias = e.names[ni].text.clone();
            let target = &mut index_entities[t];
            target.names.remove(ni);
            queries.push(EvalQuery {
                class: "P1".into(),
                query: alias,
                expected: Some(k.clone()),
                origin: None,
            });
        }
        // Hard negatives from the same entity.
        let ws = words(&primary);
        if let Some(i) = distinctive_word(&ws) {
            let mut n1 = ws.clone();
            n1[i] = brand(&mut rng).to_uppercase();
            queries.push(EvalQuery {
                class: "N1".into(),
                query: n1.join(" "),
                expected: None,
                origin: Some(k.clone()),
            });
            let other = &entities[*rng.pick(&pool)];
            let ow = words(other.primary_name());
            if let Some(j) = distinctive_word(&ow)
                && !ow[j].eq_ignore_ascii_case(&ws[i])
            {
                let mut n3 = ws.clone();
                n3[i] = ow[j].clone();
                queries.push(EvalQuery {
                    class: "N3".into(),
                    query: n3.join(" "),
                    expected: None,
                    origin: Some(k.clone()),
                });
            }
            if ws[i].len() >= 6 {
                let mut n4 = ws.clone();
                n4[i] = edit_beyond(&ws[i], &mut rng);
                queries.push(EvalQuery {
                    class: "N4".into(),
                    query: n4.join(" "),
                    expected: None,
                    origin: Some(k.clone()),
                });
            }
        }
        if let Some(i) = ws
            .iter()
            .position(|w| w.chars().all(|c| c.is_ascii_digit()))
        {
            let mut n2 = ws.clone();
            let v: u64 = n2[i].parse().unwrap_or(0);
            n2[i] = (v + 1).to_string();
            queries.push(EvalQuery {
                class: "N2".into(),
                query: n2.join(" "),
                expected: None,
                origin: Some(k.clone()),
            });
        }
    }
    for _ in 0..(clean / 10).max(1) {
        queries.push(EvalQuery {
            class: "G".into(),
            query: generic_name(&mut rng),
            expected: None,
            origin: None,
        });
    }
    for _ in 0..clean {
        queries.push(EvalQuery {
            class: "N6".into(),
            query: clean_name(&mut rng),
            expected: None,
            origin: None,
        });
    }
    EvalSet {
        entities: index_entities,
        queries,
    }
}

/// Counterparty-like names for speed runs: mostly clean synthetic names, 2% perturbed list names.
pub fn counterparty_names(entities: &[ListedEntity], n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed ^ SEED_MIX);
    (0..n)
        .map(|_| {
            if rng.index(50) == 0 && !entities.is_empty() {
                let e = rng.pick(entities);
                let name = e.primary_name();
                perturb("P4", name, &mut rng).unwrap_or_else(|| name.to_string())
            } else {
                clean_name(&mut rng)
            }
        })
        .collect()
}

/// Token-set ratio (the rapidfuzz formula) on the same normalisation as the matcher.
pub fn token_set_ratio(a: &str, b: &str) -> f64 {
    let toks = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = normalise::normalise(s)
            .tokens
            .into_iter()
            .map(|t| t.text)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let (ta, tb) = (toks(a), toks(b));
    let sa: HashSet<&String> = ta.iter().collect();
    let sb: HashSet<&String> = tb.iter().collect();
    let mut inter: Vec<&str> = sa.intersection(&sb).map(|s| s.as_str()).collect();
    inter.sort_unstable();
    let mut da: Vec<&str> = sa.difference(&sb).map(|s| s.as_str()).collect();
    da.sort_unstable();
    let mut db: Vec<&str> = sb.difference(&sa).map(|s| s.as_str()).collect();
    db.sort_unstable();
    let t0 = inter.join(" ");
    let join = |x: &str, y: &[&str]| {
        let y = y.join(" ");
        if x.is_empty() {
            y
        } else if y.is_empty() {
            x.to_string()
        } else {
            format!("{x} {y}")
        }
    };
    let t1 = join(&t0, &da);
    let t2 = join(&t0, &db);
    let mut best = ratio(&t1, &t2);
    if !t0.is_empty() {
        best = best.max(ratio(&t0, &t1)).max(ratio(&t0, &t2));
    }
    best
}

/// Indel similarity: 1 − (insertions + deletions) / (len a + len b).
fn ratio(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    // LCS length via a rolling row.
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for &x in a {
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let lcs = prev[b.len()];
    2.0 * lcs as f64 / (a.len() + b.len()) as f64
}

/// Figures of one engine.
#[derive(Debug, Clone, Default)]
pub struct EngineFigures {
    /// Positives found / positives, per class.
    pub recall: BTreeMap<String, (usize, usize)>,
    /// Negatives alerting / negatives, per class.
    pub false_alerts: BTreeMap<String, (usize, usize)>,
    /// Positives whose expected entity ranked first.
    pub top1: usize,
    /// Held-out real aliases (P1) split by [`alias_is_name_variant`]: `[variant, unrelated]`,
    /// each found / total.
    pub p1_split: [(usize, usize); 2],
}

impl EngineFigures {
    /// Overall recall.
    pub fn recall_overall(&self) -> f64 {
        self.recall_without(&[])
    }

    /// Recall over all positive classes except these.
    pub fn recall_without(&self, skip: &[&str]) -> f64 {
        let (f, n) = self
            .recall
            .iter()
            .filter(|(c, _)| !skip.contains(&c.as_str()))
            .fold((0, 0), |(a, b), (_, (f, n))| (a + f, b + n));
        f as f64 / n.max(1) as f64
    }

    /// Recall over all positives except the P1 aliases that share no word with the entity's
    /// remaining names (acronyms, translations, other names).
    pub fn recall_name_variants(&self) -> f64 {
        let (f, n) = self
            .recall
            .values()
            .fold((0, 0), |(a, b), (f, n)| (a + f, b + n));
        let (uf, un) = self.p1_split[1];
        (f - uf) as f64 / (n - un).max(1) as f64
    }

    /// False-alert rate of one negative class.
    pub fn false_rate(&self, class: &str) -> f64 {
        self.false_alerts
            .get(class)
            .map_or(0.0, |(f, n)| *f as f64 / (*n).max(1) as f64)
    }
}

/// The evaluation report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Threshold used for our matcher.
    pub threshold: f64,
    /// Our matcher.
    pub ours: EngineFigures,
    /// Token-set ratio at the same threshold, on the same candidates.
    pub baseline: EngineFigures,
    /// Baseline threshold used.
    pub baseline_threshold: f64,
    /// Blocking recall: the expected entity among the candidates.
    pub blocking: (usize, usize),
    /// Entities and queries.
    pub sizes: (usize, usize),
    /// Examples of misses and false alerts: (class, query, expected or origin, our top hit).
    pub examples: Vec<(String, String, String, String)>,
}

/// Runs our matcher and the baseline over the set.
pub fn evaluate(set: &EvalSet, threshold: f64) -> Report {
    let screener = Screener::new(set.entities.clone());
    evaluate_with(&screener, set, threshold, threshold)
}

/// Whether a held-out alias is a variant of the entity's remaining names: it shares at least
/// one distinctive word (three letters or more) with one of them, allowing the spelling
/// tolerance of [`normalise::token_similarity`] (an edit budget or an equal romanisation
/// skeleton). Aliases that do not (acronyms like "PFLP", trade names like "SURATEL", Chinese
/// script whose romanisation shares no word with the English name) cannot be found by comparing
/// names; the report keeps them in the totals and shows them separately.
pub fn alias_is_name_variant(alias: &str, entity: &ListedEntity) -> bool {
    let words = |s: &str| -> Vec<String> {
        normalise::normalise(s)
            .tokens
            .into_iter()
            .filter(|t| t.class == TokenClass::Word && t.text.len() >= 3)
            .map(|t| t.text)
            .collect()
    };
    let q = words(alias);
    entity.names.iter().any(|n| {
        let listed = words(&n.text);
        q.iter().any(|a| {
            listed
                .iter()
                .any(|b| normalise::token_similarity(a, b) >= 0.75)
        })
    })
}

/// Runs both engines with a given screener; the baseline uses `baseline_threshold`.
pub fn evaluate_with(
    screener: &Screener,
    set: &EvalSet,
    threshold: f64,
    baseline_threshold: f64,
) -> Report {
    let mut r = Report {
        threshold,
        baseline_threshold,
        sizes: (screener.index().entity_count(), set.queries.len()),
        ..Report::default()
    };
    let keys: Vec<String> = screener.index().entities().iter().map(key).collect();
    let by_key: std::collections::HashMap<&str, &ListedEntity> = keys
        .iter()
        .map(String::as_str)
        .zip(screener.index().entities())
        .collect();
    for q in &set.queries {
        let hits = screener.screen(&org_query(&q.query), threshold);
        let hit_keys: Vec<String> = hits
            .iter()
            .map(|h| format!("{}:{}", h.source, h.entity_id))
            .collect();
        let cands = screener.candidates(&q.query);
        let mut base: Vec<(f64, &String)> = Vec::new();
        for (ei, text) in &cands {
            let s = token_set_ratio(&q.query, text);
            if s >= baseline_threshold {
                match base.iter_mut().find(|(_, k)| *k == &keys[*ei]) {
                    Some(x) => x.0 = x.0.max(s),
                    None => base.push((s, &keys[*ei])),
                }
            }
        }
        base.sort_by(|a, b| b.0.total_cmp(&a.0));
        if let Some(exp) = &q.expected {
            let blocked = cands.iter().any(|(ei, _)| &keys[*ei] == exp);
            r.blocking.1 += 1;
            r.blocking.0 += usize::from(blocked);
            let found = hit_keys.contains(exp);
            if !found {
                let top = screener
                    .screen(&org_query(&q.query), 0.0)
                    .into_iter()
                    .find(|h| &format!("{}:{}", h.source, h.entity_id) == exp)
                    .map(|h| h.explanation.summary())
                    .unwrap_or_else(|| "(not scored)".into());
                r.examples
                    .push((q.class.clone(), q.query.clone(), exp.clone(), top));
            }
            let e = r.ours.recall.entry(q.class.clone()).or_default();
            e.0 += usize::from(found);
            e.1 += 1;
            r.ours.top1 += usize::from(hit_keys.first() == Some(exp));
            let bf = base.iter().any(|(_, k)| *k == exp);
            let e = r.baseline.recall.entry(q.class.clone()).or_default();
            e.0 += usize::from(bf);
            e.1 += 1;
            r.baseline.top1 += usize::from(base.first().map(|b| b.1) == Some(exp));
            if q.class == "P1" {
                let variant = by_key
                    .get(exp.as_str())
                    .is_some_and(|e| alias_is_name_variant(&q.query, e));
                let slot = usize::from(!variant);
                r.ours.p1_split[slot].0 += usize::from(found);
                r.ours.p1_split[slot].1 += 1;
                r.baseline.p1_split[slot].0 += usize::from(bf);
                r.baseline.p1_split[slot].1 += 1;
            }
        } else {
            let (ours_alert, base_alert) = match &q.origin {
                Some(o) => (hit_keys.contains(o), base.iter().any(|(_, k)| *k == o)),
                None => (!hit_keys.is_empty(), !base.is_empty()),
            };
            if ours_alert {
                r.examples.push((
                    q.class.clone(),
                    q.query.clone(),
                    q.origin.clone().unwrap_or_default(),
                    hits.first()
                        .map(|h| format!("{} {:.3} {}", h.name, h.score, h.explanation.summary()))
                        .unwrap_or_default(),
                ));
            }
            let e = r.ours.false_alerts.entry(q.class.clone()).or_default();
            e.0 += usize::from(ours_alert);
            e.1 += 1;
            let e = r.baseline.false_alerts.entry(q.class.clone()).or_default();
            e.0 += usize::from(base_alert);
            e.1 += 1;
        }
    }
    r
}

impl Report {
    /// A plain-text table.
    pub fn render(&self) -> String {
        let mut s = format!(
            "evaluation: {} indexed entities, {} queries; ours at threshold {:.2}, token-set ratio at {:.2} (same normalisation, same candidates)\n",
            self.sizes.0, self.sizes.1, self.threshold, self.baseline_threshold
        );
        s.push_str(&format!(
            "blocking recall: {}/{} = {:.4}\n",
            self.blocking.0,
            self.blocking.1,
            self.blocking.0 as f64 / self.blocking.1.max(1) as f64
        ));
        s.push_str("class   n      ours    token-set\n");
        for (c, (f, n)) in &self.ours.recall {
            let b = self.baseline.recall.get(c).map_or(0, |x| x.0);
            s.push_str(&format!(
                "{c:<6} {n:>5}  {:>7.3}  {:>7.3}\n",
                *f as f64 / (*n).max(1) as f64,
                b as f64 / (*n).max(1) as f64
            ));
        }
        let pos: usize = self.ours.recall.values().map(|x| x.1).sum();
        s.push_str(&format!(
            "recall  {pos:>5}  {:>7.4}  {:>7.4}\n",
            self.ours.recall_overall(),
            self.baseline.recall_overall()
        ));
        s.push_str(&format!(
            "recall without P1 (held-out real aliases)  {:>7.4}  {:>7.4}\n",
            self.ours.recall_without(&["P1"]),
            self.baseline.recall_without(&["P1"])
        ));
        for (i, label) in [
            "P1 name variants (share a word with a remaining name)",
            "P1 unrelated (acronyms, translations, other names)",
        ]
        .iter()
        .enumerate()
        {
            let (f, n) = self.ours.p1_split[i];
            let (b, _) = self.baseline.p1_split[i];
            s.push_str(&format!(
                "{label}  n {n}  {:>7.3}  {:>7.3}\n",
                f as f64 / n.max(1) as f64,
                b as f64 / n.max(1) as f64
            ));
        }
        s.push_str(&format!(
            "recall without unrelated P1  {:>7.4}  {:>7.4}\n",
            self.ours.recall_name_variants(),
            self.baseline.recall_name_variants()
        ));
        s.push_str(&format!(
            "top-1   {pos:>5}  {:>7.4}  {:>7.4}\n",
            self.ours.top1 as f64 / pos.max(1) as f64,
            self.baseline.top1 as f64 / pos.max(1) as f64
        ));
        s.push_str("false alerts (share of negatives that alert; N1-N4: on the entity they were made from)\n");
        for (c, (f, n)) in &self.ours.false_alerts {
            let b = self.baseline.false_alerts.get(c).map_or(0, |x| x.0);
            s.push_str(&format!(
                "{c:<6} {n:>5}  {:>7.4}  {:>7.4}\n",
                *f as f64 / (*n).max(1) as f64,
                b as f64 / (*n).max(1) as f64
            ));
        }
        s
    }
}

/// A small committed sample: entities and queries.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    /// Entities to index.
    pub entities: Vec<ListedEntity>,
    /// Queries.
    pub queries: Vec<EvalQuery>,
}

/// Cuts a sample out of a set: the entities behind `targets` positives' expected ids (and the
/// negatives built from them), `others` further entities, and the clean/generic negatives.
pub fn sample(
    set: &EvalSet,
    _all: &[ListedEntity],
    targets: usize,
    others: usize,
    seed: u64,
) -> Sample {
    let mut rng = Rng::new(seed ^ 0x5A5A ^ SEED_MIX);
    let mut chosen: Vec<String> = Vec::new();
    for q in &set.queries {
        if let Some(e) = &q.expected
            && !chosen.contains(e)
            && chosen.len() < targets
        {
            chosen.push(e.clone());
        }
    }
    let chosen_set: HashSet<&String> = chosen.iter().collect();
    let mut entities: Vec<ListedEntity> = set
        .entities
        .iter()
        .filter(|e| chosen_set.contains(&key(e)))
        .cloned()
        .collect();
    let mut rest: Vec<&ListedEntity> = set
        .entities
        .iter()
        .filter(|e| !chosen_set.contains(&key(e)))
        .collect();
    for i in (1..rest.len()).rev() {
        let j = rng.index(i + 1);
        rest.swap(i, j);
    }
    entities.extend(rest.into_iter().take(others).cloned());
    let mut queries: Vec<EvalQuery> = set
        .queries
        .iter()
        .filter(|q| {
            q.expected
                .as_ref()
                .or(q.origin.as_ref())
                .is_some_and(|k| chosen_set.contains(k))
        })
        .cloned()
        .collect();
    queries.extend(
        set.queries
            .iter()
            .filter(|q| q.class == "G")
            .take(100)
            .cloned(),
    );
    queries.extend(
        set.queries
            .iter()
            .filter(|q| q.class == "N6")
            .take(600)
            .cloned(),
    );
    Sample { entities, queries }
}

impl Sample {
    /// Writes `entities.json` and `queries.json` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let e = serde_json::to_string(&self.entities).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("entities.json"), e)?;
        let mut q = String::new();
        for x in &self.queries {
            q.push_str(&serde_json::to_string(x).map_err(std::io::Error::other)?);
            q.push('\n');
        }
        std::fs::write(dir.join("queries.jsonl"), q)
    }

    /// Reads a sample written by [`Sample::write`].
    pub fn read(dir: &Path) -> std::io::Result<Sample> {
        let entities = serde_json::from_slice(&std::fs::read(dir.join("entities.json"))?)
            .map_err(std::io::Error::other)?;
        let queries = std::fs::read_to_string(dir.join("queries.jsonl"))?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map_err(std::io::Error::other)?;
        Ok(Sample { entities, queries })
    }
}

/// The list source of a `source:id` key.
pub fn key_source(k: &str) -> Option<ListSource> {
    ListSource::parse(k.split(':').next()?)
}
