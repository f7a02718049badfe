//! HTML helpers for the scraped portals: read a served form (action and every field, so that a
//! POST is seeded from what the portal sent), override fields by id suffix, tidy cell text.

use scraper::{ElementRef, Html, Selector};

/// A form as served: where it posts and the values it would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// The `action` attribute (may be relative).
    pub(crate) action: String,
    /// Field names and values in document order.
    pub(crate) fields: Vec<(String, String)>,
    /// Named submit buttons (name, value); a JSF form needs the pressed one in the POST.
    pub(crate) buttons: Vec<(String, String)>,
    /// Every select's options as served: (select name, [(value, text)]), so that a choice can
    /// be made by what an option says rather than by a number that may mean something else.
    pub(crate) selects: Vec<(String, Vec<(String, String)>)>,
}

impl Form {
    /// Sets every field whose name ends with `suffix`; returns whether one was found.
    pub(crate) fn set_suffix(&mut self, suffix: &str, value: &str) -> bool {
        let mut found = false;
        for (name, v) in &mut self.fields {
            if name.ends_with(suffix) {
                *v = value.to_string();
                found = true;
            }
        }
        found
    }

    /// Adds or replaces a field by exact name.
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value.to_string(),
            None => self.fields.push((name.to_string(), value.to_string())),
        }
    }

    /// Adds the button whose name ends with `suffix` to the fields; returns whether one exists.
    pub(crate) fn press(&mut self, suffix: &str) -> bool {
        let Some((name, value)) = self
            .buttons
            .iter()
            .find(|(n, _)| n.ends_with(suffix))
            .cloned()
        else {
            return false;
        };
        self.set(&name, &value);
        true
    }

    /// Whether a field with this name suffix exists.
    pub(crate) fn has_suffix(&self, suffix: &str) -> bool {
        self.fields.iter().any(|(n, _)| n.ends_with(suffix))
    }

    /// Selects, in the first select whose name ends with `suffix`, the first option for which
    /// `pick(value, text)` holds; returns the chosen value, None when no select or option fits.
    pub(crate) fn choose(
        &mut self,
        suffix: &str,
        pick: impl Fn(&str, &str) -> bool,
    ) -> Option<String> {
        let (name, value) = self.selects.iter().find_map(|(n, opts)| {
            if !n.ends_with(suffix) {
                return None;
            }
            opts.iter()
                .find(|(v, t)| pick(v, t))
                .map(|(v, _)| (n.clone(), v.clone()))
        })?;
        self.set(&name, &value);
        Some(value)
    }
}

fn selector(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

/// Whether a page arrived whole: a page cut off mid-way may lack rows and must not be read as
/// "fewer results".
pub(crate) fn is_complete(text: &str) -> bool {
    text.to_ascii_lowercase().contains("</html>")
}

/// Elements under `el` matching `css` (none when the selector does not parse, which tests of
/// every selector used would show).
pub(crate) fn select<'a>(el: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    match Selector::parse(css) {
        Ok(s) => el.select(&s).collect(),
        Err(_) => Vec::new(),
    }
}

/// The first element under `el` matching `css`.
pub(crate) fn first<'a>(el: ElementRef<'a>, css: &str) -> Option<ElementRef<'a>> {
    let s = Selector::parse(css).ok()?;
    el.select(&s).next()
}

