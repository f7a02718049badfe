//! The stats part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    stats_card_register => "Register", "Bestand";
    stats_total => "total", "gesamt";
    stats_monitored => "monitored", "überwacht";
    stats_unchecked => "unchecked", "ungeprüft";
    stats_card_open_alerts => "Open alerts", "Offene Alerts";
    stats_card_cycles => "Cycles", "Prüfläufe";
    stats_last => "last", "zuletzt";
    stats_next => "next", "nächster";
    stats_running => "running", "läuft";
    stats_not_scheduled => "not scheduled", "nicht geplant";
    stats_idle => "idle", "wartet";
    stats_no_monitor => "no monitor", "ohne Überwachung";
    stats_lists_title => " Sanctions lists ", " Sanktionslisten ";
    stats_col_list => "List", "Liste";
    stats_col_loaded => "Loaded", "Geladen";
    stats_col_screened => "Screened", "Geprüft";
    stats_col_state => "State", "Zustand";
    stats_list_loaded(age, n) => "{age} ago, {n} entities", "vor {age}, {n} Einträge";
    stats_list_published(age, date) => "{age} ago, published {date}", "vor {age}, veröffentlicht {date}";
    stats_list_disabled => "disabled", "deaktiviert";
    stats_list_stale(problems) => "STALE: {problems}", "VERALTET: {problems}";
    stats_list_malformed(text, n) => "{text} · {n} malformed rows left out", "{text} · {n} fehlerhafte Zeilen ausgelassen";
    stats_health_title => " Source health: last answer, 30-day share ", " Quellen: letzte Antwort, Quote 30 Tage ";
    stats_col_source => "Source", "Quelle";
    stats_col_last_answer => "Last answer", "Zuletzt";
    stats_col_answered => "Answered", "Quote";
    stats_col_failed => "Failed", "Fehler";
    stats_source_paused(source) => "{source} (paused)", "{source} (pausiert)";
    stats_vat_title => " VAT status (last check) ", " USt-IdNr. (letzte Prüfung) ";
    stats_alerts_per_day(total, days, max) => " Alerts per day: {total} in {days} days, max {max} ", " Alerts/Tag: {total} in {days} Tagen, max. {max} ";
    stats_results_per_day => " Results per day: ", " Ergebnisse pro Tag: ";
    stats_answers_max(max) => "answers (max {max})", "Antworten (max. {max})";
    stats_no_answer_max(max) => "no answer (max {max}) ", "keine Antwort (max. {max}) ";
    stats_answers_up_to(max) => "answers ≤{max}", "Antworten ≤{max}";
    stats_no_answer_up_to(max) => "no answer ≤{max} ", "keine Antw. ≤{max} ";
    stats_today_marker => "today▲", "heute▲";
    stats_recent_title(total, open) => " Recent alerts: {total} in all, {open} open ", " Neueste Alerts: {total} insgesamt, {open} offen ";
    stats_col_when => "When", "Wann";
    stats_col_severity => "Severity", "Schwere";
    stats_col_counterparty => "Counterparty", "Geschäftspartner";
    stats_col_kind => "Kind", "Art";
    stats_col_message => "Message", "Meldung";
}
