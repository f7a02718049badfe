//! Who is asking: the OS account on the other end of the socket (or running this process),
//! mapped to an analyst of `[[analysts]]` and their role. Never `$USER` or the config's `user`:
//! those are whatever the caller says they are.

use crate::domain::analyst::{Analyst, Role};
use crate::exit::{self, Failure};
use serde::{Deserialize, Serialize};

use super::config::{ServerConfig, Unlisted};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The OS user id the kernel reported.
    pub uid: u32,
    /// Its account name.
    pub unix_user: String,
    /// The analyst name recorded in the audit trail and compared with counterparty owners.
    pub analyst: String,
    /// What they may do.
    pub role: Role,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.analyst == self.unix_user {
            write!(f, "{} (role {})", self.analyst, self.role)
        } else {
            write!(
                f,
                "{} (OS user {}, role {})",
                self.analyst, self.unix_user, self.role
            )
        }
    }
}

/// The account name of `uid` from the system's user database, or the number when it has none
/// (a container user without a passwd entry).
pub fn account_name(uid: u32) -> String {
    lookup_account(uid).unwrap_or_else(|| uid.to_string())
}

fn lookup_account(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, both owned here and large enough as
    // stated by the length passed; `result` points at `pwd` or is null. The name is copied out
    // before the buffer is dropped.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            uid,
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(pwd.pw_name);
        Some(name.to_string_lossy().into_owned())
    }
}

/// This process's own user id.
pub fn own_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Finds who `uid` is. `owner` is the OS user that owns the data directory: the operator of
/// the instance, who is a lead unless `[[analysts]]` says otherwise. `fallback_name` is the
/// analyst name a single-user installation has always used (`user` in the config, else the
/// account name) and applies only to the owner when no analyst is tied to an OS account.
pub fn resolve(
    uid: u32,
    unix_user: &str,
    owner: u32,
    analysts: &[Analyst],
    server: &ServerConfig,
    fallback_name: &str,
) -> Result<Identity, Failure> {
    if let Some(a) = analysts
        .iter()
        .find(|a| a.unix_user.as_deref() == Some(unix_user))
    {
        return Ok(Identity {
            uid,
            unix_user: unix_user.to_string(),
            analyst: a.name.clone(),
            role: a.role,
        });
    }
    if uid == owner {
        let team = analysts.iter().any(|a| a.unix_user.is_some());
        return Ok(Identity {
            uid,
            unix_user: unix_user.to_string(),
            analyst: if team {
                unix_user.to_string()
            } else {
                fallback_name.to_string()
            },
            role: Role::Lead,
        });
    }
    match server.allow_unlisted {
        Unlisted::Viewer => Ok(Identity {
            uid,
            unix_user: unix_user.to_string(),
            analyst: unix_user.to_string(),
            role: Role::Viewer,
        }),
        Unlisted::Refuse => Err(Failure::new(
            exit::REFUSED,
            format!(
                "the OS user {unix_user} is not an analyst of this Kontra: a lead adds `unix_user = \"{unix_user}\"` to an [[analysts]] entry of the server's config (or sets [server] allow_unlisted = \"viewer\")"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analyst::Email;

    fn analyst(name: &str, unix: &str, role: Role) -> Analyst {
        Analyst {
            name: name.into(),
            email: Email(format!("{name}@example.de")),
            unix_user: Some(unix.into()),
            role,
        }
    }

    #[test]
    fn a_listed_account_is_its_analyst_with_the_configured_role() {
        let team = [analyst("Anna", "anna", Role::Viewer)];
        let who = resolve(1001, "anna", 1000, &team, &ServerConfig::default(), "x").unwrap();
        assert_eq!(who.analyst, "Anna");
        assert_eq!(who.role, Role::Viewer);
    }

    #[test]
    fn the_owner_is_a_lead_and_keeps_the_single_user_name_without_a_team() {
        let who = resolve(1000, "op", 1000, &[], &ServerConfig::default(), "Olga").unwrap();
        assert_eq!((who.analyst.as_str(), who.role), ("Olga", Role::Lead));
        let team = [analyst("Anna", "anna", Role::Analyst)];
        let who = resolve(1000, "op", 1000, &team, &ServerConfig::default(), "Olga").unwrap();
        assert_eq!((who.analyst.as_str(), who.role), ("op", Role::Lead));
    }

    #[test]
    fn an_unlisted_account_is_refused_or_a_viewer_as_configured() {
        let team = [analyst("Anna", "anna", Role::Analyst)];
        let e = resolve(1002, "mallory", 1000, &team, &ServerConfig::default(), "x").unwrap_err();
        assert_eq!(e.code, exit::REFUSED);
        assert!(e.message.contains("mallory"), "{}", e.message);
        let open = ServerConfig {
            allow_unlisted: Unlisted::Viewer,
            ..ServerConfig::default()
        };
        let who = resolve(1002, "mallory", 1000, &team, &open, "x").unwrap();
        assert_eq!(who.role, Role::Viewer);
    }

    #[test]
    fn the_account_of_this_process_has_a_name() {
        assert!(!account_name(own_uid()).is_empty());
    }
}
