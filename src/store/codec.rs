//! Value encoding for the store: a format-version byte followed by bincode.
//!
//! Every use of bincode lives here so that the on-disk format can change in one place.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The current value format. Bump it when the encoding (not the schema) changes.
pub const FORMAT_VERSION: u8 = 1;

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
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![FORMAT_VERSION];
    let body = bincode::serde::encode_to_vec(value, config())
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a value written by [`encode`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
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
}
