//! Digest composition, pure: which alerts go to whom (grouped by owner, then severity), and the
//! subject, plain text and HTML of each message, in German or English.

use super::template::{self, escape_html, fill};
use crate::domain::analyst::Analyst;
use crate::domain::health::Health;
use crate::domain::pause::SourcePause;
use crate::domain::{Alert, AlertKind, Counterparty, DeliveryUnknown, Severity, Source};
use crate::sanctions::health::ListHealth;
use crate::values::Language;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// One alert as it appears in a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestItem {
    /// The alert.
    pub(crate) alert: Alert,
    /// The counterparty's name, `None` when it was deleted since.
    pub(crate) name: Option<String>,
    /// The counterparty's VAT number.
    pub(crate) vat: Option<String>,
    /// An earlier mail that carried this alert and got no reply (delivery unknown): the
    /// digest names it so a reader who did get that mail knows this is a repeat.
    pub(crate) earlier: Option<DeliveryUnknown>,
}

/// The alerts of one owner, most serious first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnerGroup {
    /// The owner as written on the counterparty; `None` for counterparties without an owner.
    pub(crate) owner: Option<String>,
    /// Non-empty severity groups in the order critical, high, medium, low.
    pub(crate) severities: Vec<(Severity, Vec<DigestItem>)>,
}

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The recipient's address.
    pub(crate) recipient: String,
    /// The owner groups, in name order with "no owner" last.
    pub(crate) owners: Vec<OwnerGroup>,
}

impl Digest {
    /// An empty digest for a recipient (nothing new; still carries source health).
    pub(crate) fn empty(recipient: &str) -> Digest {
        Digest {
            recipient: recipient.to_string(),
            owners: Vec::new(),
        }
    }

    /// The alert ids the message carries, in the order shown.
    pub(crate) fn alert_ids(&self) -> Vec<u64> {
        self.items().map(|i| i.alert.id).collect()
    }

    /// Every item in the order shown.
    pub(crate) fn items(&self) -> impl Iterator<Item = &DigestItem> {
        self.owners
            .iter()
            .flat_map(|o| o.severities.iter().flat_map(|(_, items)| items.iter()))
    }

    /// How many alerts the message carries.
    pub(crate) fn count(&self) -> usize {
        self.items().count()
    }

    /// How many of them were carried by an earlier mail whose delivery is unknown.
    pub(crate) fn repeated(&self) -> usize {
        self.items().filter(|i| i.earlier.is_some()).count()
    }

    /// Attaches the earlier, unanswered hand-over of each alert that had one.
    pub(crate) fn note_unknown(&mut self, unknown: &HashMap<u64, DeliveryUnknown>) {
        for o in &mut self.owners {
            for (_, items) in &mut o.severities {
                for i in items {
                    i.earlier = unknown.get(&i.alert.id).cloned();
                }
            }
        }
    }

    /// How many of them are critical.
    pub(crate) fn critical(&self) -> usize {
        self.items()
            .filter(|i| i.alert.severity == Severity::Critical)
            .count()
    }
}

/// The result of routing pending alerts to recipients.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// One digest per recipient address, in address order.
    pub digests: Vec<Digest>,
    /// Alerts nobody can receive: the owner has no address and there is no fallback `to`.
    pub(crate) unroutable: Vec<u64>,
}

/// Alerts waiting for delivery: never mailed and not yet acknowledged (an analyst who already
/// acknowledged an alert in Kontra does not need a mail about it).
pub(crate) fn pending(alerts: &[Alert]) -> Vec<Alert> {
    alerts
        .iter()
        .filter(|a| a.sent_at.is_none() && a.acknowledged_at.is_none())
        .cloned()
        .collect()
}

/// Routes alerts to recipients and groups them by owner and severity.
///
/// The owner's address comes from `[[analysts]]` (names compared case-insensitively); alerts of
/// counterparties without an owner, with an owner not listed there, or deleted since go to
/// `fallback`. With `include_empty`, every analyst and the fallback get a digest even without
/// alerts.
pub fn plan(
    alerts: &[Alert],
    counterparties: &HashMap<u64, Counterparty>,
    analysts: &[Analyst],
    fallback: Option<&str>,
    include_empty: bool,
) -> Plan {
    // recipient -> owner key -> items; the owner key sorts named owners first, by name.
    type Owners = BTreeMap<(bool, String), (Option<String>, Vec<DigestItem>)>;
    let mut by_recipient: BTreeMap<String, Owners> = BTreeMap::new();
    let mut unroutable = Vec::new();
    if include_empty {
        for a in analysts {
            by_recipient.entry(a.email.0.clone()).or_default();
        }
        if let Some(f) = fallback {
            by_recipient.entry(f.to_string()).or_default();
        }
    }
    for alert in alerts {
        let cp = counterparties.get(&alert.counterparty_id);
        let owner = cp
            .and_then(|c| c.owner.clone())
            .filter(|o| !o.trim().is_empty());
        let address = owner
            .as_deref()
            .and_then(|o| {
                analysts
                    .iter()
                    .find(|a| a.name.trim().eq_ignore_ascii_case(o.trim()))
            })
            .map(|a| a.email.0.clone())
            .or_else(|| fallback.map(str::to_string));
        let Some(address) = address else {
            unroutable.push(alert.id);
            continue;
        };
        let key = match &owner {
            Some(o) => (false, o.to_lowercase()),
            None => (true, String::new()),
        };
        let entry = by_recipient
            .entry(address)
            .or_default()
            .entry(key)
            .or_insert_with(|| (owner.clone(), Vec::new()));
        entry.1.push(DigestItem {
            alert: alert.clone(),
            name: cp.map(|c| c.name.clone()),
            vat: cp.and_then(|c| c.vat.as_deref().map(str::to_string)),
            earlier: None,
        });
    }
    let digests = by_recipient
        .into_iter()
        .map(|(recipient, owners)| Digest {
            recipient,
            owners: owners
                .into_values()
                .map(|(owner, items)| OwnerGroup {
                    owner,
                    severities: by_severity(items),
                })
                .collect(),
        })
        .collect();
    Plan {
        digests,
        unroutable,
    }
}

