//! The register's search: the filter line's syntax (`country:de owner:anna text`, see
//! [`FilterLine`]) and the index: every row's searchable fields, folded (lower case, accents
//! dropped, see [`crate::domain::collate`]), in one contiguous buffer with row offsets, so a
//! filter keystroke over 100,000 rows is one SIMD substring scan (`memchr::memmem`) instead of
//! 100,000 separate string searches on scattered heap strings.

use super::text::query;
use memchr::memmem::Finder;

use crate::domain::Counterparty;
use crate::domain::collate::{self, push_folded};

/// Ends every field, so a match never spans two fields (or two rows).
pub const SEP: u8 = 1;

/// Folded name, VAT number, country, owner, e-mail and domain of every row, in row order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchIndex {
    /// All rows' fields, each followed by [`SEP`].
    hay: Vec<u8>,
    /// Row `i` is `hay[starts[i]..starts[i + 1]]`; one more entry than rows.
    starts: Vec<usize>,
    /// Where row `i`'s name ends (its first separator), for sorting by name.
    name_ends: Vec<usize>,
}

impl Default for SearchIndex {
    fn default() -> Self {
        SearchIndex {
            hay: Vec::new(),
            starts: vec![0],
            name_ends: Vec::new(),
        }
    }
}

/// Writes one row's fields into `buf`; returns where the name ends.
fn write_row(buf: &mut Vec<u8>, cp: &Counterparty) -> usize {
    push_folded(buf, &cp.name);
    let name_end = buf.len();
    buf.push(SEP);
    for part in [
        cp.vat.as_deref(),
        Some(cp.country.as_str()),
        cp.owner.as_deref(),
        cp.email.as_deref(),
        cp.domain.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        push_folded(buf, part);
        buf.push(SEP);
    }
    name_end
}

/// The searchable text of one counterparty as the index stores it (the reference the index is
/// tested against: a row matches a query exactly when this text contains it).
pub fn haystack(cp: &Counterparty) -> Vec<u8> {
    let mut buf = Vec::with_capacity(96);
    write_row(&mut buf, cp);
    buf
}

/// A prepared query: folded once, searched with one reusable finder.
#[derive(Debug, Clone)]
pub struct Query {
    finder: Finder<'static>,
}

impl Query {
    /// Prepares an already folded, non-empty query; None for the empty query (which
    /// matches everything).
    pub fn new(lower: &str) -> Option<Query> {
        (!lower.is_empty()).then(|| Query {
            finder: Finder::new(lower.as_bytes()).into_owned(),
        })
    }

    fn len(&self) -> usize {
        self.finder.needle().len()
    }
}

/// The filter line parsed: field filters (`country:` or `cc:`, `owner:`) and the free text
/// searched in every field. `country:de,at` keeps either country (`country:d` while typing keeps
/// every code starting with D; a name such as `country:austria` works too); `owner:anna` keeps
/// counterparties whose owner contains "anna" and `owner:-` those without one. Everything else
/// is text, searched as one phrase; case and accents never matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterLine {
    /// The free text, folded.
    pub text: String,
    /// Country codes (or, while typed, their beginnings), upper case; empty keeps all.
    pub countries: Vec<String>,
    /// The owner filter, folded; `Some("")` keeps counterparties without an owner.
    pub owner: Option<String>,
}

/// The prefix of a field filter: `country:`/`cc:` or `owner:`, with its value.
fn field<'a>(token: &'a str, names: &[&str]) -> Option<&'a str> {
    let (name, value) = token.split_once(':')?;
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
        .then_some(value)
}

impl FilterLine {
    /// Parses a filter line as typed.
    pub fn parse(line: &str) -> FilterLine {
        let mut out = FilterLine::default();
        let mut text: Vec<&str> = Vec::new();
        let mut had_field = false;
        for token in line.split_whitespace() {
            if let Some(v) = field(token, query::COUNTRY) {
                had_field = true;
                out.countries
                    .extend(v.split(',').filter(|c| !c.is_empty()).map(|c| {
                        match crate::domain::country::normalise(c) {
                            Some(code) if c.len() > 2 || code.len() == c.len() => code.to_string(),
                            _ => c.to_ascii_uppercase(),
                        }
                    }));
            } else if let Some(v) = field(token, query::OWNER) {
                had_field = true;
                out.owner = Some(if v == "-" {
                    String::new()
                } else {
                    collate::fold(v)
                });
            } else {
                text.push(token);
            }
        }
        // Without field filters the text is the line as typed (its inner spaces included).
        out.text = if had_field {
            collate::fold(&text.join(" "))
        } else {
            collate::fold(line.trim())
        };
        out
    }

