//! How strong a sanctions hit is and why, in words an analyst reads (German and English).
//!
//! The matcher decides the strength; the check run stores it with the hit; the detector turns a
//! strong hit into `sanctions_found` (critical) and a possible one into `sanctions_possible`
//! (high); the UI, the mail and `sanctions screen --json` show the reasons.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How much a hit says.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum HitStrength {
    /// Name similarity alone, a homonym, or a country conflict: an analyst must review it.
    #[default]
    Possible,
    /// The exact listed name, an identifier in common, or a name corroborated by the country.
    Strong,
}

impl HitStrength {
    /// The lower-case name used in JSON and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            HitStrength::Possible => "possible",
            HitStrength::Strong => "strong",
        }
    }

    /// The label in the given language (`de`, else English).
    pub fn label(self, language: &str) -> &'static str {
        match (self, language.eq_ignore_ascii_case("de")) {
            (HitStrength::Strong, true) => "starker Treffer",
            (HitStrength::Strong, false) => "strong hit",
            (HitStrength::Possible, true) => "möglicher Treffer",
            (HitStrength::Possible, false) => "possible hit",
        }
    }
}

impl fmt::Display for HitStrength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason behind a hit's strength.
// Externally tagged (serde's default): the store's bincode cannot read internally tagged enums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitReason {
    /// The counterparty's name is a listed name, word for word (after normalisation).
    ExactName {
        /// The listed name.
        listed: String,
    },
    /// The names are alike but not the same.
    SimilarName {
        /// The listed name.
        listed: String,
        /// The name score in [0, 1].
        score: f64,
    },
    /// The names have a single word in common: two firms may share one brand word.
    OneWordInCommon {
        /// The word (normalised).
        word: String,
    },
    /// Words of the listed name are missing from the counterparty's name.
    ListedWordsMissing {
        /// The missing words (normalised).
        words: Vec<String>,
    },
    /// A word is spelled differently on each side.
    SpellingDiffers {
        /// The counterparty's spelling.
        ours: String,
        /// The list's spelling.
        listed: String,
    },
    /// An identifier (VAT, LEI, register number) equals one the list gives.
    IdentifierMatch {
        /// Which identifiers, e.g. `VAT = listed regnumber 123`.
        detail: String,
    },
    /// The counterparty has identifiers, but none equals a listed one.
    NoIdentifierInCommon,
    /// The counterparty's country is one the list gives for the entity.
    SameCountry {
        /// ISO code.
        country: String,
    },
    /// The counterparty's country is none of the entity's listed countries.
    CountryDiffers {
        /// The counterparty's ISO code.
        ours: String,
        /// The listed ISO codes.
        listed: Vec<String>,
    },
    /// One side has no country, so the country neither confirms nor contradicts.
    NoCountryToCompare,
}

impl HitReason {
    /// The reason as a sentence fragment in the given language (`de`, else English).
    pub fn text(&self, language: &str) -> String {
        let de = language.eq_ignore_ascii_case("de");
        match self {
            HitReason::ExactName { listed } if de => {
                format!("gleicher Name wie gelistet: „{listed}“")
            }
            HitReason::ExactName { listed } => format!("same name as listed: \"{listed}\""),
            HitReason::SimilarName { listed, score } if de => {
                format!("ähnlicher Name: „{listed}“ ({score:.2})")
            }
            HitReason::SimilarName { listed, score } => {
                format!("similar name: \"{listed}\" ({score:.2})")
            }
            HitReason::OneWordInCommon { word } if de => {
                format!("nur ein Wort gemeinsam: „{word}“ (möglicher Namensvetter)")
            }
            HitReason::OneWordInCommon { word } => {
                format!("only one word in common: \"{word}\" (may be a namesake)")
            }
            HitReason::ListedWordsMissing { words } if de => {
                format!("gelistete Wörter fehlen: {}", words.join(" "))
            }
            HitReason::ListedWordsMissing { words } => {
                format!("listed words missing: {}", words.join(" "))
            }
            HitReason::SpellingDiffers { ours, listed } if de => {
                format!("andere Schreibweise: {ours} / gelistet {listed}")
            }
            HitReason::SpellingDiffers { ours, listed } => {
                format!("spelled differently: {ours} / listed {listed}")
            }
            HitReason::IdentifierMatch { detail } if de => {
                format!("gleiche Kennung: {detail}")
            }
            HitReason::IdentifierMatch { detail } => format!("identifier in common: {detail}"),
            HitReason::NoIdentifierInCommon if de => "keine gemeinsame Kennung".to_string(),
            HitReason::NoIdentifierInCommon => "no identifier in common".to_string(),
            HitReason::SameCountry { country } if de => format!("gleiches Land: {country}"),
            HitReason::SameCountry { country } => format!("same country: {country}"),
            HitReason::CountryDiffers { ours, listed } if de => format!(
                "anderes Land: gelistet in {}, bei Ihnen {ours}",
                listed.join("/")
            ),
            HitReason::CountryDiffers { ours, listed } => format!(
                "different country: listed in {}, you have {ours}",
                listed.join("/")
            ),
            HitReason::NoCountryToCompare if de => "kein Land zum Vergleich".to_string(),
            HitReason::NoCountryToCompare => "no country to compare".to_string(),
        }
    }
}

/// The reasons joined into one line, e.g. `same name as listed: "X"; different country: listed
/// in IR, you have US; no identifier in common`.
pub fn reasons_text(reasons: &[HitReason], language: &str) -> String {
    reasons
        .iter()
        .map(|r| r.text(language))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_words_in_both_languages() {
        let r = vec![
            HitReason::ExactName {
                listed: "ACME TRADING".into(),
            },
            HitReason::CountryDiffers {
                ours: "US".into(),
                listed: vec!["IR".into()],
            },
            HitReason::NoIdentifierInCommon,
        ];
        assert_eq!(
            reasons_text(&r, "en"),
            "same name as listed: \"ACME TRADING\"; different country: listed in IR, you have US; \
             no identifier in common"
        );
        assert!(reasons_text(&r, "de").starts_with("gleicher Name wie gelistet"));
        assert!(HitStrength::Strong > HitStrength::Possible);
        assert_eq!(HitStrength::Possible.label("de"), "möglicher Treffer");
    }
}
