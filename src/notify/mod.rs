//! Alert delivery: digest composition (pure), SMTP delivery with lettre, webhooks, and the
//! bookkeeping that makes every alert go out once.
//!
//! Entry points for the scheduler (daemon or TUI), through one [`Notifier`] per process:
//! - [`Notifier::run_digest_if_due`] every minute or so (or sleep until
//!   [`Notifier::next_digest_at`]): sends the daily digest at `[mail] digest_at`;
//! - [`Notifier::deliver_new`] after each check cycle: critical alerts at once (when
//!   `critical_immediately`) and webhook POSTs for new alerts;
//! - [`Notifier::run_digest`] sends whatever is pending now (`kontra digest send`).
//!
//! At least once, and truthfully: an alert is marked sent only after the server accepted the
//! message carrying it. A message that was handed over completely but got no answer (or whose
//! process died after the hand-over, see [`outbox`]) leaves its alerts "delivery unknown": not
//! sent, shown as such, and named again in the next message, which marks them sent when it is
//! accepted.

pub(crate) mod config;
pub mod digest;
pub mod outbox;
pub mod schedule;
pub(crate) mod smtp;
pub(crate) mod template;
pub mod webhook;

use crate::config::{Config, ConfigError};
use crate::domain::alert::MAIL_CHANNEL;
use crate::domain::health::{Health, MAX_RUNS as HEALTH_RUNS};
use crate::domain::{Alert, Counterparty, DeliveryUnknown, Severity};
use crate::http::client::{ClientSettings, Redirects};
use crate::http::retry::RetryPolicy;
use crate::sanctions::health::ListHealth;
use crate::store::{AuditAction, AuditEvent, Store, StoreError};
use crate::values::Language;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use digest::{Digest, RenderContext, Rendered};
use outbox::{Channel, Outbox, OutboxEntry};
use schedule::{DIGEST_STATE_KEY, DigestState};
use smtp::{SendError, SmtpSettings};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use webhook::{Hook, WebhookRun};

/// The actor named in the audit trail for deliveries.
pub(crate) const AUDIT_ACTOR: &str = "notify";

/// Errors that stop a delivery run (a message that could not be delivered is not one: it is
/// reported in [`DigestReport`] and retried later).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A secret named in the config could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A message could not be built (e.g. an address lettre does not accept).
    #[error("mail message: {message}")]
    Message {
        /// What was wrong.
        message: String,
    },
    /// The TLS settings could not be read.
    #[error("mail TLS: {message}")]
    Tls {
        /// What was wrong.
        message: String,
    },
    /// The HTTP client for webhooks could not be built.
    #[error("webhook HTTP client: {message}")]
    Http {
        /// What was wrong.
        message: String,
    },
}

/// What became of one message or POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server accepted it; its alerts are marked delivered.
    Delivered,
    /// It was not delivered; its alerts stay pending and go out on a later run.
    Failed(String),
    /// It was handed over completely but no answer came: its alerts are marked "delivery
    /// unknown" (not sent), and the next message names and repeats them.
    Uncertain(String),
}

impl Delivery {
    /// Whether the server accepted it.
    pub fn is_delivered(&self) -> bool {
        matches!(self, Delivery::Delivered)
    }
}

/// One mail of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageReport {
    /// Recipient address.
    pub recipient: String,
    /// Subject line.
    pub(crate) subject: String,
    /// The Message-ID header.
    pub message_id: String,
    /// Alerts carried.
    pub alert_ids: Vec<u64>,
    /// What became of it.
    pub outcome: Delivery,
}

/// One webhook POST of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReport {
    /// The hook's URL without path (which may hold a token).
    pub url: String,
    /// The alert posted.
    pub alert_id: u64,
    /// Attempts made.
    pub attempts: u32,
    /// What became of it.
    pub outcome: Delivery,
}

/// An outbox entry from an earlier, interrupted delivery, settled at the start of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// The entry.
    pub entry: OutboxEntry,
    /// True when the bookkeeping had not been done: the outcome is unknown and the alerts are
    /// now "delivery unknown" (they go out again, named as such).
    pub uncertain: bool,
}

