//! A small pull layer over quick-xml for the CMS files: element open and
//! close events with attributes and the element's own text, and every
//! failure turned into a `ReleaseError` at the byte where it happened.

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use crate::codeset::ReleaseError;

pub(super) enum Ev {
    /// An element opened; its name is `Xml::name()`, its attributes given here.
    Open(Vec<(String, String)>),
    /// An element closed, with its own text (trimmed; child elements' text excluded).
    Close {
        name: String,
        text: String,
    },
    Eof,
}

pub(super) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    data: &'a [u8],
    file: &'a str,
    /// Open elements, outermost first, each with the text read so far.
    stack: Vec<(String, String)>,
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
        self.stack.last().map_or("", |(n, _)| n.as_str())
    }

    /// The open elements, outermost first (after a `Close`, its parents).
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The name of the open element `up` levels above the innermost one.
    pub(super) fn parent(&self, up: usize) -> &str {
        self.stack.len().checked_sub(1 + up).and_then(|i| self.stack.get(i)).map_or("", |(n, _)| n.as_str())
    }

    /// Where the last event started (a byte offset).
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// An error at the start of the last event.
    pub(super) fn error(&self, message: impl Into<String>) -> ReleaseError {
        ReleaseError::at(self.file, self.data, self.pos, message)
    }

    pub(super) fn next(&mut self) -> Result<Ev, ReleaseError> {
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
                Event::Start(e) => {
                    let attrs = self.attributes(&e)?;
                    self.stack.push((e.name().as_ref().to_string(), String::new()));
                    return Ok(Ev::Open(attrs));
                }
                Event::Empty(e) => {
                    let attrs = self.attributes(&e)?;
                    self.stack.push((e.name().as_ref().to_string(), String::new()));
                    self.pending_close = true;
                    return Ok(Ev::Open(attrs));
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

    fn close(&mut self) -> Ev {
        let (name, text) = self.stack.pop().unwrap_or_default();
        let text = if text.trim().len() == text.len() { text } else { text.trim().to_string() };
        Ev::Close { name, text }
    }

    fn push_text(&mut self, s: &str) {
        if let Some((_, text)) = self.stack.last_mut() {
            text.push_str(s);
        }
    }

    fn attributes(
        &self,
        e: &quick_xml::events::BytesStart<'_>,
    ) -> Result<Vec<(String, String)>, ReleaseError> {
        let mut out = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(format!("bad attribute: {err}")))?;
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| self.error(format!("bad attribute: {err}")))?;
            out.push((a.key.as_ref().to_string(), value.into_owned()));
        }
        Ok(out)
    }
}

/// The value of attribute `key`.
pub(super) fn attr<'v>(attrs: &'v [(String, String)], key: &str) -> Option<&'v str> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}
