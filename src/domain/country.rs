//! Country codes: ISO 3166-1 alpha-2, with the names analysts type in German and English.

/// Every officially assigned ISO 3166-1 alpha-2 code, plus `XK` (Kosovo, used by the EU and UN lists).
const ISO_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/// The 27 EU member states.
pub const EU_MEMBERS: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Names (lower case, English and German) for the countries analysts name most often.
const NAMES: &[(&str, &str)] = &[
    ("austria", "AT"),
    ("österreich", "AT"),
    ("belgium", "BE"),
    ("belgien", "BE"),
    ("bulgaria", "BG"),
    ("bulgarien", "BG"),
    ("cyprus", "CY"),
    ("zypern", "CY"),
    ("czechia", "CZ"),
    ("czech republic", "CZ"),
    ("tschechien", "CZ"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("denmark", "DK"),
    ("dänemark", "DK"),
    ("estonia", "EE"),
    ("estland", "EE"),
    ("spain", "ES"),
    ("spanien", "ES"),
    ("finland", "FI"),
    ("finnland", "FI"),
    ("france", "FR"),
    ("frankreich", "FR"),
    ("greece", "GR"),
    ("griechenland", "GR"),
    ("croatia", "HR"),
    ("kroatien", "HR"),
    ("hungary", "HU"),
    ("ungarn", "HU"),
    ("ireland", "IE"),
    ("irland", "IE"),
    ("italy", "IT"),
    ("italien", "IT"),
    ("lithuania", "LT"),
    ("litauen", "LT"),
    ("luxembourg", "LU"),
    ("luxemburg", "LU"),
    ("latvia", "LV"),
    ("lettland", "LV"),
    ("malta", "MT"),
    ("netherlands", "NL"),
    ("niederlande", "NL"),
    ("poland", "PL"),
    ("polen", "PL"),
    ("portugal", "PT"),
    ("romania", "RO"),
    ("rumänien", "RO"),
    ("sweden", "SE"),
    ("schweden", "SE"),
    ("slovenia", "SI"),
    ("slowenien", "SI"),
    ("slovakia", "SK"),
    ("slowakei", "SK"),
    ("united kingdom", "GB"),
    ("großbritannien", "GB"),
    ("vereinigtes königreich", "GB"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("norway", "NO"),
    ("norwegen", "NO"),
    ("united states", "US"),
    ("usa", "US"),
    ("vereinigte staaten", "US"),
    ("china", "CN"),
    ("russia", "RU"),
    ("russland", "RU"),
    ("turkey", "TR"),
    ("türkei", "TR"),
];

/// Returns whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_iso(code: &str) -> bool {
    code.len() == 2 && ISO_CODES.split_ascii_whitespace().any(|c| c == code)
}

/// Returns whether the ISO code is an EU member state.
pub fn is_eu(code: &str) -> bool {
    EU_MEMBERS.contains(&code)
}

/// Turns user input (`de`, `DE`, `Deutschland`, `EL`, `UK`) into an ISO code, or None.
pub fn normalise(input: &str) -> Option<&'static str> {
    let t = input.trim();
    let upper = t.to_ascii_uppercase();
    // EL is the VAT prefix for Greece and UK the common slip for GB; both mean the ISO code.
    let upper = match upper.as_str() {
        "EL" => "GR".to_string(),
        "UK" => "GB".to_string(),
        _ => upper,
    };
    if let Some(code) = ISO_CODES.split_ascii_whitespace().find(|c| *c == upper) {
        return Some(code);
    }
    let lower = t.to_lowercase();
    NAMES.iter().find(|(n, _)| *n == lower).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_codes_and_names() {
        assert_eq!(normalise("de"), Some("DE"));
        assert_eq!(normalise(" Deutschland "), Some("DE"));
        assert_eq!(normalise("EL"), Some("GR"));
        assert_eq!(normalise("uk"), Some("GB"));
        assert_eq!(normalise("XX"), None);
        assert_eq!(normalise("Narnia"), None);
        assert!(EU_MEMBERS.iter().all(|c| is_iso(c)));
    }
}