fn by_severity(mut items: Vec<DigestItem>) -> Vec<(Severity, Vec<DigestItem>)> {
    items.sort_by_key(|i| (i.alert.created_at, i.alert.id));
    Severity::DESCENDING
        .into_iter()
        .filter_map(|s| {
            let group: Vec<DigestItem> = items
                .iter()
                .filter(|i| i.alert.severity == s)
                .cloned()
                .collect();
            (!group.is_empty()).then_some((s, group))
        })
        .collect()
}

/// Everything besides the digest that decides how it reads.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// Language of the message.
    pub language: Language,
    /// Time zone for every time shown.
    pub tz: Tz,
    /// When the message is composed.
    pub now: DateTime<Utc>,
    /// Every source's health from the stored runs (`Store::source_health`, the Stats tab's
    /// function); `None` when the store could not tell, read as "no check yet".
    pub health: Option<&'a Health>,
    /// A registry paused for this machine (VIES `IP_BLOCKED`), said first in the health block.
    pub pause: Option<&'a SourcePause>,
    /// The health of every sanctions list (see `sanctions::health`); `None` when the store could
    /// not tell.
    pub lists: Option<&'a [ListHealth]>,
    /// A message sent at once for critical alerts rather than the daily digest.
    pub immediate: bool,
}

/// A composed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub(crate) subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// The colour of a severity (badges and borders).
pub(crate) fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#d32f2f",
        Severity::High => "#f57c00",
        Severity::Medium => "#fbc02d",
        Severity::Low => "#388e3c",
    }
}

/// Text on a severity badge: dark on yellow, white otherwise, for contrast.
fn badge_text_colour(s: Severity) -> &'static str {
    match s {
        Severity::Medium => "#212121",
        _ => "#ffffff",
    }
}

/// The severity's name in the message language.
pub(crate) fn severity_label(s: Severity, l: Language) -> &'static str {
    match (l, s) {
        (Language::De, Severity::Critical) => "kritisch",
        (Language::De, Severity::High) => "hoch",
        (Language::De, Severity::Medium) => "mittel",
        (Language::De, Severity::Low) => "niedrig",
        (Language::En, Severity::Critical) => "critical",
        (Language::En, Severity::High) => "high",
        (Language::En, Severity::Medium) => "medium",
        (Language::En, Severity::Low) => "low",
    }
}

/// What an alert kind means, in the message language.
pub(crate) fn kind_label(k: AlertKind, l: Language) -> &'static str {
    let (de, en) = match k {
        AlertKind::VatInvalid => ("USt-IdNr. ungültig", "VAT number invalid"),
        AlertKind::VatStatusChanged => ("USt-IdNr.-Status geändert", "VAT status changed"),
        AlertKind::SanctionsFound => ("Treffer auf Sanktionsliste", "Sanctions list match"),
        AlertKind::SanctionsPossible => (
            "Möglicher Treffer auf Sanktionsliste (prüfen)",
            "Possible sanctions list match (review)",
        ),
        AlertKind::SanctionsRemoved => (
            "Sanktionslisten-Treffer entfallen",
            "Sanctions list match removed",
        ),
        AlertKind::InsolvencyStarted => ("Insolvenzverfahren", "Insolvency proceedings"),
        AlertKind::CompanyNameChanged => ("Firmenname geändert", "Company name changed"),
        AlertKind::CompanyAddressChanged => ("Anschrift geändert", "Address changed"),
        AlertKind::CompanyLegalFormChanged => ("Rechtsform geändert", "Legal form changed"),
        AlertKind::QualifiedMismatch => (
            "Qualifizierte Bestätigung abweichend",
            "Qualified confirmation mismatch",
        ),
        AlertKind::RegisterStatusChanged => ("Registerstatus geändert", "Register status changed"),
        AlertKind::LeiLapsed => ("LEI abgelaufen", "LEI lapsed"),
        AlertKind::SourceUnverifiable => (
            "Quelle seit Tagen nicht prüfbar",
            "Source unverifiable for days",
        ),
    };
    match l {
        Language::De => de,
        Language::En => en,
    }
}

/// The source's display name.
pub(crate) fn source_label(s: Source, l: Language) -> &'static str {
    match (s, l) {
        (Source::Vies, _) => "VIES",
        (Source::Evatr, _) => "BZSt eVatR",
        (Source::Gleif, _) => "GLEIF",
        (Source::Handelsregister, Language::De) => "Handelsregister",
        (Source::Handelsregister, Language::En) => "Commercial register",
        (Source::Insolvency, Language::De) => "Insolvenzbekanntmachungen",
        (Source::Insolvency, Language::En) => "Insolvency publications",
        (Source::Sanctions, Language::De) => "Sanktionslisten",
        (Source::Sanctions, Language::En) => "Sanctions lists",
    }
}

