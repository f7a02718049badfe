//! The in-process implementation of the application API: the operations carried out on the
//! store this process holds, for one identified caller, with the role checks of
//! [`super::access`]. The server runs the same implementation for each attached client, so a
//! command does exactly the same thing wherever it runs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::{broadcast, mpsc};

use super::access::{self, Need};
use super::api::{Api, Edited};
use super::events::{Event, Hub, Subscription};
use super::identity::{self, Identity};
use super::ops;
use crate::config::Config;
use crate::domain::counterparty::FieldError;
use crate::domain::{Counterparty, CounterpartyDraft};
use crate::exit::{self, Failure};
use crate::monitor::Request as MonitorRequest;
use crate::monitor::service::MonitorHandle;
use crate::register::filter::{Filter, ListOrder};
use crate::store::{AuditAction, AuditEvent, Store};

/// What a running Kontra shares between the callers it serves: the store, the configuration,
/// the event hub and, when the monitor runs in this process, the way to ask it for checks.
pub struct Instance {
    store: Arc<Store>,
    config: Arc<Config>,
    data_dir: PathBuf,
    config_path: PathBuf,
    hub: Hub,
    monitor: Mutex<Option<mpsc::Sender<MonitorRequest>>>,
    owner: u32,
}

impl Instance {
    /// The instance over an open store.
    pub fn new(
        store: Arc<Store>,
        config: Arc<Config>,
        data_dir: &Path,
        config_path: &Path,
    ) -> Instance {
        use std::os::unix::fs::MetadataExt;
        // The directory's owner runs the instance; without the metadata, this process's user.
        let owner = std::fs::metadata(data_dir)
            .map(|m| m.uid())
            .unwrap_or_else(|_| identity::own_uid());
        Instance {
            store,
            config,
            data_dir: data_dir.to_path_buf(),
            config_path: config_path.to_path_buf(),
            hub: Hub::new(),
            monitor: Mutex::new(None),
            owner,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The configuration the instance runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The config file the instance was started with.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Where events are published.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Lets operations that need the monitor (checks now) reach the one running here, and
    /// passes the monitor's events on to every subscriber. Must run inside the tokio runtime.
    pub fn attach_monitor(&self, monitor: &MonitorHandle) {
        self.set_monitor(monitor.requester());
        let mut events = monitor.subscribe();
        let hub = self.hub.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => hub.publish(Event::Monitor(e)),
                    // Progress was lost: subscribers read the state afresh.
                    Err(broadcast::error::RecvError::Lagged(_)) => hub.publish(Event::Reload),
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }

    /// Lets operations reach a monitor by its request channel alone (one run elsewhere, tests).
    pub fn set_monitor(&self, requests: mpsc::Sender<MonitorRequest>) {
        if let Ok(mut m) = self.monitor.lock() {
            *m = Some(requests);
        }
    }

    /// The monitor's request channel, when a monitor runs in this process.
    pub fn monitor(&self) -> Option<mpsc::Sender<MonitorRequest>> {
        self.monitor.lock().ok().and_then(|m| m.clone())
    }

    /// Who the OS user `uid` is to this instance.
    pub fn identify(&self, uid: u32) -> Result<Identity, Failure> {
        identity::resolve(
            uid,
            &identity::account_name(uid),
            self.owner,
            &self.config.analysts,
            &self.config.server,
            &self.config.actor(),
        )
    }
}

/// The API for one caller of an instance.
pub struct Local {
    instance: Arc<Instance>,
    who: Identity,
    read_only: bool,
}

impl Local {
    /// The API for `who`; `read_only` (the `--read-only` flag) refuses every write.
    pub fn new(instance: Arc<Instance>, who: Identity, read_only: bool) -> Local {
        Local {
            instance,
            who,
            read_only,
        }
    }

    /// The instance served.
    pub fn instance(&self) -> &Arc<Instance> {
        &self.instance
    }

    /// The store (for the operation modules).
    pub(crate) fn store(&self) -> &Store {
        &self.instance.store
    }

    /// Refuses a write under `--read-only`, then asks the role rules; a refusal by role is
    /// recorded in the audit trail under the caller's name.
    pub(crate) fn permit(
        &self,
        action: &str,
        counterparty_id: Option<u64>,
        need: Need<'_>,
    ) -> Result<(), Failure> {
        if self.read_only && need != Need::Read {
            return Err(Failure::new(
                exit::USAGE,
                format!(
                    "--read-only was given, and to {action} would change data; run it without --read-only"
                ),
            ));
        }
        access::permit(&self.who, action, need).inspect_err(|refusal| {
            let event = AuditEvent {
                at: Utc::now(),
                actor: self.who.analyst.clone(),
                counterparty_id,
                action: AuditAction::Refused,
                detail: refusal.message.clone(),
            };
            if let Err(e) = self.store().append_audit(&event) {
                tracing::warn!("recording a refusal: {e}");
            }
        })
    }

    /// The counterparty `id`, or exit 6.
    pub(crate) fn get(&self, id: u64) -> Result<Counterparty, Failure> {
        self.store()
            .counterparty(id)
            .map_err(Failure::from_error)?
            .ok_or_else(|| Failure::new(exit::NOT_FOUND, format!("no counterparty with id {id}")))
    }

    /// Each counterparty of `ids`, all of which must exist.
    pub(crate) fn get_all(&self, ids: &[u64]) -> Result<Vec<Counterparty>, Failure> {
        ids.iter().map(|&id| self.get(id)).collect()
    }

    /// Asks the role rules once per distinct owner among `cps`.
    pub(crate) fn permit_each(&self, verb: &str, cps: &[Counterparty]) -> Result<(), Failure> {
        for cp in cps {
            self.permit(
                &format!("{verb} counterparty {}", cp.id),
                Some(cp.id),
                Need::Counterparty(cp.owner.as_deref()),
            )?;
        }
        Ok(())
    }
}

/// The message for fields that failed validation, one line per field, named as on the command
/// line.
pub fn field_failure(errors: &[FieldError]) -> Failure {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("--{}: {}", e.field, e.reason))
        .collect();
    Failure::new(exit::INVALID, lines.join("\n"))
}

impl Api for Local {
    fn identity(&self) -> &Identity {
        &self.who
    }

