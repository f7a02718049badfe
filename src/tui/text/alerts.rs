//! The alerts part of the UI catalog.

use super::texts;

texts! { ENTRIES;
}