/// A time in the configured zone, written the way the language expects.
pub(crate) fn format_time(t: DateTime<Utc>, tz: Tz, l: Language) -> String {
    crate::local_time::in_language(t, tz, l)
}

/// `3 neue Alerts (1 kritisch)` / `3 new alerts (1 critical)`, without the `[Kontra]` tag.
pub(crate) fn summary(count: usize, critical: usize, l: Language) -> String {
    let base = match (l, count) {
        (Language::De, 0) => "Keine neuen Alerts".to_string(),
        (Language::De, 1) => "1 neuer Alert".to_string(),
        (Language::De, n) => format!("{n} neue Alerts"),
        (Language::En, 0) => "No new alerts".to_string(),
        (Language::En, 1) => "1 new alert".to_string(),
        (Language::En, n) => format!("{n} new alerts"),
    };
    if critical == 0 {
        base
    } else {
        match l {
            Language::De => format!("{base} ({critical} kritisch)"),
            Language::En => format!("{base} ({critical} critical)"),
        }
    }
}

/// The subject line, e.g. `[Kontra] 3 neue Alerts (1 kritisch)`.
pub(crate) fn subject(d: &Digest, ctx: &RenderContext<'_>) -> String {
    let s = summary(d.count(), d.critical(), ctx.language);
    match (ctx.immediate, ctx.language) {
        (false, _) => format!("[Kontra] {s}"),
        (true, Language::De) => format!("[Kontra] Sofortmeldung: {s}"),
        (true, Language::En) => format!("[Kontra] Immediate: {s}"),
    }
}

struct Words {
    digest: &'static str,
    immediate: &'static str,
    owner: &'static str,
    no_owner: &'static str,
    vat: &'static str,
    no_vat: &'static str,
    id: &'static str,
    when: &'static str,
    deleted: &'static str,
    open: &'static str,
    nothing_new: &'static str,
    never_checked: &'static str,
    last_cycle: &'static str,
    stale: &'static str,
    answers: &'static str,
    last_answer: &'static str,
    never_answered: &'static str,
    unavailable_since: &'static str,
    no_cycle: &'static str,
    pause: &'static str,
    lists_used: &'static str,
    lists_unknown: &'static str,
    no_lists: &'static str,
    repeated: &'static str,
    earlier: &'static str,
}

const DE: Words = Words {
    digest: "Täglicher Digest",
    immediate: "Sofortmeldung",
    owner: "Zuständig",
    no_owner: "Ohne Zuständigen",
    vat: "USt-IdNr.",
    no_vat: "keine",
    id: "Kennung",
    when: "Festgestellt",
    deleted: "(Geschäftspartner gelöscht)",
    open: "öffnen",
    nothing_new: "Seit dem letzten Digest gibt es keine neuen Alerts.",
    never_checked: "Es ist noch kein Prüflauf gelaufen: Kontra hat bisher keine Quelle abgefragt. „Keine neuen Alerts“ heißt deshalb nicht, dass alles in Ordnung ist.",
    last_cycle: "Letzter Prüflauf",
    stale: "Achtung: Der letzte Prüflauf liegt mehr als 48 Stunden zurück; der Monitor läuft vermutlich nicht.",
    answers: "antwortet",
    last_answer: "letzte Antwort",
    never_answered: "noch nie geantwortet",
    unavailable_since: "nicht erreichbar seit",
    no_cycle: "noch keiner (bisher nur manuelle Prüfungen)",
    pause: "{source} ist seit {since} pausiert, weil {code}: {message}. Von diesem Rechner wird nichts an {source} gesendet, bis jemand die Pause mit `kontra sources resume {name}` oder in der Oberfläche aufhebt.",
    lists_used: "Sanktionslisten (Alter des verwendeten Stands)",
    lists_unknown: "Der Zustand der Sanktionslisten konnte nicht gelesen werden.",
    no_lists: "Keine Sanktionsliste ist konfiguriert.",
    repeated: "Zustellung unbekannt: {n} dieser Alerts wurden schon einmal an den Mailserver übergeben, der darauf nicht geantwortet hat. Sie sind unten markiert und werden hier wiederholt, falls die frühere Nachricht nicht angekommen ist.",
    earlier: "Zustellung unbekannt: am {when} als {id} übergeben, ohne Antwort des Mailservers; hier wiederholt.",
};

const EN: Words = Words {
    digest: "Daily digest",
    immediate: "Immediate alert",
    owner: "Owner",
    no_owner: "No owner",
    vat: "VAT number",
    no_vat: "none",
    id: "Id",
    when: "Detected",
    deleted: "(counterparty deleted)",
    open: "open",
    nothing_new: "There are no new alerts since the last digest.",
    never_checked: "No check has run yet: Kontra has not asked any source so far. \"No new alerts\" therefore does not mean that all is well.",
    last_cycle: "Last check cycle",
    stale: "Warning: the last check cycle is more than 48 hours old; the monitor is probably not running.",
    answers: "answering",
    last_answer: "last answer",
    never_answered: "never answered",
    unavailable_since: "unavailable since",
    no_cycle: "none yet (manual checks only)",
    pause: "{source} paused since {since} because {code}: {message}. Nothing is sent to {source} from this machine until someone lifts the pause with `kontra sources resume {name}` or in the UI.",
    lists_used: "Sanctions lists (age of the version in use)",
    lists_unknown: "The state of the sanctions lists could not be read.",
    no_lists: "No sanctions list is configured.",
    repeated: "Delivery unknown: {n} of these alerts were handed to the mail server before, which did not answer. They are marked below and repeated here in case that earlier message did not arrive.",
    earlier: "Delivery unknown: handed over at {when} as {id} without a reply from the mail server; repeated here.",
};