    fn subscribe(&self) -> Result<Subscription, Failure> {
        Ok(self.instance.hub.subscribe())
    }

    fn counterparty(&self, id: u64) -> Result<Counterparty, Failure> {
        self.get(id)
    }

    fn counterparties(
        &self,
        filter: Filter,
        order: ListOrder,
    ) -> Result<Vec<Counterparty>, Failure> {
        let store = self.store();
        // With an owner filter the index narrows the scan; otherwise one pass over the tree.
        let all = match &filter.owner {
            Some(o) => {
                let ids = store.ids_by_owner(o).map_err(Failure::from_error)?;
                let mut cps = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(cp) = store.counterparty(id).map_err(Failure::from_error)? {
                        cps.push(cp);
                    }
                }
                cps
            }
            None => store.counterparties().map_err(Failure::from_error)?,
        };
        let mut cps: Vec<Counterparty> = all.into_iter().filter(|cp| filter.matches(cp)).collect();
        // The store reads in id order already.
        if order != ListOrder::Id {
            cps.sort_by(|x, y| order.cmp(x, y));
        }
        Ok(cps)
    }

    fn export(&self, filter: Filter) -> Result<Vec<crate::register::export::ExportRow>, Failure> {
        super::ops::register::export(self, filter)
    }

    fn add(&self, draft: CounterpartyDraft) -> Result<Counterparty, Failure> {
        let cp = self
            .instance
            .config()
            .register
            .new_counterparty(&draft, Utc::now())
            .map_err(|e| field_failure(&e))?;
        self.permit(
            "add a counterparty",
            None,
            Need::Counterparty(cp.owner.as_deref()),
        )?;
        let cp = self
            .store()
            .add_counterparty(cp, &self.who.analyst)
            .map_err(Failure::from_error)?;
        self.instance.hub.publish(Event::Changed(vec![cp.id]));
        Ok(cp)
    }

