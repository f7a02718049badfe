//! Snapshot tests: every tab, the form, help and confirmations, at 100x30 and at the smallest
//! size drawn (50x12; one test for the notice below it), and the
//! alert view at 120x40 and 80x24, drawn on ratatui's TestBackend from a demo register with a
//! fixed clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod support;
use support::tui as tui_support;

use crossterm::event::KeyCode;
use kontra::tui::event::Event;
use tui_support::Harness;

fn shots(name: &str, setup: impl FnOnce(&mut Harness)) {
    let mut h = Harness::new((100, 30));
    setup(&mut h);
    insta::assert_snapshot!(format!("{name}_100x30"), h.screen());
    // The smallest size the UI draws (MIN_SIZE): the real layout squeezed, not a notice.
    h.send(Event::Resize(50, 12));
    insta::assert_snapshot!(format!("{name}_50x12"), h.screen());
}

#[test]
fn stats_tab() {
    shots("stats", |h| h.ch('1'));
}

/// The dashboard at the sizes analysts use and at the smallest drawn: cards, health, charts
/// with a date axis and a today marker across the width, recent alerts when there is room.
#[test]
fn stats_dashboard_uses_the_room_it_has() {
    for (w, hgt) in [(120, 40), (80, 24), (50, 12)] {
        let mut h = Harness::new((w, hgt));
        h.ch('1');
        let screen = h.screen();
        if hgt >= 24 {
            assert!(screen.contains("today▲"), "{screen}");
        }
        if hgt >= 40 {
            assert!(screen.contains("Recent alerts"), "{screen}");
        }
        insta::assert_snapshot!(format!("stats_dashboard_{w}x{hgt}"), screen);
    }
}

/// The next cycle keeps its zone in the Cycles card at 100 columns (it was cut to "CE").
#[test]
fn the_cycles_card_keeps_the_time_zone() {
    let mut h = Harness::new((100, 30));
    h.app.state.next_cycle = Some(tui_support::now() + chrono::Duration::hours(5));
    h.ch('1');
    let screen = h.screen();
    let line = screen.lines().find(|l| l.contains("next")).unwrap();
    assert!(line.contains(" CET") || line.contains(" UTC"), "{line}");
}

/// The VIES pause in the tab bar, the status line and the Stats tab, with the key that lifts
/// it; read-only names the command instead.
#[test]
fn the_vies_pause_shows_in_the_status_line_and_on_stats() {
    let mut h = Harness::new((120, 40));
    h.pause_vies();
    h.ch('1');
    let screen = h.screen();
    assert!(screen.contains("[VIES paused]"), "{screen}");
    assert!(screen.contains("vies (paused)"), "{screen}");
    assert!(screen.contains("r lifts the pause"), "{screen}");
    insta::assert_snapshot!("stats_vies_paused_120x40", screen);
    let mut ro = Harness::with((120, 40), true, 40, 20);
    ro.pause_vies();
    ro.ch('1');
    let screen = ro.screen();
    assert!(screen.contains("kontra sources resume vies"), "{screen}");
    assert!(!screen.contains("lifts the pause"), "{screen}");
    insta::assert_snapshot!("stats_vies_paused_read_only_120x40", screen);
}

#[test]
fn counterparties_tab() {
    shots("counterparties", |_| {});
}

/// At the smallest size the columns give way in order and the name is the last to go: each
/// row shows its counterparty's name (it was squeezed to nothing).
#[test]
fn the_name_column_stays_at_the_smallest_size() {
    let mut h = Harness::new((50, 12));
    let screen = h.screen();
    let first = h.app.state.selected_row().unwrap().cp.name.clone();
    let header = screen.lines().nth(2).unwrap();
    assert!(header.contains("Name"), "{screen}");
    let shown: String = first.chars().take(8).collect();
    assert!(screen.contains(&shown), "{first:?} not on\n{screen}");
    // Then marked: the mark shows in the first column left.
    h.ch(' ');
    assert!(
        h.screen().lines().nth(3).unwrap().contains('+'),
        "{}",
        h.screen()
    );
}

#[test]
fn counterparties_filtered_and_marked() {
    shots("counterparties_filtered", |h| {
        h.ch('/');
        h.typ("de");
        h.key(KeyCode::Enter);
        h.ch('o');
        h.ch(' ');
        h.ch(' ');
    });
}

#[test]
fn details_tab_with_expanded_run() {
    shots("details", |h| {
        h.ch('4');
        h.key(KeyCode::Enter);
        h.key(KeyCode::Enter);
    });
}

#[test]
fn alerts_tab() {
    shots("alerts", |h| h.ch('4'));
}

#[test]
fn add_form_with_live_validation() {
    shots("form_add", |h| {
        h.ch('a');
        h.typ("Beispiel Handel GmbH");
        h.key(KeyCode::Tab);
        h.typ("Deutschland");
        h.key(KeyCode::Tab);
        h.typ("DE 136 695 977");
        h.key(KeyCode::Tab);
        h.typ("einkauf(at)beispiel.de");
    });
}

