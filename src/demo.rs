//! The demo register: a deterministic, offline generator of counterparties across the EU with
//! valid VAT numbers, a check history with answers and outages, and alerts of every kind.
//! `kontra --demo`, the UI tests and the benchmarks use it.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::changes;
use crate::domain::check::{
    Answer, Evidence, FieldMatch, InsolvencyAnswer, LeiAnswer, Publication, QualifiedAnswer,
    RegisterAnswer, RegisterRecord, SanctionsAnswer, SanctionsHit, Unavailable, VatAnswer,
};
use crate::domain::screening::{HitReason, HitStrength, reasons_text};
use crate::domain::{
    Alert, AlertKind, CheckRun, Counterparty, CounterpartyDraft, Outcome, Source, SourceResult,
    alert::Bilingual, vat,
};
use crate::store::{Store, StoreError, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    /// How many counterparties.
    pub counterparties: usize,
    /// Days of check history, ending at `now` (0 for none).
    pub history_days: u32,
    /// Only the first this-many counterparties get a history (bounds the size of big demos).
    pub history_for: usize,
    /// Seed of the generator; the same seed gives the same register.
    pub seed: u64,
    /// The end of the history.
    pub now: DateTime<Utc>,
}

impl DemoSpec {
    /// The `kontra --demo` register: 300 counterparties with sixty days of history.
    pub fn standard(now: DateTime<Utc>) -> DemoSpec {
        DemoSpec {
            counterparties: 300,
            history_days: 60,
            history_for: usize::MAX,
            seed: 7,
            now,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Counterparties stored.
    pub counterparties: usize,
    /// Check runs stored.
    pub check_runs: usize,
    /// Alerts stored.
    pub alerts: usize,
}

/// SplitMix64: tiny, fast and stable across versions, so a seed always gives the same data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn nonzero_digit(&mut self) -> char {
        char::from(b'1' + self.below(9) as u8)
    }
}

/// Fills the `?` positions of `template` with digits until the number validates.
fn fill_check(template: &str) -> Option<String> {
    let holes = template.matches('?').count() as u32;
    for n in 0..10u32.pow(holes) {
        let mut digits = format!("{n:0width$}", width = holes as usize).into_bytes();
        digits.reverse();
        let candidate: String = template
            .chars()
            .map(|c| {
                if c == '?' {
                    digits.pop().map(char::from).unwrap_or('0')
                } else {
                    c
                }
            })
            .collect();
        if let Ok(v) = vat::validate(&candidate) {
            return Some(v.as_str().to_string());
        }
    }
    None
}

fn luhn_complete(body: &str) -> String {
    // The digit that makes body+digit pass Luhn: double every second digit from the right of
    // the final number, i.e. the last digit of `body` is doubled.
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A random VAT number of `country` (ISO code) that passes [`vat::validate`].
pub fn vat_number(rng: &mut Rng, country: &str) -> Option<String> {
    for _ in 0..50 {
        let candidate = match country {
            "DE" => fill_check(&format!("DE{}{}?", rng.nonzero_digit(), rng.digits(7))),
            "AT" => fill_check(&format!("ATU{}?", rng.digits(7))),
            "NL" => fill_check(&format!("NL{}{}?B01", rng.nonzero_digit(), rng.digits(7))),
            "IT" => fill_check(&format!(
                "IT{}{}{:03}?",
                rng.nonzero_digit(),
                rng.digits(6),
                1 + rng.below(99)
            )),
            "BE" => fill_check(&format!("BE0{}{}??", rng.nonzero_digit(), rng.digits(6))),
            "PL" => fill_check(&format!("PL{}{}?", rng.nonzero_digit(), rng.digits(8))),
            "DK" => fill_check(&format!("DK{}{}?", rng.nonzero_digit(), rng.digits(6))),
            "FI" => fill_check(&format!("FI{}{}?", rng.nonzero_digit(), rng.digits(6))),
            "SE" => fill_check(&format!("SE{}{}?01", rng.nonzero_digit(), rng.digits(8))),
            "PT" => fill_check(&format!("PT5{}?", rng.digits(7))),
            "SI" => fill_check(&format!("SI{}{}?", rng.nonzero_digit(), rng.digits(6))),
            "LU" => {
                let body = 100_000 + rng.below(900_000);
                Some(format!("LU{body:06}{:02}", body % 89))
            }
            "FR" => {
                let siren = luhn_complete(&format!("{}{}", rng.nonzero_digit(), rng.digits(7)));
                let v: u64 = siren.parse().unwrap_or(0);
                Some(format!("FR{:02}{siren}", (v * 100 + 12) % 97))
            }
            _ => return None,
        };
        if let Some(c) = candidate
            && vat::validate(&c).is_ok()
        {
            return Some(c);
        }
    }
    None
}

/// A random LEI with valid ISO 17442 check digits.
pub fn lei(rng: &mut Rng) -> String {
    let body = format!("5299{}", rng.digits(14));
    let mut rem: u64 = 0;
    for c in body.chars() {
        rem = (rem * 10 + u64::from(c.to_digit(10).unwrap_or(0))) % 97;
    }
    rem = rem * 100 % 97;
    format!("{body}{:02}", 98 - rem)
}

struct Country {
    code: &'static str,
    weight: u64,
    forms: &'static [&'static str],
    cities: &'static [(&'static str, &'static str)],
    tld: &'static str,
}