    /// Whether the line has field filters (which the search index does not answer).
    pub fn has_fields(&self) -> bool {
        !self.countries.is_empty() || self.owner.is_some()
    }

    /// Whether a counterparty passes the field filters (not the text).
    pub fn passes_fields(&self, cp: &Counterparty) -> bool {
        let country_ok = self.countries.is_empty()
            || self.countries.iter().any(|c| {
                cp.country.len() >= c.len() && cp.country[..c.len()].eq_ignore_ascii_case(c)
            });
        let owner_ok = match (&self.owner, cp.owner.as_deref()) {
            (None, _) => true,
            (Some(o), None) => o.is_empty(),
            (Some(o), Some(x)) => !o.is_empty() && collate::contains(x, o),
        };
        country_ok && owner_ok
    }
}

/// The alerts tab's filter line: `since:DATE` and `until:DATE` (days in the configured zone,
/// `2026-03-14` or `14.03.2026`) over a [`FilterLine`] whose text is searched in the
/// counterparty's name, the message and the kind. A date still being typed is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// The days kept.
    pub days: crate::local_time::DayRange,
    /// Country, owner and text.
    pub line: FilterLine,
}

impl AlertFilter {
    /// Parses the alerts filter line as typed.
    pub fn parse(line: &str) -> AlertFilter {
        let mut days = crate::local_time::DayRange::default();
        let mut rest: Vec<&str> = Vec::new();
        for token in line.split_whitespace() {
            if let Some(v) = field(token, query::SINCE) {
                days.since = crate::local_time::parse_date(v);
            } else if let Some(v) = field(token, query::UNTIL) {
                days.until = crate::local_time::parse_date(v);
            } else {
                rest.push(token);
            }
        }
        AlertFilter {
            days,
            line: FilterLine::parse(&rest.join(" ")),
        }
    }
}

