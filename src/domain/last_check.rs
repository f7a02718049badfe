//! A counterparty's last check summarised: the status the register shows, what it says about
//! the VAT number, and when it finished. Pure functions of a check run; the UI's table, the
//! export and the Stats distribution all read these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::check::{Answer, Outcome};
use super::{CheckRun, Counterparty, Source};

/// The overall result of a check run, as the table's status column shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CheckStatus {
    /// Every source answered and nothing is wrong.
    Ok,
    /// Some sources could not be asked; the others found nothing wrong.
    Partial,
    /// No source could be asked.
    NoAnswer,
    /// The VAT number was reported invalid.
    Invalid,
    /// Insolvency publications name the counterparty.
    Insolvency,
    /// Sanctions screening found hits.
    Sanctions,
}

impl CheckStatus {
    /// The word the table shows.
    pub fn label(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Partial => "partial",
            CheckStatus::NoAnswer => "no answer",
            CheckStatus::Invalid => "invalid",
            CheckStatus::Insolvency => "insolvency",
            CheckStatus::Sanctions => "sanctions",
        }
    }

    /// Whether this is bad news about the counterparty (not about the registries).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            CheckStatus::Invalid | CheckStatus::Insolvency | CheckStatus::Sanctions
        )
    }

    /// Summarises a run: the worst finding wins, then how much could be asked.
    pub fn of(run: &CheckRun) -> CheckStatus {
        let mut answered = 0;
        let mut status = CheckStatus::Ok;
        for r in &run.results {
            let Outcome::Answer(a) = &r.outcome else {
                continue;
            };
            answered += 1;
            let finding = match a {
                Answer::Vat(v) if !v.valid => Some(CheckStatus::Invalid),
                Answer::Qualified(q) if !q.valid => Some(CheckStatus::Invalid),
                Answer::Sanctions(s) if !s.hits.is_empty() => Some(CheckStatus::Sanctions),
                Answer::Insolvency(i) if !i.publications.is_empty() => {
                    Some(CheckStatus::Insolvency)
                }
                _ => None,
            };
            if let Some(f) = finding {
                status = status.max(f);
            }
        }
        if status != CheckStatus::Ok {
            status
        } else if answered == 0 {
            CheckStatus::NoAnswer
        } else if answered < run.results.len() {
            CheckStatus::Partial
        } else {
            CheckStatus::Ok
        }
    }
}

/// What the last check said about the VAT number (for the stats distribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatStatus {
    /// A registry said valid.
    Valid,
    /// A registry said invalid.
    Invalid,
    /// The VAT registries could not be asked.
    CouldNotAsk,
    /// Never checked.
    Unchecked,
    /// The counterparty has no VAT number.
    NoNumber,
}

impl VatStatus {
    /// Every value, in chart order.
    pub const ALL: [VatStatus; 5] = [
        VatStatus::Valid,
        VatStatus::Invalid,
        VatStatus::CouldNotAsk,
        VatStatus::Unchecked,
        VatStatus::NoNumber,
    ];

    /// The chart label.
    pub fn label(self) -> &'static str {
        match self {
            VatStatus::Valid => "valid",
            VatStatus::Invalid => "invalid",
            VatStatus::CouldNotAsk => "no answer",
            VatStatus::Unchecked => "unchecked",
            VatStatus::NoNumber => "no number",
        }
    }

    /// From a counterparty and its last run.
    pub fn of(cp: &Counterparty, run: Option<&CheckRun>) -> VatStatus {
        if cp.vat.is_none() {
            return VatStatus::NoNumber;
        }
        match run {
            Some(run) => VatStatus::of_run(run),
            None => VatStatus::Unchecked,
        }
    }

    /// From the last run of a counterparty that has a VAT number.
    pub fn of_run(run: &CheckRun) -> VatStatus {
        let mut asked = false;
        for r in &run.results {
            match &r.outcome {
                Outcome::Answer(Answer::Vat(v)) => {
                    return if v.valid {
                        VatStatus::Valid
                    } else {
                        VatStatus::Invalid
                    };
                }
                Outcome::Answer(Answer::Qualified(q)) => {
                    return if q.valid {
                        VatStatus::Valid
                    } else {
                        VatStatus::Invalid
                    };
                }
                Outcome::CouldNotAsk { .. } if matches!(r.source, Source::Vies | Source::Evatr) => {
                    asked = true;
                }
                _ => {}
            }
        }
        if asked {
            VatStatus::CouldNotAsk
        } else {
            VatStatus::Unchecked
        }
    }
}

/// A counterparty's last check, summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastCheck {
    /// When it finished.
    pub at: DateTime<Utc>,
    /// What it found.
    pub status: CheckStatus,
}

impl LastCheck {
    /// The summary of a check run.
    pub fn of(run: &CheckRun) -> LastCheck {
        LastCheck {
            at: run.finished_at,
            status: CheckStatus::of(run),
        }
    }
}