const COUNTRIES: &[Country] = &[
    Country {
        code: "DE",
        weight: 34,
        forms: &["GmbH", "AG", "GmbH & Co. KG", "KG", "SE"],
        cities: &[
            ("10115", "Berlin"),
            ("20095", "Hamburg"),
            ("80331", "München"),
            ("50667", "Köln"),
            ("60311", "Frankfurt am Main"),
            ("70173", "Stuttgart"),
            ("40213", "Düsseldorf"),
            ("04109", "Leipzig"),
        ],
        tld: "de",
    },
    Country {
        code: "AT",
        weight: 10,
        forms: &["GmbH", "AG"],
        cities: &[("1010", "Wien"), ("8010", "Graz"), ("4020", "Linz")],
        tld: "at",
    },
    Country {
        code: "NL",
        weight: 10,
        forms: &["B.V.", "N.V."],
        cities: &[
            ("1012", "Amsterdam"),
            ("3011", "Rotterdam"),
            ("3511", "Utrecht"),
        ],
        tld: "nl",
    },
    Country {
        code: "FR",
        weight: 10,
        forms: &["SAS", "SARL", "SA"],
        cities: &[("75001", "Paris"), ("69001", "Lyon"), ("31000", "Toulouse")],
        tld: "fr",
    },
    Country {
        code: "IT",
        weight: 8,
        forms: &["S.r.l.", "S.p.A."],
        cities: &[("20121", "Milano"), ("00184", "Roma"), ("10121", "Torino")],
        tld: "it",
    },
    Country {
        code: "BE",
        weight: 5,
        forms: &["BV", "SA", "NV"],
        cities: &[("1000", "Bruxelles"), ("2000", "Antwerpen")],
        tld: "be",
    },
    Country {
        code: "PL",
        weight: 5,
        forms: &["Sp. z o.o.", "S.A."],
        cities: &[("00-001", "Warszawa"), ("30-001", "Kraków")],
        tld: "pl",
    },
    Country {
        code: "DK",
        weight: 3,
        forms: &["ApS", "A/S"],
        cities: &[("1050", "København"), ("8000", "Aarhus")],
        tld: "dk",
    },
    Country {
        code: "FI",
        weight: 3,
        forms: &["Oy", "Oyj"],
        cities: &[("00100", "Helsinki"), ("33100", "Tampere")],
        tld: "fi",
    },
    Country {
        code: "SE",
        weight: 4,
        forms: &["AB"],
        cities: &[("111 20", "Stockholm"), ("411 01", "Göteborg")],
        tld: "se",
    },
    Country {
        code: "PT",
        weight: 3,
        forms: &["Lda", "S.A."],
        cities: &[("1100-148", "Lisboa"), ("4000-322", "Porto")],
        tld: "pt",
    },
    Country {
        code: "SI",
        weight: 2,
        forms: &["d.o.o."],
        cities: &[("1000", "Ljubljana")],
        tld: "si",
    },
    Country {
        code: "LU",
        weight: 3,
        forms: &["S.à r.l.", "S.A."],
        cities: &[("1111", "Luxembourg")],
        tld: "lu",
    },
];

const ROOTS: &[&str] = &[
    "Nordlicht",
    "Rheinland",
    "Alpenblick",
    "Hansa",
    "Sonnenfeld",
    "Bergmann",
    "Lindner",
    "Weber",
    "Keller",
    "Vogt",
    "Brandt",
    "Falk",
    "Adler",
    "Eichhorn",
    "Kranich",
    "Baltic",
    "Atlas",
    "Orion",
    "Helios",
    "Vesta",
    "Aurora",
    "Delta",
    "Polaris",
    "Merkur",
    "Lumen",
    "Cobalt",
    "Granit",
    "Silva",
    "Marina",
    "Terra",
    "Ventus",
    "Fjord",
];