    fn edit(&self, id: u64, draft: CounterpartyDraft) -> Result<Edited, Failure> {
        let old = self.get(id)?;
        self.permit_each("change", std::slice::from_ref(&old))?;
        let cp = draft
            .apply(Some(&old), Utc::now())
            .map_err(|e| field_failure(&e))?;
        // Giving the counterparty to someone else is the same as changing theirs.
        if cp.owner != old.owner {
            self.permit_each("change", std::slice::from_ref(&cp))?;
        }
        self.store()
            .update_counterparty(&cp, &self.who.analyst)
            .map_err(Failure::from_error)?;
        let changed = crate::store::changed_fields(&old, &cp)
            .into_iter()
            .map(str::to_string)
            .collect();
        self.instance.hub.publish(Event::Changed(vec![id]));
        Ok(Edited {
            counterparty: cp,
            changed,
        })
    }

    fn delete(&self, ids: Vec<u64>) -> Result<Vec<Counterparty>, Failure> {
        self.get_all(&ids)?;
        let what = match ids.as_slice() {
            [one] => format!("delete counterparty {one}"),
            _ => format!("delete {} counterparties", ids.len()),
        };
        self.permit(&what, ids.first().copied(), Need::Lead)?;
        let gone = self
            .store()
            .delete_counterparties(&ids, &self.who.analyst)
            .map_err(Failure::from_error)?;
        self.instance
            .hub
            .publish(Event::Deleted(gone.iter().map(|c| c.id).collect()));
        Ok(gone)
    }

    fn set_monitoring(&self, ids: Vec<u64>, on: bool) -> Result<usize, Failure> {
        let cps = self.get_all(&ids)?;
        self.permit_each("switch the monitoring of", &cps)?;
        let n = self
            .store()
            .set_monitoring(&ids, on, &self.who.analyst)
            .map_err(Failure::from_error)?;
        self.instance.hub.publish(Event::Changed(ids));
        Ok(n)
    }

    fn check(
        &self,
        ids: Vec<u64>,
        all: bool,
    ) -> Result<Vec<super::ops::checks::CheckAnswer>, Failure> {
        super::ops::checks::check(self, ids, all)
    }

    fn run_cycle(&self, all: bool) -> Result<Vec<crate::monitor::runner::CycleReport>, Failure> {
        super::ops::cycles::run_cycle(self, all)
    }
    fn digest_preview(
        &self,
        owner: Option<String>,
    ) -> Result<Vec<super::ops::digest::Mail>, Failure> {
        super::ops::digest::preview(self, owner)
    }
    fn digest_dry_run(&self) -> Result<super::ops::digest::DryRun, Failure> {
        super::ops::digest::dry_run(self)
    }
    fn digest_send(&self) -> Result<super::ops::digest::Sent, Failure> {
        super::ops::digest::send(self)
    }
    fn sanctions_reports(&self) -> Result<Vec<crate::sanctions::health::ListReport>, Failure> {
        super::ops::sanctions::reports(self)
    }
    fn sanctions_import(
        &self,
        source: crate::sanctions::ListSource,
        file: super::ops::sanctions::ListFile,
    ) -> Result<super::ops::sanctions::Accepted, Failure> {
        super::ops::sanctions::import(self, source, file)
    }
    fn sanctions_update(
        &self,
        only: Option<crate::sanctions::ListSource>,
    ) -> Result<Vec<Result<super::ops::sanctions::Accepted, String>>, Failure> {
        super::ops::sanctions::update(self, only)
    }
    fn source_pause(
        &self,
        source: crate::domain::Source,
    ) -> Result<Option<crate::domain::pause::SourcePause>, Failure> {
        self.store()
            .source_pause(source)
            .map_err(Failure::from_error)
    }
    fn resume_source(
        &self,
        source: crate::domain::Source,
    ) -> Result<Option<crate::domain::pause::SourcePause>, Failure> {
        super::ops::sources::resume(self, source)
    }

    fn register_page(&self, from: u64, limit: usize) -> Result<Vec<Counterparty>, Failure> {
        ops::ui::register_page(self, from, limit)
    }

    fn counterparty_count(&self) -> Result<usize, Failure> {
        Ok(self.store().counterparty_count())
    }

