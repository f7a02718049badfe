//! The details part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    details_loading => "loading…", "lädt…";
    details_none_selected => "No counterparty selected: pick one on the Counterparties tab and press Enter.", "Kein Geschäftspartner gewählt: einen im Tab Geschäftspartner wählen und Enter drücken.";
    details_vat => "VAT", "USt-IdNr.";
    details_lei_register => "LEI/Reg.", "LEI/HR";
    details_country_kind(country, kind) => "{country}  · kind {kind}", "{country}  · Art {kind}";
    details_owner_priority(owner, priority) => "{owner}  · priority {priority}", "{owner}  · Priorität {priority}";
    details_summary_title => " Monitoring and alerts ", " Überwachung und Alerts ";
    details_label_monitor => "Monitor", "Überwacht";
    details_label_last => "Last", "Zuletzt";
    details_label_checks => "Checks", "Prüfungen";
    details_monitoring_on(frequency) => "on, {frequency}", "an, {frequency}";
    details_last_check(age, status) => "{age} ago, {status}", "vor {age}, {status}";
    details_never_checked => "never checked", "nie geprüft";
    details_checks(runs, share) => "{runs} runs, {share} of source results answered", "{runs}, Antwortquote {share}";
    details_alert_count(total, open) => "{total} total, {open} open", "{total} gesamt, {open} offen";
    details_alert_age(age) => "{age:>4} ago ", "vor {age:<4} ";
    details_timeline_title(since) => " Timeline since {since} (■ ok  □ no answer  ✖ finding  · none) ", " Zeitleiste seit {since} (■ ok  □ keine Antwort  ✖ Befund  · keine Prüfung) ";
    details_match => "match", "passt";
    details_mismatch => "MISMATCH", "ABWEICHUNG";
    details_not_provided => "n/a", "k. A.";
    details_valid => "valid", "gültig";
    details_invalid => "INVALID", "UNGÜLTIG";
    details_could_not_ask(reason, message) => "could not ask ({reason}): {message}", "konnte nicht fragen ({reason}): {message}";
    details_qualified(valid, status, name, street, postcode, city) => "{valid} {status} · name {name} street {street} postcode {postcode} city {city}", "{valid} {status} · Name {name} Straße {street} PLZ {postcode} Ort {city}";
    details_lei_records(n, lei, status, name) => "{n} LEI record(s): {lei} {status} · {name}", "LEI-Einträge: {n} · {lei} {status} · {name}";
    details_no_lei_record => "no LEI record found", "kein LEI-Eintrag gefunden";
    details_lei_not_found(lei) => "LEI {lei} does not exist", "LEI {lei} existiert nicht";
    details_lei_no_match(variants, scope) => "no LEI found for these variants: {variants} ({scope}); GLEIF may hold the entity in another form, so this is not \"no LEI exists\"", "keine LEI zu diesen Varianten gefunden: {variants} ({scope}); GLEIF führt den Eintrag vielleicht in anderer Form, das heißt nicht \"es gibt keine LEI\"";
    details_scope_country(country) => "country {country}", "Land {country}";
    details_scope_authority(authority) => "registration authority {authority}", "Registerbehörde {authority}";
    details_no_register_entry => "no register entry found", "kein Registereintrag gefunden";
    details_publications(n, date, court, case, notice) => "{n} publication(s): {date} {court} {case} {notice}", "Bekanntmachungen: {n} · {date} {court} {case} {notice}";
    details_no_publications => "no publications", "keine Bekanntmachungen";
    details_hits(n, list, id, name, strength, score) => "{n} hit(s): {list} {id} {name} ({strength}, score {score:.2})", "{n} Treffer: {list} {id} {name} ({strength}, Score {score:.2})";
    details_no_hits(n) => "no hits in {n} lists", "keine Treffer in {n} Listen";
    details_lists_used(lists) => "lists: {lists}", "Listen: {lists}";
    details_reference(x) => "ref {x}", "Ref. {x}";
    details_at(t) => "at {t}", "am {t}";
    details_raw(flat) => "raw: {flat}", "Rohdaten: {flat}";
    details_history_title(n) => " Check history, newest first ({n} runs) ", " Prüfverlauf, neueste zuerst ({n} Prüfungen) ";
    details_run_line(answered, total, by, id) => " {answered}/{total} answered · by {by} · run #{id}", " {answered}/{total} Antworten · durch {by} · #{id}";
    details_by_monitor => "monitor", "Überwachung";
}
