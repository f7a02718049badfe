//! The application state the reducers change and the views borrow, with the table helpers
//! (sorting, filtering, windowing) that keep per-keystroke work proportional to what changed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::data::{LoadStep, Row, Snapshot};
use super::form::FormState;
use super::search::{AlertFilter, FilterLine, Query, SearchIndex};
use super::text::Tr;
use crate::app::ops::ui::{Details, RunStats};
use crate::domain::collate;
use crate::domain::last_check::CheckStatus;
use crate::domain::{Alert, Counterparty, Severity, Source};
use crate::sanctions::ListSource;
use crate::values::Language;

/// Rows of screen the tab bar, table border and header, status line and footer take.
pub const TABLE_CHROME_ROWS: u16 = 6;

/// The tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Cards and charts.
    Stats,
    /// The register.
    Counterparties,
    /// One counterparty with its history.
    Details,
    /// The alerts.
    Alerts,
}

impl Tab {
    /// Every tab in order.
    pub const ALL: [Tab; 4] = [Tab::Stats, Tab::Counterparties, Tab::Details, Tab::Alerts];

    /// The tab title.
    pub fn title(self, tr: Tr) -> &'static str {
        match self {
            Tab::Stats => tr.tab_stats(),
            Tab::Counterparties => tr.tab_counterparties(),
            Tab::Details => tr.tab_details(),
            Tab::Alerts => tr.tab_alerts(),
        }
    }

    /// Position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Table columns the register can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// VAT number.
    Vat,
    /// Name (case-insensitive).
    Name,
    /// Country code.
    Country,
    /// Owner.
    Owner,
    /// Monitoring on first.
    Monitoring,
    /// Time of the last check.
    LastCheck,
    /// Status of the last check.
    Status,
}

impl SortColumn {
    /// Columns in table order.
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Vat,
        SortColumn::Name,
        SortColumn::Country,
        SortColumn::Owner,
        SortColumn::Monitoring,
        SortColumn::LastCheck,
        SortColumn::Status,
    ];

    /// The column header.
    pub fn title(self, tr: Tr) -> &'static str {
        match self {
            SortColumn::Vat => tr.column_vat(),
            SortColumn::Name => tr.column_name(),
            SortColumn::Country => tr.column_country(),
            SortColumn::Owner => tr.column_owner(),
            SortColumn::Monitoring => tr.column_monitoring(),
            SortColumn::LastCheck => tr.column_last_check(),
            SortColumn::Status => tr.column_status(),
        }
    }
}

/// The status filter of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Everything.
    #[default]
    All,
    /// Last check found nothing wrong.
    Ok,
    /// Invalid VAT number, sanctions hits or insolvency.
    Problems,
    /// Last check could not ask some or all sources.
    NoAnswer,
    /// Never checked.
    Unchecked,
}

impl StatusFilter {
    /// The next filter in the cycle.
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Ok,
            StatusFilter::Ok => StatusFilter::Problems,
            StatusFilter::Problems => StatusFilter::NoAnswer,
            StatusFilter::NoAnswer => StatusFilter::Unchecked,
            StatusFilter::Unchecked => StatusFilter::All,
        }
    }

    /// The label in the table title.
    pub fn label(self, tr: Tr) -> &'static str {
        match self {
            StatusFilter::All => tr.filter_all(),
            StatusFilter::Ok => tr.filter_ok(),
            StatusFilter::Problems => tr.filter_problems(),
            StatusFilter::NoAnswer => tr.filter_no_answer(),
            StatusFilter::Unchecked => tr.filter_unchecked(),
        }
    }

    fn passes(self, row: &Row) -> bool {
        let status = row.last.map(|l| l.status);
        match self {
            StatusFilter::All => true,
            StatusFilter::Ok => status == Some(CheckStatus::Ok),
            StatusFilter::Problems => status.is_some_and(CheckStatus::is_problem),
            StatusFilter::NoAnswer => {
                matches!(status, Some(CheckStatus::NoAnswer | CheckStatus::Partial))
            }
            StatusFilter::Unchecked => status.is_none(),
        }
    }
}