fn words(l: Language) -> &'static Words {
    match l {
        Language::De => &DE,
        Language::En => &EN,
    }
}

/// Composes subject, plain text and HTML of one digest.
pub fn render(d: &Digest, ctx: &RenderContext<'_>) -> Rendered {
    let l = ctx.language;
    let w = words(l);
    let subject = subject(d, ctx);
    let summary = summary(d.count(), d.critical(), l);
    let kind_of_mail = if ctx.immediate { w.immediate } else { w.digest };
    let now = format_time(ctx.now, ctx.tz, l);
    let (health_text, health_html) = health_block(ctx);
    let (sections_text, sections_html) = if d.owners.is_empty() {
        (
            format!("{}\n", w.nothing_new),
            format!(
                "<p style=\"margin:12px 0;font-size:14px;color:#424242;\">{}</p>",
                escape_html(w.nothing_new)
            ),
        )
    } else {
        (sections_text(d, ctx), sections_html(d, ctx))
    };
    let (text_t, html_t) = match l {
        Language::De => (template::DIGEST_DE_TXT, template::DIGEST_DE_HTML),
        Language::En => (template::DIGEST_EN_TXT, template::DIGEST_EN_HTML),
    };
    let text = fill(
        text_t,
        &[
            ("kind_of_mail", kind_of_mail),
            ("summary", &summary),
            ("now", &now),
            ("sections", &sections_text),
            ("health", &health_text),
        ],
    );
    let html = fill(
        html_t,
        &[
            ("subject", &escape_html(&subject)),
            ("kind_of_mail", &escape_html(kind_of_mail)),
            ("summary", &escape_html(&summary)),
            ("now", &escape_html(&now)),
            ("sections", &sections_html),
            ("health", &health_html),
        ],
    );
    Rendered {
        subject,
        text,
        html,
    }
}

fn owner_title(o: &OwnerGroup, w: &Words) -> String {
    match &o.owner {
        Some(name) => format!("{}: {name}", w.owner),
        None => w.no_owner.to_string(),
    }
}

fn sections_text(d: &Digest, ctx: &RenderContext<'_>) -> String {
    let l = ctx.language;
    let w = words(l);
    let mut out = String::new();
    if d.repeated() > 0 {
        out.push_str(&w.repeated.replace("{n}", &d.repeated().to_string()));
        out.push_str("\n\n");
    }
    for o in &d.owners {
        let title = owner_title(o, w);
        out.push_str(&format!("== {title} ==\n\n"));
        for (sev, items) in &o.severities {
            out.push_str(&format!(
                "{} ({})\n",
                severity_label(*sev, l).to_uppercase(),
                items.len()
            ));
            for i in items {
                let a = &i.alert;
                out.push_str(&format!(
                    "  * {} · {}: {} · {}: {}\n    {}: {}\n    {}: {} · {}: kontra show {}\n",
                    i.name.as_deref().unwrap_or(w.deleted),
                    w.vat,
                    i.vat.as_deref().unwrap_or(w.no_vat),
                    w.id,
                    a.counterparty_id,
                    kind_label(a.kind, l),
                    a.message.get(l.as_str()),
                    w.when,
                    format_time(a.created_at, ctx.tz, l),
                    w.open,
                    a.counterparty_id,
                ));
                if let Some(e) = &i.earlier {
                    out.push_str(&format!("    {}\n", earlier_note(e, ctx)));
                }
            }
            out.push('\n');
        }
    }
    out
}

/// The line naming an earlier hand-over without a reply.
fn earlier_note(e: &DeliveryUnknown, ctx: &RenderContext<'_>) -> String {
    words(ctx.language)
        .earlier
        .replace("{when}", &format_time(e.at, ctx.tz, ctx.language))
        .replace("{id}", &e.reference)
}

fn sections_html(d: &Digest, ctx: &RenderContext<'_>) -> String {
    let l = ctx.language;
    let w = words(l);
    let mut out = String::new();
    if d.repeated() > 0 {
        out.push_str(&format!(
            "<p style=\"margin:12px 0;font-size:14px;color:#b71c1c;\">{}</p>",
            escape_html(&w.repeated.replace("{n}", &d.repeated().to_string()))
        ));
    }
    for o in &d.owners {
        let mut severities = String::new();
        for (sev, items) in &o.severities {
            let mut rows = String::new();
            for i in items {
                let a = &i.alert;
                let id = a.counterparty_id.to_string();
                rows.push_str(&fill(
                    template::ITEM_HTML,
                    &[
                        ("colour", colour(*sev)),
                        ("name", &escape_html(i.name.as_deref().unwrap_or(w.deleted))),
                        ("vat_label", &escape_html(w.vat)),
                        ("vat", &escape_html(i.vat.as_deref().unwrap_or(w.no_vat))),
                        ("id_label", &escape_html(w.id)),
                        ("id", &id),
                        ("kind", &escape_html(kind_label(a.kind, l))),
                        (
                            "message",
                            &escape_html(&match &i.earlier {
                                Some(e) => format!(
                                    "{} ({})",
                                    a.message.get(l.as_str()),
                                    earlier_note(e, ctx)
                                ),
                                None => a.message.get(l.as_str()).to_string(),
                            }),
                        ),
                        ("when_label", &escape_html(w.when)),
                        ("when", &escape_html(&format_time(a.created_at, ctx.tz, l))),
                    ],
                ));
            }
            severities.push_str(&fill(
                template::SEVERITY_HTML,
                &[
                    ("colour", colour(*sev)),
                    ("text_colour", badge_text_colour(*sev)),
                    ("label", &escape_html(severity_label(*sev, l))),
                    ("count", &items.len().to_string()),
                    ("items", &rows),
                ],
            ));
        }
        out.push_str(&fill(
            template::OWNER_HTML,
            &[
                ("owner", &escape_html(&owner_title(o, w))),
                ("severities", &severities),
            ],
        ));
    }
    out
}

