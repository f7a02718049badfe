//! `kontra lookup ...`: ask one registry now and print its answer (or why there is none).
//! Lookups do not touch the store, so they run while the monitor holds the data directory.

use super::Ctx;
use crate::domain::check::{Answer, Outcome, Source, SourceResult, Unavailable};
use crate::domain::vat;
use crate::exit::{self, Failure};
use crate::sources::{GleifSearch, InsolvencyQuery, QualifiedRequest, RegisterQuery, Sources};
use clap::{Args, Subcommand};
use color_eyre::Result;
use serde_json::{Map, Value, json};
use std::io::Write;

/// `kontra lookup ...`
#[derive(Debug, Subcommand)]
pub enum LookupCommand {
    /// EU VIES: is the VAT number valid, and what name and address does the member state give?
    Vies {
        /// VAT number with country prefix (EL for Greece, XI for Northern Ireland).
        number: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// BZSt eVatR: (qualified) confirmation of a foreign VAT number for our German VAT number.
    Evatr(EvatrArgs),
    /// GLEIF: an LEI record, or a search by register number and court or by name and country.
    Gleif(GleifArgs),
    /// Handelsregister: search by name, or by register number and court (max 60 pages/hour).
    Handelsregister(HandelsregisterArgs),
    /// Insolvency publications for a debtor.
    Insolvency(InsolvencyArgs),
}

/// `kontra lookup evatr`.
#[derive(Debug, Args)]
pub struct EvatrArgs {
    /// Foreign VAT number with country prefix.
    pub number: String,
    /// Company name incl. legal form (with --city: qualified confirmation).
    #[arg(long)]
    pub name: Option<String>,
    /// City.
    #[arg(long)]
    pub city: Option<String>,
    /// Street.
    #[arg(long)]
    pub street: Option<String>,
    /// Postcode.
    #[arg(long)]
    pub postcode: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `kontra lookup gleif`.
#[derive(Debug, Args)]
pub struct GleifArgs {
    /// The LEI to look up.
    #[arg(conflicts_with_all = ["register", "name"])]
    pub lei: Option<String>,
    /// Register number (e.g. "HRB 12345 B"); its other forms are searched too.
    #[arg(long, conflicts_with = "name")]
    pub register: Option<String>,
    /// Register court: its GLEIF registration authority code (e.g. RA000304) or its name
    /// (e.g. "Amtsgericht München", looked up in Kontra's partial court table) keeps only
    /// records of that authority; Berlin adds its "B" suffix to the forms searched; with
    /// --register.
    #[arg(long, requires = "register")]
    pub court: Option<String>,
    /// Legal name.
    #[arg(long)]
    pub name: Option<String>,
    /// ISO country of the legal address.
    #[arg(long)]
    pub country: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `kontra lookup handelsregister`.
#[derive(Debug, Args)]
pub struct HandelsregisterArgs {
    /// Keywords of the company name.
    #[arg(long, conflicts_with = "register")]
    pub name: Option<String>,
    /// Register entry, e.g. "HRB 44343 B".
    #[arg(long, requires = "court")]
    pub register: Option<String>,
    /// Register court, e.g. "Berlin (Charlottenburg)".
    #[arg(long)]
    pub court: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `kontra lookup insolvency`.
#[derive(Debug, Args)]
pub struct InsolvencyArgs {
    /// Debtor name.
    #[arg(long)]
    pub name: String,
    /// Debtor seat.
    #[arg(long)]
    pub seat: Option<String>,
    /// Register entry of the debtor, e.g. "HRB 999999 B".
    #[arg(long)]
    pub register: Option<String>,
    /// Register court of the debtor, e.g. "Berlin (Charlottenburg)" (derives the insolvency
    /// court when the seat does not).
    #[arg(long)]
    pub court: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs a lookup.
pub fn run(ctx: &Ctx, cmd: LookupCommand) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sources = Sources::new(&ctx.config.sources)?;
    let (json, result) = match cmd {
        LookupCommand::Vies { number, json } => {
            let vat = match vat::validate(&number) {
                Ok(v) => v,
                Err(e) => return input_error(json, "vies", &format!("{number}: {e}")),
            };
            (json, vies_honouring_pause(ctx, &sources, &runtime, &vat))
        }
        LookupCommand::Evatr(a) => {
            let vat = match vat::validate(&a.number) {
                Ok(v) => v,
                Err(e) => return input_error(a.json, "evatr", &format!("{}: {e}", a.number)),
            };
            let qualified = match (&a.name, &a.city) {
                (Some(name), Some(city)) => Some(QualifiedRequest {
                    name: name.clone(),
                    city: city.clone(),
                    street: a.street.clone(),
                    postcode: a.postcode.clone(),
                }),
                (None, None) if a.street.is_none() && a.postcode.is_none() => None,
                _ => {
                    return input_error(
                        a.json,
                        "evatr",
                        "a qualified confirmation needs both --name and --city",
                    );
                }
            };
            (
                a.json,
                runtime.block_on(sources.evatr(&vat, qualified.as_ref())),
            )
        }
        LookupCommand::Gleif(a) => {
            let query = match (a.lei, a.register, a.name) {
                (Some(lei), None, None) => GleifSearch::Lei(lei),
                (None, Some(number), None) => {
                    let ra = a
                        .court
                        .as_deref()
                        .filter(|c| crate::sources::gleif::is_ra_code(c));
                    GleifSearch::Register {
                        number,
                        court: ra.map(str::to_string),
                        court_name: a.court.clone(),
                        country: a.country,
                    }
                }
                (None, None, Some(name)) => GleifSearch::Name {
                    name,
                    country: a.country,
                },
                _ => {
                    return Err(Failure::new(
                        exit::USAGE,
                        "give an LEI, or --register (with --court), or --name (with --country)",
                    )
                    .into());
                }
            };
            let r = match &query {
                GleifSearch::Lei(lei) => runtime.block_on(sources.gleif_lei(lei)),
                q => runtime.block_on(sources.gleif_search(q)),
            };
            (a.json, r)
        }
        LookupCommand::Handelsregister(a) => {
            let query = match (&a.name, &a.register) {
                (Some(name), None) => RegisterQuery {
                    name: Some(name.clone()),
                    court: a.court.clone(),
                    ..RegisterQuery::default()
                },
                (None, Some(reg)) => match RegisterQuery::register(reg, a.court.as_deref()) {
                    Some(q) => q,
                    None => {
                        return input_error(
                            a.json,
                            "handelsregister",
                            &format!("\"{reg}\" is not a register entry such as \"HRB 44343 B\""),
                        );
                    }
                },
                _ => {
                    return Err(Failure::new(
                        exit::USAGE,
                        "give --name, or --register with --court",
                    )
                    .into());
                }
            };
            (a.json, runtime.block_on(sources.handelsregister(&query)))
        }
        LookupCommand::Insolvency(a) => {
            let query = InsolvencyQuery {
                name: a.name,
                seat: a.seat,
                register: a.register,
                register_court: a.court,
                subject: None,
            };
            (a.json, runtime.block_on(sources.insolvency(&query)))
        }
    };
    let mut out: Box<dyn std::io::Write> = if json {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(super::text_out())
    };
    if json {
        writeln!(out, "{}", to_json(&result))?;
    } else {
        write!(out, "{}", to_text(&result, ctx.config.monitor.timezone.0))?;
        if result.source == crate::domain::check::Source::Handelsregister {
            let b = sources.handelsregister_budget();
            writeln!(
                out,
                "allowance: {} of {} retrievals left this hour",
                b.remaining, b.limit
            )?;
        }
    }
    Ok(exit_code(&result))
}

/// Asks VIES unless the data directory holds a pause (`IP_BLOCKED` met by any process on this
/// machine): then the answer is "could not ask" (reason blocked, exit 7) with how to lift it, and
/// nothing is sent. A pause this lookup meets is recorded when the directory is free.
fn vies_honouring_pause(
    ctx: &Ctx,
    sources: &Sources,
    runtime: &tokio::runtime::Runtime,
    vat: &vat::VatNumber,
) -> SourceResult {
    let dir = &ctx.paths.data;
    let blocked = |message: String, code: Option<String>| SourceResult {
        source: Source::Vies,
        at: chrono::Utc::now(),
        outcome: Outcome::CouldNotAsk {
            reason: Unavailable::Blocked,
            message,
        },
        evidence: crate::domain::check::Evidence {
            code,
            ..Default::default()
        },
    };
    match crate::store::Store::read_source_pause(dir, Source::Vies) {
        Ok(Some(p)) => return blocked(format!("could not ask: {}", p.describe()), Some(p.code)),
        Ok(None) => {}
        Err(e) => {
            return blocked(
                format!(
                    "could not ask: whether VIES is paused for this machine could not be read from {}: {e}",
                    dir.display()
                ),
                None,
            );
        }
    }
    let r = runtime.block_on(sources.vies(vat));
    if let Some(p) = sources.vies_pause() {
        let stored = crate::store::Store::open(dir, "lookup").and_then(|s| s.set_source_pause(&p));
        if let Err(e) = stored {
            eprintln!(
                "kontra: VIES answered IP_BLOCKED; the pause could not be recorded in {} ({e}); the process holding it pauses at its next VIES check",
                dir.display()
            );
        }
    }
    r
}

fn input_error(json: bool, source: &str, message: &str) -> Result<u8> {
    if json {
        let v = json!({"outcome": "error", "source": source, "reason": "input", "message": message,
                        "code": null, "reference": null});
        println!("{v}");
        Ok(exit::INVALID)
    } else {
        Err(Failure::new(exit::INVALID, message).into())
    }
}

/// `answer`, `unavailable` (the registry could not be asked) or `error` (the request was refused
/// as malformed or not allowed).
pub fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Answer(_) => "answer",
        Outcome::CouldNotAsk {
            reason: Unavailable::Rejected,
            ..
        } => "error",
        Outcome::CouldNotAsk { .. } => "unavailable",
    }
}

/// Exit code: 0 for an answer, 5 for an answer that a VAT number is not valid or a refused
/// request, 7 when the registry could not be asked.
pub fn exit_code(r: &SourceResult) -> u8 {
    match &r.outcome {
        Outcome::Answer(Answer::Vat(v)) if !v.valid => exit::INVALID,
        Outcome::Answer(Answer::Qualified(q)) if !q.valid => exit::INVALID,
        Outcome::Answer(_) => exit::OK,
        Outcome::CouldNotAsk {
            reason: Unavailable::Rejected,
            ..
        } => exit::INVALID,
        Outcome::CouldNotAsk { .. } => exit::UNAVAILABLE,
    }
}

fn answer_kind(a: &Answer) -> &'static str {
    match a {
        Answer::Vat(_) => "vat",
        Answer::Qualified(_) => "qualified",
        Answer::Lei(_) => "lei",
        Answer::Register(_) => "register",
        Answer::Insolvency(_) => "insolvency",
        Answer::Sanctions(_) => "sanctions",
        Answer::LeiSearch(_) => "lei_search",
        Answer::LeiNotFound(_) => "lei_not_found",
        Answer::LeiNoMatch(_) => "lei_no_match",
    }
}

/// The `--json` object: outcome, normalised fields, the registry's code and reference.
pub fn to_json(r: &SourceResult) -> Value {
    let mut obj = Map::new();
    obj.insert("outcome".into(), outcome_word(&r.outcome).into());
    obj.insert("source".into(), r.source.as_str().into());
    match &r.outcome {
        Outcome::Answer(a) => {
            obj.insert("kind".into(), answer_kind(a).into());
            // Answers are externally tagged; the fields sit inside the single tag.
            if let Ok(Value::Object(tagged)) = serde_json::to_value(a) {
                for (_, inner) in tagged {
                    if let Value::Object(fields) = inner {
                        obj.extend(fields);
                    }
                }
            }
            if let Answer::LeiNoMatch(m) = a {
                obj.insert("message".into(), m.describe().into());
            }
        }
        Outcome::CouldNotAsk { reason, message } => {
            obj.insert(
                "reason".into(),
                serde_json::to_value(reason).unwrap_or(Value::Null),
            );
            obj.insert("message".into(), message.clone().into());
        }
    }
    let e = &r.evidence;
    obj.insert("code".into(), e.code.clone().into());
    obj.insert("reference".into(), e.reference.clone().into());
    obj.insert("registry_time".into(), e.registry_time.clone().into());
    obj.insert("http_status".into(), e.http_status.into());
    obj.insert("sha256".into(), e.sha256.clone().into());
    obj.insert("at".into(), r.at.to_rfc3339().into());
    Value::Object(obj)
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// Human-readable lines; the registry's time in the configured zone `tz` (JSON keeps the
/// registry's own text).
pub fn to_text(r: &SourceResult, tz: chrono_tz::Tz) -> String {
    let mut s = String::new();
    let mut line = |k: &str, v: &str| {
        s.push_str(&format!("{k:<14} {v}\n"));
    };
    match &r.outcome {
        Outcome::Answer(a) => match a {
            Answer::Vat(v) => {
                line("vat", &v.vat);
                line("valid", if v.valid { "yes" } else { "NO" });
                line("name", v.name.as_deref().unwrap_or("(not disclosed)"));
                line(
                    "address",
                    &v.address
                        .as_deref()
                        .map(|a| a.replace('\n', ", "))
                        .unwrap_or_else(|| "(not disclosed)".to_string()),
                );
            }
            Answer::Qualified(q) => {
                line("vat", &q.vat);
                line("valid", if q.valid { "yes" } else { "NO" });
                line("status", &q.status);
                if q.valid_from.is_some() || q.valid_until.is_some() {
                    line(
                        "valid period",
                        &format!("{} .. {}", opt(&q.valid_from), opt(&q.valid_until)),
                    );
                }
                for (k, m) in [
                    ("name", q.name),
                    ("street", q.street),
                    ("postcode", q.postcode),
                    ("city", q.city),
                ] {
                    line(
                        k,
                        &serde_json::to_value(m)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    );
                }
            }
            Answer::Lei(l) => lei_lines(&mut line, l),
            Answer::LeiSearch(ls) => {
                line("found", &ls.total.to_string());
                for l in &ls.records {
                    line("", "");
                    lei_lines(&mut line, l);
                }
            }
            Answer::LeiNotFound(n) => {
                line("lei", &n.lei);
                line("found", "no (GLEIF has no such LEI)");
            }
            Answer::LeiNoMatch(m) => {
                line(
                    "found",
                    "none under the forms searched (not \"no LEI exists\")",
                );
                line("searched", &m.field);
                for v in &m.variants {
                    line("variant", v);
                }
                line("message", &m.describe());
            }
            Answer::Register(reg) => {
                line("found", &reg.records.len().to_string());
                for rec in &reg.records {
                    line("", "");
                    line("name", &rec.name);
                    line(
                        "register",
                        &format!("{} {}, {}", rec.kind, rec.number, rec.court),
                    );
                    line("seat", &rec.seat);
                    line("status", &rec.status);
                    for h in &rec.history {
                        line("former name", h);
                    }
                }
            }
            Answer::Insolvency(ins) => {
                if r.evidence.code.as_deref() == Some(crate::sources::insolvency::LIMITED_CODE) {
                    line(
                        "scope",
                        "last 14 days only (no insolvency court in the query; older \
                         publications were not searched)",
                    );
                }
                line("publications", &ins.publications.len().to_string());
                for p in &ins.publications {
                    line("", "");
                    line("date", &p.date);
                    line("court", &p.court);
                    line("case", &p.case_number);
                    line("debtor", &p.debtor);
                    line("seat", &p.seat);
                    line("register", opt(&p.register));
                    if !p.notice.is_empty() {
                        line("notice", &p.notice);
                    }
                }
            }
            Answer::Sanctions(sa) => line("hits", &sa.hits.len().to_string()),
        },
        Outcome::CouldNotAsk { reason, message } => {
            line(
                outcome_word(&r.outcome),
                &serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            );
            line("message", message);
        }
    }
    line("code", opt(&r.evidence.code));
    line("reference", opt(&r.evidence.reference));
    let registry_time = r
        .evidence
        .registry_time
        .as_deref()
        .map(|t| crate::local_time::registry(t, tz));
    line("registry time", opt(&registry_time));
    s
}

fn lei_lines(line: &mut impl FnMut(&str, &str), l: &crate::domain::check::LeiAnswer) {
    line("lei", &l.lei);
    line("legal name", &l.legal_name);
    line("legal address", &l.legal_address);
    line(
        "legal form",
        &format!(
            "{} {}",
            opt(&l.legal_form_code),
            l.legal_form_name.as_deref().unwrap_or("")
        ),
    );
    line("entity status", &l.entity_status);
    line("registration", &l.registration_status);
    line("registered as", opt(&l.registered_as));
    line("registered at", opt(&l.registered_at));
    if let Some(s) = &l.successor {
        line("successor", s);
    }
}
