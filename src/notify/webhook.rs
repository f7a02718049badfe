//! Webhooks: one POST per new alert at or above a hook's `min_severity`, as Slack text, a Teams
//! Adaptive Card or Kontra's JSON (optionally HMAC-SHA256 signed), retried with backoff.
//!
//! Each hook remembers in the store which alerts it delivered and since when it exists
//! (`Store::record_webhook_delivered`, `Store::webhook_since`): a hook added to the config later gets alerts from the day before it
//! was first used on, not the whole history.

use super::config::{WebhookConfig, WebhookKind};
use super::digest::{format_time, kind_label, severity_label};
use super::outbox::{Channel, Outbox, OutboxEntry};
use super::{Delivery, NotifyError, WebhookReport};
use crate::domain::{Alert, Counterparty, DeliveryUnknown, Severity};
use crate::http::retry::{Retry, RetryPolicy, Retryable, retry_after, with_retry};
use crate::store::{Store, StoreError};
use crate::values::Language;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// Header carrying `sha256=<hex HMAC of the body>` for signed JSON hooks.
pub(crate) const SIGNATURE_HEADER: &str = "X-Kontra-Signature";
/// Header carrying the delivery id, stable across retries, so receivers can drop repeats.
pub(crate) const DELIVERY_HEADER: &str = "X-Kontra-Delivery";

/// A configured webhook with its secret read.
#[derive(Clone)]
pub(crate) struct Hook {
    /// The configuration entry.
    pub(crate) config: WebhookConfig,
    /// Stable short key derived from the URL, used in the store.
    pub(crate) key: String,
    secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("url", &redact(&self.config.url.0))
            .field("kind", &self.config.kind)
            .field("signed", &self.secret.is_some())
            .finish()
    }
}

impl Hook {
    /// Reads the secret a hook names.
    pub(crate) fn from_config(c: &WebhookConfig, config_path: &Path) -> Result<Hook, NotifyError> {
        let secret = crate::config::read_secret(
            config_path,
            ("webhooks.secret_env", c.secret_env.as_deref()),
            ("", None),
        )?;
        Ok(Hook {
            config: c.clone(),
            key: hook_key(&c.url.0),
            secret: secret.map(String::into_bytes),
        })
    }
}

/// The first 16 hex digits of the SHA-256 of the URL: stable, and no secret path in the store.
pub fn hook_key(url: &url::Url) -> String {
    let digest = Sha256::digest(url.as_str().as_bytes());
    hex::encode(&digest[..8])
}

/// The URL without path and query, which often carry the secret token (Slack, Teams).
pub(crate) fn redact(url: &url::Url) -> String {
    match url.port() {
        Some(p) => format!("{}://{}:{p}/…", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}/…", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length; new_from_slice only fails for fixed-size MACs.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => String::new(),
    }
}

/// The retry policy of a POST: four attempts; the waits are at least the 2, 4 and 8 seconds the
/// hooks always had (equal jitter adds up to as much again), at most a minute.
pub(crate) const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base: Duration::from_secs(4),
    max: Duration::from_secs(60),
};

/// Timeout of one POST.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Accepted.
    Done,
    /// Failed in a way worth retrying (connection refused, 429, 5xx).
    Retry {
        /// What happened.
        reason: String,
        /// The server's `Retry-After`, when given.
        after: Option<Duration>,
    },
    /// Refused for good (4xx other than 408/425/429): retrying now would not help.
    Fail(String),
    /// Sent, but no answer: it may have arrived; it is repeated on the next run with the same
    /// delivery id.
    Uncertain(String),
}

impl Retryable for Attempt {
    fn retry(&self) -> Retry {
        match self {
            Attempt::Retry {
                after: Some(after), ..
            } => Retry::After(*after),
            Attempt::Retry { after: None, .. } => Retry::Transient,
            Attempt::Done | Attempt::Fail(_) | Attempt::Uncertain(_) => Retry::No,
        }
    }
}

/// What the last of `attempts` attempts means for the alert.
pub(crate) fn delivery(last: Attempt, attempts: u32) -> Delivery {
    match last {
        Attempt::Done => Delivery::Delivered,
        Attempt::Fail(r) => Delivery::Failed(r),
        Attempt::Uncertain(r) => Delivery::Uncertain(r),
        // Attempts used up, or the server asked for a longer wait than the policy allows: the
        // alert stays pending and is posted on the next run.
        Attempt::Retry { reason, .. } => {
            Delivery::Failed(format!("{reason} (after {attempts} attempts)"))
        }
    }
}