fn health_block(ctx: &RenderContext<'_>) -> (String, String) {
    let l = ctx.language;
    let w = words(l);
    let para = |s: &str| {
        format!(
            "<p style=\"margin:4px 0;font-size:13px;line-height:19px;color:#424242;\">{}</p>",
            escape_html(s)
        )
    };
    let (lists_text, lists_html) = lists_block(ctx);
    let (mut text, mut html) = match ctx.pause {
        Some(p) => {
            let line = pause_line(p, ctx);
            (
                format!("{line}\n"),
                format!(
                    "<p style=\"margin:4px 0;font-size:13px;font-weight:bold;color:#d32f2f;\">{}</p>",
                    escape_html(&line)
                ),
            )
        }
        None => (String::new(), String::new()),
    };
    let Some(h) = ctx.health.filter(|h| !h.never_checked()) else {
        text.push_str(&format!("{}\n{lists_text}", w.never_checked));
        html.push_str(&para(w.never_checked));
        html.push_str(&lists_html);
        return (text, html);
    };
    let last_cycle = h
        .last_cycle
        .map_or_else(|| w.no_cycle.to_string(), |t| format_time(t, ctx.tz, l));
    text.push_str(&format!("{}: {last_cycle}\n", w.last_cycle));
    html.push_str(&para(&format!("{}: {last_cycle}", w.last_cycle)));
    if h.last_cycle
        .is_none_or(|t| ctx.now - t > Duration::hours(48))
    {
        text.push_str(&format!("{}\n", w.stale));
        html.push_str(&format!(
            "<p style=\"margin:4px 0;font-size:13px;font-weight:bold;color:#d32f2f;\">{}</p>",
            escape_html(w.stale)
        ));
    }
    // Sources no run asked (switched off) are left out; `never_checked` saw at least one.
    let asked = h.sources.iter().filter(|s| s.was_asked());
    let mut rows = String::new();
    for s in asked {
        let last = match s.last_answer_at {
            Some(t) => format!("{} {}", w.last_answer, format_time(t, ctx.tz, l)),
            None => w.never_answered.to_string(),
        };
        let (status, col) = match s.unavailable_since {
            None => (format!("{} ({last})", w.answers), colour(Severity::Low)),
            Some(since) => {
                let mut st = format!(
                    "{} {} ({last})",
                    w.unavailable_since,
                    format_time(since, ctx.tz, l)
                );
                if let Some(e) = s.last_failure.as_deref().filter(|e| !e.is_empty()) {
                    st.push_str(&format!(": {e}"));
                }
                (st, colour(Severity::Critical))
            }
        };
        let name = source_label(s.source, l);
        text.push_str(&format!("  {name}: {status}\n"));
        rows.push_str(&fill(
            template::HEALTH_ROW_HTML,
            &[
                ("colour", col),
                ("source", &escape_html(name)),
                ("status", &escape_html(&status)),
            ],
        ));
    }
    html.push_str(&table(&rows));
    text.push_str(&lists_text);
    html.push_str(&lists_html);
    (text, html)
}

/// The registry pause in the message's language and time zone: since when, why, how to lift it.
pub(crate) fn pause_line(p: &SourcePause, ctx: &RenderContext<'_>) -> String {
    let name = p.source.as_str();
    words(ctx.language)
        .pause
        .replace("{source}", &name.to_uppercase())
        .replace("{since}", &format_time(p.since, ctx.tz, ctx.language))
        .replace("{code}", &p.code)
        .replace("{message}", &p.message)
        .replace("{name}", name)
}

fn table(rows: &str) -> String {
    format!(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"margin-top:4px;\">\n{rows}</table>"
    )
}

