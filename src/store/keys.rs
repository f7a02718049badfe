//! Ordered key layouts: big-endian ids and timestamps so that sled range scans come out in order.

use chrono::{DateTime, Utc};

/// Key of a record addressed by id.
pub(crate) fn id(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// Reads an id key back.
pub(crate) fn read_id(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// Microseconds since the epoch, shifted so that times before 1970 still sort first.
pub(crate) fn time(t: DateTime<Utc>) -> [u8; 8] {
    ((t.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

/// `prefix ++ 0x00 ++ id`: an index entry for a text attribute (owner, country, VAT number).
pub(crate) fn text_then_id(text: &str, id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(text.len() + 9);
    k.extend_from_slice(text.as_bytes());
    k.push(0);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The prefix of all index entries for one text attribute value.
pub(crate) fn text_prefix(text: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(text.len() + 1);
    k.extend_from_slice(text.as_bytes());
    k.push(0);
    k
}

/// `a ++ b ++ c` for composite keys made of big-endian parts.
pub(crate) fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_sort_like_their_values() {
        assert!(id(2) < id(256));
        let a = Utc.with_ymd_and_hms(1969, 12, 31, 0, 0, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(time(a) < time(b));
        assert!(text_then_id("ab", 5) < text_then_id("abc", 1));
        assert_eq!(read_id(&id(77)), Some(77));
    }
}
