//! Sanctions lists (EU, OFAC, UK, UN): parsers, snapshots and deltas, normalisation, the index,
//! and the matcher with explanations.

pub mod config;
pub mod countries;
pub mod decisions;
pub mod eu;
pub mod health;
pub mod index;
pub mod matcher;
pub mod model;
mod name_score;
pub mod normalise;
pub mod ofac;
pub mod snapshot;
pub mod uk;
pub mod un;
pub mod update;
pub mod xml;

pub use model::{
    EntityKind, Identifier, ListSource, ListedEntity, ListedName, NameKind, ParseError, ParsedList,
    SkippedRows,
};

/// The raw bytes of one list publication: one file, or OFAC's CSV set (named files).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RawList {
    /// `(file name, bytes)`; OFAC CSV sets use `sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`.
    pub files: Vec<(String, Vec<u8>)>,
}

impl RawList {
    /// A single-file publication.
    pub fn single(name: &str, bytes: Vec<u8>) -> RawList {
        RawList {
            files: vec![(name.to_string(), bytes)],
        }
    }

    /// The bytes of the file with this name (case-insensitive).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, b)| b.as_slice())
    }

    /// Total size in bytes.
    pub fn len(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }

    /// Whether there are no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses a publication of `source` with the parser its format needs, allowing the default
/// share of malformed rows.
pub fn parse(source: ListSource, raw: &RawList) -> Result<ParsedList, ParseError> {
    parse_with(source, raw, config::DEFAULT_MAX_MALFORMED_SHARE)
}

/// Parses a publication of `source`, refusing it when more than `max_malformed_share` of its
/// rows are malformed (only row-based formats skip rows).
pub fn parse_with(
    source: ListSource,
    raw: &RawList,
    max_malformed_share: f64,
) -> Result<ParsedList, ParseError> {
    let first = raw.files.first().map(|(_, b)| b.as_slice()).unwrap_or(&[]);
    match source {
        ListSource::Eu => eu::parse(first),
        ListSource::Uk => uk::parse(first, max_malformed_share),
        ListSource::Un => un::parse(first),
        ListSource::Ofac => match raw.file("sdn.csv") {
            Some(sdn) => ofac::parse_csv(ofac::CsvSet {
                sdn,
                alt: raw.file("alt.csv"),
                add: raw.file("add.csv"),
                comments: raw.file("sdn_comments.csv"),
            }),
            None => ofac::parse_xml(first),
        },
    }
}

pub use matcher::{Adjustment, Explanation, Hit, ScreenQuery, Screener, TokenMatch};

/// Loads the current snapshots of the enabled lists and builds a screener over them, without
/// re-parsing any list file (the parsed entities are kept beside the raw files).
pub fn open_screener(
    data_dir: &std::path::Path,
    config: &config::SanctionsConfig,
) -> Result<Screener, snapshot::RefreshError> {
    let mut entities = Vec::new();
    for s in ListSource::ALL {
        if config.list(s).enabled {
            entities.extend(snapshot::load_entities(data_dir, s)?);
        }
    }
    Ok(Screener::new(entities))
}