/// Everything a delivery run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestReport {
    /// Mails, one per recipient.
    pub messages: Vec<MessageReport>,
    /// Webhook POSTs.
    pub webhooks: Vec<WebhookReport>,
    /// Alerts with no recipient: owner without address and no `[mail] to`.
    pub(crate) unroutable: Vec<u64>,
    /// Interrupted deliveries settled before this run.
    pub reconciled: Vec<Reconciled>,
}

impl DigestReport {
    /// Whether everything that was due got delivered (nothing failed, uncertain or unroutable).
    pub fn ok(&self) -> bool {
        self.messages.iter().all(|m| m.outcome.is_delivered())
            && self.webhooks.iter().all(|w| w.outcome.is_delivered())
            && self.unroutable.is_empty()
    }

    /// One line per problem, for logs and the command line.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.messages {
            match &m.outcome {
                Delivery::Delivered => {}
                Delivery::Failed(r) => out.push(format!(
                    "mail to {} not delivered (alerts stay pending): {r}",
                    m.recipient
                )),
                Delivery::Uncertain(r) => out.push(format!(
                    "mail to {} ({}): delivery unknown, its alerts will be named again in the next message: {r}",
                    m.recipient, m.message_id
                )),
            }
        }
        for w in &self.webhooks {
            match &w.outcome {
                Delivery::Delivered => {}
                Delivery::Failed(r) => out.push(format!(
                    "webhook {} alert {} not delivered: {r}",
                    w.url, w.alert_id
                )),
                Delivery::Uncertain(r) => out.push(format!(
                    "webhook {} alert {}: delivery unknown, posted again (same delivery id) on the next run: {r}",
                    w.url, w.alert_id
                )),
            }
        }
        if !self.unroutable.is_empty() {
            out.push(format!(
                "alerts {:?} have no recipient: their owner is not in [[analysts]] and [mail] to is not set",
                self.unroutable
            ));
        }
        for r in self.reconciled.iter().filter(|r| r.uncertain) {
            out.push(format!(
                "an earlier delivery ({}) was interrupted after hand-over; alerts {:?} are marked delivery unknown and go out again",
                r.entry.id, r.entry.alert_ids
            ));
        }
        out
    }
}

/// The messages a digest run would send, rendered (for `--dry-run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Composed {
    /// One digest per recipient with its rendering.
    pub(crate) messages: Vec<(Digest, Rendered)>,
    /// Alerts nobody can receive.
    pub(crate) unroutable: Vec<u64>,
}

// One delivery at a time per process: the digest and an immediate delivery must not pick up
// the same pending alerts concurrently. The store lock already keeps other processes out.
static DELIVERY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Delivers alerts by mail and webhook according to the configuration.
pub struct Notifier {
    config: Config,
    smtp: Option<SmtpSettings>,
    hooks: Vec<Hook>,
    http: reqwest::Client,
    policy: RetryPolicy,
    webhook_timeout: Duration,
}

impl Notifier {
    /// Builds a notifier, reading the secrets the config names (`config_path` for messages).
    pub fn new(config: &Config, config_path: &Path) -> Result<Notifier, NotifyError> {
        let smtp = match &config.mail {
            Some(m) => Some(SmtpSettings::from_config(m, config_path)?),
            None => None,
        };
        let hooks = config
            .webhooks
            .iter()
            .map(|w| Hook::from_config(w, config_path))
            .collect::<Result<Vec<_>, _>>()?;
        let http = crate::http::client::build(&ClientSettings {
            user_agent: concat!("kontra/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: None,
            // Each POST carries its own timeout.
            timeout: None,
            // A redirected hook would re-send the signed alert payload to an address nobody
            // configured (and book it delivered there); the answer is a refusal instead.
            redirects: Redirects::Refuse,
        })
        .map_err(|e| NotifyError::Http {
            message: e.to_string(),
        })?;
        Ok(Notifier {
            config: config.clone(),
            smtp,
            hooks,
            http,
            policy: webhook::DEFAULT_RETRY,
            webhook_timeout: webhook::DEFAULT_TIMEOUT,
        })
    }

    /// Replaces the webhook retry policy (tests use short waits).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Notifier {
        self.policy = policy;
        self
    }

