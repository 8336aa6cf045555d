//! A small pull layer over quick-xml for the CMS files: element open and
//! close events with attributes and the element's own text, and every
//! failure turned into a `ReleaseError` at the byte where it happened.

use std::borrow::Cow;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::codeset::ReleaseError;

pub(super) enum Ev<'a> {
    /// An element opened; its name is `Xml::name()`, its attributes given here.
    Open(Attrs<'a>),
    /// An element closed, with its own text (trimmed; child elements' text excluded).
    Close {
        name: Cow<'a, str>,
        text: String,
    },
    Eof,
}

pub(super) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    data: &'a [u8],
    file: &'a str,
    /// Open elements, outermost first, each with the text read so far.
    stack: Vec<(Cow<'a, str>, String)>,
    /// An `<empty/>` element still to be closed.
    pending_close: bool,
    /// Where the last event started.
    pos: usize,
}

impl<'a> Xml<'a> {
    pub(super) fn new(data: &'a [u8], file: &'a str) -> Self {
        let mut reader = Reader::from_reader(data);
        reader.config_mut().trim_text(false);
        Xml { reader, data, file, stack: Vec::new(), pending_close: false, pos: 0 }
    }

    /// The name of the innermost open element.
    pub(super) fn name(&self) -> &str {
        self.stack.last().map_or("", |(n, _)| n.as_ref())
    }

    /// The open elements, outermost first (after a `Close`, its parents).
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The name of the open element `up` levels above the innermost one.
    pub(super) fn parent(&self, up: usize) -> &str {
        self.stack.len().checked_sub(1 + up).and_then(|i| self.stack.get(i)).map_or("", |(n, _)| n.as_ref())
    }

    /// Where the last event started (a byte offset).
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// An error at the start of the last event.
    pub(super) fn error(&self, message: impl Into<String>) -> ReleaseError {
        ReleaseError::at(self.file, self.data, self.pos, message)
    }

    pub(super) fn next(&mut self) -> Result<Ev<'a>, ReleaseError> {
        if self.pending_close {
            self.pending_close = false;
            return Ok(self.close());
        }
        loop {
            self.pos = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
                    return Err(ReleaseError::at(self.file, self.data, at, format!("malformed XML: {e}")));
                }
            };
            match event {
                Event::Start(e) => return Ok(self.open(&e)),
                Event::Empty(e) => {
                    self.pending_close = true;
                    return Ok(self.open(&e));
                }
                Event::End(_) => return Ok(self.close()),
                Event::Text(t) => self.push_text(&t.xml10_content()),
                Event::CData(t) => self.push_text(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let ch = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match r.as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "quot" => '"',
                            "apos" => '\'',
                            other => return Err(self.error(format!("unknown entity &{other};"))),
                        },
                        Err(e) => return Err(self.error(format!("bad character reference: {e}"))),
                    };
                    let mut buf = [0u8; 4];
                    self.push_text(ch.encode_utf8(&mut buf));
                }
                Event::Eof => {
                    return match self.stack.last() {
                        Some((open, _)) => Err(ReleaseError::at(
                            self.file,
                            self.data,
                            self.data.len(),
                            format!("file ends inside <{open}> (truncated?)"),
                        )),
                        None => Ok(Ev::Eof),
                    };
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Push an opened element. Its name and attributes are slices of the
    /// input (the tag follows the `<` where the event started), so that tens
    /// of thousands of elements allocate nothing.
    fn open(&mut self, e: &BytesStart<'_>) -> Ev<'a> {
        let (name, raw) = (e.name(), e.attributes_raw());
        let (name, name_len) = (name.as_ref(), name.as_ref().len());
        let data: &'a [u8] = self.data;
        let at = self.pos + 1;
        let (tag, element) = match data
            .get(at..at + name_len + raw.len())
            .and_then(|b| std::str::from_utf8(b).ok())
            .filter(|t| t.get(..name_len) == Some(name) && t.get(name_len..) == Some(raw))
        {
            Some(t) => (Cow::Borrowed(t), Cow::Borrowed(&t[..name_len])),
            None => (Cow::Owned(format!("{name}{raw}")), Cow::Owned(name.to_string())),
        };
        self.stack.push((element, String::new()));
        Ev::Open(Attrs { tag, name_len })
    }

    fn close(&mut self) -> Ev<'a> {
        let (name, text) = self.stack.pop().unwrap_or_default();
        let text = if text.trim().len() == text.len() { text } else { text.trim().to_string() };
        Ev::Close { name, text }
    }

    fn push_text(&mut self, s: &str) {
        if let Some((_, text)) = self.stack.last_mut() {
            // Indentation between child elements is not text (and would allocate for every container).
            if text.is_empty() && s.trim().is_empty() {
                return;
            }
            // Release text reaches the screen: sanitized once, here.
            text.push_str(&crate::text::sanitize(s));
        }
    }
}

/// The attributes of an opened element, read when asked for.
pub(super) struct Attrs<'a> {
    tag: Cow<'a, str>,
    name_len: usize,
}

/// The value of attribute `key`.
/// A malformed attribute list reads as no attributes (the callers then name what is missing).
pub(super) fn attr<'v>(attrs: &'v Attrs<'_>, key: &str) -> Option<Cow<'v, str>> {
    Attributes::new(&attrs.tag, attrs.name_len)
        .with_checks(false)
        .map_while(Result::ok)
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_borrow_the_input_and_text_is_the_elements_own() {
        let data = b"<?xml version=\"1.0\"?>\n<root>\n  <see a=\"1\">Excision, Appendix<codes>0DBJ</codes></see>\n  <e/>&amp;</root>";
        let mut xml = Xml::new(data, "x");
        let mut closed = Vec::new();
        loop {
            match xml.next().expect("well formed") {
                Ev::Eof => break,
                Ev::Open(attrs) if xml.name() == "see" => assert_eq!(attr(&attrs, "a").as_deref(), Some("1")),
                Ev::Open(_) => {}
                Ev::Close { name, text } => {
                    assert!(matches!(name, Cow::Borrowed(_)), "{name}");
                    closed.push((name.into_owned(), text));
                }
            }
        }
        let closed: Vec<(&str, &str)> = closed.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        assert_eq!(closed, [("codes", "0DBJ"), ("see", "Excision, Appendix"), ("e", ""), ("root", "&")]);
    }
}
