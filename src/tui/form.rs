//! The add/edit form: one single-line text area per field in the order, with live
//! validation through `CounterpartyDraft::apply` so the form and the CLI accept the same input.
//! Kind, priority, monitoring and frequency are choices among fixed values, cycled with the
//! arrow keys or space, not typed: each shows its label in the UI's language and holds the token
//! the draft reads (the value's `Display`, what its CSV cell holds). A new counterparty starts
//! owned by the analyst adding it and monitored as `[register] monitor_new` says.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use crate::domain::{
    Counterparty, CounterpartyDraft, CounterpartyKind, Field, Frequency, Priority, vat,
};
use crate::tui::text::Tr;

/// The form's fields: every field in [`Field::ALL`] order (labels from [`Tr::field`])
/// except tags and notes, which the command line and CSV set.
pub const FIELDS: [Field; 14] = shown();

const fn shown() -> [Field; 14] {
    let mut out = [Field::Name; 14];
    let (mut i, mut n) = (0, 0);
    while i < Field::ALL.len() {
        let f = Field::ALL[i];
        if !matches!(f, Field::Tags | Field::Notes) {
            // A field added to `Field::ALL` stops the build here until the form's size says it.
            out[n] = f;
            n += 1;
        }
        i += 1;
    }
    assert!(n == out.len());
    out
}

/// The index of the kind field in [`FIELDS`].
pub const KIND: usize = 13;
const _: () = assert!(matches!(FIELDS[KIND], Field::Kind));

/// The index of a field in [`FIELDS`], if the form shows it.
fn index(field: Field) -> Option<usize> {
    FIELDS.iter().position(|f| *f == field)
}

/// One value a choice field offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The token the draft reads and the field holds.
    pub value: String,
    /// What the form shows for it.
    pub label: &'static str,
}

/// The values a choice field offers, in the order the arrow keys step through them; none for a
/// text field.
pub fn choices(tr: Tr, field: usize) -> Option<Vec<Choice>> {
    let choice = |value: String, label| Choice { value, label };
    match FIELDS.get(field)? {
        Field::Kind => Some(
            CounterpartyKind::ALL
                .iter()
                .map(|&k| choice(k.to_string(), tr.cp_kind(k)))
                .collect(),
        ),
        Field::Priority => Some(
            Priority::ALL
                .iter()
                .map(|&p| choice(p.to_string(), tr.priority(p)))
                .collect(),
        ),
        Field::Frequency => Some(
            Frequency::ALL
                .iter()
                .map(|&f| choice(f.to_string(), tr.frequency(f)))
                .collect(),
        ),
        Field::Monitor => Some(vec![
            choice(true.to_string(), tr.yes()),
            choice(false.to_string(), tr.no()),
        ]),
        _ => None,
    }
}

/// What a new counterparty starts with in the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDefaults {
    /// The analyst adding it (the owner field is prefilled; it can be cleared).
    pub owner: Option<String>,
    /// Whether it is monitored (`[register] monitor_new`).
    pub monitor: bool,
}

/// State of an open form.
#[derive(Debug, Clone)]
pub struct FormState {
    /// The language of the choices' labels and of the notes.
    tr: Tr,
    /// The id being edited, or None when adding.
    pub editing: Option<u64>,
    base: Option<Counterparty>,
    /// One text area per field, in [`FIELDS`] order.
    pub inputs: Vec<TextArea<'static>>,
    /// The focused field.
    pub focus: usize,
    /// Fields the user has typed into (errors show only there until a save is tried).
    pub touched: Vec<bool>,
    /// Current validation error per field.
    pub errors: Vec<Option<String>>,
    /// A positive note per field (e.g. "check digits ok").
    pub notes: Vec<Option<String>>,
    /// Whether a save was tried (then every error shows).
    pub submitted: bool,
}

