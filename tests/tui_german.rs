//! The UI in German (`language = "de"`, the default): every screen drawn on TestBackend from the
//! demo register with a fixed clock, as snapshots; and no English text of the catalog shows on a
//! German screen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use crossterm::event::KeyCode;
use kontra::domain::AlertKind;
use kontra::tui::action::Action;
use kontra::tui::event::Event;
use kontra::tui::state::Popup;
use kontra::tui::text::{Tr, catalog};
use kontra::values::Language;
use tui_support::Harness;

/// A German UI over 40 demo counterparties with 20 days of history.
fn german(size: (u16, u16)) -> Harness {
    Harness::in_language(size, false, 40, 20, Language::De)
}

// ── Stats, counterparties, details ───────────────────────────────────────────────────────────

/// The dashboard at the sizes analysts use: cards, source health, the lists, recent alerts and
/// the charts with their date axis, all in German.
#[test]
fn stats_dashboard_in_german() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = german((w, hgt));
        h.ch('1');
        let screen = h.screen();
        for word in ["Offene Alerts", "Prüfläufe", "heute▲", "Quelle"] {
            assert!(screen.contains(word), "{word} missing:\n{screen}");
        }
        for english in [
            "Open alerts",
            "Cycles",
            "today",
            "Source health",
            "never",
            " ago",
        ] {
            assert!(!screen.contains(english), "{english} on:\n{screen}");
        }
        if hgt >= 40 {
            assert!(screen.contains("Neueste Alerts"), "{screen}");
        }
        insta::assert_snapshot!(format!("stats_dashboard_{w}x{hgt}"), screen);
    }
}

/// The counterparty table, then filtered by text, monitoring and status, with marks.
#[test]
fn counterparty_table_in_german() {
    let mut h = german((100, 30));
    let screen = h.screen();
    assert!(screen.contains("Geschäftspartner 40/40"), "{screen}");
    assert!(screen.contains("vor "), "{screen}");
    insta::assert_snapshot!("counterparties_100x30", screen);
    h.ch('/');
    h.typ("de");
    h.key(KeyCode::Enter);
    h.ch('M');
    h.ch('s');
    h.ch(' ');
    let screen = h.screen();
    assert!(
        screen.contains("Filter: \"de\", überwacht, Status"),
        "{screen}"
    );
    assert!(screen.contains("1 markiert"), "{screen}");
    insta::assert_snapshot!("counterparties_filtered_100x30", screen);
}

/// Details of a counterparty with a run expanded: fields, monitoring, timeline and history.
#[test]
fn details_in_german() {
    let mut h = german((100, 30));
    h.ch('4');
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    let screen = h.screen();
    for word in [
        "Überwachung und Alerts",
        "Zeitleiste seit",
        "Prüfverlauf",
        "Antworten",
    ] {
        assert!(screen.contains(word), "{word} missing:\n{screen}");
    }
    insta::assert_snapshot!("details_100x30", screen);
}

/// Details of a possible sanctions hit: the hit, its strength and reasons in German.
#[test]
fn details_of_a_possible_sanctions_hit_in_german() {
    let mut h = german((100, 40));
    h.expand_run_of_alert(AlertKind::SanctionsPossible);
    let screen = h.screen();
    assert!(screen.contains("1 Treffer:"), "{screen}");
    assert!(screen.contains("möglicher Treffer"), "{screen}");
    insta::assert_snapshot!("details_possible_hit_100x40", screen);
}

// ── Alerts, the alert view, popups and the form ──────────────────────────────────────────────

/// Fails when one of these English words shows on a German screen.
fn no_english(screen: &str, words: &[&str]) {
    for w in words {
        assert!(
            !screen.contains(w),
            "English {w:?} on a German screen:\n{screen}"
        );
    }
}

/// Selects the newest alert of one of these kinds on the alerts tab.
#[test]
fn alerts_tab_in_german() {
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = german((w, hgt));
        h.ch('4');
        let screen = h.screen();
        no_english(
            &screen,
            &[
                "Severity",
                "When",
                "Counterparty",
                "Kind",
                "Message",
                " open",
                " ago",
                "unsent",
            ],
        );
        insta::assert_snapshot!(format!("alerts_{w}x{hgt}"), screen);
    }
}

