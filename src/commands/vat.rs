//! `kontra vat validate`: offline syntax and check-digit validation.

use crate::domain::vat;
use crate::exit;
use clap::Subcommand;
use color_eyre::Result;
use serde_json::json;
use std::io::Write;

/// `kontra vat ...`
#[derive(Debug, Subcommand)]
pub enum VatCommand {
    /// Validate syntax and check digits offline.
    Validate {
        /// Print one JSON object per number.
        #[arg(long)]
        json: bool,
        /// VAT numbers (spaces inside a number need quoting).
        #[arg(required = true)]
        numbers: Vec<String>,
    },
}

/// Runs a `vat` subcommand.
pub fn run(cmd: VatCommand) -> Result<u8> {
    let VatCommand::Validate { json, numbers } = cmd;
    let mut out: Box<dyn std::io::Write> = if json {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(super::text_out())
    };
    let mut all_valid = true;
    for input in &numbers {
        let result = vat::validate(input);
        all_valid &= result.is_ok();
        if json {
            let line = match &result {
                Ok(n) => {
                    json!({"input": input, "valid": true, "country": n.prefix(), "number": n.as_str(), "error": null})
                }
                Err(e) => {
                    json!({"input": input, "valid": false, "country": known_prefix(input), "number": null, "error": e.to_string()})
                }
            };
            writeln!(out, "{line}")?;
        } else {
            match &result {
                Ok(n) => writeln!(out, "{input}\tvalid\t{n}")?,
                Err(e) => writeln!(out, "{input}\tinvalid\t{e}")?,
            }
        }
    }
    Ok(if all_valid { exit::OK } else { exit::INVALID })
}

/// The country prefix of an invalid number, when the prefix itself is one we know.
fn known_prefix(input: &str) -> Option<String> {
    let c = vat::compact(input);
    let p = c.get(..2)?;
    vat::PREFIXES.contains(&p).then(|| p.to_string())
}
