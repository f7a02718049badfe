//! A small streaming XML reader for the list files: records are handed over one at a time as
//! little trees, so a 30 MB file never becomes one big document in memory.

use super::model::{ListSource, ParseError};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One element with its attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Local name (namespace prefix dropped).
    pub name: String,
    /// Attributes by local name, unescaped.
    pub attrs: Vec<(String, String)>,
    /// The element's own text, unescaped and concatenated.
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Node>,
}

impl Node {
    /// An attribute value, or "" when absent.
    pub fn attr(&self, key: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name, or "".
    pub fn child_text(&self, name: &str) -> &str {
        self.child(name).map(|c| c.text.trim()).unwrap_or("")
    }
}

fn start_node(e: &BytesStart<'_>, list: ListSource) -> Result<Node, ParseError> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| malformed(list, format!("attribute in <{name}>: {err}")))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|err| malformed(list, format!("attribute {key} in <{name}>: {err}")))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Node {
        name,
        attrs,
        ..Node::default()
    })
}

fn malformed(list: ListSource, detail: String) -> ParseError {
    ParseError::Malformed { list, detail }
}

/// Reads `bytes` as XML whose root element must be `root`; every element named in `records`
/// is passed to `on_record` when it closes, and the root (with all other elements under it)
/// is returned at the end. A file that ends before the root closes is an error (truncation).
pub fn read(
    bytes: &[u8],
    list: ListSource,
    expected: &'static str,
    root: &str,
    records: &[&str],
    mut on_record: impl FnMut(Node) -> Result<(), ParseError>,
) -> Result<Node, ParseError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut finished: Option<Node> = None;
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(list, format!("at byte {pos}: {e}")))?;
        match event {
            Event::Start(e) => {
                let node = start_node(&e, list)?;
                if stack.is_empty() {
                    if finished.is_some() {
                        return Err(malformed(list, "content after the root element".into()));
                    }
                    if node.name != root {
                        return Err(ParseError::WrongFormat {
                            list,
                            expected,
                            detail: format!("root element is <{}>, expected <{root}>", node.name),
                        });
                    }
                }
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = start_node(&e, list)?;
                match stack.last_mut() {
                    None => {
                        return Err(ParseError::WrongFormat {
                            list,
                            expected,
                            detail: format!("root element is an empty <{}/>", node.name),
                        });
                    }
                    Some(parent) => {
                        if records.contains(&node.name.as_str()) {
                            on_record(node)?;
                        } else {
                            parent.children.push(node);
                        }
                    }
                }
            }
            Event::End(_) => {
                let Some(node) = stack.pop() else {
                    return Err(malformed(list, "unbalanced closing tag".into()));
                };
                match stack.last_mut() {
                    None => finished = Some(node),
                    Some(parent) => {
                        if records.contains(&node.name.as_str()) {
                            on_record(node)?;
                        } else {
                            parent.children.push(node);
                        }
                    }
                }
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| malformed(list, format!("text at byte {pos}: {e}")))?;
                match stack.last_mut() {
                    Some(n) => n.text.push_str(&s),
                    None if !s.trim().is_empty() => {
                        return Err(ParseError::WrongFormat {
                            list,
                            expected,
                            detail: format!("text outside any element: {:.60}", s.trim()),
                        });
                    }
                    None => {}
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| malformed(list, format!("at byte {pos}: {e}")))?
                        .map(String::from)
                } else {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => Some(s.to_string()),
                        // Dropping it would silently cut words out of a listed name.
                        None => {
                            return Err(malformed(
                                list,
                                format!("at byte {pos}: undeclared entity reference &{name};"),
                            ));
                        }
                    }
                };
                if let (Some(n), Some(s)) = (stack.last_mut(), resolved) {
                    n.text.push_str(&s);
                }
            }
            Event::Eof => break,
            Event::DocType(_) => {
                // No list publishes one; its entity definitions would rewrite names unseen, and
                // an HTML error page starts with one.
                return Err(ParseError::WrongFormat {
                    list,
                    expected,
                    detail: format!("the file declares a DOCTYPE (at byte {pos}); refused"),
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            list,
            format!("file ends inside <{}> (truncated?)", open.name),
        ));
    }
    finished.ok_or(ParseError::WrongFormat {
        list,
        expected,
        detail: "no root element".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_text_refs_and_truncation() {
        let xml = br#"<?xml version="1.0"?><r a="1"><h>x &amp; y</h><rec id="2">A&#39;B</rec><rec id="3"/></r>"#;
        let mut got = Vec::new();
        let root = read(xml, ListSource::Un, "test", "r", &["rec"], |n| {
            got.push((n.attr("id").to_string(), n.text));
            Ok(())
        })
        .unwrap();
        assert_eq!(root.attr("a"), "1");
        assert_eq!(root.child_text("h"), "x & y");
        assert_eq!(
            got,
            vec![("2".into(), "A'B".into()), ("3".into(), "".into())]
        );
        let cut = &xml[..xml.len() - 10];
        assert!(matches!(
            read(cut, ListSource::Un, "test", "r", &["rec"], |_| Ok(())),
            Err(ParseError::Malformed { .. })
        ));
        let entity = br#"<!DOCTYPE r [<!ENTITY x "Corp">]><r><rec id="1">ACME &x;</rec></r>"#;
        let err = read(entity, ListSource::Un, "test", "r", &["rec"], |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
        let undeclared = br#"<r><rec id="1">ACME &x; Trading</rec></r>"#;
        let err = read(
            undeclared,
            ListSource::Un,
            "test",
            "r",
            &["rec"],
            |_| Ok(()),
        );
        assert!(
            matches!(&err, Err(ParseError::Malformed { detail, .. }) if detail.contains("&x;")),
            "{err:?}"
        );
        let html = b"<!DOCTYPE html><html><body>Forbidden</body></html>";
        assert!(matches!(
            read(html, ListSource::Un, "test", "r", &["rec"], |_| Ok(())),
            Err(ParseError::WrongFormat { .. })
        ));
    }
}
