//! Downloading list publications and turning them into snapshots; every failure (HTTP status,
//! HTML instead of the list, timeout, truncation, a body over the list's ceiling, suspicious
//! shrink) keeps the last good snapshot and marks the list stale.
//!
//! Bodies are streamed and counted after decompression, so neither a huge body nor a gzip bomb
//! can take more memory than the list's ceiling: the UI and the daemon refresh in-process.

use super::RawList;
use super::config::SanctionsConfig;
use super::model::ListSource;
use super::snapshot::{self, Delta, RefreshError, SnapshotMeta};
use crate::http::{
    self,
    client::{ClientSettings, Redirects},
};
use crate::store::Store;
use chrono::Utc;
use std::path::Path;
use std::time::Duration;

/// An HTTP client for list downloads with the given total timeout and User-Agent.
///
/// Redirects are followed (the UN and OFAC hosts hand out storage URLs on other hosts) but never
/// from https to http, and no `Referer` is sent, so the EU download token stays with its host.
pub fn client(timeout: Duration, user_agent: &str) -> Result<reqwest::Client, RefreshError> {
    http::client::build(&ClientSettings {
        user_agent: user_agent.to_string(),
        connect_timeout: Some(timeout.min(Duration::from_secs(30))),
        timeout: Some(timeout),
        redirects: Redirects::FollowSecure { max: 10 },
    })
    .map_err(|e| RefreshError::Download {
        list: ListSource::Eu,
        status: None,
        message: format!("cannot build HTTP client: {e}"),
    })
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect: {e}")
    } else if e.is_redirect() {
        let mut detail = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            detail.push_str(": ");
            detail.push_str(&c.to_string());
            cause = c.source();
        }
        detail
    } else if e.is_body() || e.is_decode() {
        format!("body cut off or unreadable (truncated?): {e}")
    } else {
        e.to_string()
    }
}

/// What a refused status means for the operator; a 403 is a host refusing us, which only a
/// change on our side (usually the User-Agent) can fix.
fn status_message(status: reqwest::StatusCode, url: &str, user_agent: &str) -> String {
    if status == reqwest::StatusCode::FORBIDDEN {
        format!(
            "HTTP {status} from {url}: blocked by the host. Its firewall refuses this client; \
             OFAC's (since 2026-07-30) refuses User-Agents that do not start with \"Mozilla/\" \
             and a digit or are shorter than 40 characters. Sent: \"{user_agent}\". Fix: set \
             user_agent in [sanctions] to such a value that still names Kontra (remove the key \
             to use the default), then run `kontra sanctions update`"
        )
    } else {
        format!("HTTP {status} from {url}")
    }
}

/// Downloads one publication of `source` as configured, streaming the body and refusing it as
/// soon as it grows past the list's ceiling (counted on decompressed bytes). The file name is
/// the last segment of the URL path.
pub async fn download(
    client: &reqwest::Client,
    config: &SanctionsConfig,
    source: ListSource,
) -> Result<RawList, RefreshError> {
    let url = config.list(source).url.as_str();
    let max = config.list(source).max_bytes(source);
    let fail = |message: String| RefreshError::Download {
        list: source,
        status: None,
        message,
    };
    let mut resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| fail(describe(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(RefreshError::Download {
            list: source,
            status: Some(status.as_u16()),
            message: status_message(status, url, &config.user_agent.0),
        });
    }
    let too_large = |what: String| {
        fail(format!(
            "{what}, more than the ceiling of {} MB for this list; refused unread (raise \
             max_mb in [sanctions.{source}] if the list really grew)",
            max / 1_000_000
        ))
    };
    // Announced lengths are of the bytes on the wire; with compression they say nothing about
    // the inflated size, which the loop below counts.
    if let Some(len) = resp.content_length().filter(|len| *len > max) {
        return Err(too_large(format!("the body announces {len} bytes")));
    }
    let name = resp
        .url()
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_string))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "list".to_string());
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| fail(describe(&e)))? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(too_large(format!(
                "the body grew past {} bytes",
                body.len() + chunk.len()
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawList::single(&name, body))
}

/// Refreshes one list: download, validate, accept; on failure records it (the list turns
/// stale, the snapshot stays) and returns the error.
pub async fn refresh(
    store: &Store,
    data_dir: &Path,
    config: &SanctionsConfig,
    client: &reqwest::Client,
    source: ListSource,
) -> Result<(SnapshotMeta, Delta), RefreshError> {
    let url = config.list(source).url.clone();
    let result = match download(client, config, source).await {
        Ok(raw) => snapshot::accept(
            store,
            data_dir,
            source,
            &raw,
            &url,
            snapshot::Limits::of(config),
            Utc::now(),
        ),
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        tracing::warn!("sanctions refresh of {source} failed: {e}");
        snapshot::record_failure(store, source, e, Utc::now())?;
    }
    result
}
