//! After a sanctions list refresh: the new screening answer of a counterparty from its previous
//! answer and the hits against only what changed in the lists, instead of a full re-screen. Pure.

use crate::domain::check::{SanctionsAnswer, SanctionsHit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What changed in one list between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListDelta {
    /// The list (`eu`, `ofac`, `uk`, `un`).
    pub(crate) list: String,
    /// The new snapshot's hash.
    pub(crate) snapshot: String,
    /// Entity ids added or changed (their hits are recomputed).
    pub(crate) touched: BTreeSet<String>,
    /// Entity ids removed from the list.
    pub(crate) removed: BTreeSet<String>,
}

/// Merges a previous answer with the hits found among the touched entities.
///
/// Earlier hits on entities the delta touched or removed are dropped (a touched entity that
/// still matches is in `delta_hits`); every other hit stays; the lists' snapshots move on.
pub(crate) fn merge(
    previous: &SanctionsAnswer,
    deltas: &[ListDelta],
    delta_hits: Vec<SanctionsHit>,
) -> SanctionsAnswer {
    let affected = |h: &SanctionsHit| {
        deltas.iter().any(|d| {
            d.list == h.list
                && (d.touched.contains(&h.entity_id) || d.removed.contains(&h.entity_id))
        })
    };
    let mut hits: Vec<SanctionsHit> = previous
        .hits
        .iter()
        .filter(|h| !affected(h))
        .cloned()
        .collect();
    for h in delta_hits {
        if !hits
            .iter()
            .any(|x| x.list == h.list && x.entity_id == h.entity_id)
        {
            hits.push(h);
        }
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut lists = previous.lists.clone();
    for d in deltas {
        match lists.iter_mut().find(|(l, _)| *l == d.list) {
            Some(entry) => entry.1 = d.snapshot.clone(),
            None => lists.push((d.list.clone(), d.snapshot.clone())),
        }
    }
    SanctionsAnswer { hits, lists }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(list: &str, id: &str, score: f64) -> SanctionsHit {
        SanctionsHit {
            list: list.into(),
            entity_id: id.into(),
            name: id.into(),
            score,
            ..Default::default()
        }
    }

    #[test]
    fn untouched_hits_stay_touched_ones_are_recomputed_removed_ones_go() {
        let prev = SanctionsAnswer {
            hits: vec![
                hit("ofac", "1", 0.9),
                hit("ofac", "2", 0.8),
                hit("eu", "A", 0.95),
            ],
            lists: vec![("ofac".into(), "s1".into()), ("eu".into(), "e1".into())],
        };
        let delta = ListDelta {
            list: "ofac".into(),
            snapshot: "s2".into(),
            touched: ["2".to_string(), "3".to_string()].into(),
            removed: ["1".to_string()].into(),
        };
        let merged = merge(&prev, &[delta], vec![hit("ofac", "3", 0.97)]);
        let ids: Vec<_> = merged
            .hits
            .iter()
            .map(|h| format!("{}/{}", h.list, h.entity_id))
            .collect();
        assert_eq!(ids, vec!["ofac/3", "eu/A"]);
        assert_eq!(
            merged.lists,
            vec![
                ("ofac".to_string(), "s2".to_string()),
                ("eu".into(), "e1".into())
            ]
        );
    }
}