/// The alerts tab's title names its filters in German.
#[test]
fn the_alert_filters_are_named_in_german() {
    let mut h = german((120, 40));
    h.ch('4');
    h.app.state.alert_view.severity = Some(kontra::domain::Severity::Critical);
    h.app.state.alert_view.unacked_only = true;
    h.app.state.refilter_alerts();
    let screen = h.screen();
    assert!(
        screen.contains("Filter: Schwere kritisch, offen"),
        "{screen}"
    );
}

#[test]
fn alert_view_of_a_change_in_german() {
    let mut h = german((120, 40));
    h.select_alert(&[
        AlertKind::CompanyNameChanged,
        AlertKind::CompanyAddressChanged,
        AlertKind::VatInvalid,
        AlertKind::VatStatusChanged,
    ]);
    h.ch('v');
    let screen = h.screen();
    for m in [
        "Meldung",
        "Was sich geändert hat",
        "Vorher",
        "Jetzt",
        "Nachweis",
        "Referenz",
    ] {
        assert!(screen.contains(m), "{m:?} missing:\n{screen}");
    }
    no_english(
        &screen,
        &[
            "Raised",
            "Delivery",
            "What changed",
            "Evidence",
            "(run #",
            " ago",
        ],
    );
    insta::assert_snapshot!("alert_view_change_120x40", screen);
}

#[test]
fn alert_view_of_a_sanctions_hit_in_german() {
    let mut h = german((120, 40));
    h.select_alert(&[AlertKind::SanctionsFound]);
    h.ch('v');
    let screen = h.screen();
    for m in [
        "Gelisteter Eintrag",
        "Score 1.00 · starker Treffer",
        "Erklärung",
    ] {
        assert!(screen.contains(m), "{m:?} missing:\n{screen}");
    }
    no_english(
        &screen,
        &["Listed entity", "Explanation", "Registry", "received"],
    );
    insta::assert_snapshot!("alert_view_sanctions_120x40", screen);
}

#[test]
fn help_overlay_in_german() {
    let mut h = german((100, 30));
    h.ch('?');
    let screen = h.screen();
    no_english(&screen, &["Keys and their", "closes", "scroll)"]);
    insta::assert_snapshot!("help_100x30", screen);
}

#[test]
fn add_form_in_german() {
    let mut h = german((100, 30));
    h.ch('a');
    h.typ("Beispiel Handel GmbH");
    h.key(KeyCode::Tab);
    h.typ("DE");
    h.key(KeyCode::Tab);
    h.typ("DE 136 695 976");
    let screen = h.screen();
    assert!(screen.contains("DE136695976: Prüfziffer ok"), "{screen}");
    no_english(
        &screen,
        &[
            "Add counterparty",
            "next field",
            "daily",
            "weekly",
            "yes",
            "vessel",
            " or space",
        ],
    );
    insta::assert_snapshot!("form_add_100x30", screen);
    // At the smallest size the footer drops the next-field hint rather than cut "abbrechen".
    h.send(Event::Resize(50, 12));
    let screen = h.screen();
    assert!(
        screen.contains("└ enter speichern  esc abbrechen ─"),
        "{screen}"
    );
}

/// A choice field holds the token the draft reads while it shows the German label, and a letter
/// picks the value whose German label it starts.
#[test]
fn the_form_choices_show_german_labels_and_hold_the_tokens() {
    let mut h = german((100, 30));
    h.ch('a');
    h.typ("Beispiel Handel GmbH");
    h.key(KeyCode::Tab);
    h.typ("DE");
    // Back from the name to the last fields: kind, then frequency, monitoring, priority.
    h.key(KeyCode::BackTab);
    h.key(KeyCode::BackTab);
    h.ch('s');
    h.key(KeyCode::BackTab);
    h.ch('w');
    h.key(KeyCode::BackTab);
    h.ch('n');
    h.ch('j');
    h.key(KeyCode::BackTab);
    h.ch('h');
    let screen = h.screen();
    for m in ["[hoch]", "[ja]", "[wöchentlich]", "[Schiff]"] {
        assert!(screen.contains(m), "{m:?} missing:\n{screen}");
    }
    let Some(Popup::Form(f)) = &h.app.state.popup else {
        panic!("form open")
    };
    let draft = f.draft();
    assert_eq!(draft.priority.as_deref(), Some("high"));
    assert_eq!(draft.frequency.as_deref(), Some("weekly"));
    assert_eq!(draft.monitor, Some(true));
    assert_eq!(draft.kind.as_deref(), Some("vessel"));
}