const TRADES: &[&str] = &[
    "Logistik",
    "Maschinenbau",
    "Handel",
    "Software",
    "Consulting",
    "Bau",
    "Chemie",
    "Elektro",
    "Metall",
    "Textil",
    "Foods",
    "Pharma",
    "Energy",
    "Systems",
    "Trading",
    "Components",
];

const STREETS: &[&str] = &[
    "Hauptstraße",
    "Industriestraße",
    "Hafenweg",
    "Marktplatz",
    "Gartenstraße",
    "Bahnhofstraße",
    "Parkallee",
    "Ringstraße",
];

const OWNERS: &[&str] = &["anna", "ben", "clara", "deniz", "emil"];

const COURTS: &[&str] = &[
    "Berlin (Charlottenburg)",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Stuttgart",
];

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'ß' => 's',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn pick_country(rng: &mut Rng) -> &'static Country {
    let total: u64 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut n = rng.below(total);
    for c in COUNTRIES {
        if n < c.weight {
            return c;
        }
        n -= c.weight;
    }
    &COUNTRIES[0]
}

fn draft(rng: &mut Rng, used: &mut HashSet<String>) -> CounterpartyDraft {
    let country = pick_country(rng);
    let root = *rng.pick(ROOTS);
    let trade = *rng.pick(TRADES);
    let form = *rng.pick(country.forms);
    let name = format!("{root} {trade} {form}");
    let domain = format!("{}.{}", slug(&format!("{root}-{trade}")), country.tld);
    let (zip, city) = *rng.pick(country.cities);
    let address = format!("{} {}, {zip} {city}", rng.pick(STREETS), 1 + rng.below(120));
    let mut number = None;
    for _ in 0..20 {
        if let Some(v) = vat_number(rng, country.code)
            && used.insert(v.clone())
        {
            number = Some(v);
            break;
        }
    }
    let register = (country.code == "DE").then(|| {
        format!("HRB {} , {}", 10_000 + rng.below(190_000), rng.pick(COURTS)).replace(" ,", ",")
    });
    let has_lei = rng.chance(30);
    let frequency = match rng.below(10) {
        0..=5 => "daily",
        6..=8 => "weekly",
        _ => "monthly",
    };
    CounterpartyDraft {
        name: Some(name),
        country: Some(country.code.to_string()),
        vat: number,
        email: Some(format!(
            "{}@{domain}",
            rng.pick(&["info", "einkauf", "office", "finance"])
        )),
        address: Some(address),
        domain: Some(domain),
        contact: Some(format!(
            "{} {}",
            rng.pick(&[
                "Jana", "Marc", "Sofia", "Lukas", "Eva", "Tomas", "Ines", "Piet"
            ]),
            rng.pick(&[
                "Keller", "Novak", "Jansen", "Moreau", "Rossi", "Nielsen", "Silva"
            ])
        )),
        owner: Some(rng.pick(OWNERS).to_string()),
        lei: has_lei.then(|| lei(rng)),
        register,
        priority: Some(if rng.chance(10) { "high" } else { "normal" }.to_string()),
        monitor: Some(rng.chance(85)),
        frequency: Some(frequency.to_string()),
        tags: None,
        notes: None,
        kind: None,
    }
}

/// The scripted stories that produce alerts; each counterparty gets at most one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    VatInvalid,
    VatBackValid,
    SanctionsFound,
    SanctionsListedThenRemoved,
    Insolvency,
    NameChanged,
    AddressChanged,
    LegalFormChanged,
    QualifiedMismatch,
    RegisterDeleted,
    LeiLapsed,
    Unverifiable,
}

const STORIES: [Story; 12] = [
    Story::VatInvalid,
    Story::VatBackValid,
    Story::SanctionsFound,
    Story::SanctionsListedThenRemoved,
    Story::Insolvency,
    Story::NameChanged,
    Story::AddressChanged,
    Story::LegalFormChanged,
    Story::QualifiedMismatch,
    Story::RegisterDeleted,
    Story::LeiLapsed,
    Story::Unverifiable,
];