/// Runs `attempt` under `policy` (see [`with_retry`]) and says what came of it. Returns the
/// outcome and the number of attempts made.
pub(crate) async fn post_with_retry<F, Fut>(policy: &RetryPolicy, attempt: F) -> (Delivery, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt>,
{
    let (last, n) = with_retry(policy, attempt).await;
    (delivery(last, n), n)
}

/// The body a hook receives for one alert.
pub(crate) fn payload(
    kind: WebhookKind,
    alert: &Alert,
    cp: Option<&Counterparty>,
    language: Language,
    tz: Tz,
    delivery_id: &str,
) -> serde_json::Value {
    let l = language;
    let name = cp.map(|c| c.name.as_str()).unwrap_or(match l {
        Language::De => "(Geschäftspartner gelöscht)",
        Language::En => "(counterparty deleted)",
    });
    let vat = cp.and_then(|c| c.vat.as_deref()).unwrap_or("-");
    let sev = severity_label(alert.severity, l);
    let what = kind_label(alert.kind, l);
    let msg = alert.message.get(l.as_str());
    let when = format_time(alert.created_at, tz, l);
    let (vat_label, id_label, when_label) = match l {
        Language::De => ("USt-IdNr.", "Kennung", "Festgestellt"),
        Language::En => ("VAT number", "Id", "Detected"),
    };
    let id = alert.counterparty_id;
    match kind {
        WebhookKind::Slack => json!({
            "text": format!("[{}] {name} · {what}", sev.to_uppercase()),
            "attachments": [{
                "color": super::digest::colour(alert.severity),
                "text": format!(
                    "{msg}\n{vat_label}: {vat} · {id_label}: {id} · {when_label}: {when}\n`kontra show {id}`"
                ),
            }],
        }),
        WebhookKind::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": format!("[{}] {name}", sev.to_uppercase()),
                            "weight": "Bolder",
                            "size": "Medium",
                            "color": match alert.severity {
                                Severity::Critical => "Attention",
                                Severity::High | Severity::Medium => "Warning",
                                Severity::Low => "Good",
                            },
                            "wrap": true,
                        },
                        { "type": "TextBlock", "text": format!("{what}: {msg}"), "wrap": true },
                        { "type": "FactSet", "facts": [
                            { "title": vat_label, "value": vat },
                            { "title": id_label, "value": format!("{id} (kontra show {id})") },
                            { "title": when_label, "value": when },
                        ]},
                    ],
                },
            }],
        }),
        WebhookKind::Json => json!({
            "event": "alert",
            "delivery_id": delivery_id,
            "alert": {
                "id": alert.id,
                "kind": alert.kind,
                "severity": alert.severity,
                "counterparty_id": alert.counterparty_id,
                "check_run_id": alert.check_run_id,
                "message": { "de": alert.message.de, "en": alert.message.en },
                "created_at": alert.created_at,
            },
            "counterparty": cp.map(|c| json!({
                "id": c.id,
                "name": c.name,
                "country": c.country,
                "vat": c.vat,
                "owner": c.owner,
            })),
        }),
    }
}

/// One POST, classified.
pub(crate) async fn post_once(
    client: &reqwest::Client,
    hook: &Hook,
    body: &[u8],
    delivery_id: &str,
    timeout: Duration,
) -> Attempt {
    let mut req = client
        .post(hook.config.url.0.clone())
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(DELIVERY_HEADER, delivery_id)
        .body(body.to_vec());
    if let Some(key) = &hook.secret {
        req = req.header(SIGNATURE_HEADER, signature(key, body));
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => Attempt::Done,
        Ok(r) if r.status().is_redirection() => {
            let to = r
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no location)")
                .chars()
                .take(200)
                .collect::<String>();
            Attempt::Fail(format!(
                "HTTP {}: redirect to {to} not followed (configure the hook's final URL)",
                r.status()
            ))
        }
        Ok(r) => {
            let status = r.status();
            let after = retry_after(r.headers());
            let text = r.text().await.unwrap_or_default();
            let reason = format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            );
            if status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429) {
                Attempt::Retry { reason, after }
            } else {
                Attempt::Fail(reason)
            }
        }
        Err(e) if e.is_connect() => Attempt::Retry {
            reason: format!("cannot connect: {e}"),
            after: None,
        },
        Err(e) if e.is_builder() => Attempt::Fail(format!("request: {e}")),
        Err(e) => Attempt::Uncertain(format!("no answer after sending: {e}")),
    }
}

/// Records that a hook delivered alerts (idempotent).
pub(crate) fn record_delivered(
    store: &Store,
    hook: &str,
    alert_ids: &[u64],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.record_webhook_delivered(hook, alert_ids, at)
}

/// Whether a hook delivered an alert.
pub fn was_delivered(store: &Store, hook: &str, alert: u64) -> Result<bool, StoreError> {
    store.webhook_delivered(hook, alert)
}

/// When the hook was first used, recording `now` minus a day on first sight.
fn since(store: &Store, hook: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, StoreError> {
    if let Some(t) = store.webhook_since(hook)? {
        return Ok(t);
    }
    let t = now - chrono::Duration::days(1);
    store.set_webhook_since(hook, t)?;
    Ok(t)
}

/// Everything a webhook run needs besides the store.
pub(crate) struct WebhookRun<'a> {
    /// The hooks.
    pub(crate) hooks: &'a [Hook],
    /// The HTTP client.
    pub(crate) client: &'a reqwest::Client,
    /// Retry behaviour.
    pub(crate) policy: &'a RetryPolicy,
    /// Timeout of one POST.
    pub(crate) timeout: Duration,
    /// Language of Slack and Teams texts.
    pub(crate) language: Language,
    /// Time zone of the times shown.
    pub(crate) tz: Tz,
}

