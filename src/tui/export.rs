//! The UI's export (`x`): a prompt prefilled with a new file in the user's documents directory
//! (else the data directory; never the current directory, which is wherever the terminal
//! happened to be), and the effect that writes the shown rows there with their last checks, as
//! CSV for German Excel (which `kontra import` reads back).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::effects::Effect;
use super::state::{AppState, Popup, ReasonFor};
use crate::register::export::ExportRow;

/// The directory the prompt offers: `xdg_documents` (`$XDG_DOCUMENTS_DIR`), else `Documents` in
/// `home`, whichever is an existing directory first; else `fallback` (the data directory).
pub fn default_dir(xdg_documents: Option<&Path>, home: Option<&Path>, fallback: &Path) -> PathBuf {
    let documents = home.map(|h| h.join("Documents"));
    xdg_documents
        .map(Path::to_path_buf)
        .into_iter()
        .chain(documents)
        .find(|d| d.is_absolute() && d.is_dir())
        .unwrap_or_else(|| fallback.to_path_buf())
}

/// [`default_dir`] from this process's environment.
pub fn default_dir_from_env(fallback: &Path) -> PathBuf {
    let xdg = std::env::var_os("XDG_DOCUMENTS_DIR").map(PathBuf::from);
    default_dir(xdg.as_deref(), home_dir().as_deref(), fallback)
}

/// The user's home directory (`$HOME`), for `~` in a typed path.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// A file name of its own for each export, by the time it was asked for on the configured
/// clock (the one every other time the user reads is on).
fn file_name(now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    format!(
        "kontra-export-{}.csv",
        now.with_timezone(&tz).format("%Y%m%d-%H%M%S")
    )
}

/// The prompt `x` opens: where to write the rows the table shows.
pub fn prompt(state: &AppState) -> Popup {
    let n = state.table.visible.len();
    Popup::Reason {
        question: state.tr().export_question(n),
        text: state
            .export_dir
            .join(file_name(state.now, state.tz))
            .display()
            .to_string(),
        pending: ReasonFor::ExportTo,
    }
}

/// Writing the rows the table shows to the typed path; a relative path is taken from the
/// export directory (not the current one), `~/` from the home directory (by the effect).
pub fn effect(state: &AppState, typed: &str) -> Effect {
    let typed = Path::new(typed);
    let path = if typed.is_absolute() || typed.starts_with("~") {
        typed.to_path_buf()
    } else {
        state.export_dir.join(typed)
    };
    let rows = state
        .table
        .visible
        .iter()
        .map(|&i| {
            let row = &state.rows[i as usize];
            ExportRow {
                cp: row.cp.clone(),
                last: row.last,
            }
        })
        .collect();
    Effect::Export { path, rows }
}

/// `path` with a leading `~` replaced by `home`.
pub fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_carries_the_local_time() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2025, 3, 14, 23, 30, 0).unwrap();
        assert_eq!(
            file_name(now, chrono_tz::Europe::Berlin),
            "kontra-export-20250315-003000.csv"
        );
    }

    #[test]
    fn the_default_is_the_documents_directory_that_exists_else_the_data_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let data = tmp.path().join("data");
        let xdg = tmp.path().join("Dokumente");
        std::fs::create_dir_all(&home).unwrap();
        // Nothing exists: the data directory.
        assert_eq!(default_dir(Some(&xdg), Some(&home), &data), data);
        // ~/Documents exists.
        std::fs::create_dir(home.join("Documents")).unwrap();
        assert_eq!(
            default_dir(Some(&xdg), Some(&home), &data),
            home.join("Documents")
        );
        // $XDG_DOCUMENTS_DIR wins when it exists; a relative one is not taken (it would be
        // the current directory's).
        std::fs::create_dir(&xdg).unwrap();
        assert_eq!(default_dir(Some(&xdg), Some(&home), &data), xdg);
        assert_eq!(
            default_dir(Some(Path::new(".")), None, &data),
            data,
            "never the current directory"
        );
        assert_eq!(
            expand_home(Path::new("~/x.csv"), Some(&home)),
            home.join("x.csv")
        );
        assert_eq!(
            expand_home(Path::new("/a/~/x.csv"), Some(&home)),
            Path::new("/a/~/x.csv")
        );
    }
}