/// Fills `store` with a generated register, history and alerts.
pub fn populate(store: &Store, spec: &DemoSpec) -> Result<DemoSummary, StoreError> {
    let mut rng = Rng::new(spec.seed);
    let mut used = HashSet::new();
    let start = spec.now - Duration::days(i64::from(spec.history_days));
    let mut ids = Vec::with_capacity(spec.counterparties);
    let mut batch = Vec::new();
    for i in 0..spec.counterparties {
        let d = draft(&mut rng, &mut used);
        let created = start - Duration::days(rng.below(400) as i64);
        match d.apply(None, created) {
            Ok(cp) => batch.push(Write::Insert(cp)),
            Err(e) => tracing::warn!(?e, "demo draft rejected"),
        }
        if batch.len() == 1000 || i + 1 == spec.counterparties {
            ids.extend(store.write_counterparties(std::mem::take(&mut batch), "demo")?);
        }
    }
    let mut summary = DemoSummary {
        counterparties: ids.len(),
        ..DemoSummary::default()
    };
    if spec.history_days == 0 {
        return Ok(summary);
    }
    let mut cps = Vec::new();
    for id in ids.iter().take(spec.history_for) {
        if let Some(cp) = store.counterparty(*id)? {
            cps.push(cp);
        }
    }
    let days = i64::from(spec.history_days);
    // Stories go to every 9th counterparty, with a start day in the second half of the window.
    // Every 9th monitored counterparty gets a story, rotating through the stories so that
    // every alert kind occurs; a story that does not fit the counterparty passes to the next.
    let mut next_story = 0;
    let stories: Vec<Option<(Story, i64)>> = cps
        .iter()
        .enumerate()
        .map(|(i, cp)| {
            if i % 9 != 4 || !cp.monitor {
                return None;
            }
            let de = cp.country == "DE";
            let fits = |story: Story| match story {
                Story::Insolvency | Story::RegisterDeleted => de,
                Story::LegalFormChanged => {
                    de && (cp.name.contains("GmbH") || cp.name.ends_with(" KG"))
                }
                Story::QualifiedMismatch => !de && cp.vat.is_some(),
                Story::LeiLapsed => cp.lei.is_some(),
                Story::VatInvalid | Story::VatBackValid | Story::Unverifiable => cp.vat.is_some(),
                _ => true,
            };
            let found = (0..STORIES.len())
                .map(|k| STORIES[(next_story + k) % STORIES.len()])
                .find(|s| fits(*s))?;
            if found == STORIES[next_story % STORIES.len()] {
                next_story += 1;
            }
            Some((found, days / 3 + (i as i64 * 7) % (days / 2).max(1)))
        })
        .collect();
    let mut world = vec![World::default(); cps.len()];
    for day in 0..days {
        let date = start + Duration::days(day + 1);
        let base = Utc
            .with_ymd_and_hms(
                chrono::Datelike::year(&date),
                chrono::Datelike::month(&date),
                chrono::Datelike::day(&date),
                1,
                0,
                0,
            )
            .single()
            .unwrap_or(date);
        // Member-state outages last a day; VIES reports them as MS_UNAVAILABLE.
        let down: Vec<&str> = COUNTRIES
            .iter()
            .filter(|_| rng.chance(4))
            .map(|c| c.code)
            .collect();
        let evatr_down = rng.chance(6);
        for (i, cp) in cps.iter().enumerate() {
            let due = cp.monitor
                && match cp.frequency {
                    crate::domain::Frequency::Daily => true,
                    crate::domain::Frequency::Weekly => (day + cp.id as i64) % 7 == 0,
                    crate::domain::Frequency::Monthly => (day + cp.id as i64) % 30 == 0,
                };
            let story = stories[i]
                .filter(|(_, from)| day >= *from)
                .map(|(s, from)| (s, day - from));
            // Stories must be seen on their days, so their counterparties are checked daily.
            if !(due || stories[i].is_some() && cp.monitor) {
                continue;
            }
            let at = (base + Duration::minutes((i as i64 * 3) % 240 + rng.below(5) as i64))
                .min(spec.now - Duration::minutes(30));
            let (run, alerts) = check(&mut rng, cp, at, story, &down, evatr_down, &mut world[i]);
            let (_, fresh) = store.record_check(run, alerts)?;
            summary.check_runs += 1;
            summary.alerts += fresh.len();
            // Digests go out at 07:00 the next morning.
            let sent: Vec<u64> = fresh
                .iter()
                .filter(|a| a.created_at + Duration::days(1) < spec.now)
                .map(|a| a.id)
                .collect();
            if !sent.is_empty() {
                store.mark_sent(&sent, base + Duration::days(1) + Duration::hours(6))?;
            }
            if day < days - 7 {
                let acked: Vec<u64> = fresh
                    .iter()
                    .filter(|a| a.id % 3 != 0)
                    .map(|a| a.id)
                    .collect();
                if !acked.is_empty() {
                    store.acknowledge(&acked, cp.owner.as_deref().unwrap_or("analyst"))?;
                }
            }
        }
    }
    Ok(summary)
}