    /// Replaces the timeout of one webhook POST (tests use short ones).
    pub fn with_webhook_timeout(mut self, timeout: Duration) -> Notifier {
        self.webhook_timeout = timeout;
        self
    }

    /// Language of mails: `[mail] language`, else the top-level `language`.
    pub(crate) fn language(&self) -> Language {
        self.config
            .mail
            .as_ref()
            .and_then(|m| m.language)
            .unwrap_or(self.config.language)
    }

    fn tz(&self) -> Tz {
        self.config.monitor.timezone.0
    }

    fn fallback(&self) -> Option<&str> {
        self.config
            .mail
            .as_ref()
            .and_then(|m| m.to.as_ref())
            .map(|e| e.0.as_str())
    }

    /// The health of the sanctions lists for the digest; None (said in the mail) when the store
    /// cannot tell.
    fn lists(&self, store: &Store, now: DateTime<Utc>) -> Option<Vec<ListHealth>> {
        match crate::sanctions::health::load(store, &self.config.sanctions, now) {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!("sanctions list health in the store cannot be read: {e}");
                None
            }
        }
    }

    fn context<'a>(
        &self,
        now: DateTime<Utc>,
        health: Option<&'a Health>,
        lists: Option<&'a [ListHealth]>,
        immediate: bool,
    ) -> RenderContext<'a> {
        RenderContext {
            language: self.language(),
            tz: self.tz(),
            now,
            health,
            pause: None,
            lists,
            immediate,
        }
    }

    /// Routes alerts like [`digest::plan`] and names, on each alert an earlier mail carried
    /// without a reply, that mail.
    fn plan(
        &self,
        store: &Store,
        alerts: &[Alert],
        cps: &HashMap<u64, Counterparty>,
        analysts: &[crate::domain::analyst::Analyst],
        fallback: Option<&str>,
        include_empty: bool,
    ) -> Result<digest::Plan, NotifyError> {
        let mut plan = digest::plan(alerts, cps, analysts, fallback, include_empty);
        let unknown: HashMap<u64, DeliveryUnknown> = store
            .deliveries_unknown()?
            .into_iter()
            .filter_map(|(id, ds)| {
                ds.into_iter()
                    .find(|d| d.channel == MAIL_CHANNEL)
                    .map(|d| (id, d))
            })
            .collect();
        for d in &mut plan.digests {
            d.note_unknown(&unknown);
        }
        Ok(plan)
    }

    /// Pending alerts (never sent, not acknowledged) and their counterparties.
    fn pending(
        &self,
        store: &Store,
    ) -> Result<(Vec<Alert>, HashMap<u64, Counterparty>), NotifyError> {
        let alerts = digest::pending(&store.alerts()?);
        let cps = counterparties_of(store, &alerts)?;
        Ok((alerts, cps))
    }

    /// The digests `run_digest` would send now, rendered, without sending or marking anything.
    pub(crate) fn compose(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Composed, NotifyError> {
        let (alerts, cps) = self.pending(store)?;
        let include_empty = self.config.mail.as_ref().is_some_and(|m| m.send_empty);
        let plan = self.plan(
            store,
            &alerts,
            &cps,
            &self.config.analysts,
            self.fallback(),
            include_empty,
        )?;
        let health = source_health(store, now);
        let pause = vies_pause(store);
        let lists = self.lists(store, now);
        let mut ctx = self.context(now, health.as_ref(), lists.as_deref(), false);
        ctx.pause = pause.as_ref();
        let messages = plan
            .digests
            .into_iter()
            .map(|d| {
                let r = digest::render(&d, &ctx);
                (d, r)
            })
            .collect();
        Ok(Composed {
            messages,
            unroutable: plan.unroutable,
        })
    }

    /// A preview: the pending digests (or one owner's), and an empty digest with the source
    /// health when nothing is pending, so the answer is never a bare "nothing".
    pub(crate) fn preview(
        &self,
        store: &Store,
        now: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<(Digest, Rendered)>, NotifyError> {
        let (mut alerts, cps) = self.pending(store)?;
        let health = source_health(store, now);
        let pause = vies_pause(store);
        let lists = self.lists(store, now);
        let mut ctx = self.context(now, health.as_ref(), lists.as_deref(), false);
        ctx.pause = pause.as_ref();
        if let Some(o) = owner {
            alerts.retain(|a| {
                cps.get(&a.counterparty_id)
                    .and_then(|c| c.owner.as_deref())
                    .is_some_and(|x| x.trim().eq_ignore_ascii_case(o.trim()))
            });
        }
        let mut digests = self
            .plan(
                store,
                &alerts,
                &cps,
                &self.config.analysts,
                self.fallback(),
                false,
            )?
            .digests;
        if digests.is_empty() {
            // Nothing pending: show the empty digest the owner (or the fallback) would get.
            let address = owner
                .and_then(|o| {
                    self.config
                        .analysts
                        .iter()
                        .find(|a| a.name.trim().eq_ignore_ascii_case(o.trim()))
                        .map(|a| a.email.0.clone())
                })
                .or_else(|| self.fallback().map(str::to_string))
                .unwrap_or_default();
            digests.push(Digest::empty(&address));
        }
        Ok(digests
            .drain(..)
            .map(|d| {
                let r = digest::render(&d, &ctx);
                (d, r)
            })
            .collect())
    }

    /// Settles outbox entries left by an interrupted delivery (see [`outbox`]).
    pub(crate) fn reconcile(&self, store: &Store) -> Result<Vec<Reconciled>, NotifyError> {
        let outbox = Outbox::open(store)?;
        let mut out = Vec::new();
        for entry in outbox.entries()? {
            let uncertain = settle(store, &entry)?;
            outbox.remove(&entry.id)?;
            out.push(Reconciled { entry, uncertain });
        }
        Ok(out)
    }

    /// Sends every pending alert now (one digest per recipient) and posts pending webhooks.
    ///
    /// Records the run for the schedule. Undeliverable messages are reported, not errors.
    pub async fn run_digest(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<DigestReport, NotifyError> {
        let _guard = DELIVERY.lock().await;
        let mut report = DigestReport {
            reconciled: self.reconcile(store)?,
            ..DigestReport::default()
        };
        let (alerts, cps) = self.pending(store)?;
        if let (Some(mail), Some(smtp)) = (&self.config.mail, &self.smtp) {
            let state: DigestState = store.get_state(DIGEST_STATE_KEY)?.unwrap_or_default();
            let slot = schedule::latest_slot(now, mail.digest_at.0, self.tz());
            let mut plan = self.plan(
                store,
                &alerts,
                &cps,
                &self.config.analysts,
                self.fallback(),
                mail.send_empty,
            )?;
            // A retry in the same slot repeats no empty digest that already arrived.
            let reached = state.reached_since(slot);
            plan.digests
                .retain(|d| d.count() > 0 || !reached.contains(&d.recipient));
            report.unroutable = plan.unroutable;
            let health = source_health(store, now);
            let pause = vies_pause(store);
            let lists = self.lists(store, now);
            let mut ctx = self.context(now, health.as_ref(), lists.as_deref(), false);
            ctx.pause = pause.as_ref();
            report.messages = self
                .send_all(store, smtp, &mail.from.0, plan.digests, &ctx)
                .await?;
            // Unroutable alerts and uncertain messages are not retried on a schedule: a retry
            // cannot deliver them.
            let failed = report
                .messages
                .iter()
                .any(|m| matches!(m.outcome, Delivery::Failed(_)));
            let delivered = report
                .messages
                .iter()
                .filter(|m| m.outcome.is_delivered())
                .map(|m| m.recipient.clone());
            store.set_state(
                DIGEST_STATE_KEY,
                &state.record(now, !failed, slot, delivered),
            )?;
        }
        report.webhooks = self.post_hooks(store, &cps, now).await?;
        for p in report.problems() {
            tracing::warn!("digest: {p}");
        }
        Ok(report)
    }

    /// When the next digest is due (`None` without a `[mail]` section).
    pub fn next_digest_at(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, NotifyError> {
        let Some(mail) = &self.config.mail else {
            return Ok(None);
        };
        let state: DigestState = store.get_state(DIGEST_STATE_KEY)?.unwrap_or_default();
        Ok(Some(schedule::next_due(
            &state,
            now,
            mail.digest_at.0,
            self.tz(),
            chrono::Duration::minutes(i64::from(mail.retry_minutes)),
        )))
    }

    /// Runs the digest when it is due; `None` when it is not (or mail is not configured).
    pub async fn run_digest_if_due(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Option<DigestReport>, NotifyError> {
        match self.next_digest_at(store, now)? {
            Some(t) if t <= now => Ok(Some(self.run_digest(store, now).await?)),
            _ => Ok(None),
        }
    }

    /// After a check cycle: mails pending critical alerts at once (with `critical_immediately`)
    /// and posts pending alerts to the webhooks. Other alerts wait for the digest.
    pub async fn deliver_new(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<DigestReport, NotifyError> {
        let _guard = DELIVERY.lock().await;
        let mut report = DigestReport {
            reconciled: self.reconcile(store)?,
            ..DigestReport::default()
        };
        let (alerts, cps) = self.pending(store)?;
        if let (Some(mail), Some(smtp)) = (&self.config.mail, &self.smtp)
            && mail.critical_immediately
        {
            let critical: Vec<Alert> = alerts
                .iter()
                .filter(|a| a.severity == Severity::Critical)
                .cloned()
                .collect();
            let plan = self.plan(
                store,
                &critical,
                &cps,
                &self.config.analysts,
                self.fallback(),
                false,
            )?;
            report.unroutable = plan.unroutable;
            let health = source_health(store, now);
            let pause = vies_pause(store);
            let lists = self.lists(store, now);
            let mut ctx = self.context(now, health.as_ref(), lists.as_deref(), true);
            ctx.pause = pause.as_ref();
            report.messages = self
                .send_all(store, smtp, &mail.from.0, plan.digests, &ctx)
                .await?;
        }
        report.webhooks = self.post_hooks(store, &cps, now).await?;
        for p in report.problems() {
            tracing::warn!("immediate delivery: {p}");
        }
        Ok(report)
    }

    async fn post_hooks(
        &self,
        store: &Store,
        cps: &HashMap<u64, Counterparty>,
        now: DateTime<Utc>,
    ) -> Result<Vec<WebhookReport>, NotifyError> {
        if self.hooks.is_empty() {
            return Ok(Vec::new());
        }
        // Hooks track their own deliveries, so an alert already mailed still gets its POST.
        let mut alerts: Vec<Alert> = store
            .alerts()?
            .into_iter()
            .filter(|a| a.acknowledged_at.is_none())
            .collect();
        alerts.sort_by_key(|a| (std::cmp::Reverse(a.severity), a.created_at, a.id));
        let mut cps = cps.clone();
        cps.extend(counterparties_of(store, &alerts)?);
        let run = WebhookRun {
            hooks: &self.hooks,
            client: &self.http,
            policy: &self.policy,
            timeout: self.webhook_timeout,
            language: self.config.language,
            tz: self.tz(),
        };
        webhook::deliver_pending(store, &run, &alerts, &cps, now).await
    }

    async fn send_all(
        &self,
        store: &Store,
        smtp: &SmtpSettings,
        from: &lettre::message::Mailbox,
        digests: Vec<Digest>,
        ctx: &RenderContext<'_>,
    ) -> Result<Vec<MessageReport>, NotifyError> {
        let outbox = Outbox::open(store)?;
        let mut reports = Vec::new();
        for d in digests {
            let rendered = digest::render(&d, ctx);
            let message_id = smtp::new_message_id(from);
            let alert_ids = d.alert_ids();
            let mut report = MessageReport {
                recipient: d.recipient.clone(),
                subject: rendered.subject.clone(),
                message_id: message_id.clone(),
                alert_ids: alert_ids.clone(),
                outcome: Delivery::Delivered,
            };
            let message = match smtp::build_message(from, &d.recipient, &rendered, &message_id) {
                Ok(m) => m,
                Err(e) => {
                    report.outcome = Delivery::Failed(e.to_string());
                    reports.push(report);
                    continue;
                }
            };
            let entry = OutboxEntry {
                id: message_id.clone(),
                channel: Channel::Mail {
                    recipient: d.recipient.clone(),
                },
                alert_ids: alert_ids.clone(),
                handed_over_at: ctx.now,
            };
            let sent = smtp::send(smtp, message.envelope(), &message.formatted(), || {
                outbox.put(&entry)
            })
            .await;
            report.outcome = match sent {
                Ok(_) => {
                    store.mark_sent(&alert_ids, ctx.now)?;
                    audit_sent(store, &entry, ctx.now, None)?;
                    outbox.remove(&message_id)?;
                    tracing::info!(
                        to = %d.recipient,
                        alerts = alert_ids.len(),
                        message_id = %message_id,
                        "digest delivered"
                    );
                    Delivery::Delivered
                }
                Err(SendError::NotSent { reason }) | Err(SendError::Refused { reason }) => {
                    outbox.remove(&message_id)?;
                    Delivery::Failed(reason)
                }
                Err(SendError::Uncertain { reason }) => {
                    mark_unknown(store, &entry, &reason)?;
                    outbox.remove(&message_id)?;
                    Delivery::Uncertain(reason)
                }
            };
            reports.push(report);
        }
        Ok(reports)
    }
}

fn counterparties_of(
    store: &Store,
    alerts: &[Alert],
) -> Result<HashMap<u64, Counterparty>, NotifyError> {
    let mut cps = HashMap::new();
    for a in alerts {
        if !cps.contains_key(&a.counterparty_id)
            && let Some(c) = store.counterparty(a.counterparty_id)?
        {
            cps.insert(c.id, c);
        }
    }
    Ok(cps)
}

fn audit_sent(
    store: &Store,
    entry: &OutboxEntry,
    at: DateTime<Utc>,
    unknown: Option<&str>,
) -> Result<(), NotifyError> {
    let Channel::Mail { recipient } = &entry.channel else {
        return Ok(());
    };
    for &id in &entry.alert_ids {
        let Some(a) = store.alert(id)? else { continue };
        let detail = if let Some(reason) = unknown {
            format!(
                "alert {id} ({}) handed to the mail server for {recipient} as {}, but the outcome is unknown ({reason}); delivery unknown, it goes out again named as such",
                a.kind, entry.id
            )
        } else {
            format!(
                "alert {id} ({}) mailed to {recipient} as {}",
                a.kind, entry.id
            )
        };
        store.append_audit(&AuditEvent {
            at,
            actor: AUDIT_ACTOR.to_string(),
            counterparty_id: Some(a.counterparty_id),
            action: AuditAction::AlertSent,
            detail,
        })?;
    }
    Ok(())
}

/// Records the alerts of an entry handed over without an answer as "delivery unknown".
fn mark_unknown(store: &Store, entry: &OutboxEntry, reason: &str) -> Result<(), NotifyError> {
    match &entry.channel {
        Channel::Mail { recipient } => {
            tracing::warn!(
                message_id = %entry.id,
                to = %recipient,
                "mail was handed over but no answer came ({reason}); its alerts are marked delivery unknown and go out again, named as such (check the mail server's log for this Message-ID)"
            );
            store.record_delivery_unknown(
                &entry.alert_ids,
                &DeliveryUnknown {
                    channel: MAIL_CHANNEL.to_string(),
                    to: recipient.clone(),
                    reference: entry.id.clone(),
                    at: entry.handed_over_at,
                    reason: reason.to_string(),
                },
            )?;
            audit_sent(store, entry, entry.handed_over_at, Some(reason))
        }
        Channel::Webhook { hook } => {
            tracing::warn!(
                delivery = %entry.id,
                "webhook POST was sent but no answer came ({reason}); posting it again with the same delivery id on the next run"
            );
            store.record_delivery_unknown(
                &entry.alert_ids,
                &DeliveryUnknown {
                    channel: hook.clone(),
                    to: format!("webhook {hook}"),
                    reference: entry.id.clone(),
                    at: entry.handed_over_at,
                    reason: reason.to_string(),
                },
            )?;
            Ok(())
        }
    }
}

/// Settles an entry a run left behind; returns whether its outcome was unknown (the
/// bookkeeping had not been done), in which case its alerts are now "delivery unknown".
fn settle(store: &Store, entry: &OutboxEntry) -> Result<bool, NotifyError> {
    let mut done = true;
    for &id in &entry.alert_ids {
        let delivered = match &entry.channel {
            Channel::Mail { .. } => store.alert(id)?.is_none_or(|a| a.sent_at.is_some()),
            Channel::Webhook { hook } => webhook::was_delivered(store, hook, id)?,
        };
        done &= delivered;
    }
    if done {
        return Ok(false);
    }
    mark_unknown(
        store,
        entry,
        "the process stopped after handing it over, before the answer was recorded",
    )?;
    Ok(true)
}

/// Every source's health for a digest, from the stored runs by the store query and the window
/// the Stats tab uses (`app::ops::ui::run_stats`), so the two cannot disagree; None (said in the
/// mail as "no check yet") when the store cannot be read.
pub(crate) fn source_health(store: &Store, now: DateTime<Utc>) -> Option<Health> {
    match store.source_health(now, HEALTH_RUNS, &mut |_| {}) {
        Ok((h, _)) => Some(h),
        Err(e) => {
            tracing::warn!("source health in the store cannot be read: {e}");
            None
        }
    }
}

/// The VIES pause in force, for every digest (a store that cannot be read: none, logged).
fn vies_pause(store: &Store) -> Option<crate::domain::pause::SourcePause> {
    store
        .source_pause(crate::domain::check::Source::Vies)
        .unwrap_or_else(|e| {
            tracing::warn!("the VIES pause in the store cannot be read: {e}");
            None
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check::{Answer, Evidence, Outcome, SanctionsAnswer, Unavailable};
    use crate::domain::health::CYCLE_TRIGGER;
    use crate::domain::{CheckRun, Source, SourceResult};
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
    }

    /// The Stats tab and the digest read one `Health`, computed by one function from the same
    /// runs: what the digest says about a source is what Stats shows.
    #[test]
    fn stats_and_digest_compute_health_by_the_same_function_from_the_same_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let result = |source, t, answered: bool| SourceResult {
            source,
            at: t,
            outcome: if answered {
                Outcome::Answer(Answer::Sanctions(SanctionsAnswer::default()))
            } else {
                Outcome::CouldNotAsk {
                    reason: Unavailable::ServiceUnavailable,
                    message: "MS_UNAVAILABLE".into(),
                }
            },
            evidence: Evidence::default(),
        };
        // VIES answered on the 1st and has failed since the 2nd; a manual check on the 4th.
        for (t, trigger, answered) in [
            (at(1, 2), CYCLE_TRIGGER, true),
            (at(2, 2), CYCLE_TRIGGER, false),
            (at(3, 2), CYCLE_TRIGGER, false),
            (at(4, 9), "anna", false),
        ] {
            let run = CheckRun {
                id: 0,
                counterparty_id: 1,
                started_at: t,
                finished_at: t,
                trigger: trigger.into(),
                results: vec![result(Source::Vies, t, answered)],
            };
            store.record_check(run, vec![]).unwrap();
        }
        let now = at(5, 7);
        let stats = crate::app::ops::ui::run_stats(&store, now, chrono_tz::UTC)
            .unwrap()
            .health;
        let digest = source_health(&store, now).unwrap();
        assert_eq!(stats, digest);
        let vies = &digest.sources[0];
        assert_eq!(vies.unavailable_since, Some(at(2, 2)));
        assert_eq!((vies.answers, vies.failures), (1, 3));
        assert_eq!(
            digest.last_cycle,
            Some(at(3, 2)),
            "a manual check is no cycle"
        );
        let ctx = RenderContext {
            language: Language::En,
            tz: chrono_tz::UTC,
            now,
            health: Some(&digest),
            pause: None,
            lists: None,
            immediate: false,
        };
        let text = digest::render(&Digest::empty("anna@example.de"), &ctx).text;
        assert!(
            text.contains("unavailable since 2026-03-02 02:00 UTC"),
            "{text}"
        );
        assert!(
            text.contains("Last check cycle: 2026-03-03 02:00 UTC"),
            "{text}"
        );
    }
}
