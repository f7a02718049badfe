//! The popups part of the UI catalog.

use super::texts;

texts! { ENTRIES;
    confirm_title => " Confirm ", " Bestätigen ";
    reason_title_not_this_entity => " Not this entity ", " Nicht dieser Eintrag ";
    reason_title_acknowledge => " Acknowledge ", " Quittieren ";
    reason_title_export => " Export ", " Exportieren ";
    reason_save_write => "write", "schreiben";
    reason_save_record => "record", "festhalten";
    reason_missing_file => "type the file to write first", "erst die Datei angeben, in die geschrieben wird";
    reason_missing_reason => "type the reason first", "erst den Grund eingeben";
}