/// What the registries said last time, per counterparty, so alerts fire on changes only.
#[derive(Debug, Clone, Default)]
struct World {
    vat_invalid_streak: u32,
    alerted_invalid: bool,
    was_invalid: bool,
    listed: bool,
    no_answer_streak: u32,
    alerted: HashSet<&'static str>,
}

fn unavailable(rng: &mut Rng) -> (Unavailable, &'static str, &'static str) {
    *rng.pick(&[
        (
            Unavailable::ServiceUnavailable,
            "MS_UNAVAILABLE",
            "member state unavailable",
        ),
        (Unavailable::Timeout, "TIMEOUT", "no answer within 20 s"),
        (
            Unavailable::Throttled,
            "MS_MAX_CONCURRENT_REQ",
            "too many concurrent requests",
        ),
    ])
}

fn evidence(
    rng: &mut Rng,
    source: Source,
    at: DateTime<Utc>,
    code: Option<&str>,
    raw: String,
) -> Evidence {
    let reference = match source {
        Source::Vies => Some(format!("WAPIAAAAW{}", rng.digits(10))),
        Source::Evatr => Some(format!("EVATR-{}", rng.digits(8))),
        _ => None,
    };
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(raw.as_bytes()))
    };
    Evidence {
        reference,
        registry_time: Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        code: code.map(str::to_string),
        http_status: Some(if code.is_some() { 503 } else { 200 }),
        sha256: Some(digest),
        raw: Some(raw),
    }
}

