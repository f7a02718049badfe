//! The demo's counterparties: a seeded generator of companies across the EU with valid VAT
//! numbers, LEIs and register entries.

use std::collections::HashSet;

use crate::domain::{CounterpartyDraft, vat};
use crate::rng::Rng;

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

/// The ISO codes of the demo's countries.
pub(super) fn country_codes() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|c| c.code)
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

/// A random company; `used` keeps its VAT number unique.
pub(super) fn draft(rng: &mut Rng, used: &mut HashSet<String>) -> CounterpartyDraft {
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
