//! Words used on several screens: tabs, ages, counts, yes and no.

use super::texts;

texts! { ENTRIES;
    tab_stats => "Stats", "Übersicht";
    tab_counterparties => "Counterparties", "Geschäftspartner";
    tab_details => "Details", "Details";
    tab_alerts => "Alerts", "Alerts";
    ago(age) => "{age} ago", "vor {age}";
    in_future(age) => "in {age}", "in {age}";
    never => "never", "nie";
    on => "on", "an";
    off => "off", "aus";
    yes => "yes", "ja";
    no => "no", "nein";
    none => "none", "keine";
    deleted_counterparty(id) => "#{id} (deleted)", "#{id} (gelöscht)";
    // A registry answer's evidence, in the details' history and the alert view alike.
    evidence_registry_time(at) => "registry time {at}", "Registerzeit {at}";
    evidence_code(code) => "code {code}", "Code {code}";
    evidence_http(status) => "HTTP {status}", "HTTP-Status {status}";
    evidence_sha256(hash) => "sha256 {hash}", "SHA-256 {hash}";
}

impl super::Tr {
    /// "1 counterparty", "3 counterparties"; German nouns here are the same in both numbers.
    pub fn counterparties(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => "1 counterparty".to_string(),
            (crate::values::Language::En, n) => format!("{n} counterparties"),
            (crate::values::Language::De, n) => format!("{n} Geschäftspartner"),
        }
    }

    /// A short duration: `45s`, `5m`, `3h`, `2d` / `45 s`, `5 min`, `3 h`, `2 Tg.`.
    pub fn age(self, d: chrono::Duration) -> String {
        if self.0 == crate::values::Language::En {
            return crate::sanctions::health::age_text(d);
        }
        let secs = d.num_seconds().max(0);
        match secs {
            0..=59 => format!("{secs} s"),
            60..=3599 => format!("{} min", secs / 60),
            3600..=86_399 => format!("{} h", secs / 3600),
            _ => format!("{} Tg.", secs / 86_400),
        }
    }

    /// "1 new alert", "3 new alerts".
    pub fn new_alerts(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => "1 new alert".to_string(),
            (crate::values::Language::En, n) => format!("{n} new alerts"),
            (crate::values::Language::De, 1) => "1 neuer Alert".to_string(),
            (crate::values::Language::De, n) => format!("{n} neue Alerts"),
        }
    }

    /// "1 answer", "3 answers".
    pub fn answers(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => "1 answer".to_string(),
            (crate::values::Language::En, n) => format!("{n} answers"),
            (crate::values::Language::De, 1) => "1 Antwort".to_string(),
            (crate::values::Language::De, n) => format!("{n} Antworten"),
        }
    }

    /// "1 alert", "3 alerts" / "1 Alert", "3 Alerts".
    pub fn alerts(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => "1 alert".to_string(),
            (crate::values::Language::En, n) => format!("{n} alerts"),
            (crate::values::Language::De, 1) => "1 Alert".to_string(),
            (crate::values::Language::De, n) => format!("{n} Alerts"),
        }
    }
}

/// The filter line's field names, accepted in either language whatever the UI's (a script or a
/// colleague's habit should not depend on the setting): `country:de`/`land:de`, `owner:anna`/
/// `zuständig:anna`, and on the alerts `since:`/`seit:`, `until:`/`bis:`.
pub mod query {
    /// The country filter.
    pub const COUNTRY: &[&str] = &["country", "cc", "land"];
    /// The owner filter.
    pub const OWNER: &[&str] = &["owner", "zuständig", "zustaendig"];
    /// The first day of the alerts kept.
    pub const SINCE: &[&str] = &["since", "from", "seit", "ab"];
    /// The last day of the alerts kept.
    pub const UNTIL: &[&str] = &["until", "to", "bis"];
}