/// Posts every alert a hook has not delivered yet; returns one report per POST.
pub(crate) async fn deliver_pending(
    store: &Store,
    run: &WebhookRun<'_>,
    alerts: &[Alert],
    counterparties: &HashMap<u64, Counterparty>,
    now: DateTime<Utc>,
) -> Result<Vec<WebhookReport>, NotifyError> {
    let outbox = Outbox::open(store)?;
    let mut reports = Vec::new();
    for hook in run.hooks {
        let since = since(store, &hook.key, now)?;
        for alert in alerts {
            if alert.severity < hook.config.min_severity
                || alert.acknowledged_at.is_some()
                || alert.created_at < since
                || was_delivered(store, &hook.key, alert.id)?
            {
                continue;
            }
            let delivery_id = format!("alert-{}-{}", alert.id, hook.key);
            let cp = counterparties.get(&alert.counterparty_id);
            let body = payload(
                hook.config.kind,
                alert,
                cp,
                run.language,
                run.tz,
                &delivery_id,
            )
            .to_string()
            .into_bytes();
            outbox.put(&OutboxEntry {
                id: delivery_id.clone(),
                channel: Channel::Webhook {
                    hook: hook.key.clone(),
                },
                alert_ids: vec![alert.id],
                handed_over_at: now,
            })?;
            let (outcome, attempts) = post_with_retry(run.policy, |_| {
                post_once(run.client, hook, &body, &delivery_id, run.timeout)
            })
            .await;
            match &outcome {
                Delivery::Delivered => {
                    record_delivered(store, &hook.key, &[alert.id], now)?;
                    store.clear_delivery_unknown(&[alert.id], &hook.key)?;
                    outbox.remove(&delivery_id)?;
                }
                Delivery::Failed(reason) => {
                    tracing::warn!(
                        url = %redact(&hook.config.url.0),
                        alert = alert.id,
                        "webhook not delivered, will retry on the next run: {reason}"
                    );
                    outbox.remove(&delivery_id)?;
                }
                // Not booked as delivered: the POST is repeated on the next run with the same
                // delivery id, which receivers use to drop a repeat. A lost alert is the worse
                // failure; the alert shows "delivery unknown" meanwhile.
                Delivery::Uncertain(reason) => {
                    tracing::warn!(
                        url = %redact(&hook.config.url.0),
                        alert = alert.id,
                        "webhook gave no answer, delivery unknown; posting again on the next run: {reason}"
                    );
                    store.record_delivery_unknown(
                        &[alert.id],
                        &DeliveryUnknown {
                            channel: hook.key.clone(),
                            to: redact(&hook.config.url.0),
                            reference: delivery_id.clone(),
                            at: now,
                            reason: reason.clone(),
                        },
                    )?;
                    outbox.remove(&delivery_id)?;
                }
            }
            reports.push(WebhookReport {
                url: redact(&hook.config.url.0),
                alert_id: alert.id,
                attempts,
                outcome,
            });
        }
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(reason: &str, after: Option<u64>) -> Attempt {
        Attempt::Retry {
            reason: reason.into(),
            after: after.map(Duration::from_secs),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn outcomes_follow_the_shared_retry_policy() {
        let p = DEFAULT_RETRY;
        let start = tokio::time::Instant::now();
        let (outcome, n) = post_with_retry(&p, |_| async { retry("HTTP 503", None) }).await;
        assert_eq!(n, 4);
        assert!(matches!(outcome, Delivery::Failed(r) if r.contains("after 4 attempts")));
        // At least the 2 + 4 + 8 seconds of the doubling backoff, at most twice that.
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(14) && waited <= Duration::from_secs(28));

        // A Retry-After within the longest wait is honoured.
        let (outcome, n) = post_with_retry(&p, |n| async move {
            if n < 3 {
                retry("HTTP 429", Some(5))
            } else {
                Attempt::Done
            }
        })
        .await;
        assert_eq!((outcome, n), (Delivery::Delivered, 3));

        // One beyond it ends this run's attempts: the alert stays pending for the next run.
        let before = tokio::time::Instant::now();
        let (outcome, n) = post_with_retry(&p, |_| async { retry("HTTP 429", Some(3600)) }).await;
        assert_eq!(n, 1);
        assert!(matches!(outcome, Delivery::Failed(r) if r.starts_with("HTTP 429")));
        assert_eq!(before.elapsed(), Duration::ZERO);

        let (outcome, n) =
            post_with_retry(&p, |_| async { Attempt::Fail("HTTP 400".into()) }).await;
        assert_eq!((outcome, n), (Delivery::Failed("HTTP 400".into()), 1));
        let (outcome, n) =
            post_with_retry(&p, |_| async { Attempt::Uncertain("no answer".into()) }).await;
        assert_eq!((outcome, n), (Delivery::Uncertain("no answer".into()), 1));
    }

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn redaction_hides_the_token_path() {
        let u = url::Url::parse("https://hooks.slack.com/services/T000/B000/XXXX").unwrap();
        assert_eq!(redact(&u), "https://hooks.slack.com/…");
        assert_eq!(hook_key(&u).len(), 16);
    }
}
