//! Value encoding for the store: a format-version byte followed by bincode.
//!
//! Every use of bincode lives here so that the on-disk format can change in one place.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The current value format. Bump it when the encoding (not the schema) changes.
pub(crate) const FORMAT_VERSION: u8 = 1;

/// Why a stored value could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The value was written by a newer or unknown format.
    #[error("stored value has format version {0}, this build reads version {FORMAT_VERSION}")]
    Version(u8),
    /// The value is empty.
    #[error("stored value is empty")]
    Empty,
    /// bincode refused the bytes.
    #[error("stored value cannot be decoded: {0}")]
    Decode(String),
    /// bincode refused the value.
    #[error("value cannot be encoded: {0}")]
    Encode(String),
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes a value with the version prefix.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![FORMAT_VERSION];
    let body = bincode::serde::encode_to_vec(value, config())
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a value written by [`encode`].
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&version, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != FORMAT_VERSION {
        return Err(CodecError::Version(version));
    }
    let (value, _) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| CodecError::Decode(e.to_string()))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_version_check() {
        let v = (
            42u64,
            "Müller & Söhne, \"GmbH\"\n".to_string(),
            Some(1.5f64),
        );
        let bytes = encode(&v).unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        let back: (u64, String, Option<f64>) = decode(&bytes).unwrap();
        assert_eq!(back, v);
        let mut bad = bytes.clone();
        bad[0] = 99;
        assert!(matches!(
            decode::<(u64, String, Option<f64>)>(&bad),
            Err(CodecError::Version(99))
        ));
        assert!(matches!(decode::<u64>(&[]), Err(CodecError::Empty)));
    }

    /// The counterparty as it was written while its VAT number was a plain `String`.
    #[derive(Serialize)]
    struct CounterpartyWithTextVat {
        id: u64,
        name: String,
        country: String,
        vat: Option<String>,
        email: Option<String>,
        domain: Option<String>,
        address: Option<String>,
        contact: Option<String>,
        owner: Option<String>,
        lei: Option<String>,
        register: Option<crate::domain::RegisterEntry>,
        priority: crate::domain::Priority,
        monitor: bool,
        frequency: crate::domain::Frequency,
        tags: Vec<String>,
        notes: String,
        created_at: chrono::DateTime<chrono::Utc>,
        updated_at: chrono::DateTime<chrono::Utc>,
        kind: crate::domain::CounterpartyKind,
    }

    #[test]
    fn a_counterparty_written_with_a_text_vat_number_reads_as_a_typed_one_and_writes_the_same() {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let old = CounterpartyWithTextVat {
            id: 7,
            name: "Beispiel GmbH".into(),
            country: "DE".into(),
            vat: Some("DE136695976".into()),
            email: Some("info@beispiel.de".into()),
            domain: None,
            address: None,
            contact: None,
            owner: Some("anna".into()),
            lei: None,
            register: None,
            priority: crate::domain::Priority::High,
            monitor: true,
            frequency: crate::domain::Frequency::Weekly,
            tags: vec!["key".into()],
            notes: "written before the VAT number was typed".into(),
            created_at: at,
            updated_at: at,
            kind: crate::domain::CounterpartyKind::Person,
        };
        let bytes = encode(&old).unwrap();
        let cp: crate::domain::Counterparty = decode(&bytes).unwrap();
        let typed = crate::domain::vat::validate("DE 136 695 976").unwrap();
        assert_eq!(cp.vat.as_ref(), Some(&typed));
        assert_eq!(
            (cp.id, cp.owner.as_deref(), cp.tags.len()),
            (7, Some("anna"), 1)
        );
        assert_eq!(cp.kind, crate::domain::CounterpartyKind::Person);
        assert_eq!(encode(&cp).unwrap(), bytes, "stored bytes unchanged");
        assert_eq!(
            serde_json::to_value(&cp).unwrap(),
            serde_json::to_value(&old).unwrap(),
            "JSON unchanged"
        );
    }
}