/// A scrollable selection over `len` items showing `rows` at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    /// The selected item.
    pub selected: usize,
    /// The first item shown.
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` (clamped to the items) and scrolls so the selection stays visible.
    pub fn shift(&mut self, delta: isize, len: usize, rows: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.selected = target as usize;
        self.fit(len, rows);
    }

    /// Clamps to `len` items and scrolls so the selection is within `rows` rows.
    pub fn fit(&mut self, len: usize, rows: usize) {
        let rows = rows.max(1);
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(len.saturating_sub(rows));
    }
}

/// The counterparty table: sort order, filters, selection, marks.
#[derive(Debug, Clone, PartialEq)]
pub struct CpTable {
    /// Every row index in sort order.
    pub order: Vec<u32>,
    /// The row indexes that pass the filters, in sort order.
    pub visible: Vec<u32>,
    /// Selection and scroll position within `visible`.
    pub cursor: Cursor,
    /// The filter text as typed.
    pub query: String,
    /// The parsed filter line `visible` was computed with.
    applied: FilterLine,
    /// Whether the filter line has the keyboard.
    pub typing: bool,
    /// Only monitored counterparties.
    pub monitored_only: bool,
    /// The status filter.
    pub status: StatusFilter,
    /// The sort column.
    pub sort: SortColumn,
    /// Descending order.
    pub descending: bool,
    /// Ids marked for bulk actions.
    pub marks: BTreeSet<u64>,
}

impl Default for CpTable {
    fn default() -> Self {
        CpTable {
            order: Vec::new(),
            visible: Vec::new(),
            cursor: Cursor::default(),
            query: String::new(),
            applied: FilterLine::default(),
            typing: false,
            monitored_only: false,
            status: StatusFilter::All,
            sort: SortColumn::Name,
            descending: false,
            marks: BTreeSet::new(),
        }
    }
}

impl CpTable {
    /// The table order of two rows: the sort column, then the id, reversed when descending.
    /// Compares in place (names through the search index), so sorting allocates nothing per row.
    fn cmp_rows(&self, rows: &[Row], search: &SearchIndex, a: u32, b: u32) -> std::cmp::Ordering {
        let (ra, rb) = (&rows[a as usize], &rows[b as usize]);
        let o = match self.sort {
            SortColumn::Vat => ra.cp.vat.cmp(&rb.cp.vat),
            SortColumn::Name => search.name(a as usize).cmp(search.name(b as usize)),
            SortColumn::Country => ra.cp.country.cmp(&rb.cp.country),
            SortColumn::Owner => match (&ra.cp.owner, &rb.cp.owner) {
                (Some(x), Some(y)) => collate::cmp(x, y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            },
            SortColumn::Monitoring => rb.cp.monitor.cmp(&ra.cp.monitor),
            SortColumn::LastCheck => ra.last.map(|l| l.at).cmp(&rb.last.map(|l| l.at)),
            SortColumn::Status => ra.last.map(|l| l.status).cmp(&rb.last.map(|l| l.status)),
        };
        let o = o.then_with(|| ra.cp.id.cmp(&rb.cp.id));
        if self.descending { o.reverse() } else { o }
    }

    /// Re-sorts every row (data or sort order changed).
    pub fn resort(&mut self, rows: &[Row], search: &SearchIndex) {
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(0..rows.len() as u32);
        // Ids are unique, so the order is total and an unstable sort gives the same result.
        order.sort_unstable_by(|&a, &b| self.cmp_rows(rows, search, a, b));
        self.order = order;
        self.applied = FilterLine::default();
        self.refilter(rows, search, false);
    }

    /// Takes in rows appended from index `from` on (a chunk of the load): sorts only them and
    /// merges them into the order, then refilters.
    pub fn merge_new(&mut self, rows: &[Row], search: &SearchIndex, from: usize) {
        let mut fresh: Vec<u32> = (from as u32..rows.len() as u32).collect();
        fresh.sort_unstable_by(|&a, &b| self.cmp_rows(rows, search, a, b));
        let old = std::mem::take(&mut self.order);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if self.cmp_rows(rows, search, fresh[j], old[i]).is_lt() {
                merged.push(fresh[j]);
                j += 1;
            } else {
                merged.push(old[i]);
                i += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&fresh[j..]);
        self.order = merged;
        self.applied = FilterLine::default();
        self.refilter(rows, search, false);
    }

    /// The flag filters (monitored only, status) and the line's field filters, without its text.
    fn passes_flags(&self, row: &Row, line: &FilterLine) -> bool {
        (!self.monitored_only || row.cp.monitor)
            && self.status.passes(row)
            && line.passes_fields(&row.cp)
    }

    /// Recomputes `visible`, keeping the selected row selected. When only the query grew and
    /// few rows are shown, only those are re-tested; otherwise one scan of the search index
    /// marks every matching row. No per-row allocation either way.
    pub fn refilter(&mut self, rows: &[Row], search: &SearchIndex, query_only: bool) {
        let selected = self.visible.get(self.cursor.selected).copied();
        let line = FilterLine::parse(&self.query);
        let query = Query::new(&line.text);
        // Only a longer text over the same field filters can only drop rows.
        let narrowing = query_only
            && line.text.starts_with(&self.applied.text)
            && line.countries == self.applied.countries
            && line.owner == self.applied.owner;
        if narrowing && self.visible.len() * 8 < rows.len() {
            if let Some(query) = &query {
                self.visible
                    .retain(|&i| search.row_matches(i as usize, query));
            }
        } else {
            let mut hit = vec![true; rows.len()];
            if let Some(query) = &query {
                search.mark_matches(query, &mut hit);
                // Rows the index does not know yet (it is kept in step) never match.
                if let Some(rest) = hit.get_mut(search.len()..) {
                    rest.fill(false);
                }
            }
            if self.monitored_only || self.status != StatusFilter::All || line.has_fields() {
                for (h, row) in hit.iter_mut().zip(rows) {
                    *h = *h && self.passes_flags(row, &line);
                }
            }
            self.visible.clear();
            self.visible.extend(
                self.order
                    .iter()
                    .copied()
                    .filter(|&i| hit.get(i as usize).copied().unwrap_or(false)),
            );
        }
        self.applied = line;
        self.cursor.selected = selected
            .and_then(|s| self.visible.iter().position(|&i| i == s))
            .unwrap_or(0);
    }

    /// Selects the row with this index if it is shown.
    pub fn select_row(&mut self, row: usize) -> bool {
        match self.visible.iter().position(|&i| i as usize == row) {
            Some(pos) => {
                self.cursor.selected = pos;
                true
            }
            None => false,
        }
    }

    /// The row index of the selection.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.cursor.selected).map(|&i| i as usize)
    }
}

/// The details tab.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailsState {
    /// The counterparty shown (or being loaded).
    pub id: Option<u64>,
    /// What was loaded.
    pub data: Option<Details>,
    /// Whether a load is under way.
    pub loading: bool,
    /// The selected check run (index into `data.runs`).
    pub selected: usize,
    /// Expanded check runs (by run id).
    pub expanded: BTreeSet<u64>,
    /// Opened from an alert: going back returns to the Alerts tab.
    pub from_alert: bool,
}

/// The alerts tab.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertsState {
    /// Alert indexes that pass the filters, newest first.
    pub visible: Vec<u32>,
    /// Selection and scroll position.
    pub cursor: Cursor,
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this owner.
    pub owner: Option<String>,
    /// Only unacknowledged alerts.
    pub unacked_only: bool,
    /// The filter line as typed (`since:` `until:` `country:` `owner:` and text).
    pub query: String,
    /// Whether the filter line has the keyboard.
    pub typing: bool,
    /// The alert read in full, if its view is open.
    pub detail: Option<AlertDetail>,
}

/// The alert view: one alert with its evidence (the alerts tab's detail view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDetail {
    /// The alert (by id: filters may drop it from the list while it is read).
    pub id: u64,
    /// Lines scrolled.
    pub scroll: usize,
}

/// What a confirmation does when answered yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Delete these counterparties.
    Delete(Vec<u64>),
    /// Acknowledge these alerts.
    Acknowledge(Vec<u64>),
    /// Quit although a cycle or a manual check is running.
    Quit,
}

/// A popup over the current tab.
#[derive(Debug, Clone)]
pub enum Popup {
    /// The help screen, scrolled by this many lines.
    Help(usize),
    /// A yes/no question.
    Confirm {
        /// The question.
        question: String,
        /// What yes does.
        pending: Pending,
    },
    /// The add/edit form.
    Form(Box<FormState>),
    /// A one-line answer to a question: the reason of a decision.
    Reason {
        /// The question.
        question: String,
        /// What has been typed.
        text: String,
        /// What saving records.
        pending: ReasonFor,
    },
}

/// What a reason popup records once saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonFor {
    /// "Not this entity" for the listed entity of a `sanctions_found` or `sanctions_possible`
    /// alert.
    NotThisEntity {
        /// The alert, acknowledged with the decision.
        alert_id: u64,
        /// Its counterparty.
        counterparty_id: u64,
        /// The list.
        list: ListSource,
        /// The list's id of the entity.
        entity_id: String,
    },
    /// Acknowledging an alert from its view; the comment is optional and goes to the audit
    /// trail.
    Acknowledge {
        /// The alert.
        alert_id: u64,
    },
    /// Exporting the shown rows: the answer is the file to write.
    ExportTo,
}

impl ReasonFor {
    /// The popup title.
    pub fn title(&self, tr: Tr) -> &'static str {
        match self {
            ReasonFor::NotThisEntity { .. } => tr.reason_title_not_this_entity(),
            ReasonFor::Acknowledge { .. } => tr.reason_title_acknowledge(),
            ReasonFor::ExportTo => tr.reason_title_export(),
        }
    }

    /// What saving does, for the popup's key hint.
    pub fn save_label(&self, tr: Tr) -> &'static str {
        match self {
            ReasonFor::ExportTo => tr.reason_save_write(),
            ReasonFor::NotThisEntity { .. } | ReasonFor::Acknowledge { .. } => {
                tr.reason_save_record()
            }
        }
    }

    /// What to say when saving an empty answer that is required.
    pub fn missing(&self, tr: Tr) -> &'static str {
        match self {
            ReasonFor::ExportTo => tr.reason_missing_file(),
            ReasonFor::NotThisEntity { .. } | ReasonFor::Acknowledge { .. } => {
                tr.reason_missing_reason()
            }
        }
    }

    /// Whether the text may be left empty.
    pub fn optional(&self) -> bool {
        matches!(self, ReasonFor::Acknowledge { .. })
    }
}

/// How serious a status message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Progress and confirmations.
    Info,
    /// Something did not work but nothing is lost (a source is down).
    Warn,
    /// Something failed, or needs attention now (a critical alert).
    Error,
}

/// A status-line message that clears itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// How serious.
    pub level: Level,
    /// The text.
    pub text: String,
    /// Sequence number, so an old timer does not clear a newer message.
    pub seq: u64,
}

/// What the monitor is asking right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// The counterparty being checked.
    pub counterparty_id: u64,
    /// The source being asked.
    pub source: Source,
}

/// Progress of a running monitor cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Counterparties done.
    pub done: usize,
    /// Counterparties in the cycle.
    pub total: usize,
    /// What is asked now.
    pub current: Option<Current>,
}

/// Progress of the checks asked for by hand (`c`), shown in the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualChecks {
    /// The monitor's batch.
    pub batch: u64,
    /// The counterparties of the batch.
    pub ids: BTreeSet<u64>,
    /// Counterparties done.
    pub done: usize,
    /// Counterparties in the batch.
    pub total: usize,
    /// What is asked now for this batch.
    pub current: Option<Current>,
}

/// What the background load is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPhase {
    /// Reading counterparties in chunks.
    Rows,
    /// Reading alerts.
    Alerts,
    /// Reading each counterparty's last check, then the run statistics.
    LastChecks,
}

/// Progress of the first load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loading {
    /// What it does now.
    pub phase: LoadPhase,
    /// Counterparties in the store, once counted.
    pub total: Option<usize>,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The current tab.
    pub tab: Tab,
    /// The clock the views use for ages (set by the loop; fixed in tests).
    pub now: DateTime<Utc>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// `--read-only`.
    pub read_only: bool,
    /// `--demo`: the register is made up and is never sent to the registries.
    pub demo: bool,
    /// Language for alert messages.
    pub language: Language,
    /// Time zone for times shown.
    pub tz: chrono_tz::Tz,
    /// The first load, while it runs.
    pub load: Option<Loading>,
    /// The register.
    pub rows: Vec<Row>,
    /// The rows' searchable text, kept in step with `rows`.
    pub search: SearchIndex,
    /// Counterparties deleted while the load runs, so a later chunk does not bring them back.
    pub deleted_while_loading: HashSet<u64>,
    /// Row index by counterparty id.
    pub index: HashMap<u64, usize>,
    /// All alerts, oldest first.
    pub alerts: Vec<Alert>,
    /// Alerts whose mail was handed over without an answer: shown "delivery unknown".
    pub delivery_unknown: std::collections::BTreeSet<u64>,
    /// Run statistics.
    pub runs: RunStats,
    /// The next cycle.
    pub next_cycle: Option<DateTime<Utc>>,
    /// Sanctions list refreshes reported by the monitor: list → (entries, when).
    pub lists_refreshed: BTreeMap<String, (usize, DateTime<Utc>)>,
    /// The counterparty table.
    pub table: CpTable,
    /// The details tab.
    pub details: DetailsState,
    /// The alerts tab.
    pub alert_view: AlertsState,
    /// The open popup.
    pub popup: Option<Popup>,
    /// The status-line message.
    pub flash: Option<Flash>,
    /// Last flash sequence number handed out.
    pub flash_seq: u64,
    /// The running cycle, if any.
    pub progress: Option<Progress>,
    /// The running manual checks, if any.
    pub manual: Option<ManualChecks>,
    /// Critical alerts that arrived since the Alerts tab was last shown (its badge).
    pub unseen_critical: usize,
    /// Ring the terminal bell on a new critical alert (`[ui] bell_on_critical`).
    pub bell_on_critical: bool,
    /// Whether a monitor is connected.
    pub monitor_attached: bool,
    /// Whether this UI is a client of another running Kontra (quitting it stops nothing).
    pub client: bool,
    /// How many clients are attached to the running Kontra.
    pub clients: usize,
    /// Set when the running Kontra this UI is attached to stopped or died.
    pub server_gone: bool,
    /// The directory the export prompt offers (the user's documents, else the data directory).
    pub export_dir: PathBuf,
    /// What the add form starts with: the analyst's name as owner, monitoring as configured.
    pub new_defaults: super::form::NewDefaults,
    /// Set when the app should exit.
    pub quit: bool,
}

impl AppState {
    /// The UI's words in the configured language.
    pub fn tr(&self) -> Tr {
        Tr(self.language)
    }

    /// A fresh state, before the first load.
    pub fn new(now: DateTime<Utc>, size: (u16, u16), read_only: bool, language: Language) -> Self {
        AppState {
            tab: Tab::Counterparties,
            now,
            size,
            read_only,
            demo: false,
            language,
            tz: chrono_tz::Europe::Berlin,
            load: Some(Loading {
                phase: LoadPhase::Rows,
                total: None,
            }),
            rows: Vec::new(),
            search: SearchIndex::default(),
            deleted_while_loading: HashSet::new(),
            index: HashMap::new(),
            alerts: Vec::new(),
            delivery_unknown: Default::default(),
            runs: RunStats::default(),
            next_cycle: None,
            lists_refreshed: BTreeMap::new(),
            table: CpTable::default(),
            details: DetailsState::default(),
            alert_view: AlertsState::default(),
            popup: None,
            flash: None,
            flash_seq: 0,
            progress: None,
            manual: None,
            unseen_critical: 0,
            bell_on_critical: false,
            monitor_attached: false,
            client: false,
            clients: 0,
            server_gone: false,
            // Replaced at start by the user's directory; never the current directory.
            export_dir: std::env::temp_dir(),
            new_defaults: super::form::NewDefaults {
                owner: None,
                monitor: true,
            },
            quit: false,
        }
    }

    /// Table rows that fit on screen.
    pub fn page_rows(&self) -> usize {
        usize::from(self.size.1.saturating_sub(TABLE_CHROME_ROWS)).max(1)
    }

    /// Whether the first load is still running.
    pub fn loading(&self) -> bool {
        self.load.is_some()
    }

    /// Installs a snapshot loaded in one go, keeping filters and selection.
    pub fn install(&mut self, snap: Snapshot) {
        let selected = self.selected_row().map(|r| r.cp.id);
        self.rows = snap.rows;
        self.search = SearchIndex::build(self.rows.iter().map(|r| &r.cp));
        self.alerts = snap.alerts;
        self.delivery_unknown = snap.delivery_unknown;
        self.runs = snap.runs;
        self.next_cycle = snap.next_cycle;
        self.load = None;
        self.deleted_while_loading.clear();
        self.reindex();
        let ids: BTreeSet<u64> = self.index.keys().copied().collect();
        self.table.marks.retain(|id| ids.contains(id));
        self.table.resort(&self.rows, &self.search);
        self.reselect(selected);
        self.refilter_alerts();
    }

    /// Takes in one step of the background load.
    pub fn apply_step(&mut self, step: LoadStep) {
        match step {
            LoadStep::Rows { rows, total, done } => {
                let from = self.rows.len();
                // Growing 100,000 rows (and their hash index) by doubling copies and rehashes
                // tens of megabytes on the UI thread; reserve once the total is known.
                if let Some(total) = total {
                    let more = total.saturating_sub(from);
                    self.rows.reserve(more);
                    self.index.reserve(more);
                    self.search.reserve(more);
                }
                for row in rows {
                    // A row the UI already has (added or changed while loading) is newer.
                    if self.index.contains_key(&row.cp.id)
                        || self.deleted_while_loading.contains(&row.cp.id)
                    {
                        continue;
                    }
                    self.index.insert(row.cp.id, self.rows.len());
                    self.search.push(&row.cp);
                    self.rows.push(row);
                }
                if let Some(load) = &mut self.load {
                    load.total = total.or(load.total);
                    if done {
                        load.phase = LoadPhase::Alerts;
                    }
                }
                if self.rows.len() > from {
                    self.table.merge_new(&self.rows, &self.search, from);
                    self.fit_table();
                }
            }
            LoadStep::Alerts(alerts, unknown) => {
                self.alerts = alerts;
                self.delivery_unknown = unknown;
                if let Some(load) = &mut self.load {
                    load.phase = LoadPhase::LastChecks;
                }
                self.refilter_alerts();
            }
            LoadStep::LastChecks(checks) => {
                for (id, last, vat) in checks {
                    if let Some(&i) = self.index.get(&id)
                        && let Some(row) = self.rows.get_mut(i)
                    {
                        row.set_last(last, vat);
                    }
                }
                self.refresh_after_checks();
            }
            LoadStep::Finished { runs, next_cycle } => {
                // A check the monitor recorded while loading may be newer than the scan.
                let (run, cycle) = (self.runs.health.last_run, self.runs.health.last_cycle);
                self.runs = runs;
                let h = &mut self.runs.health;
                h.last_run = h.last_run.max(run);
                h.last_cycle = h.last_cycle.max(cycle);
                self.next_cycle = next_cycle.or(self.next_cycle);
                self.load = None;
                self.deleted_while_loading.clear();
            }
        }
    }

    /// Re-sorts or refilters after last checks changed (the columns they feed may be in use).
    pub fn refresh_after_checks(&mut self) {
        if matches!(self.table.sort, SortColumn::LastCheck | SortColumn::Status) {
            let selected = self.selected_row().map(|r| r.cp.id);
            self.resort(selected);
        } else if self.table.status != StatusFilter::All {
            self.refilter(false);
        }
    }

    /// Re-sorts every row after rows were added, changed or removed, keeping the counterparty
    /// `selected` selected when it is still shown.
    pub fn resort(&mut self, selected: Option<u64>) {
        self.table.resort(&self.rows, &self.search);
        self.reselect(selected);
    }

    /// Selects the counterparty with this id if it is shown, and keeps the selection visible.
    pub fn reselect(&mut self, id: Option<u64>) {
        if let Some(&i) = id.and_then(|id| self.index.get(&id)) {
            self.table.select_row(i);
        }
        self.fit_table();
    }

    /// Recomputes the table rows shown after a filter changed.
    pub fn refilter(&mut self, query_only: bool) {
        self.table.refilter(&self.rows, &self.search, query_only);
        self.fit_table();
    }

    /// Inserts or replaces counterparties, keeping each row's last check.
    pub fn upsert(&mut self, cps: Vec<Counterparty>) {
        let selected = self.selected_row().map(|r| r.cp.id);
        for cp in cps {
            // The details tab keeps its own copy (loaded with the history): replace it too, or
            // it shows the record as it was before an edit or a monitoring switch.
            if let Some(d) = &mut self.details.data
                && d.cp.id == cp.id
            {
                d.cp = cp.clone();
            }
            match self.index.get(&cp.id) {
                Some(&i) => {
                    self.search.set(i, &cp);
                    self.rows[i].set_cp(cp);
                }
                None => {
                    self.index.insert(cp.id, self.rows.len());
                    self.search.push(&cp);
                    self.rows.push(Row::new(cp, None));
                }
            }
        }
        self.resort(selected);
    }

    /// Removes counterparties.
    pub fn remove(&mut self, gone: &HashSet<u64>) {
        let selected = self.selected_row().map(|r| r.cp.id);
        let rows = &self.rows;
        self.search.retain(|i| !gone.contains(&rows[i].cp.id));
        self.rows.retain(|r| !gone.contains(&r.cp.id));
        self.table.marks.retain(|id| !gone.contains(id));
        if self.loading() {
            self.deleted_while_loading.extend(gone.iter().copied());
        }
        self.reindex();
        self.resort(selected);
    }

    /// Rebuilds the id → row map.
    pub fn reindex(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.cp.id, i))
            .collect();
    }

    /// Keeps the table selection on screen.
    pub fn fit_table(&mut self) {
        let rows = self.page_rows();
        self.table.cursor.fit(self.table.visible.len(), rows);
    }

    /// The selected counterparty row.
    pub fn selected_row(&self) -> Option<&Row> {
        self.table.selected_row().and_then(|i| self.rows.get(i))
    }

    /// The ids a bulk action applies to: the marks, else the selection.
    pub fn target_ids(&self) -> Vec<u64> {
        if self.table.marks.is_empty() {
            self.selected_row()
                .map(|r| vec![r.cp.id])
                .unwrap_or_default()
        } else {
            self.table.marks.iter().copied().collect()
        }
    }

    /// The owner of an alert's counterparty.
    pub fn alert_owner(&self, a: &Alert) -> Option<&str> {
        self.index
            .get(&a.counterparty_id)
            .and_then(|&i| self.rows.get(i))
            .and_then(|r| r.cp.owner.as_deref())
    }

    /// The name of an alert's counterparty (or its id when deleted).
    pub fn alert_name(&self, a: &Alert) -> String {
        self.index
            .get(&a.counterparty_id)
            .and_then(|&i| self.rows.get(i))
            .map(|r| r.cp.name.clone())
            .unwrap_or_else(|| self.tr().deleted_counterparty(a.counterparty_id))
    }

    /// Recomputes the alerts shown (newest first) after data or filters changed.
    pub fn refilter_alerts(&mut self) {
        let selected_id = self
            .alert_view
            .visible
            .get(self.alert_view.cursor.selected)
            .and_then(|&i| self.alerts.get(i as usize))
            .map(|a| a.id);
        let v = &self.alert_view;
        let f = AlertFilter::parse(&v.query);
        let lang = self.language.as_str();
        let mut visible: Vec<u32> = (0..self.alerts.len() as u32)
            .filter(|&i| {
                let a = &self.alerts[i as usize];
                v.severity.is_none_or(|s| a.severity == s)
                    && (!v.unacked_only || a.acknowledged_at.is_none())
                    && v.owner.as_deref().is_none_or(|o| {
                        self.alert_owner(a)
                            .is_some_and(|x| x.eq_ignore_ascii_case(o))
                    })
                    && f.days.contains(a.created_at, self.tz)
                    && self.alert_passes_line(a, &f.line, lang)
            })
            .collect();
        visible.sort_by(|&a, &b| {
            let (x, y) = (&self.alerts[a as usize], &self.alerts[b as usize]);
            y.created_at.cmp(&x.created_at).then(y.id.cmp(&x.id))
        });
        self.alert_view.visible = visible;
        if let Some(pos) = selected_id.and_then(|id| {
            self.alert_view
                .visible
                .iter()
                .position(|&i| self.alerts[i as usize].id == id)
        }) {
            self.alert_view.cursor.selected = pos;
        }
        let rows = self.page_rows();
        self.alert_view
            .cursor
            .fit(self.alert_view.visible.len(), rows);
    }

    /// Whether an alert passes the filter line: its counterparty's country and owner, and the
    /// text in the counterparty's name, the message or the kind.
    fn alert_passes_line(&self, a: &Alert, line: &FilterLine, lang: &str) -> bool {
        let cp = self
            .index
            .get(&a.counterparty_id)
            .and_then(|&i| self.rows.get(i))
            .map(|r| &r.cp);
        if line.has_fields() && !cp.is_some_and(|cp| line.passes_fields(cp)) {
            return false;
        }
        let t = line.text.as_str();
        t.is_empty()
            || cp.is_some_and(|cp| collate::contains(&cp.name, t))
            || collate::contains(a.message.get(lang), t)
            || collate::contains(a.kind.as_str(), t)
    }

    /// Whether a filter line has the keyboard (on the tab that shows it).
    pub fn typing(&self) -> bool {
        match self.tab {
            Tab::Counterparties => self.table.typing,
            Tab::Alerts => self.alert_view.typing && self.alert_view.detail.is_none(),
            _ => false,
        }
    }

    /// The filter line being typed into, if any.
    pub fn typed_query(&self) -> Option<&str> {
        match self.tab {
            Tab::Counterparties if self.typing() => Some(&self.table.query),
            Tab::Alerts if self.typing() => Some(&self.alert_view.query),
            _ => None,
        }
    }

    /// Changes the typed filter line and refilters (`grew`: only characters were added).
    pub fn edit_query(&mut self, grew: bool, edit: impl FnOnce(&mut String)) {
        match self.tab {
            Tab::Counterparties if self.typing() => {
                edit(&mut self.table.query);
                self.refilter(grew);
            }
            Tab::Alerts if self.typing() => {
                edit(&mut self.alert_view.query);
                self.refilter_alerts();
            }
            _ => {}
        }
    }

    /// The alert actions apply to: the one read in the alert view, else the selection.
    pub fn current_alert(&self) -> Option<&Alert> {
        match self.alert_view.detail {
            Some(d) => self.alerts.iter().find(|a| a.id == d.id),
            None => self.selected_alert(),
        }
    }

    /// The selected alert.
    pub fn selected_alert(&self) -> Option<&Alert> {
        self.alert_view
            .visible
            .get(self.alert_view.cursor.selected)
            .and_then(|&i| self.alerts.get(i as usize))
    }

    /// Owners of counterparties that have alerts, sorted.
    pub fn alert_owners(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .alerts
            .iter()
            .filter_map(|a| self.alert_owner(a).map(str::to_string))
            .collect();
        set.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_scrolls_to_keep_selection_visible() {
        let mut c = Cursor::default();
        c.shift(5, 100, 10);
        assert_eq!((c.selected, c.offset), (5, 0));
        c.shift(10, 100, 10);
        assert_eq!((c.selected, c.offset), (15, 6));
        c.shift(-20, 100, 10);
        assert_eq!((c.selected, c.offset), (0, 0));
        c.shift(1000, 100, 10);
        assert_eq!((c.selected, c.offset), (99, 90));
        c.fit(50, 10);
        assert_eq!((c.selected, c.offset), (49, 40));
        c.shift(1, 0, 10);
        assert_eq!(c, Cursor::default());
    }
}
