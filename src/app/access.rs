//! What each role may do: one pure rule per kind of action, so the in-process API and the
//! server refuse alike and the refusal says who asked, with what role, and what it needs.

use super::identity::Identity;
use crate::domain::analyst::Role;
use crate::exit::{self, Failure};

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need<'a> {
    /// Reading anything.
    Read,
    /// Adding, changing, checking or switching the monitoring of a counterparty with this
    /// owner (`None`: no owner).
    Counterparty(Option<&'a str>),
    /// Acknowledging an alert of a counterparty with this owner.
    Alert(Option<&'a str>),
    /// Something only a lead does: deleting, screening decisions, list updates, lifting a
    /// registry pause, sending the digests of everyone.
    Lead,
}

/// Whether `owner` is the analyst `who` (names compare without case, as owners are typed).
fn owns(who: &Identity, owner: Option<&str>) -> bool {
    match owner {
        None => true,
        Some(o) => o.trim().to_lowercase() == who.analyst.trim().to_lowercase(),
    }
}

/// Allows or refuses `action` (a short phrase such as "delete counterparty 17") to `who`.
pub fn permit(who: &Identity, action: &str, need: Need<'_>) -> Result<(), Failure> {
    let allowed = match (who.role, need) {
        (_, Need::Read) => true,
        (Role::Lead, _) => true,
        (Role::Viewer, _) => false,
        (Role::Analyst, Need::Counterparty(owner) | Need::Alert(owner)) => owns(who, owner),
        (Role::Analyst, Need::Lead) => false,
    };
    if allowed {
        return Ok(());
    }
    let needs = match need {
        Need::Read => "reading".to_string(),
        Need::Lead => "the role lead".to_string(),
        Need::Counterparty(Some(o)) | Need::Alert(Some(o)) => {
            format!("the role lead, or the role analyst as its owner ({o})")
        }
        Need::Counterparty(None) | Need::Alert(None) => "the role analyst or lead".to_string(),
    };
    Err(Failure::new(
        exit::REFUSED,
        format!("refused: you are {who}; to {action} needs {needs}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(name: &str, role: Role) -> Identity {
        Identity {
            uid: 1001,
            unix_user: name.to_lowercase(),
            analyst: name.into(),
            role,
        }
    }

    #[test]
    fn a_viewer_reads_and_nothing_else() {
        let v = who("Vera", Role::Viewer);
        assert!(permit(&v, "list", Need::Read).is_ok());
        let e = permit(&v, "edit counterparty 3", Need::Counterparty(None)).unwrap_err();
        assert_eq!(e.code, exit::REFUSED);
        assert!(e.message.contains("Vera") && e.message.contains("viewer"));
        assert!(permit(&v, "acknowledge alert 1", Need::Alert(Some("Vera"))).is_err());
    }

    #[test]
    fn an_analyst_changes_their_own_and_unowned_counterparties_only() {
        let a = who("Anna", Role::Analyst);
        assert!(permit(&a, "edit", Need::Counterparty(Some("anna"))).is_ok());
        assert!(permit(&a, "edit", Need::Counterparty(None)).is_ok());
        assert!(permit(&a, "ack", Need::Alert(Some("ANNA "))).is_ok());
        let e = permit(&a, "edit counterparty 9", Need::Counterparty(Some("bernd"))).unwrap_err();
        assert!(e.message.contains("owner (bernd)"), "{}", e.message);
        let e = permit(&a, "delete counterparty 9", Need::Lead).unwrap_err();
        assert!(e.message.contains("needs the role lead"), "{}", e.message);
    }

    #[test]
    fn a_lead_does_everything() {
        let l = who("Lena", Role::Lead);
        for need in [
            Need::Read,
            Need::Lead,
            Need::Counterparty(Some("bernd")),
            Need::Alert(Some("bernd")),
        ] {
            assert!(permit(&l, "x", need).is_ok());
        }
    }
}
