//! Downloading list publications and turning them into snapshots; every failure (HTTP status,
//! HTML instead of the list, timeout, truncation, suspicious shrink) keeps the last good snapshot
//! and marks the list stale.

use super::RawList;
use super::config::SanctionsConfig;
use super::model::ListSource;
use super::snapshot::{self, Delta, RefreshError, SnapshotMeta};
use crate::store::Store;
use chrono::Utc;
use std::path::Path;
use std::time::Duration;

/// The User-Agent sent to list hosts (some block anonymous clients).
pub const USER_AGENT: &str = concat!(
    "Kontra/",
    env!("CARGO_PKG_VERSION"),
    " (sanctions list refresh; counterparty due diligence)"
);

/// An HTTP client for list downloads with the given total timeout.
pub fn client(timeout: Duration) -> Result<reqwest::Client, RefreshError> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .map_err(|e| RefreshError::Download {
            list: ListSource::Eu,
            message: format!("cannot build HTTP client: {e}"),
        })
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect: {e}")
    } else if e.is_body() || e.is_decode() {
        format!("body cut off or unreadable (truncated?): {e}")
    } else {
        e.to_string()
    }
}

/// Downloads one publication. The file name is the last segment of the URL path.
pub async fn download(
    client: &reqwest::Client,
    source: ListSource,
    url: &str,
) -> Result<RawList, RefreshError> {
    let fail = |message: String| RefreshError::Download {
        list: source,
        message,
    };
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| fail(describe(&e)))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {status} from {url}")));
    }
    let name = resp
        .url()
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_string))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "list".to_string());
    let body = resp.bytes().await.map_err(|e| fail(describe(&e)))?;
    Ok(RawList::single(&name, body.to_vec()))
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
    let result = match download(client, source, &url).await {
        Ok(raw) => snapshot::accept(
            store,
            data_dir,
            source,
            &raw,
            &url,
            config.min_keep_ratio.0,
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