fn area(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl FormState {
    /// A form for a new counterparty: empty but for the choices, the owner and monitoring
    /// (from `defaults`).
    pub fn add(tr: Tr, now: DateTime<Utc>, defaults: &NewDefaults) -> FormState {
        let start = |field: Field| -> String {
            match field {
                Field::Owner => defaults.owner.clone().unwrap_or_default(),
                Field::Monitor => defaults.monitor.to_string(),
                Field::Kind => CounterpartyKind::default().as_str().to_string(),
                Field::Priority => Priority::default().to_string(),
                Field::Frequency => Frequency::default().to_string(),
                _ => String::new(),
            }
        };
        let mut f = FormState {
            tr,
            editing: None,
            base: None,
            inputs: FIELDS.iter().map(|&field| area(&start(field))).collect(),
            focus: 0,
            touched: vec![false; FIELDS.len()],
            errors: vec![None; FIELDS.len()],
            notes: vec![None; FIELDS.len()],
            submitted: false,
        };
        f.validate(now);
        f
    }

    /// A form filled with an existing counterparty.
    pub fn edit(tr: Tr, cp: &Counterparty, now: DateTime<Utc>) -> FormState {
        // Each field holds the text its CSV cell holds, so that saving unchanged changes nothing.
        let mut f = FormState {
            tr,
            editing: Some(cp.id),
            base: Some(cp.clone()),
            inputs: FIELDS
                .iter()
                .map(|&field| area(&crate::register::cell(cp, field)))
                .collect(),
            focus: 0,
            touched: vec![true; FIELDS.len()],
            errors: vec![None; FIELDS.len()],
            notes: vec![None; FIELDS.len()],
            submitted: false,
        };
        f.validate(now);
        f
    }

    /// The text of field `i`.
    pub fn value(&self, i: usize) -> &str {
        self.inputs
            .get(i)
            .and_then(|t| t.lines().first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The text of a field the form shows; empty for one it does not.
    fn value_of(&self, field: Field) -> &str {
        index(field).map(|i| self.value(i)).unwrap_or("")
    }

    /// The draft the fields describe.
    pub fn draft(&self) -> CounterpartyDraft {
        let mut draft = CounterpartyDraft::default();
        for (i, &field) in FIELDS.iter().enumerate() {
            // Text fields take any text and choices hold only values the draft reads; what is
            // wrong shows in validation.
            let _ = draft.set(field, self.value(i));
        }
        draft
    }

    /// Re-validates every field.
    pub fn validate(&mut self, now: DateTime<Utc>) {
        self.errors = vec![None; FIELDS.len()];
        self.notes = vec![None; FIELDS.len()];
        if let Err(errors) = self.draft().apply(self.base.as_ref(), now) {
            for e in errors {
                if let Some(i) = index(e.field)
                    && self.errors[i].is_none()
                {
                    self.errors[i] = Some(self.tr.refusal(&e.reason));
                }
            }
        }
        let Some(vat_at) = index(Field::Vat) else {
            return;
        };
        let vat_text = self.value(vat_at).trim().to_string();
        if self.errors[vat_at].is_none()
            && !vat_text.is_empty()
            && let Ok(n) = vat::validate(&vat_text)
        {
            let country = crate::domain::country::normalise(self.value_of(Field::Country));
            self.notes[vat_at] = Some(match country {
                Some(c) if c != n.iso_country() => {
                    self.tr.form_vat_from_elsewhere(&n, n.iso_country())
                }
                _ => self.tr.form_vat_ok(&n),
            });
        }
    }

    /// Whether field `i` should show its error now.
    pub fn shows_error(&self, i: usize) -> bool {
        self.errors.get(i).is_some_and(Option::is_some)
            && (self.submitted || self.touched.get(i).copied().unwrap_or(false))
    }

    /// Whether any field has an error.
    pub fn has_errors(&self) -> bool {
        self.errors.iter().any(Option::is_some)
    }

    /// Moves focus by `delta` fields, wrapping around.
    pub fn move_focus(&mut self, delta: isize) {
        let n = FIELDS.len() as isize;
        self.focus = ((self.focus as isize + delta).rem_euclid(n)) as usize;
    }

    /// Types a key into the focused field; returns whether the text changed. On a choice field
    /// right, left and space step through the values and a letter picks the value whose label
    /// it starts; other keys do nothing, so no value outside the choice can be entered.
    pub fn input(&mut self, key: KeyEvent, now: DateTime<Utc>) -> bool {
        if let Some(values) = choices(self.tr, self.focus) {
            let current = values
                .iter()
                .position(|c| c.value == self.value(self.focus))
                .unwrap_or(0);
            let n = values.len();
            let next = match key.code {
                KeyCode::Right | KeyCode::Char(' ') => (current + 1) % n,
                KeyCode::Left => (current + n - 1) % n,
                KeyCode::Char(c) => match values
                    .iter()
                    .position(|v| v.label.to_lowercase().starts_with(c))
                {
                    Some(i) => i,
                    None => return false,
                },
                _ => return false,
            };
            if next == current {
                return false;
            }
            self.inputs[self.focus] = area(&values[next].value);
            self.touched[self.focus] = true;
            self.validate(now);
            return true;
        }
        let Some(t) = self.inputs.get_mut(self.focus) else {
            return false;
        };
        let changed = t.input(key);
        if changed {
            self.touched[self.focus] = true;
            self.validate(now);
        }
        changed
    }

    /// Inserts pasted text (newlines become spaces: every field is one line).
    pub fn paste(&mut self, text: &str, now: DateTime<Utc>) {
        if choices(self.tr, self.focus).is_some() {
            return;
        }
        let clean: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        if let Some(t) = self.inputs.get_mut(self.focus) {
            t.insert_str(clean);
            self.touched[self.focus] = true;
            self.validate(now);
        }
    }

    /// Sets errors reported by the store (e.g. a duplicate VAT number) on their fields.
    pub fn set_store_errors(&mut self, errors: &[(Field, String)]) {
        self.submitted = true;
        for (field, reason) in errors {
            if let Some(i) = index(*field) {
                self.errors[i] = Some(reason.clone());
                self.focus = i;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn kind_is_a_choice_not_a_text() {
        let now = Utc::now();
        let mut f = FormState::add(Tr::EN, now, &NewDefaults::default());
        assert_eq!(f.value(KIND), "organisation");
        f.focus = KIND;
        assert!(f.input(key(KeyCode::Right), now));
        assert_eq!(f.value(KIND), "person");
        assert!(f.input(key(KeyCode::Char(' ')), now));
        assert_eq!(f.value(KIND), "vessel");
        assert!(f.input(key(KeyCode::Left), now));
        assert_eq!(f.value(KIND), "person");
        assert!(f.input(key(KeyCode::Left), now));
        assert!(f.input(key(KeyCode::Left), now), "wraps around");
        assert_eq!(f.value(KIND), "aircraft");
        // A letter picks the value it starts; other text cannot be typed or pasted.
        assert!(f.input(key(KeyCode::Char('v')), now));
        assert_eq!(f.value(KIND), "vessel");
        assert!(!f.input(key(KeyCode::Char('x')), now));
        assert!(!f.input(key(KeyCode::Backspace), now));
        f.paste("submarine", now);
        assert_eq!(f.value(KIND), "vessel");
        assert_eq!(f.draft().kind.as_deref(), Some("vessel"));

        let mut cp = CounterpartyDraft {
            name: Some("Anna Berger e.K.".into()),
            country: Some("DE".into()),
            kind: Some("person".into()),
            ..Default::default()
        }
        .apply(None, now)
        .unwrap();
        cp.id = 3;
        let f = FormState::edit(Tr::EN, &cp, now);
        assert_eq!(f.value(KIND), "person");
        assert_eq!(f.value(10), "normal", "the choices show the stored value");
        assert_eq!(
            f.value(0),
            "Anna Berger e.K.",
            "the text fields keep their CSV cells"
        );
        assert!(!f.has_errors());
        assert_eq!(f.draft().apply(Some(&cp), now).unwrap(), cp);
    }

    #[test]
    fn a_new_counterparty_starts_owned_by_its_analyst_and_monitored_as_configured() {
        let now = Utc::now();
        let defaults = NewDefaults {
            owner: Some("anna".into()),
            monitor: true,
        };
        let mut f = FormState::add(Tr::EN, now, &defaults);
        let draft = f.draft();
        assert_eq!(draft.owner.as_deref(), Some("anna"));
        assert_eq!(draft.monitor, Some(true));
        assert_eq!(draft.priority.as_deref(), Some("normal"));
        assert_eq!(draft.frequency.as_deref(), Some("daily"));
        // Monitoring, priority and frequency are choices: stepped, never typed.
        f.focus = index(Field::Monitor).unwrap();
        assert!(!f.input(key(KeyCode::Char('x')), now));
        assert!(f.input(key(KeyCode::Char('n')), now));
        f.focus = index(Field::Frequency).unwrap();
        assert!(f.input(key(KeyCode::Right), now));
        f.focus = index(Field::Priority).unwrap();
        assert!(f.input(key(KeyCode::Char('h')), now));
        f.inputs[0] = area("Alpha GmbH");
        f.inputs[1] = area("DE");
        f.validate(now);
        let cp = f.draft().apply(None, now).unwrap();
        assert!(!cp.monitor);
        assert_eq!(cp.frequency, Frequency::Weekly);
        assert_eq!(cp.priority, Priority::High);
        assert_eq!(cp.owner.as_deref(), Some("anna"));
        let off = FormState::add(Tr::EN, now, &NewDefaults::default());
        assert_eq!(off.value(index(Field::Monitor).unwrap()), "false");
        assert_eq!(off.value(index(Field::Owner).unwrap()), "");
    }
}
