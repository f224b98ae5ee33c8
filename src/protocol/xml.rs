//! A small XML writer for query-protocol responses.

/// Append `text` to `out`, escaped for an XML text node the way SQS does it: besides `&`, `<`
/// and `>`, also `"`, `'` and carriage return (`&#xD;`, which XML parsers would otherwise turn
/// into a line feed and break MD5OfBody).
pub fn escape_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            b'\r' => "&#xD;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// Builds an XML document as a string.
#[derive(Debug, Default)]
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    /// A document starting with the XML declaration.
    pub fn new() -> Self {
        let mut buf = String::with_capacity(512);
        buf.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        XmlWriter { buf }
    }

    /// `<tag xmlns="ns">`
    pub fn open_ns(&mut self, tag: &str, ns: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push_str(" xmlns=\"");
        self.buf.push_str(ns);
        self.buf.push_str("\">");
        self
    }

    /// `<tag>`
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `</tag>`
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag>escaped text</tag>`
    pub fn elem(&mut self, tag: &str, text: &str) -> &mut Self {
        self.open(tag);
        escape_into(&mut self.buf, text);
        self.close(tag)
    }

    /// `<tag>text</tag>` when `text` is present.
    pub fn elem_opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(tag, t);
        }
        self
    }

    /// Escaped text inside the element opened last.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.buf, text);
        self
    }

    /// `<tag/>`
    pub fn empty(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push_str("/>");
        self
    }

    /// The finished document.
    pub fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_carriage_returns() {
        let mut s = String::new();
        escape_into(&mut s, "a<b>&\"c'\r\nd");
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&apos;&#xD;\nd");
    }
}