/// Labels of the domain's values, which the command line writes in English as data.
impl super::Tr {
    /// The status of a counterparty's last check.
    pub fn check_status(self, s: crate::domain::last_check::CheckStatus) -> &'static str {
        use crate::domain::last_check::CheckStatus as S;
        let (en, de) = match s {
            S::Ok => ("ok", "ok"),
            S::Partial => ("partial", "teilweise"),
            S::NoAnswer => ("no answer", "keine Antwort"),
            S::Invalid => ("invalid", "ungültig"),
            S::Insolvency => ("insolvency", "Insolvenz"),
            S::Sanctions => ("sanctions", "Sanktionen"),
        };
        self.pick(en, de)
    }

    /// The VAT number's status after the last check.
    pub fn vat_status(self, s: crate::domain::last_check::VatStatus) -> &'static str {
        use crate::domain::last_check::VatStatus as S;
        let (en, de) = match s {
            S::Valid => ("valid", "gültig"),
            S::Invalid => ("invalid", "ungültig"),
            S::CouldNotAsk => ("no answer", "keine Antwort"),
            S::Unchecked => ("unchecked", "ungeprüft"),
            S::NoNumber => ("no number", "keine Nummer"),
        };
        self.pick(en, de)
    }

    /// A counterparty field's label (form, details, errors).
    pub fn field(self, f: crate::domain::field::Field) -> &'static str {
        use crate::domain::field::Field as F;
        let de = match f {
            F::Name => "Name",
            F::Country => "Land",
            F::Vat => "USt-IdNr.",
            F::Email => "E-Mail",
            F::Address => "Anschrift",
            F::Domain => "Domain",
            F::Contact => "Kontakt",
            F::Owner => "Zuständig",
            F::Lei => "LEI",
            F::Register => "Register",
            F::Priority => "Priorität",
            F::Monitor => "Überwachung",
            F::Frequency => "Häufigkeit",
            F::Tags => "Tags",
            F::Notes => "Notizen",
            F::Kind => "Art",
        };
        self.pick(f.label(), de)
    }

    /// What a counterparty is (organisation, person, vessel, aircraft).
    pub fn cp_kind(self, k: crate::domain::counterparty::CounterpartyKind) -> &'static str {
        use crate::domain::counterparty::CounterpartyKind as K;
        let de = match k {
            K::Organisation => "Organisation",
            K::Person => "Person",
            K::Vessel => "Schiff",
            K::Aircraft => "Luftfahrzeug",
        };
        self.pick(k.as_str(), de)
    }

    /// A priority's label.
    pub fn priority(self, p: crate::domain::counterparty::Priority) -> &'static str {
        use crate::domain::counterparty::Priority as P;
        match p {
            P::Normal => self.pick("normal", "normal"),
            P::High => self.pick("high", "hoch"),
        }
    }

    /// A check frequency's label.
    pub fn frequency(self, f: crate::domain::counterparty::Frequency) -> &'static str {
        use crate::domain::counterparty::Frequency as F;
        match f {
            F::Daily => self.pick("daily", "täglich"),
            F::Weekly => self.pick("weekly", "wöchentlich"),
            F::Monthly => self.pick("monthly", "monatlich"),
        }
    }

    /// An alert's severity.
    pub fn severity(self, s: crate::domain::alert::Severity) -> &'static str {
        crate::notify::digest::severity_label(s, self.0)
    }

    /// What an alert kind means.
    pub fn alert_kind(self, k: crate::domain::alert::AlertKind) -> &'static str {
        crate::notify::digest::kind_label(k, self.0)
    }

    /// A registry's name.
    pub fn source(self, s: crate::domain::Source) -> &'static str {
        crate::notify::digest::source_label(s, self.0)
    }

    /// The English or the German of a pair written in place (for labels of domain values).
    pub(super) fn pick(self, en: &'static str, de: &'static str) -> &'static str {
        match self.0 {
            crate::values::Language::En => en,
            crate::values::Language::De => de,
        }
    }
}
