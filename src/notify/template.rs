//! The mail templates in `assets/mail/` and the one-pass `{{name}}` substitution that fills them.

/// German HTML layout.
pub(crate) const DIGEST_DE_HTML: &str = include_str!("../../assets/mail/digest.de.html");
/// English HTML layout.
pub(crate) const DIGEST_EN_HTML: &str = include_str!("../../assets/mail/digest.en.html");
/// German plain-text layout.
pub(crate) const DIGEST_DE_TXT: &str = include_str!("../../assets/mail/digest.de.txt");
/// English plain-text layout.
pub(crate) const DIGEST_EN_TXT: &str = include_str!("../../assets/mail/digest.en.txt");
/// HTML block for one owner's alerts.
pub(crate) const OWNER_HTML: &str = include_str!("../../assets/mail/owner.html");
/// HTML block for one severity within an owner's alerts.
pub(crate) const SEVERITY_HTML: &str = include_str!("../../assets/mail/severity.html");
/// HTML row for one alert.
pub(crate) const ITEM_HTML: &str = include_str!("../../assets/mail/item.html");
/// HTML row for one source in the source-health block.
pub(crate) const HEALTH_ROW_HTML: &str = include_str!("../../assets/mail/health-row.html");

/// Replaces every `{{name}}` in `template` with its value, in one pass.
///
/// One pass matters: a counterparty name that happens to contain `{{...}}` is never expanded.
/// Unknown names are left as they are, so a template typo shows up in tests.
pub(crate) fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_in_one_pass_and_keeps_unknown_names() {
        assert_eq!(
            fill("a {{x}} b {{ y }} {{z}}", &[("x", "{{y}}"), ("y", "2")]),
            "a {{y}} b 2 {{z}}"
        );
        assert_eq!(fill("open {{ end", &[]), "open {{ end");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<b>\"Müller\" & 'Söhne'</b>"),
            "&lt;b&gt;&quot;Müller&quot; &amp; &#39;Söhne&#39;&lt;/b&gt;"
        );
    }
}
