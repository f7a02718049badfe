//! The HTTP client every source shares (built by [`crate::http::client`]): requests with their
//! timeouts, bounded bodies, manual redirects with a per-session cookie jar for the scraped
//! portals.

use super::config::SourcesConfig;
use crate::http::client::{ClientSettings, Redirects};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Bodies larger than this are refused: no registry answer we read is anywhere near it.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Redirects followed at most by [`Http::send_following`].
const MAX_REDIRECTS: usize = 8;

/// Why no response was received.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The whole request took longer than its timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    /// Connecting failed (refused, reset, DNS, TLS).
    #[error("connection failed: {0}")]
    Connection(String),
    /// The response started but its body was cut off or could not be decoded.
    #[error("response body cut off: {0}")]
    Body(String),
    /// The body exceeded [`MAX_BODY_BYTES`].
    #[error("response body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// The request could not be built (a bad URL in configuration).
    #[error("request not sent: {0}")]
    Build(String),
    /// A redirect to another host, or from https to http, was refused.
    #[error("redirect refused: {0}")]
    Redirect(String),
    /// The caller's allowance did not permit another request (a redirect hop included).
    #[error("request not sent: {0}")]
    Allowance(String),
}

/// HTTP methods the sources use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// A request that can be sent again (for retries and redirects).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Method.
    pub(crate) method: Method,
    /// Absolute URL.
    pub(crate) url: String,
    /// Extra headers.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Body and its content type.
    pub(crate) body: Option<(&'static str, Vec<u8>)>,
    /// Whole-request timeout.
    pub(crate) timeout: Duration,
}

impl Request {
    /// A GET with an `Accept` header.
    pub(crate) fn get(url: String, accept: &str, timeout: Duration) -> Request {
        Request {
            method: Method::Get,
            url,
            headers: vec![("accept", accept.to_string())],
            body: None,
            timeout,
        }
    }

    /// A POST of a JSON document.
    pub(crate) fn post_json(url: String, body: Vec<u8>, timeout: Duration) -> Request {
        Request {
            method: Method::Post,
            url,
            headers: vec![("accept", "application/json".to_string())],
            body: Some(("application/json", body)),
            timeout,
        }
    }

    /// A POST of an HTML form.
    pub(crate) fn post_form(
        url: String,
        fields: &[(String, String)],
        timeout: Duration,
    ) -> Request {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish()
            .into_bytes();
        Request {
            method: Method::Post,
            url,
            headers: vec![("accept", "text/html,application/xhtml+xml".to_string())],
            body: Some(("application/x-www-form-urlencoded", body)),
            timeout,
        }
    }
}

impl Request {
    /// Adds `Origin` (scheme, host and port of `page_url`) and `Referer` (`page_url`), as a
    /// browser does for a form sent from that page: the JSF portals answer a form POST without
    /// them with HTTP 500 (reported by a scraper verified against the live insolvency portal).
    pub fn sent_from(mut self, page_url: &str) -> Request {
        if let Ok(mut u) = url::Url::parse(page_url) {
            self.headers
                .push(("origin", u.origin().ascii_serialization()));
            u.set_fragment(None);
            self.headers.push(("referer", u.to_string()));
        }
        self
    }
}

/// Whether following a redirect from `from` to `to` keeps the request on the same host and does
/// not drop from https to http: session cookies, signed payloads and tokens must not travel on.
pub(crate) fn same_site_redirect(from: &url::Url, to: &url::Url) -> bool {
    let downgrade = from.scheme() == "https" && to.scheme() != "https";
    !downgrade
        && from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default()
}

/// A complete response.
#[derive(Debug, Clone, Default)]
pub(crate) struct Response {
    /// The URL that answered (after redirects).
    pub(crate) url: String,
    /// HTTP status.
    pub(crate) status: u16,
    /// `Content-Type`, when given.
    pub(crate) content_type: Option<String>,
    /// `Retry-After` as a wait from when the response came (given as seconds or as a date).
    pub(crate) retry_after: Option<Duration>,
    /// `Location`, when given.
    pub(crate) location: Option<String>,
    /// Every `Set-Cookie` value.
    pub(crate) set_cookies: Vec<String>,
    /// The body, complete.
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The body as text, decoded by the declared charset (UTF-8 when none), never failing.
    pub(crate) fn text(&self) -> String {
        decode_text(&self.body, self.content_type.as_deref())
    }
}

/// Decodes a body by the charset of its content type; undecodable bytes become U+FFFD.
pub(crate) fn decode_text(body: &[u8], content_type: Option<&str>) -> String {
    let label = content_type.and_then(|ct| {
        ct.split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("charset=").or(p.strip_prefix("CHARSET=")))
            .map(|c| c.trim_matches('"').to_string())
    });
    let enc = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = enc.decode(body);
    text.into_owned()
}

/// Session cookies of one scraped-portal visit (never shared between visits or sources).
#[derive(Debug, Clone, Default)]
pub(crate) struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl CookieJar {
    /// Takes the `name=value` part of each `Set-Cookie`.
    pub(crate) fn update(&mut self, set_cookies: &[String]) {
        for sc in set_cookies {
            let Some(pair) = sc.split(';').next() else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim().to_string();
            self.cookies.retain(|(n, _)| *n != name);
            self.cookies.push((name, value.trim().to_string()));
        }
    }

    /// The `Cookie` header value, when there are cookies.
    pub(crate) fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// The shared client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
}