    fn counterparties_by_id(&self, ids: Vec<u64>) -> Result<Vec<Counterparty>, Failure> {
        ops::ui::counterparties_by_id(self, &ids)
    }

    fn ui_alerts(&self) -> Result<ops::ui::Alerts, Failure> {
        ops::ui::alerts(self)
    }

    fn alerts_by_id(&self, ids: Vec<u64>) -> Result<Vec<crate::domain::Alert>, Failure> {
        ops::ui::alerts_by_id(self, &ids)
    }

    fn last_checks(&self, from: u64, limit: usize) -> Result<ops::ui::LastChecks, Failure> {
        ops::ui::last_checks(self.store(), from, limit).map_err(Failure::from_error)
    }

    fn ui_stats(&self, now: chrono::DateTime<Utc>) -> Result<ops::ui::Stats, Failure> {
        ops::ui::stats(self, now)
    }

    fn ui_details(&self, id: u64) -> Result<Option<Box<ops::ui::Details>>, Failure> {
        let details = ops::ui::load_details(self.store(), id);
        details
            .map(|d| d.map(Box::new))
            .map_err(Failure::from_error)
    }

    fn ui_check_run(
        &self,
        run_id: u64,
        alert_ids: Vec<u64>,
    ) -> Result<Option<(crate::domain::CheckRun, Vec<crate::domain::Alert>)>, Failure> {
        ops::ui::check_run(self, run_id, &alert_ids)
    }

    fn monitor_running(&self) -> Result<bool, Failure> {
        Ok(self.instance.monitor().is_some())
    }

    fn acknowledge(
        &self,
        ids: Vec<u64>,
        comment: String,
    ) -> Result<Vec<crate::domain::Alert>, Failure> {
        ops::ui::acknowledge(self, &ids, &comment)
    }

    fn not_this_entity(
        &self,
        alert_id: u64,
        counterparty_id: u64,
        list: crate::sanctions::model::ListSource,
        entity_id: String,
        reason: String,
    ) -> Result<(String, Option<crate::domain::Alert>), Failure> {
        ops::ui::not_this_entity(
            self,
            (alert_id, counterparty_id),
            (list, &entity_id),
            &reason,
        )
    }

    fn check_now(&self, ids: Vec<u64>) -> Result<ops::ui::CheckAsked, Failure> {
        ops::ui::check_now(self, ids)
    }

    fn plan_import(
        &self,
        file: super::ops::register::ImportFile,
    ) -> Result<super::ops::register::ImportReport, Failure> {
        super::ops::register::plan(self, file)
    }

    fn import(
        &self,
        file: super::ops::register::ImportFile,
    ) -> Result<super::ops::register::ImportReport, Failure> {
        super::ops::register::import(self, file)
    }

    fn alerts(
        &self,
        query: super::ops::alerts::AlertQuery,
    ) -> Result<Vec<super::ops::alerts::AlertRow>, Failure> {
        super::ops::alerts::list(self, query)
    }

    fn acknowledge_ids(&self, ids: Vec<u64>, comment: String) -> Result<Vec<u64>, Failure> {
        super::ops::alerts::acknowledge(self, ids, comment)
    }

    fn history(&self, id: u64) -> Result<Box<super::ops::history::History>, Failure> {
        super::ops::history::history(self, id)
    }

    fn decide(
        &self,
        counterparty_id: u64,
        source: crate::sanctions::ListSource,
        entity: String,
        reason: String,
    ) -> Result<super::ops::decisions::Decided, Failure> {
        super::ops::decisions::decide(self, counterparty_id, source, entity, reason)
    }

    fn decisions(
        &self,
        counterparty_id: Option<u64>,
    ) -> Result<Vec<crate::sanctions::decisions::Decision>, Failure> {
        super::ops::decisions::list(self, counterparty_id)
    }

    fn undo_decision(
        &self,
        counterparty_id: u64,
        source: crate::sanctions::ListSource,
        entity: String,
    ) -> Result<crate::sanctions::decisions::Decision, Failure> {
        super::ops::decisions::undo(self, counterparty_id, source, entity)
    }
}
