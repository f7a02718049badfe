//! The status part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    source_could_not_be_asked(source, reason) => "{source} could not be asked: {reason}", "{source} nicht erreichbar: {reason}";
    unknown_reason => "unknown", "unbekannt";
    cycle_stopped(done) => "cycle stopped after {done} checked; it resumes at the next start", "Prüflauf nach {done} geprüften angehalten; er läuft beim nächsten Start weiter";
    cycle_finished(done, alerts) => "cycle finished: {done} checked, {alerts}", "Prüflauf beendet: {done} geprüft, {alerts}";
    check_finished(checked, total, answers, not_asked, alerts) => "check finished: {checked} of {total} checked, {answers}, {not_asked} could not ask, {alerts}", "Prüfung beendet: {checked} von {total} geprüft, {answers}, {not_asked} nicht erreichbar, {alerts}";
    summary_critical(n) => " ({n} critical)", " ({n} kritisch)";
    summary_under_way(n) => ", {n} already under way", ", {n} liefen schon";
    summary_failed(n) => ", {n} failed (see the log)", ", {n} fehlgeschlagen (siehe Log)";
    new_critical_alerts(alerts, critical) => "{alerts} ({critical} critical): see the Alerts tab", "{alerts} ({critical} kritisch): siehe Reiter Alerts";
    vies_not_paused => "VIES is not paused; nothing to lift", "VIES ist nicht pausiert; nichts aufzuheben";
    source_paused(source, why) => "{source} paused: {why}", "{source} pausiert: {why}";
    source_resumed(source, by, since, code) => "{source} resumed by {by} (paused since {since} because {code}); the next check asks it again", "{source} von {by} fortgesetzt (pausiert seit {since} wegen {code}); die nächste Prüfung fragt wieder an";
    source_was_not_paused(source) => "{source} was not paused; nothing changed", "{source} war nicht pausiert; nichts geändert";
    source_resume_failed(source, error) => "{source} could not be resumed: {error}", "{source} konnte nicht fortgesetzt werden: {error}";
    source_paused_since(source, since, code) => "{source} paused since {since} because {code}; nothing is sent to it from this machine", "{source} pausiert seit {since} wegen {code}; von diesem Rechner wird nichts dorthin gesendet";
    source_paused_short(source, since, code) => "{source} paused since {since} ({code})", "{source} pausiert seit {since} ({code})";
    lift_with_key(key) => "{key} lifts the pause once the block is gone (audited)", "{key} hebt die Pause auf, sobald die Sperre weg ist (protokolliert)";
    lift_with_command(name) => "lift with `kontra sources resume {name}`", "aufheben mit `kontra sources resume {name}`";
    too_small(w, h, min_w, min_h) => "Terminal too small: {w}x{h}, Kontra needs {min_w}x{min_h}. Enlarge the window; q quits.", "Terminal zu klein: {w}x{h}, Kontra braucht {min_w}x{min_h}. Fenster vergrößern; q beendet.";
    progress_checking => "checking", "prüfe";
    progress_manual_check => "manual check", "manuelle Prüfung";
    tab_bar_paused(source) => "[{source} paused]", "[{source} pausiert]";
    tab_bar_read_only => "[read-only]", "[nur lesen]";
    filter_keep_clear(accept, cancel) => "   {accept} keep · {cancel} clear", "   {accept} übernehmen · {cancel} leeren";
    loading_register => "loading the register…", "Register wird geladen…";
    footer_move => "move", "bewegen";
    quit_anyway => "Quit anyway?", "Trotzdem beenden?";
    quit_during_cycle => "A check cycle is running. Quit anyway? It resumes at the next start.", "Ein Prüflauf läuft. Trotzdem beenden? Er läuft beim nächsten Start weiter.";
    quit_during_check(who, done) => "A check of {who} is running ({done} done). Quit anyway? Checks not yet stored are dropped.", "Eine Prüfung von {who} läuft ({done} fertig). Trotzdem beenden? Noch nicht gespeicherte Prüfungen entfallen.";
    fix_marked_fields => "fix the marked fields first", "erst die markierten Felder korrigieren";
    select_first => "select a counterparty first", "erst einen Geschäftspartner wählen";
    confirm_delete_one(name, id) => "Delete {name} (#{id})? Its checks and alerts stay in the audit trail.", "{name} (#{id}) löschen? Prüfungen und Alerts bleiben im Prüfprotokoll.";
    confirm_delete_marked(n, names) => "Delete {n} marked counterparties ({names})? Their checks and alerts stay in the audit trail.", "{n} markierte Geschäftspartner löschen ({names})? Prüfungen und Alerts bleiben im Prüfprotokoll.";
    demo_checks_off => "demo: checks are off, the demo register is made up and is never sent to the registries (VIES, BZSt, GLEIF, ...)", "Demo: Prüfungen sind aus; das Demo-Register ist erfunden und wird nie an die Register gesendet (VIES, BZSt, GLEIF, ...)";
    and_more(n) => " and {n} more", " und {n} weitere";
    refused_read_only(action) => "read-only: \"{action}\" changes data, and Kontra was started with --read-only (nothing is written or sent); start it without --read-only to do this", "nur lesen: „{action}“ ändert Daten, und Kontra wurde mit --read-only gestartet (nichts wird geschrieben oder gesendet); dafür ohne --read-only starten";
    added(name, id) => "added {name} (#{id})", "{name} (#{id}) angelegt";
    saved(name, id) => "saved {name} (#{id})", "{name} (#{id}) gespeichert";
    deleted(n) => "{n} deleted", "{n} gelöscht";
    exported(rows, path) => "exported {rows} rows to {path}", "{rows} Zeilen nach {path} exportiert";
    failed(what, reason) => "{what} failed: {reason}", "{what} fehlgeschlagen: {reason}";
    op_load_register => "loading the register", "Laden des Registers";
    op_reload_register => "reloading the register", "Neuladen des Registers";
    op_load_history => "loading the history", "Laden des Verlaufs";
    op_reload_counterparties => "reloading counterparties", "Neuladen der Geschäftspartner";
    op_reload_alerts => "reloading alerts", "Neuladen der Alerts";
    op_delete => "delete", "Löschen";
    op_switch_monitoring => "switching monitoring", "Umschalten der Überwachung";
    op_acknowledge => "acknowledge", "Quittieren";
    op_read_check_run => "reading a check run", "Lesen einer Prüfung";
    op_check_request => "check request", "Prüfauftrag";
    op_save => "save", "Speichern";
    monitoring_on_for(who) => "monitoring on for {who}", "Überwachung an für {who}";
    monitoring_off_for(who) => "monitoring off for {who}", "Überwachung aus für {who}";
    acknowledged(what) => "{what} acknowledged", "{what} quittiert";
    check_requested_for(who) => "check requested for {who}", "Prüfung angefordert für {who}";
    checks_need_a_monitor => "checks become available when the monitor is configured", "Prüfungen sind möglich, sobald der Monitor eingerichtet ist";
    monitor_busy => "the monitor is busy; try again in a moment", "der Monitor ist beschäftigt; gleich noch einmal versuchen";
    monitor_stopped => "the monitor has stopped; see the log", "der Monitor ist angehalten; siehe Log";
    deleted_meanwhile => "this counterparty was deleted meanwhile", "dieser Geschäftspartner wurde inzwischen gelöscht";
    export_file_exists => "the file exists already; press x and type another name", "die Datei gibt es schon; x drücken und einen anderen Namen eingeben";
    export_failed(path, reason) => "export to {path} failed: {reason}", "Export nach {path} fehlgeschlagen: {reason}";
    not_this_entity_recorded(id, list, entity, name) => "#{id} is not {list}:{entity} ({name}); suppressed until its names or identifiers change", "#{id} ist nicht {list}:{entity} ({name}); unterdrückt, bis sich dessen Namen oder Kennungen ändern";
}