fn alert(
    kind: AlertKind,
    cp: &Counterparty,
    at: DateTime<Utc>,
    de: String,
    en: String,
    key: &str,
) -> Alert {
    Alert {
        id: 0,
        kind,
        severity: kind.default_severity(),
        counterparty_id: cp.id,
        check_run_id: None,
        message: Bilingual { de, en },
        dedup_key: format!("{}:{}:{key}", kind.as_str(), cp.id),
        created_at: at,
        sent_at: None,
        acknowledged_by: None,
        acknowledged_at: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn check(
    rng: &mut Rng,
    cp: &Counterparty,
    at: DateTime<Utc>,
    story: Option<(Story, i64)>,
    down: &[&str],
    evatr_down: bool,
    w: &mut World,
) -> (CheckRun, Vec<Alert>) {
    let since = story.map_or(0, |(_, d)| d);
    let story = story.map(|(s, _)| s);
    let mut results = Vec::new();
    let mut alerts = Vec::new();
    let name_now = if story == Some(Story::NameChanged) {
        format!("{} Holding", cp.name)
    } else if story == Some(Story::LegalFormChanged) {
        cp.name.replace("GmbH", "AG").replace(" KG", " AG")
    } else {
        cp.name.clone()
    };
    let address_now = if story == Some(Story::AddressChanged) {
        "Neue Allee 1, ".to_string()
            + cp.address
                .as_deref()
                .unwrap_or("")
                .split(", ")
                .last()
                .unwrap_or("")
    } else {
        cp.address.clone().unwrap_or_default()
    };
    let mut step = 0;
    let mut next_at = || {
        step += 1;
        at + Duration::seconds(step * 2)
    };
    if let Some(v) = &cp.vat {
        let r_at = next_at();
        let country_down = down.contains(&cp.country.as_str());
        let forced_out = story == Some(Story::Unverifiable);
        if country_down || forced_out || rng.chance(2) {
            let (reason, code, msg) = unavailable(rng);
            w.no_answer_streak += 1;
            results.push(SourceResult {
                source: Source::Vies,
                at: r_at,
                outcome: Outcome::CouldNotAsk {
                    reason,
                    message: msg.to_string(),
                },
                evidence: evidence(
                    rng,
                    Source::Vies,
                    r_at,
                    Some(code),
                    format!("<soap:Fault><faultstring>{code}</faultstring></soap:Fault>"),
                ),
            });
            if w.no_answer_streak >= 4 && w.alerted.insert("unverifiable") {
                alerts.push(alert(
                    AlertKind::SourceUnverifiable,
                    cp,
                    r_at,
                    format!(
                        "VIES konnte {v} seit {} Tagen nicht prüfen",
                        w.no_answer_streak
                    ),
                    format!("VIES could not check {v} for {} days", w.no_answer_streak),
                    "vies",
                ));
            }
        } else {
            w.no_answer_streak = 0;
            let valid = match story {
                Some(Story::VatInvalid) => false,
                Some(Story::VatBackValid) => since >= 2,
                _ => true,
            };
            results.push(SourceResult {
                source: Source::Vies,
                at: r_at,
                outcome: Outcome::Answer(Answer::Vat(VatAnswer {
                    vat: v.clone(),
                    valid,
                    name: (cp.country != "DE").then(|| name_now.to_uppercase()),
                    address: (cp.country != "DE").then(|| address_now.to_uppercase()),
                })),
                evidence: evidence(rng, Source::Vies, r_at, None, format!(
                    "<checkVatResponse><countryCode>{}</countryCode><vatNumber>{}</vatNumber><valid>{valid}</valid><name>{}</name></checkVatResponse>",
                    &v[..2], &v[2..], if cp.country == "DE" { "---".to_string() } else { name_now.to_uppercase() }
                )),
            });
            if valid {
                if w.was_invalid && w.alerted.insert("valid-again") {
                    alerts.push(alert(
                        AlertKind::VatStatusChanged,
                        cp,
                        r_at,
                        format!("USt-IdNr. {v} ist wieder gültig"),
                        format!("VAT number {v} is valid again"),
                        "valid-again",
                    ));
                }
                w.vat_invalid_streak = 0;
            } else {
                w.vat_invalid_streak += 1;
                w.was_invalid = true;
                if w.vat_invalid_streak == 2 && !w.alerted_invalid {
                    w.alerted_invalid = true;
                    alerts.push(alert(
                        AlertKind::VatInvalid,
                        cp,
                        r_at,
                        format!("VIES meldet {v} als ungültig (zweimal in Folge)"),
                        format!("VIES reports {v} invalid (twice in a row)"),
                        "invalid",
                    ));
                }
            }
        }
        if cp.country != "DE" {
            let r_at = next_at();
            if evatr_down {
                results.push(SourceResult {
                    source: Source::Evatr,
                    at: r_at,
                    outcome: Outcome::CouldNotAsk {
                        reason: Unavailable::ServiceUnavailable,
                        message: "eVatR maintenance window".to_string(),
                    },
                    evidence: evidence(
                        rng,
                        Source::Evatr,
                        r_at,
                        Some("evatr-0011"),
                        "{\"status\":\"evatr-0011\"}".to_string(),
                    ),
                });
            } else {
                let mismatch = story == Some(Story::QualifiedMismatch);
                results.push(SourceResult {
                    source: Source::Evatr,
                    at: r_at,
                    outcome: Outcome::Answer(Answer::Qualified(QualifiedAnswer {
                        vat: v.clone(),
                        status: "evatr-0000".to_string(),
                        valid: true,
                        valid_from: None,
                        valid_until: None,
                        name: if mismatch {
                            FieldMatch::Mismatch
                        } else {
                            FieldMatch::Match
                        },
                        street: FieldMatch::Match,
                        postcode: FieldMatch::Match,
                        city: FieldMatch::Match,
                    })),
                    evidence: evidence(
                        rng,
                        Source::Evatr,
                        r_at,
                        None,
                        format!(
                            "{{\"status\":\"evatr-0000\",\"ergFirmenname\":\"{}\"}}",
                            if mismatch { "B" } else { "A" }
                        ),
                    ),
                });
                if mismatch && w.alerted.insert("qualified") {
                    alerts.push(alert(
                        AlertKind::QualifiedMismatch,
                        cp,
                        r_at,
                        "Qualifizierte Bestätigung: Firmenname stimmt nicht überein".to_string(),
                        "Qualified confirmation: the company name does not match".to_string(),
                        "name",
                    ));
                }
            }
        }
    }
    if let Some(l) = &cp.lei {
        let r_at = next_at();
        let lapsed = story == Some(Story::LeiLapsed);
        let status = if lapsed { "LAPSED" } else { "ISSUED" };
        results.push(SourceResult {
            source: Source::Gleif,
            at: r_at,
            outcome: Outcome::Answer(Answer::Lei(LeiAnswer {
                lei: l.clone(),
                legal_name: name_now.clone(),
                legal_address: address_now.clone(),
                legal_form_code: None,
                legal_form_name: None,
                entity_status: "ACTIVE".to_string(),
                registration_status: status.to_string(),
                successor: None,
                registered_as: None,
                registered_at: None,
            })),
            evidence: evidence(rng, Source::Gleif, r_at, None, format!(
                "{{\"data\":{{\"id\":\"{l}\",\"attributes\":{{\"registration\":{{\"status\":\"{status}\"}}}}}}}}"
            )),
        });
        if lapsed && w.alerted.insert("lei") {
            alerts.push(alert(
                AlertKind::LeiLapsed,
                cp,
                r_at,
                format!("LEI {l} wurde nicht verlängert (LAPSED)"),
                format!("LEI {l} was not renewed (LAPSED)"),
                "lapsed",
            ));
        }
    }
    if cp.country == "DE" {
        let r_at = next_at();
        if rng.chance(5) {
            results.push(SourceResult {
                source: Source::Handelsregister,
                at: r_at,
                outcome: Outcome::CouldNotAsk {
                    reason: Unavailable::Throttled,
                    message: "more than 60 requests per hour".to_string(),
                },
                evidence: evidence(
                    rng,
                    Source::Handelsregister,
                    r_at,
                    Some("429"),
                    "Too Many Requests".to_string(),
                ),
            });
        } else {
            let reg = cp.register.clone().unwrap_or(crate::domain::RegisterEntry {
                court: String::new(),
                kind: String::new(),
                number: String::new(),
            });
            let deleted = story == Some(Story::RegisterDeleted);
            let status = if deleted { "gelöscht" } else { "aktuell" };
            let mut history = Vec::new();
            if name_now != cp.name {
                history.push(cp.name.clone());
            }
            results.push(SourceResult {
                source: Source::Handelsregister,
                at: r_at,
                outcome: Outcome::Answer(Answer::Register(RegisterAnswer {
                    records: vec![RegisterRecord {
                        court: reg.court.clone(),
                        kind: reg.kind.clone(),
                        number: reg.number.clone(),
                        name: name_now.clone(),
                        seat: address_now.rsplit(' ').next().unwrap_or("").to_string(),
                        status: status.to_string(),
                        history,
                    }],
                })),
                evidence: evidence(
                    rng,
                    Source::Handelsregister,
                    r_at,
                    None,
                    format!(
                        "<tr><td>{} {} {}</td><td>{name_now}</td><td>{status}</td></tr>",
                        reg.court, reg.kind, reg.number
                    ),
                ),
            });
            if deleted && w.alerted.insert("register") {
                alerts.push(alert(
                    AlertKind::RegisterStatusChanged,
                    cp,
                    r_at,
                    "Registerstatus: aktuell → gelöscht".to_string(),
                    "Register status: current → deleted".to_string(),
                    "deleted",
                ));
            }
            if story == Some(Story::LegalFormChanged) && w.alerted.insert("form") {
                alerts.push(alert(
                    AlertKind::CompanyLegalFormChanged,
                    cp,
                    r_at,
                    format!("Rechtsform geändert: {} → {name_now}", cp.name),
                    format!("Legal form changed: {} → {name_now}", cp.name),
                    "form",
                ));
            }
        }
        let r_at = next_at();
        let insolvent = story == Some(Story::Insolvency);
        let publications = if insolvent {
            vec![Publication {
                date: at.format("%d.%m.%Y").to_string(),
                court: "Amtsgericht Charlottenburg".to_string(),
                case_number: format!("36a IN {}/{}", 1000 + cp.id, at.format("%y")),
                debtor: cp.name.clone(),
                seat: address_now.rsplit(' ').next().unwrap_or("").to_string(),
                register: cp.register.as_ref().map(|r| r.to_string()),
                notice: "Sicherungsmaßnahmen".to_string(),
            }]
        } else {
            Vec::new()
        };
        results.push(SourceResult {
            source: Source::Insolvency,
            at: r_at,
            outcome: Outcome::Answer(Answer::Insolvency(InsolvencyAnswer { publications })),
            evidence: evidence(
                rng,
                Source::Insolvency,
                r_at,
                None,
                format!("{} Treffer", usize::from(insolvent)),
            ),
        });
        if insolvent && w.alerted.insert("insolvency") {
            alerts.push(alert(
                AlertKind::InsolvencyStarted,
                cp,
                r_at,
                "Insolvenzbekanntmachung: Sicherungsmaßnahmen angeordnet".to_string(),
                "Insolvency notice: protective measures ordered".to_string(),
                "notice",
            ));
        }
    }
    if story == Some(Story::NameChanged) && w.alerted.insert("name") {
        alerts.push(alert(
            AlertKind::CompanyNameChanged,
            cp,
            at,
            format!("Name geändert: {} → {name_now}", cp.name),
            format!("Name changed: {} → {name_now}", cp.name),
            "name",
        ));
    }
    if story == Some(Story::AddressChanged) && w.alerted.insert("address") {
        alerts.push(alert(
            AlertKind::CompanyAddressChanged,
            cp,
            at,
            format!("Anschrift geändert: {address_now}"),
            format!("Address changed: {address_now}"),
            "address",
        ));
    }
    let r_at = next_at();
    let listed = match story {
        Some(Story::SanctionsFound) => true,
        // Listed for the first week of the story, then delisted.
        Some(Story::SanctionsListedThenRemoved) => since < 7,
        _ => false,
    };
    // The found story starts as a possible hit (the counterparty's country is not the listed
    // one) and becomes strong two days later, when the list adds the country: both sanctions
    // alert kinds occur, the second as the upgrade the detector raises.
    let possible = story == Some(Story::SanctionsFound) && since < 2;
    let entity_id = format!("EU.{}.17", 4000 + cp.id);
    let listed_country = if possible { "IR" } else { cp.country.as_str() };
    let reasons = if possible {
        vec![
            HitReason::ExactName {
                listed: cp.name.to_uppercase(),
            },
            HitReason::CountryDiffers {
                ours: cp.country.clone(),
                listed: vec![listed_country.to_string()],
            },
            HitReason::NoIdentifierInCommon,
        ]
    } else {
        vec![
            HitReason::ExactName {
                listed: cp.name.to_uppercase(),
            },
            HitReason::SameCountry {
                country: cp.country.clone(),
            },
        ]
    };
    let strength = if possible {
        HitStrength::Possible
    } else {
        HitStrength::Strong
    };
    let hits = if listed {
        vec![SanctionsHit {
            list: "eu".to_string(),
            entity_id: entity_id.clone(),
            name: cp.name.to_uppercase(),
            score: 0.93,
            entity_hash: format!("{:016x}", cp.id * 7919),
            explanation: "all name tokens match the primary name".to_string(),
            strength,
            reasons: reasons.clone(),
        }]
    } else {
        Vec::new()
    };
    let lists = vec![
        ("eu".to_string(), "a1f3".to_string()),
        ("ofac".to_string(), "77c0".to_string()),
        ("uk".to_string(), "09be".to_string()),
        ("un".to_string(), "5d21".to_string()),
    ];
    results.push(SourceResult {
        source: Source::Sanctions,
        at: r_at,
        outcome: Outcome::Answer(Answer::Sanctions(SanctionsAnswer { hits, lists })),
        evidence: Evidence {
            reference: None,
            registry_time: None,
            code: None,
            http_status: None,
            sha256: None,
            raw: None,
        },
    });
    let raised = if possible { "possible" } else { "listed" };
    if listed && w.alerted.insert(raised) {
        let kind = if possible {
            AlertKind::SanctionsPossible
        } else {
            AlertKind::SanctionsFound
        };
        let mut a = alert(
            kind,
            cp,
            r_at,
            format!(
                "Sanktionsliste EU: Treffer {} ({}, 0,93: {})",
                cp.name.to_uppercase(),
                strength.label("de"),
                reasons_text(&reasons, "de")
            ),
            format!(
                "EU sanctions list: match {} ({}, 0.93: {})",
                cp.name.to_uppercase(),
                strength.label("en"),
                reasons_text(&reasons, "en")
            ),
            "eu",
        );
        // The monitor's key shape, which names the entry, so that the alerts tab can offer
        // "not this entity" on demo alerts too.
        a.dedup_key = changes::sanctions_key(kind, cp.id, "eu", &entity_id, 0);
        alerts.push(a);
    }
    if !listed && w.listed && w.alerted.insert("delisted") {
        alerts.push(alert(
            AlertKind::SanctionsRemoved,
            cp,
            r_at,
            "Sanktionsliste EU: Eintrag entfernt".to_string(),
            "EU sanctions list: entry removed".to_string(),
            "eu-removed",
        ));
    }
    w.listed = listed;
    let finished = results.last().map(|r| r.at).unwrap_or(at);
    (
        CheckRun {
            id: 0,
            counterparty_id: cp.id,
            started_at: at,
            finished_at: finished,
            trigger: "monitor".to_string(),
            results,
        },
        alerts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_vat_numbers_and_leis_are_valid() {
        let mut rng = Rng::new(1);
        for c in COUNTRIES {
            for _ in 0..200 {
                let v = vat_number(&mut rng, c.code).unwrap_or_else(|| panic!("{}", c.code));
                assert!(vat::validate(&v).is_ok(), "{v}");
                assert_eq!(vat::validate(&v).unwrap().iso_country(), c.code);
            }
        }
        for _ in 0..200 {
            let l = lei(&mut rng);
            assert!(crate::domain::counterparty::validate_lei(&l).is_ok(), "{l}");
        }
    }

    #[test]
    fn same_seed_same_data() {
        let mut a = Rng::new(9);
        let mut b = Rng::new(9);
        let mut ua = HashSet::new();
        let mut ub = HashSet::new();
        for _ in 0..50 {
            assert_eq!(draft(&mut a, &mut ua), draft(&mut b, &mut ub));
        }
    }
}