#[test]
fn delete_confirmation_in_german() {
    let mut h = german((100, 30));
    h.ch('d');
    let screen = h.screen();
    assert!(screen.contains(" Bestätigen "), "{screen}");
    insta::assert_snapshot!("confirm_delete_100x30", screen);
}

#[test]
fn acknowledge_all_confirmation_in_german() {
    let mut h = german((100, 30));
    h.ch('4');
    h.ch('A');
    let screen = h.screen();
    no_english(&screen, &["Acknowledge", "unacknowledged"]);
    insta::assert_snapshot!("confirm_ack_all_100x30", screen);
}

#[test]
fn not_this_entity_reason_in_german() {
    let mut h = german((100, 30));
    h.select_alert(&[AlertKind::SanctionsFound]);
    h.ch('n');
    h.typ("eingetragen in Leipzig, HRB 1234");
    let screen = h.screen();
    no_english(&screen, &["is not", "why?", "cancel", "record "]);
    insta::assert_snapshot!("not_this_entity_100x30", screen);
}

// ── Status line, prompts and messages ────────────────────────────────────────────────────────

/// English that must not show on a German screen: every catalog entry and action help whose
/// English differs from its German, cut at its placeholders into pieces long enough (two words,
/// or eight letters) not to occur by chance in the demo's data.
fn english_only() -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |en: &str, de: &str| {
        if en == de {
            return;
        }
        for piece in en.split(['{', '}']) {
            let piece = piece.trim();
            if (piece.contains(' ') || piece.len() >= 8) && !de.contains(piece) {
                out.push(piece.to_string());
            }
        }
    };
    for e in catalog() {
        add(e.en, e.de);
    }
    for a in Action::ALL {
        add(a.help(Tr::EN), a.help(Tr::DE));
    }
    out
}

/// Whether `piece` occurs in `text` as words of their own (not inside `toggle_monitored_only`, a
/// config name the help shows as it is).
fn has_word(text: &str, piece: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(piece).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + piece.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Every screen and popup an analyst sees on a normal day, drawn in German: none of them shows
/// a piece of the catalog's English.
#[test]
fn no_english_shows_on_a_german_screen() {
    let english = english_only();
    assert!(
        english.len() > 100,
        "too few English pieces: {}",
        english.len()
    );
    let mut screens: Vec<(&str, String)> = Vec::new();
    for (w, hgt) in [(120, 40), (80, 24)] {
        let mut h = german((w, hgt));
        for tab in ['1', '2', '3', '4'] {
            h.ch(tab);
            screens.push(("tab", h.screen()));
        }
        h.ch('2');
        h.ch('?');
        screens.push(("help", h.screen()));
        h.key(KeyCode::Esc);
        h.ch('a');
        screens.push(("form", h.screen()));
        h.key(KeyCode::Esc);
        h.ch('d');
        screens.push(("confirm", h.screen()));
        h.key(KeyCode::Esc);
        h.ch('4');
        h.ch('v');
        screens.push(("alert view", h.screen()));
    }
    // A piece that is also German ("Register") proves nothing.
    let german: String = catalog()
        .map(|e| e.de)
        .chain(Action::ALL.iter().map(|a| a.help(Tr::DE)))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (what, screen) in &screens {
        for piece in &english {
            if has_word(screen, piece) && !has_word(&german, piece) {
                found.push(format!("{what}: {piece:?}"));
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(
        found.is_empty(),
        "English on German screens:\n{}",
        found.join("\n")
    );
}

/// The status line speaks German: a refused save names the field and the reason in German.
#[test]
fn a_refused_save_is_explained_in_german() {
    let mut h = german((100, 30));
    h.ch('2');
    h.ch('a');
    h.key(KeyCode::Enter);
    let flash = h.flash();
    assert!(flash.contains("Felder"), "{flash}");
    let screen = h.screen();
    assert!(screen.contains("ein Name ist nötig"), "{screen}");
}