impl super::Tr {
    /// "Export the 3 shown rows as CSV for Excel (UTF-8, ;) to:"
    pub fn export_question(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => {
                "Export the 1 shown row as CSV for Excel (UTF-8, ;) to:".to_string()
            }
            (crate::values::Language::En, n) => {
                format!("Export the {n} shown rows as CSV for Excel (UTF-8, ;) to:")
            }
            (crate::values::Language::De, 1) => {
                "Die 1 gezeigte Zeile als CSV für Excel (UTF-8, ;) exportieren nach:".to_string()
            }
            (crate::values::Language::De, n) => {
                format!("Die {n} gezeigten Zeilen als CSV für Excel (UTF-8, ;) exportieren nach:")
            }
        }
    }

    /// "1 client is attached to this Kontra and will be disconnected."
    pub fn clients_attached(self, n: usize) -> String {
        match (self.0, n) {
            (crate::values::Language::En, 1) => {
                "1 client is attached to this Kontra and will be disconnected.".to_string()
            }
            (crate::values::Language::En, n) => {
                format!("{n} clients are attached to this Kontra and will be disconnected.")
            }
            (crate::values::Language::De, 1) => {
                "1 Client ist mit diesem Kontra verbunden und wird getrennt.".to_string()
            }
            (crate::values::Language::De, n) => {
                format!("{n} Clients sind mit diesem Kontra verbunden und werden getrennt.")
            }
        }
    }
}
