//! Every word the UI shows, in German and English. Views and reducers ask a [`Tr`] for each label
//! and message instead of writing text themselves, so the whole UI follows `language`, and the
//! catalog below is the one place a translator reads.
//!
//! Each entry is written once with both texts side by side (`name => "English", "Deutsch";`), and
//! an entry with arguments (`name(n) => "{n} ago", "vor {n}";`) becomes a function that formats
//! them: an entry cannot exist in one language only, and the tests check that both texts take the
//! same arguments and that the views write no words of their own.

use crate::values::Language;

mod alerts;
mod common;
pub use common::query;
mod counterparties;
mod details;
mod form;
mod popups;
mod refusals;
mod stats;
mod status;

/// The UI's words in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr(pub Language);

impl Tr {
    /// English, the language the tests' snapshots are written in.
    pub const EN: Tr = Tr(Language::En);
    /// German, the default.
    pub const DE: Tr = Tr(Language::De);

    /// Whether this is German (for the few rules that differ by grammar, not only by words).
    pub fn is_de(self) -> bool {
        self.0 == Language::De
    }
}

/// One entry as written in the catalog: read by the completeness tests.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The method name.
    pub name: &'static str,
    /// The English text (a format string for entries with arguments).
    pub en: &'static str,
    /// The German text.
    pub de: &'static str,
}

/// Declares catalog entries: a `Tr` method per entry and a list `$list` of them for the tests.
macro_rules! texts {
    ($list:ident; $( $name:ident $( ( $($arg:ident),* ) )? => $en:literal, $de:literal; )*) => {
        impl $crate::tui::text::Tr {
            $( texts!(@method $name $( ( $($arg),* ) )? => $en, $de); )*
        }

        /// This part of the catalog, for the completeness tests.
        pub(super) const $list: &[$crate::tui::text::Entry] = &[
            $( $crate::tui::text::Entry { name: stringify!($name), en: $en, de: $de }, )*
        ];
    };
    (@method $name:ident => $en:literal, $de:literal) => {
        #[doc = concat!("\"", $en, "\"")]
        pub fn $name(self) -> &'static str {
            match self.0 {
                $crate::values::Language::En => $en,
                $crate::values::Language::De => $de,
            }
        }
    };
    (@method $name:ident ( $($arg:ident),* ) => $en:literal, $de:literal) => {
        #[doc = concat!("\"", $en, "\"")]
        pub fn $name(self, $($arg: impl std::fmt::Display),*) -> String {
            match self.0 {
                $crate::values::Language::En => format!($en),
                $crate::values::Language::De => format!($de),
            }
        }
    };
}
pub(crate) use texts;

/// The whole catalog.
pub fn catalog() -> impl Iterator<Item = &'static Entry> {
    [
        common::ENTRIES,
        stats::ENTRIES,
        counterparties::ENTRIES,
        details::ENTRIES,
        alerts::ENTRIES,
        form::ENTRIES,
        popups::ENTRIES,
        status::ENTRIES,
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests;
