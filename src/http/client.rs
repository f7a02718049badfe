//! Building reqwest clients with the project's common settings (rustls, gzip, User-Agent, no
//! `Referer`); timeouts and the redirect rule are the caller's, because they differ: list
//! downloads follow redirects to storage hosts, webhooks and registry sources follow none.

use std::time::Duration;

/// Which redirects the client follows by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// None: a 3xx is returned to the caller, who refuses it or follows it by hand.
    Refuse,
    /// Up to `max` hops to any host, but never from https to http.
    FollowSecure {
        /// Hops followed at most.
        max: usize,
    },
}

/// The settings that differ between callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Limit for establishing a connection, when there is one.
    pub connect_timeout: Option<Duration>,
    /// Limit for a whole request, when the client sets one (callers may set it per request).
    pub timeout: Option<Duration>,
    /// Which redirects are followed.
    pub redirects: Redirects,
}

/// A client with `settings`; never sends a `Referer` (download tokens and webhook paths in a URL
/// must not travel to another host).
pub fn build(settings: &ClientSettings) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .gzip(true)
        .referer(false)
        .redirect(redirect_policy(settings.redirects));
    if let Some(t) = settings.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = settings.timeout {
        builder = builder.timeout(t);
    }
    builder.build()
}

fn redirect_policy(redirects: Redirects) -> reqwest::redirect::Policy {
    match redirects {
        Redirects::Refuse => reqwest::redirect::Policy::none(),
        Redirects::FollowSecure { max } => reqwest::redirect::Policy::custom(move |attempt| {
            let downgrade = attempt
                .previous()
                .last()
                .is_some_and(|prev| prev.scheme() == "https" && attempt.url().scheme() != "https");
            if downgrade {
                let to = attempt.url().to_string();
                attempt.error(format!("redirect from https to {to} refused"))
            } else if attempt.previous().len() > max {
                attempt.error(format!("more than {max} redirects"))
            } else {
                attempt.follow()
            }
        }),
    }
}
