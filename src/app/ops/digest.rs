//! Digests (`kontra digest preview|send`): the mails pending alerts make, and sending them.
//! Mail goes out from the process that holds the data directory, with its configuration; an
//! alert counts as sent only once the mail server accepted the mail carrying it.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::app::access::Need;
use crate::app::events::Event;
use crate::app::local::Local;
use crate::exit::{self, Failure};
use crate::notify::digest::{Digest, Rendered};
use crate::notify::{Delivery, Notifier};

/// One digest mail as it would go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The recipient's address (empty: none configured).
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl Mail {
    fn of((d, r): (Digest, Rendered)) -> Mail {
        Mail {
            recipient: d.recipient,
            subject: r.subject,
            text: r.text,
            html: r.html,
        }
    }
}

/// What a delivery run would send, without sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    /// The mails, one per recipient.
    pub mails: Vec<Mail>,
    /// Alerts nobody can receive.
    pub unroutable: Vec<u64>,
    /// No `[mail]` section: a real run sends no mail.
    pub no_mail: bool,
}

/// One mail the mail server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMail {
    /// Recipient address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Alerts carried.
    pub alerts: usize,
    /// The Message-ID header.
    pub message_id: String,
}

/// What a delivery run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Mails accepted by the mail server.
    pub mails: Vec<SentMail>,
    /// Webhook messages delivered.
    pub posted: usize,
    /// Nothing was pending.
    pub nothing_pending: bool,
    /// One line per problem.
    pub problems: Vec<String>,
    /// Everything due was delivered.
    pub ok: bool,
}

fn notifier(local: &Local) -> Result<Notifier, Failure> {
    let instance = local.instance();
    Notifier::new(instance.config(), instance.config_path()).map_err(Failure::from_error)
}

/// The digests of the pending alerts (one owner's with `owner`).
pub(crate) fn preview(local: &Local, owner: Option<String>) -> Result<Vec<Mail>, Failure> {
    let digests = notifier(local)?
        .preview(local.store(), Utc::now(), owner.as_deref())
        .map_err(Failure::from_error)?;
    Ok(digests.into_iter().map(Mail::of).collect())
}

/// The mails a delivery run would send now.
pub(crate) fn dry_run(local: &Local) -> Result<DryRun, Failure> {
    let composed = notifier(local)?
        .compose(local.store(), Utc::now())
        .map_err(Failure::from_error)?;
    Ok(DryRun {
        mails: composed.messages.into_iter().map(Mail::of).collect(),
        unroutable: composed.unroutable,
        no_mail: local.instance().config().mail.is_none(),
    })
}

/// Sends the pending alerts now (a lead's action: it sends everyone's digest).
pub(crate) fn send(local: &Local) -> Result<Sent, Failure> {
    local.permit("send the digests", None, Need::Lead)?;
    let instance = local.instance();
    if instance.config().mail.is_none() && instance.config().webhooks.is_empty() {
        return Err(Failure::new(
            exit::CONFIG,
            format!(
                "{}: no [mail] section and no [[webhooks]]: nothing to deliver with (see README, \"Mail and webhooks\")",
                instance.config_path().display()
            ),
        ));
    }
    let notifier = notifier(local)?;
    let rt = super::checks::runtime()?;
    let report = rt
        .block_on(notifier.run_digest(local.store(), Utc::now()))
        .map_err(Failure::from_error)?;
    let mails: Vec<SentMail> = report
        .messages
        .iter()
        .filter(|m| m.outcome == Delivery::Delivered)
        .map(|m| SentMail {
            recipient: m.recipient.clone(),
            subject: m.subject.clone(),
            alerts: m.alert_ids.len(),
            message_id: m.message_id.clone(),
        })
        .collect();
    let sent_alerts: Vec<u64> = report
        .messages
        .iter()
        .filter(|m| m.outcome == Delivery::Delivered)
        .flat_map(|m| m.alert_ids.iter().copied())
        .collect();
    if !sent_alerts.is_empty() {
        instance.hub().publish(Event::Alerts(sent_alerts));
    }
    Ok(Sent {
        mails,
        posted: report
            .webhooks
            .iter()
            .filter(|w| w.outcome.is_delivered())
            .count(),
        nothing_pending: report.messages.is_empty()
            && report.webhooks.is_empty()
            && report.unroutable.is_empty(),
        problems: report.problems(),
        ok: report.ok(),
    })
}