/// Whitespace-collapsed text of an element.
pub(crate) fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finds the form with this id (or name) and reads its fields as a browser would submit them
/// (buttons and unchecked boxes left out).
pub(crate) fn find_form(doc: &Html, id: &str) -> Option<Form> {
    let forms = selector("form")?;
    let form = doc
        .select(&forms)
        .find(|f| f.value().id() == Some(id) || f.value().attr("name") == Some(id))?;
    let controls = selector("input, select, textarea, button")?;
    let options = selector("option")?;
    let mut fields = Vec::new();
    let mut buttons = Vec::new();
    let mut selects = Vec::new();
    for c in form.select(&controls) {
        let v = c.value();
        let Some(name) = v.attr("name").filter(|n| !n.is_empty()) else {
            continue;
        };
        if v.attr("disabled").is_some() {
            continue;
        }
        let value = match v.name() {
            "select" => {
                let opts: Vec<ElementRef<'_>> = c.select(&options).collect();
                selects.push((
                    name.to_string(),
                    opts.iter()
                        .map(|o| {
                            let text = text_of(*o);
                            let value = o.value().attr("value").map(str::to_string);
                            (value.unwrap_or_else(|| text.clone()), text)
                        })
                        .collect(),
                ));
                let chosen = opts
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(opts.first());
                match chosen {
                    Some(o) => o
                        .value()
                        .attr("value")
                        .map(str::to_string)
                        .unwrap_or_else(|| text_of(*o)),
                    None => continue,
                }
            }
            "textarea" => c.text().collect::<String>(),
            "button" => {
                let kind = v.attr("type").unwrap_or("submit").to_ascii_lowercase();
                if kind == "submit" {
                    let value = v.attr("value").unwrap_or(name).to_string();
                    buttons.push((name.to_string(), value));
                }
                continue;
            }
            _ => {
                let kind = v.attr("type").unwrap_or("text").to_ascii_lowercase();
                match kind.as_str() {
                    "submit" | "image" => {
                        buttons.push((
                            name.to_string(),
                            v.attr("value").unwrap_or_default().to_string(),
                        ));
                        continue;
                    }
                    "button" | "reset" | "file" => continue,
                    "checkbox" | "radio" if v.attr("checked").is_none() => continue,
                    "checkbox" | "radio" => v.attr("value").unwrap_or("on").to_string(),
                    _ => v.attr("value").unwrap_or_default().to_string(),
                }
            }
        };
        fields.push((name.to_string(), value));
    }
    Some(Form {
        action: form.value().attr("action").unwrap_or_default().to_string(),
        fields,
        buttons,
        selects,
    })
}

/// Resolves a form action against the page URL.
pub(crate) fn resolve(page_url: &str, action: &str) -> Option<String> {
    let base = url::Url::parse(page_url).ok()?;
    if action.is_empty() {
        return Some(base.to_string());
    }
    base.join(action).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_is_seeded_like_a_browser() {
        let doc = Html::parse_document(
            r#"<form id="f" action="/x;jsessionid=1">
            <input name="a" value="1"><input type="hidden" name="javax.faces.ViewState" value="vs">
            <input type="checkbox" name="c"><input type="checkbox" name="d" checked>
            <input type="submit" name="s" value="go">
            <select name="sel"><option value="10">10</option><option value="25" selected>25</option></select>
            <select name="first"><option value="x">X</option></select>
            <textarea name="t">hi</textarea></form>"#,
        );
        let mut f = find_form(&doc, "f").unwrap();
        assert_eq!(f.action, "/x;jsessionid=1");
        assert_eq!(
            f.fields,
            vec![
                ("a".to_string(), "1".to_string()),
                ("javax.faces.ViewState".to_string(), "vs".to_string()),
                ("d".to_string(), "on".to_string()),
                ("sel".to_string(), "25".to_string()),
                ("first".to_string(), "x".to_string()),
                ("t".to_string(), "hi".to_string()),
            ]
        );
        assert_eq!(f.buttons, vec![("s".to_string(), "go".to_string())]);
        assert_eq!(
            f.selects
                .iter()
                .find(|(n, _)| n == "sel")
                .map(|(_, o)| o.len()),
            Some(2),
            "options are kept with their texts"
        );
        assert_eq!(f.choose("sel", |_, t| t == "10").as_deref(), Some("10"));
        assert!(f.fields.contains(&("sel".to_string(), "10".to_string())));
        assert_eq!(f.choose("sel", |_, t| t == "99"), None);
        assert_eq!(f.choose("nothing", |_, _| true), None);
        assert!(f.press("s"));
        assert!(!f.press("zzz"));
        assert_eq!(f.fields.last(), Some(&("s".to_string(), "go".to_string())));
        assert!(f.set_suffix("State", "new"));
        assert!(!f.set_suffix("nothing", "x"));
        f.set("extra", "1");
        assert!(f.has_suffix("xtra"));
        assert_eq!(
            resolve("http://h/ap/suche.jsf", "/ap/suche.jsf;jsessionid=9").as_deref(),
            Some("http://h/ap/suche.jsf;jsessionid=9")
        );
        assert!(find_form(&doc, "nope").is_none());
    }
}