impl Http {
    /// Builds the client from `[sources]` settings.
    pub(crate) fn new(cfg: &SourcesConfig) -> Result<Http, TransportError> {
        let client = crate::http::client::build(&ClientSettings {
            user_agent: cfg.user_agent.0.clone(),
            connect_timeout: Some(cfg.connect_timeout_secs.duration()),
            // Each request carries its own timeout.
            timeout: None,
            // Redirects are followed by hand so that the scrapers keep their session cookies and
            // the APIs report an unexpected move instead of silently following it.
            redirects: Redirects::Refuse,
        })
        .map_err(|e| TransportError::Build(e.to_string()))?;
        Ok(Http { client })
    }

    /// Sends one request; does not follow redirects.
    pub(crate) async fn send(
        &self,
        req: &Request,
        jar: Option<&CookieJar>,
    ) -> Result<Response, TransportError> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let url = reqwest::Url::parse(&req.url)
            .map_err(|e| TransportError::Build(format!("{}: {e}", req.url)))?;
        let mut builder = self.client.request(method, url).timeout(req.timeout);
        for (k, v) in &req.headers {
            builder = builder.header(*k, v);
        }
        if let Some(cookie) = jar.and_then(CookieJar::header) {
            builder = builder.header("cookie", cookie);
        }
        if let Some((ct, body)) = &req.body {
            builder = builder.header("content-type", *ct).body(body.clone());
        }
        let mut resp = builder.send().await.map_err(classify)?;
        let headers = resp.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let mut out = Response {
            url: resp.url().to_string(),
            status: resp.status().as_u16(),
            content_type: header("content-type"),
            retry_after: crate::http::retry::retry_after(headers),
            location: header("location"),
            set_cookies: headers
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_string)
                .collect(),
            body: Vec::new(),
        };
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if out.body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(TransportError::TooLarge);
            }
            out.body.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Sends a request and follows redirects (303 turns into GET), keeping cookies in `jar`.
    pub(crate) async fn send_following(
        &self,
        req: &Request,
        jar: &mut CookieJar,
    ) -> Result<Response, TransportError> {
        self.send_following_counted(req, jar, &mut || true).await
    }

    /// Like [`Http::send_following`], asking `permit` before every request it sends (each
    /// redirect hop is a request too); stops with [`TransportError::Allowance`] when refused.
    pub(crate) async fn send_following_counted(
        &self,
        req: &Request,
        jar: &mut CookieJar,
        permit: &mut (dyn FnMut() -> bool + Send),
    ) -> Result<Response, TransportError> {
        let mut current = req.clone();
        for _ in 0..=MAX_REDIRECTS {
            if !permit() {
                return Err(TransportError::Allowance(format!(
                    "the allowance permits no further request to {}",
                    current.url
                )));
            }
            let resp = self.send(&current, Some(jar)).await?;
            jar.update(&resp.set_cookies);
            let is_redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
            let Some(location) = resp.location.as_deref().filter(|_| is_redirect) else {
                return Ok(resp);
            };
            let base = reqwest::Url::parse(&current.url)
                .map_err(|e| TransportError::Build(format!("{}: {e}", current.url)))?;
            let next = base
                .join(location)
                .map_err(|e| TransportError::Build(format!("redirect to {location}: {e}")))?;
            if !same_site_redirect(&base, &next) {
                // The session cookie and the form would go to someone else.
                return Err(TransportError::Redirect(format!(
                    "{} redirected to {next}, another host or from https to http; not followed",
                    current.url
                )));
            }
            current.url = next.to_string();
            if resp.status != 307 && resp.status != 308 {
                current.method = Method::Get;
                current.body = None;
            }
        }
        Err(TransportError::Connection(format!(
            "more than {MAX_REDIRECTS} redirects from {}",
            req.url
        )))
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    // reqwest's Display omits the cause ("error sending request"); the source chain says what
    // actually happened (refused, reset, incomplete body).
    let mut detail = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        detail.push_str(": ");
        detail.push_str(&c.to_string());
        cause = c.source();
    }
    if e.is_timeout() {
        TransportError::Timeout(detail)
    } else if e.is_body() || e.is_decode() {
        TransportError::Body(detail)
    } else if e.is_builder() {
        TransportError::Build(detail)
    } else {
        TransportError::Connection(detail)
    }
}

/// SHA-256 of a body, hex.
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The body as evidence text, cut at `max` bytes on a character boundary.
pub(crate) fn evidence_text(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_declared_charsets_and_survives_garbage() {
        assert_eq!(
            decode_text(b"K\xf6ln", Some("text/html; charset=ISO-8859-1")),
            "Köln"
        );
        assert_eq!(decode_text(b"K\xf6ln", None), "K\u{fffd}ln");
        assert_eq!(
            decode_text("Köln".as_bytes(), Some("text/html;charset=\"utf-8\"")),
            "Köln"
        );
    }

    #[test]
    fn evidence_is_cut_on_char_boundary() {
        let s = "ÄÄÄ".as_bytes();
        assert_eq!(evidence_text(s, 3), "Ä");
        assert_eq!(evidence_text(s, 100), "ÄÄÄ");
        assert_eq!(evidence_text(b"\xff\xfe", 100), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn cookie_jar_keeps_latest_value_per_name() {
        let mut jar = CookieJar::default();
        assert_eq!(jar.header(), None);
        jar.update(&[
            "JSESSIONID=abc; Path=/; HttpOnly".to_string(),
            "x=1".to_string(),
        ]);
        jar.update(&["JSESSIONID=def; Path=/".to_string(), "garbage".to_string()]);
        assert_eq!(jar.header().as_deref(), Some("x=1; JSESSIONID=def"));
    }
}
