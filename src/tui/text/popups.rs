//! The popups part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    help_title(close, read_only) => " Keys and their [keymap] action names ({close} closes, j/k scroll){read_only} ",
        " Tasten und ihre [keymap]-Aktionsnamen ({close} schließt, j/k blättern){read_only} ";
    help_read_only => " · read-only", " · nur lesen";
    confirm_title => " Confirm ", " Bestätigen ";
    reason_title_not_this_entity => " Not this entity ", " Nicht dieser Eintrag ";
    reason_title_acknowledge => " Acknowledge ", " Quittieren ";
    reason_title_export => " Export ", " Exportieren ";
    reason_save_write => "write", "schreiben";
    reason_save_record => "record", "festhalten";
    reason_missing_file => "type the file to write first", "erst die Datei angeben, in die geschrieben wird";
    reason_missing_reason => "type the reason first", "erst den Grund eingeben";
    form_title_add => " Add counterparty ", " Geschäftspartner anlegen ";
    form_title_edit(id) => " Edit counterparty #{id} ", " Geschäftspartner #{id} bearbeiten ";
    form_fields_shown(first, last, total) => " fields {first}–{last} of {total} ", " Felder {first}–{last} von {total} ";
    form_choice_keys => "←/→ or space", "←/→ oder Leertaste";
}