#[test]
fn edit_form() {
    shots("form_edit", |h| h.ch('e'));
}

#[test]
fn help_popup() {
    shots("help", |h| h.ch('?'));
}

#[test]
fn delete_confirmation() {
    shots("confirm_delete", |h| h.ch('d'));
}

#[test]
fn acknowledge_all_confirmation() {
    shots("confirm_ack_all", |h| {
        h.ch('4');
        h.ch('A');
    });
}

#[test]
fn read_only_footer_has_no_write_keys() {
    let h = Harness::with((100, 30), true, 40, 20);
    insta::assert_snapshot!("read_only_100x30", h.screen());
}

#[test]
fn not_this_entity_reason() {
    shots("not_this_entity", |h| {
        h.ch('4');
        let at = h
            .app
            .state
            .alert_view
            .visible
            .iter()
            .position(|&i| {
                h.app.state.alerts[i as usize].kind == kontra::domain::AlertKind::SanctionsFound
            })
            .unwrap();
        h.app.state.alert_view.cursor.selected = at;
        h.ch('n');
        h.typ("registered in Leipzig, HRB 1234");
    });
}

/// `x` asks where to write, prefilled with a new file in the user's documents directory.
#[test]
fn export_prompt() {
    shots("export_prompt", |h| {
        h.app.state.export_dir = std::path::PathBuf::from("/home/anna/Documents");
        h.ch('x');
    });
}

#[test]
fn form_kind_is_a_choice() {
    shots("form_kind", |h| {
        h.ch('a');
        h.key(KeyCode::BackTab);
        h.key(KeyCode::Right);
        h.key(KeyCode::Right);
    });
}

#[test]
fn details_of_a_possible_sanctions_hit() {
    // Taller than the other shots: the expanded run ends with the hit's reasons.
    let mut h = Harness::new((100, 40));
    h.expand_run_of_alert(kontra::domain::AlertKind::SanctionsPossible);
    let screen = h.screen();
    assert!(
        screen.contains("· different country: listed in IR, you have DK"),
        "{screen}"
    );
    insta::assert_snapshot!("details_possible_hit_100x40", screen);
}

/// Selects the newest alert of one of these kinds on the alerts tab.
/// The alert view at 120x40, and at 80x24 before and after scrolling one page (what a small
/// terminal shows below the fold); `must` is on the big screen and on one of the small ones.
fn alert_view_shots(name: &str, kinds: &[kontra::domain::AlertKind], must: &[&str]) {
    let mut h = Harness::new((120, 40));
    h.select_alert(kinds);
    h.ch('v');
    let screen = h.screen();
    for m in must {
        assert!(screen.contains(m), "{m:?} missing at 120x40:\n{screen}");
    }
    insta::assert_snapshot!(format!("{name}_120x40"), screen);
    let mut h = Harness::new((80, 24));
    h.select_alert(kinds);
    h.ch('v');
    let top = h.screen();
    insta::assert_snapshot!(format!("{name}_80x24"), top);
    h.key(KeyCode::PageDown);
    let below = h.screen();
    insta::assert_snapshot!(format!("{name}_80x24_scrolled"), below);
    for m in must {
        assert!(
            top.contains(m) || below.contains(m),
            "{m:?} missing at 80x24:\n{top}\n{below}"
        );
    }
}

#[test]
fn alert_view_of_a_change() {
    use kontra::domain::AlertKind::*;
    alert_view_shots(
        "alert_view_change",
        &[
            CompanyNameChanged,
            CompanyAddressChanged,
            VatInvalid,
            VatStatusChanged,
        ],
        &[
            "Message",
            "What changed",
            "Before",
            "Now",
            "Evidence",
            "Reference",
        ],
    );
}

#[test]
fn alert_view_of_a_sanctions_hit() {
    alert_view_shots(
        "alert_view_sanctions",
        &[kontra::domain::AlertKind::SanctionsFound],
        &["Listed entity", "score", "Explanation"],
    );
}

#[test]
fn alerts_table_gives_the_message_the_room() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut harness = Harness::new((w, h));
        harness.ch('4');
        insta::assert_snapshot!(format!("alerts_{w}x{h}"), harness.screen());
    }
}

/// One column or row below the minimum, the UI says so instead of drawing a broken layout.
#[test]
fn below_the_minimum_size_a_notice_names_it() {
    let mut h = Harness::new((100, 30));
    for (w, hgt) in [(49, 12), (50, 11)] {
        h.send(Event::Resize(w, hgt));
        let screen = h.screen();
        assert!(
            screen.contains("too small") && screen.contains("50x12"),
            "{w}x{hgt}:\n{screen}"
        );
    }
    h.send(Event::Resize(49, 11));
    insta::assert_snapshot!("too_small_49x11", h.screen());
}