/// Which sanctions lists screening uses and how old each is, with the reason a list is stale
/// or missing: a digest never reads "no sanctions alert" without saying against what.
fn lists_block(ctx: &RenderContext<'_>) -> (String, String) {
    let l = ctx.language;
    let w = words(l);
    let note = |s: &str| {
        (
            format!("{s}\n"),
            format!(
                "<p style=\"margin:4px 0;font-size:13px;line-height:19px;color:#424242;\">{}</p>",
                escape_html(s)
            ),
        )
    };
    let Some(lists) = ctx.lists else {
        return note(w.lists_unknown);
    };
    let configured: Vec<&ListHealth> = lists.iter().filter(|h| h.enabled).collect();
    if configured.is_empty() {
        return note(w.no_lists);
    }
    let (mut text, mut html) = note(&format!("{}:", w.lists_used));
    let mut rows = String::new();
    for h in configured {
        let line = h.line(l.as_str());
        text.push_str(&format!("  {line}\n"));
        let col = if h.is_unhealthy() {
            colour(Severity::Critical)
        } else {
            colour(Severity::Low)
        };
        let (name, status) = line.split_once(": ").unwrap_or((h.source.as_str(), &line));
        rows.push_str(&fill(
            template::HEALTH_ROW_HTML,
            &[
                ("colour", col),
                ("source", &escape_html(name)),
                ("status", &escape_html(status)),
            ],
        ));
    }
    html.push_str(&table(&rows));
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::Bilingual;
    use crate::domain::analyst::Email;
    use crate::domain::health::SourceHealth;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn source(
        source: Source,
        last_answer_at: Option<DateTime<Utc>>,
        unavailable_since: Option<DateTime<Utc>>,
        last_failure: Option<&str>,
    ) -> SourceHealth {
        SourceHealth {
            source,
            last_answer_at,
            last_failure_at: unavailable_since,
            last_failure: last_failure.map(str::to_string),
            unavailable_since,
            answers: 0,
            failures: 0,
        }
    }

    fn health(last_cycle: DateTime<Utc>, sources: Vec<SourceHealth>) -> Health {
        Health {
            last_cycle: Some(last_cycle),
            last_run: Some(last_cycle),
            sources,
        }
    }

    fn alert(id: u64, cp: u64, kind: AlertKind, at: DateTime<Utc>) -> Alert {
        Alert {
            id,
            kind,
            severity: kind.default_severity(),
            counterparty_id: cp,
            check_run_id: None,
            message: Bilingual {
                de: format!("Meldung {id}"),
                en: format!("Message {id}"),
            },
            dedup_key: format!("k{id}"),
            created_at: at,
            sent_at: None,
            acknowledged_by: None,
            acknowledged_at: None,
            subject: None,
        }
    }

    fn cp(id: u64, name: &str, owner: Option<&str>) -> Counterparty {
        Counterparty {
            id,
            name: name.into(),
            country: "DE".into(),
            vat: Some(crate::domain::vat::VatNumber::unchecked(&format!(
                "DE{id:09}"
            ))),
            email: None,
            domain: None,
            address: None,
            contact: None,
            owner: owner.map(str::to_string),
            lei: None,
            register: None,
            priority: Default::default(),
            monitor: true,
            frequency: Default::default(),
            tags: vec![],
            notes: String::new(),
            created_at: t(0, 0),
            updated_at: t(0, 0),
            kind: Default::default(),
        }
    }

    fn analysts() -> Vec<Analyst> {
        vec![
            Analyst {
                name: "Anna".into(),
                email: Email("anna@example.de".into()),
                unix_user: None,
                role: Default::default(),
            },
            Analyst {
                name: "bernd".into(),
                email: Email("bernd@example.de".into()),
                unix_user: None,
                role: Default::default(),
            },
        ]
    }

    fn cps() -> HashMap<u64, Counterparty> {
        [
            cp(1, "Alpha <GmbH>", Some("anna")),
            cp(2, "Beta AG", Some("Bernd")),
            cp(3, "Gamma KG", None),
            cp(4, "Delta SE", Some("carla")),
        ]
        .into_iter()
        .map(|c| (c.id, c))
        .collect()
    }

    #[test]
    fn routes_by_owner_with_fallback_and_orders_by_severity_then_time() {
        let alerts = vec![
            alert(1, 1, AlertKind::CompanyNameChanged, t(3, 0)),
            alert(2, 1, AlertKind::VatInvalid, t(3, 5)),
            alert(3, 2, AlertKind::SanctionsRemoved, t(3, 1)),
            alert(4, 3, AlertKind::InsolvencyStarted, t(3, 2)),
            alert(5, 4, AlertKind::VatStatusChanged, t(3, 3)),
            alert(6, 1, AlertKind::SanctionsFound, t(3, 4)),
            alert(7, 99, AlertKind::LeiLapsed, t(3, 6)),
        ];
        let p = plan(&alerts, &cps(), &analysts(), Some("team@example.de"), false);
        assert!(p.unroutable.is_empty());
        let recipients: Vec<&str> = p.digests.iter().map(|d| d.recipient.as_str()).collect();
        assert_eq!(
            recipients,
            ["anna@example.de", "bernd@example.de", "team@example.de"]
        );
        assert_eq!(p.digests[0].alert_ids(), vec![6, 2, 1]);
        assert_eq!(p.digests[0].critical(), 2);
        // Fallback: named owner without address first (carla: cp 4), then the deleted
        // counterparty's and the unowned one's alerts under "no owner".
        let team = &p.digests[2];
        let owners: Vec<Option<&str>> = team.owners.iter().map(|o| o.owner.as_deref()).collect();
        assert_eq!(owners, [Some("carla"), None]);
        assert_eq!(team.alert_ids(), vec![5, 4, 7]);
        let without = plan(&alerts, &cps(), &analysts(), None, false);
        assert_eq!(without.unroutable, vec![4, 5, 7]);
    }

    #[test]
    fn include_empty_gives_every_analyst_a_digest() {
        let p = plan(&[], &cps(), &analysts(), Some("team@example.de"), true);
        assert_eq!(p.digests.len(), 3);
        assert!(p.digests.iter().all(|d| d.count() == 0));
        assert!(
            plan(&[], &cps(), &analysts(), None, false)
                .digests
                .is_empty()
        );
    }

    #[test]
    fn pending_skips_sent_and_acknowledged() {
        let mut a = alert(1, 1, AlertKind::VatInvalid, t(1, 0));
        let b = alert(2, 1, AlertKind::VatInvalid, t(1, 0));
        let mut c = alert(3, 1, AlertKind::VatInvalid, t(1, 0));
        a.sent_at = Some(t(2, 0));
        c.acknowledged_at = Some(t(2, 0));
        let ids: Vec<u64> = pending(&[a, b, c]).iter().map(|a| a.id).collect();
        assert_eq!(ids, vec![2]);
    }

    #[test]
    fn subjects_in_both_languages() {
        let alerts = vec![
            alert(1, 1, AlertKind::VatInvalid, t(3, 0)),
            alert(2, 1, AlertKind::CompanyNameChanged, t(3, 0)),
            alert(3, 1, AlertKind::LeiLapsed, t(3, 0)),
        ];
        let p = plan(&alerts, &cps(), &analysts(), None, false);
        let mut ctx = RenderContext {
            language: Language::De,
            tz: chrono_tz::Europe::Berlin,
            now: t(7, 0),
            health: None,
            pause: None,
            lists: None,
            immediate: false,
        };
        assert_eq!(
            subject(&p.digests[0], &ctx),
            "[Kontra] 3 neue Alerts (1 kritisch)"
        );
        ctx.language = Language::En;
        assert_eq!(
            subject(&p.digests[0], &ctx),
            "[Kontra] 3 new alerts (1 critical)"
        );
        assert_eq!(summary(1, 0, Language::De), "1 neuer Alert");
        assert_eq!(summary(0, 0, Language::En), "No new alerts");
        ctx.immediate = true;
        ctx.language = Language::De;
        assert!(subject(&p.digests[0], &ctx).starts_with("[Kontra] Sofortmeldung: "));
    }

    #[test]
    fn renders_every_field_escaped_and_fills_every_placeholder() {
        let alerts = vec![
            alert(1, 1, AlertKind::VatInvalid, t(3, 0)),
            alert(2, 1, AlertKind::CompanyNameChanged, t(3, 0)),
        ];
        let p = plan(&alerts, &cps(), &analysts(), None, false);
        let health = health(
            t(2, 10),
            vec![
                source(Source::Vies, Some(t(2, 9)), None, None),
                source(
                    Source::Evatr,
                    None,
                    Some(t(1, 0)),
                    Some("evatr-0011 <down>"),
                ),
            ],
        );
        for language in [Language::De, Language::En] {
            let ctx = RenderContext {
                language,
                tz: chrono_tz::Europe::Berlin,
                now: t(7, 0),
                health: Some(&health),
                pause: None,
                lists: None,
                immediate: false,
            };
            let r = render(&p.digests[0], &ctx);
            for part in [&r.text, &r.html] {
                assert!(!part.contains("{{"), "unfilled placeholder:\n{part}");
                assert!(part.contains("DE000000001"));
                assert!(part.contains("kontra show 1"));
            }
            assert!(r.html.contains("Alpha &lt;GmbH&gt;"), "{}", r.html);
            assert!(r.text.contains("Alpha <GmbH>"));
            assert!(r.html.contains("#d32f2f") && r.html.contains("#fbc02d"));
            assert!(r.html.contains("evatr-0011 &lt;down&gt;"));
            let crit = r.text.find(
                severity_label(Severity::Critical, language)
                    .to_uppercase()
                    .as_str(),
            );
            let med = r.text.find(
                severity_label(Severity::Medium, language)
                    .to_uppercase()
                    .as_str(),
            );
            assert!(crit.unwrap() < med.unwrap());
            match language {
                Language::De => {
                    assert!(r.text.contains("Meldung 1") && !r.text.contains("Message 1"));
                    assert!(r.text.contains("02.03.2026 04:00 CET"), "{}", r.text);
                    assert!(
                        r.text
                            .contains("BZSt eVatR: nicht erreichbar seit 02.03.2026 02:00 CET"),
                        "{}",
                        r.text
                    );
                }
                Language::En => {
                    assert!(r.text.contains("Message 1") && !r.text.contains("Meldung 1"));
                    assert!(r.text.contains("2026-03-02 04:00 CET"), "{}", r.text);
                    assert!(
                        r.text
                            .contains("VIES: answering (last answer 2026-03-02 03:09 CET)"),
                        "{}",
                        r.text
                    );
                }
            }
        }
    }

    #[test]
    fn a_possible_sanctions_hit_is_labelled_in_both_languages_under_high() {
        let alerts = vec![alert(1, 1, AlertKind::SanctionsPossible, t(3, 0))];
        assert_eq!(alerts[0].severity, Severity::High);
        let p = plan(&alerts, &cps(), &analysts(), None, false);
        assert_eq!(
            p.digests[0].critical(),
            0,
            "not an immediate mail by default"
        );
        for (language, label) in [
            (
                Language::De,
                "Möglicher Treffer auf Sanktionsliste (prüfen)",
            ),
            (Language::En, "Possible sanctions list match (review)"),
        ] {
            let ctx = RenderContext {
                language,
                tz: chrono_tz::Europe::Berlin,
                now: t(7, 0),
                health: None,
                pause: None,
                lists: None,
                immediate: false,
            };
            let r = render(&p.digests[0], &ctx);
            assert!(r.text.contains(label), "{}", r.text);
            assert!(r.html.contains(&escape_html(label)), "{}", r.html);
            let high = severity_label(Severity::High, language).to_uppercase();
            assert!(r.text.contains(&high), "{}", r.text);
        }
        assert_ne!(
            kind_label(AlertKind::SanctionsPossible, Language::En),
            kind_label(AlertKind::SanctionsFound, Language::En)
        );
    }

    #[test]
    fn empty_digest_says_what_was_checked_or_that_nothing_was() {
        let d = Digest::empty("anna@example.de");
        let mut ctx = RenderContext {
            language: Language::De,
            tz: chrono_tz::Europe::Berlin,
            now: t(7, 0),
            health: None,
            pause: None,
            lists: None,
            immediate: false,
        };
        let r = render(&d, &ctx);
        assert_eq!(r.subject, "[Kontra] Keine neuen Alerts");
        assert!(r.text.contains("noch kein Prüflauf"), "{}", r.text);
        assert!(r.html.contains("noch kein Prüflauf"));
        let cycle = Utc.with_ymd_and_hms(2026, 2, 27, 2, 0, 0).unwrap();
        let health = health(cycle, vec![source(Source::Vies, Some(cycle), None, None)]);
        ctx.health = Some(&health);
        ctx.language = Language::En;
        let r = render(&d, &ctx);
        assert!(
            r.text.contains("no new alerts since the last digest"),
            "{}",
            r.text
        );
        assert!(r.text.contains("more than 48 hours"), "{}", r.text);
        assert!(!r.text.contains("No check has run yet"));
        // A VIES pause in force is said in every digest, text and HTML.
        let pause = crate::domain::pause::SourcePause {
            source: crate::domain::check::Source::Vies,
            since: Utc.with_ymd_and_hms(2026, 2, 28, 9, 30, 0).unwrap(),
            code: "IP_BLOCKED".into(),
            message: "VIES answered IP_BLOCKED for this machine's address".into(),
        };
        ctx.pause = Some(&pause);
        let r = render(&d, &ctx);
        for part in [&r.text, &r.html] {
            assert!(
                part.contains("VIES paused since 2026-02-28 10:30 CET because IP_BLOCKED"),
                "{part}"
            );
            assert!(part.contains("kontra sources resume vies"), "{part}");
        }
        // ... and in the configured language.
        ctx.language = Language::De;
        let r = render(&d, &ctx);
        for part in [&r.text, &r.html] {
            assert!(
                part.contains("VIES ist seit 28.02.2026 10:30 CET pausiert, weil IP_BLOCKED"),
                "{part}"
            );
            assert!(part.contains("kontra sources resume vies"), "{part}");
            assert!(!part.contains("paused since"), "{part}");
        }
    }

    #[test]
    fn every_digest_names_the_lists_used_their_age_and_why_one_is_stale() {
        use crate::sanctions::ListSource;
        use crate::sanctions::health::{FailureKind, ListReport, assess};
        use crate::sanctions::snapshot::{ListState, SnapshotMeta};
        let now = t(7, 0);
        let report = |source, accepted: Option<DateTime<Utc>>, error: Option<&str>| ListReport {
            state: ListState {
                source,
                current: accepted.map(|at| SnapshotMeta {
                    source,
                    published: Some("2026-03-01".into()),
                    sha256: "abc".into(),
                    bytes: 1,
                    entities: 1,
                    accepted_at: at,
                    origin: "test".into(),
                }),
                last_attempt: Some(now),
                last_error: error.map(str::to_string),
            },
            failure: error.map(|_| FailureKind::Blocked),
            skipped: Default::default(),
        };
        let max = Duration::hours(24);
        let lists = vec![
            assess(&report(ListSource::Eu, Some(t(2, 0)), None), true, now, max),
            assess(
                &report(ListSource::Ofac, Some(t(1, 0)), Some("HTTP 403")),
                true,
                now,
                max,
            ),
            assess(&report(ListSource::Uk, None, None), true, now, max),
            assess(&report(ListSource::Un, None, None), false, now, max),
        ];
        let health = health(
            t(6, 0),
            vec![source(Source::Vies, Some(t(6, 0)), None, None)],
        );
        let ctx = RenderContext {
            language: Language::En,
            tz: chrono_tz::Europe::Berlin,
            now,
            health: Some(&health),
            pause: None,
            lists: Some(&lists),
            immediate: false,
        };
        for d in [Digest::empty("anna@example.de"), {
            let p = plan(
                &[alert(1, 1, AlertKind::SanctionsFound, t(6, 0))],
                &cps(),
                &analysts(),
                Some("team@example.de"),
                false,
            );
            p.digests[0].clone()
        }] {
            let r = render(&d, &ctx);
            for line in [
                "Sanctions lists (age of the version in use):",
                "  eu: 5h old (published 2026-03-01)",
                "  ofac: 6h old (published 2026-03-01), STALE: last refresh failed: blocked by the host (HTTP 403)",
                "  uk: not loaded, STALE: never loaded",
            ] {
                assert!(r.text.contains(line), "{line}\n{}", r.text);
            }
            assert!(!r.text.contains("un:"), "a disabled list is not one used");
            assert!(
                r.html.contains("5h old (published 2026-03-01)"),
                "{}",
                r.html
            );
            assert!(r.html.contains("not loaded, STALE: never loaded"));
        }
        let ctx = RenderContext { lists: None, ..ctx };
        let r = render(&Digest::empty("anna@example.de"), &ctx);
        assert!(
            r.text
                .contains("state of the sanctions lists could not be read")
        );
    }
}