impl SearchIndex {
    /// An index of these counterparties, in order.
    pub fn build<'a>(cps: impl IntoIterator<Item = &'a Counterparty>) -> SearchIndex {
        let mut idx = SearchIndex::default();
        for cp in cps {
            idx.push(cp);
        }
        idx
    }

    /// Rows indexed.
    pub fn len(&self) -> usize {
        self.name_ends.len()
    }

    /// Whether no row is indexed.
    pub fn is_empty(&self) -> bool {
        self.name_ends.is_empty()
    }

    /// Makes room for `rows` more rows of the average size so far.
    pub fn reserve(&mut self, rows: usize) {
        let avg = self.hay.len().checked_div(self.len()).unwrap_or(96);
        self.hay.reserve(rows.saturating_mul(avg + avg / 8));
        self.starts.reserve(rows);
        self.name_ends.reserve(rows);
    }

    /// Appends a row.
    pub fn push(&mut self, cp: &Counterparty) {
        let end = write_row(&mut self.hay, cp);
        self.name_ends.push(end);
        self.starts.push(self.hay.len());
    }

    /// Replaces row `i` (an edit); the rows after it shift in place.
    pub fn set(&mut self, i: usize, cp: &Counterparty) {
        if i >= self.len() {
            return;
        }
        let mut row = Vec::with_capacity(96);
        let name_len = write_row(&mut row, cp);
        let (start, end) = (self.starts[i], self.starts[i + 1]);
        let grow = row.len() as isize - (end - start) as isize;
        self.hay.splice(start..end, row);
        self.name_ends[i] = start + name_len;
        if grow != 0 {
            for s in &mut self.starts[i + 1..] {
                *s = s.saturating_add_signed(grow);
            }
            for e in &mut self.name_ends[i + 1..] {
                *e = e.saturating_add_signed(grow);
            }
        }
    }

    /// Keeps the rows for which `keep(i)` holds, compacting the buffer in place.
    pub fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut write = 0;
        let mut kept = 0;
        for i in 0..self.len() {
            if !keep(i) {
                continue;
            }
            let (start, end) = (self.starts[i], self.starts[i + 1]);
            let name_len = self.name_ends[i] - start;
            self.hay.copy_within(start..end, write);
            self.name_ends[kept] = write + name_len;
            self.starts[kept] = write;
            write += end - start;
            kept += 1;
        }
        self.hay.truncate(write);
        self.name_ends.truncate(kept);
        self.starts.truncate(kept);
        self.starts.push(write);
    }

    /// Row `i`'s indexed text.
    pub fn row(&self, i: usize) -> &[u8] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&s), Some(&e)) => &self.hay[s..e],
            _ => &[],
        }
    }

    /// Row `i`'s folded name (the sort key of the name column: its collation order).
    pub fn name(&self, i: usize) -> &[u8] {
        match (self.starts.get(i), self.name_ends.get(i)) {
            (Some(&s), Some(&e)) => &self.hay[s..e],
            _ => &[],
        }
    }

    /// Whether row `i` contains the query.
    pub fn row_matches(&self, i: usize, q: &Query) -> bool {
        q.finder.find(self.row(i)).is_some()
    }

    /// Sets `hits[i]` to whether row `i` contains the query, for every row, in one pass over
    /// the buffer. `hits` must hold one entry per row.
    pub fn mark_matches(&self, q: &Query, hits: &mut [bool]) {
        hits.fill(false);
        let n = self.len().min(hits.len());
        let mut row = 0;
        let mut pos = 0;
        while row < n {
            let Some(found) = q.finder.find(&self.hay[pos..]) else {
                break;
            };
            let at = pos + found;
            // Matches come in buffer order, so the row only ever moves forward.
            while row < n && self.starts[row + 1] <= at {
                row += 1;
            }
            if row >= n {
                break;
            }
            let end = self.starts[row + 1];
            if at + q.len() <= end {
                hits[row] = true;
                pos = end;
                row += 1;
            } else {
                // Spans into the next row: not a match of this row; look again just after it.
                pos = at + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cp(name: &str, vat: Option<&str>, owner: Option<&str>) -> Counterparty {
        let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        Counterparty {
            id: 0,
            name: name.to_string(),
            country: "DE".to_string(),
            vat: vat.map(crate::domain::vat::VatNumber::unchecked),
            email: None,
            domain: None,
            address: None,
            contact: None,
            owner: owner.map(str::to_string),
            lei: None,
            register: None,
            priority: Default::default(),
            monitor: false,
            frequency: Default::default(),
            tags: Vec::new(),
            notes: String::new(),
            created_at: t,
            updated_at: t,
            kind: Default::default(),
        }
    }

    /// The filter as it was before the index: each row's fields folded with
    /// `collate::fold`, joined into one string per row, searched with `str::contains`.
    fn plain(cps: &[Counterparty], q: &str) -> Vec<bool> {
        cps.iter()
            .map(|c| {
                let mut s = String::new();
                for part in [
                    Some(c.name.as_str()),
                    c.vat.as_deref(),
                    Some(c.country.as_str()),
                    c.owner.as_deref(),
                    c.email.as_deref(),
                    c.domain.as_deref(),
                ]
                .into_iter()
                .flatten()
                {
                    s.push_str(&collate::fold(part));
                    s.push('\u{1}');
                }
                s.contains(q)
            })
            .collect()
    }

    fn indexed(idx: &SearchIndex, q: &str) -> Vec<bool> {
        let mut hits = vec![true; idx.len()];
        match Query::new(q) {
            Some(q) => idx.mark_matches(&q, &mut hits),
            None => hits.fill(true),
        }
        hits
    }

    #[test]
    fn fields_are_folded_and_separated() {
        let c = cp("Müller GmbH", Some("DE136695976"), Some("ANNA"));
        assert_eq!(
            haystack(&c),
            "muller gmbh\u{1}de136695976\u{1}de\u{1}anna\u{1}".as_bytes()
        );
        let idx = SearchIndex::build([&c]);
        assert_eq!(idx.name(0), "muller gmbh".as_bytes());
        assert!(idx.row_matches(0, &Query::new("muller").unwrap()));
        assert!(idx.row_matches(0, &Query::new("gmbh").unwrap()));
        assert!(!idx.row_matches(0, &Query::new("gmbhde").unwrap()));
    }

    #[test]
    fn field_filters_are_parsed_and_the_rest_is_text() {
        let f = FilterLine::parse("  country:de,at owner:Déniz adler  e ");
        assert_eq!(f.countries, vec!["DE", "AT"]);
        assert_eq!(f.owner.as_deref(), Some("deniz"));
        assert_eq!(f.text, "adler e");
        assert_eq!(FilterLine::parse(" Adler  E ").text, "adler  e");
        assert_eq!(FilterLine::parse("cc:austria").countries, vec!["AT"]);
        assert_eq!(FilterLine::parse("country:d").countries, vec!["D"]);
        assert_eq!(FilterLine::parse("http://x").text, "http://x");
        let mut c = cp("Adler", None, Some("Deniz Yilmaz"));
        assert!(FilterLine::parse("owner:deniz").passes_fields(&c));
        assert!(FilterLine::parse("country:d").passes_fields(&c));
        assert!(!FilterLine::parse("country:at").passes_fields(&c));
        assert!(!FilterLine::parse("owner:-").passes_fields(&c));
        c.owner = None;
        assert!(FilterLine::parse("owner:-").passes_fields(&c));
        assert!(!FilterLine::parse("owner:deniz").passes_fields(&c));
    }

    /// A German analyst writes the field names in German; either language works in either UI.
    #[test]
    fn field_names_are_accepted_in_german_too() {
        let f = FilterLine::parse("land:de,at Zuständig:Déniz adler");
        assert_eq!(f.countries, vec!["DE", "AT"]);
        assert_eq!(f.owner.as_deref(), Some("deniz"));
        assert_eq!(f.text, "adler");
        let a = AlertFilter::parse("seit:2025-03-01 bis:2025-03-14 x");
        assert_eq!(
            a.days,
            AlertFilter::parse("since:2025-03-01 until:2025-03-14 x").days
        );
        assert!(a.days.since.is_some() && a.days.until.is_some());
    }

    #[test]
    fn alert_filters_take_a_day_range() {
        let f = AlertFilter::parse("since:2026-03-01 until:14.03.2026 country:at vat");
        assert_eq!(f.days.since, crate::local_time::parse_date("2026-03-01"));
        assert_eq!(f.days.until, crate::local_time::parse_date("2026-03-14"));
        assert_eq!(f.line.countries, vec!["AT"]);
        assert_eq!(f.line.text, "vat");
        assert!(AlertFilter::parse("since:2026-0").days.is_all());
    }

    #[test]
    fn a_match_across_two_rows_is_not_a_match() {
        let cps = [cp("aa", None, None), cp("bb", None, None)];
        let idx = SearchIndex::build(&cps);
        assert_eq!(indexed(&idx, "de\u{1}bb"), vec![false, false]);
        assert_eq!(indexed(&idx, "de\u{1}"), vec![true, true]);
    }

    #[test]
    fn set_and_retain_keep_rows_in_step() {
        let mut cps = vec![
            cp("Alpha", Some("AT1"), None),
            cp("Beta", None, Some("bo")),
            cp("Gamma", None, None),
        ];
        let mut idx = SearchIndex::build(&cps);
        cps[1] = cp("Beta Longer Name", Some("X"), None);
        idx.set(1, &cps[1]);
        assert_eq!(idx, SearchIndex::build(&cps));
        cps[1] = cp("B", None, None);
        idx.set(1, &cps[1]);
        assert_eq!(idx, SearchIndex::build(&cps));
        idx.retain(|i| i != 0);
        cps.remove(0);
        assert_eq!(idx, SearchIndex::build(&cps));
        idx.retain(|_| false);
        assert_eq!(idx, SearchIndex::default());
    }

    fn field() -> impl Strategy<Value = String> {
        // A small alphabet (with upper case, non-ASCII and the separator) makes matches,
        // near-misses and matches across field boundaries common.
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('b'),
                Just('A'),
                Just('ß'),
                Just('Ü'),
                Just('ü'),
                Just('Σ'),
                Just(' '),
                Just('\u{1}'),
            ],
            0..6,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn index_agrees_with_the_plain_filter(
            rows in proptest::collection::vec(
                (field(), proptest::option::of(field()), proptest::option::of(field())),
                0..30,
            ),
            query in field(),
            edit in any::<proptest::sample::Index>(),
            drop in any::<proptest::sample::Index>(),
        ) {
            let mut cps: Vec<Counterparty> = rows
                .iter()
                .map(|(n, v, o)| cp(n, v.as_deref(), o.as_deref()))
                .collect();
            let q = collate::fold(&query);
            let mut idx = SearchIndex::build(&cps);
            prop_assert_eq!(indexed(&idx, &q), plain(&cps, &q));
            if let Some(qq) = Query::new(&q) {
                for i in 0..cps.len() {
                    prop_assert_eq!(idx.row_matches(i, &qq), plain(&cps[i..=i], &q)[0]);
                }
            }
            if !cps.is_empty() {
                let e = edit.index(cps.len());
                cps[e].name = format!("{}{}", query, cps[e].name);
                idx.set(e, &cps[e]);
                prop_assert_eq!(indexed(&idx, &q), plain(&cps, &q));
                let d = drop.index(cps.len());
                cps.remove(d);
                idx.retain(|i| i != d);
                prop_assert_eq!(&idx, &SearchIndex::build(&cps));
                prop_assert_eq!(indexed(&idx, &q), plain(&cps, &q));
            }
        }
    }
}
