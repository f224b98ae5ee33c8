//! A typed response tree for the query protocol: output shapes turn themselves into a
//! [`Node`], which renders as the query protocol's XML (`<member>` lists) or, for clients that
//! ask with `Accept: application/json`, as the JSON form of the same response
//! (`{"<Op>Response": {"<Op>Result": {...}, "ResponseMetadata": {...}}}`). Used by STS and IAM.

use serde_json::{Map, Value};

use super::xml::XmlWriter;
use crate::clock::Millis;

/// One value of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Int(i64),
    Bool(bool),
    /// A timestamp: ISO 8601 in XML, epoch seconds in JSON.
    Time(Millis),
    /// A structure: members in the model's order.
    Struct(Vec<(&'static str, Node)>),
    /// A list: `<member>` items.
    List(Vec<Node>),
}

/// Builds a [`Node::Struct`], skipping absent optional members.
#[derive(Debug, Default)]
pub struct Obj(Vec<(&'static str, Node)>);

impl Obj {
    pub fn new() -> Self {
        Obj(Vec::new())
    }
    pub fn s(mut self, name: &'static str, v: &str) -> Self {
        self.0.push((name, Node::Text(v.to_string())));
        self
    }
    pub fn opt(self, name: &'static str, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.s(name, v),
            None => self,
        }
    }
    pub fn int(mut self, name: &'static str, v: i64) -> Self {
        self.0.push((name, Node::Int(v)));
        self
    }
    pub fn bool(mut self, name: &'static str, v: bool) -> Self {
        self.0.push((name, Node::Bool(v)));
        self
    }
    pub fn time(mut self, name: &'static str, ms: Millis) -> Self {
        self.0.push((name, Node::Time(ms)));
        self
    }
    pub fn node(mut self, name: &'static str, n: Node) -> Self {
        self.0.push((name, n));
        self
    }
    pub fn node_opt(self, name: &'static str, n: Option<Node>) -> Self {
        match n {
            Some(n) => self.node(name, n),
            None => self,
        }
    }
    pub fn build(self) -> Node {
        Node::Struct(self.0)
    }
}

/// ISO 8601 with seconds, as IAM and STS write timestamps: `2026-01-01T12:00:00Z`.
pub fn iso_seconds(ms: Millis) -> String {
    let full = crate::sns::engine::iso8601(ms);
    match full.get(..19) {
        Some(head) => format!("{head}Z"),
        None => full,
    }
}

fn write_xml(w: &mut XmlWriter, node: &Node) {
    match node {
        Node::Text(t) => {
            w.text(t);
        }
        Node::Int(i) => {
            w.text(&i.to_string());
        }
        Node::Bool(b) => {
            w.text(if *b { "true" } else { "false" });
        }
        Node::Time(ms) => {
            w.text(&iso_seconds(*ms));
        }
        Node::Struct(members) => {
            for (name, child) in members {
                w.open(name);
                write_xml(w, child);
                w.close(name);
            }
        }
        Node::List(items) => {
            for item in items {
                w.open("member");
                write_xml(w, item);
                w.close("member");
            }
        }
    }
}

fn to_json(node: &Node) -> Value {
    match node {
        Node::Text(t) => Value::String(t.clone()),
        Node::Int(i) => Value::from(*i),
        Node::Bool(b) => Value::Bool(*b),
        Node::Time(ms) => Value::from(*ms as f64 / 1000.0),
        Node::Struct(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| ((*k).to_string(), to_json(v)))
                .collect::<Map<String, Value>>(),
        ),
        Node::List(items) => Value::Array(items.iter().map(to_json).collect()),
    }
}

/// `<{action}Response xmlns><{action}Result>...</...><ResponseMetadata>...` (no Result element
/// when `result` is `None`, as for actions with no output).
pub fn xml_response(ns: &str, action: &str, result: Option<&Node>, rid: &str) -> String {
    let mut w = XmlWriter::new();
    let response = format!("{action}Response");
    w.open_ns(&response, ns);
    if let Some(r) = result {
        let tag = format!("{action}Result");
        w.open(&tag);
        write_xml(&mut w, r);
        w.close(&tag);
    }
    w.open("ResponseMetadata")
        .elem("RequestId", rid)
        .close("ResponseMetadata")
        .close(&response);
    w.finish()
}

/// The JSON form of the same response.
pub fn json_response(action: &str, result: Option<&Node>, rid: &str) -> Vec<u8> {
    let mut inner = Map::new();
    if let Some(r) = result {
        inner.insert(format!("{action}Result"), to_json(r));
    }
    inner.insert(
        "ResponseMetadata".to_string(),
        serde_json::json!({ "RequestId": rid }),
    );
    let mut outer = Map::new();
    outer.insert(format!("{action}Response"), Value::Object(inner));
    serde_json::to_vec(&Value::Object(outer)).unwrap_or_default()
}

/// A query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
pub fn xml_error(ns: &str, code: &str, message: &str, sender: bool, rid: &str) -> String {
    let mut w = XmlWriter::new();
    w.open_ns("ErrorResponse", ns)
        .open("Error")
        .elem("Type", if sender { "Sender" } else { "Receiver" })
        .elem("Code", code)
        .elem("Message", message)
        .close("Error")
        .elem("RequestId", rid)
        .close("ErrorResponse");
    w.finish()
}

/// The JSON form of an error (`{"Error": {...}, "RequestId": ...}`, as AWS's query services
/// answer a JSON-accepting client).
pub fn json_error(code: &str, message: &str, sender: bool, rid: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "Error": {
            "Type": if sender { "Sender" } else { "Receiver" },
            "Code": code,
            "Message": message,
        },
        "RequestId": rid,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_xml_and_json() {
        let n = Obj::new()
            .s("Arn", "a<b")
            .int("N", 3)
            .node("L", Node::List(vec![Node::Text("x".into())]))
            .build();
        let xml = xml_response("ns", "Op", Some(&n), "r");
        assert!(
            xml.contains("<OpResult><Arn>a&lt;b</Arn><N>3</N><L><member>x</member></L></OpResult>")
        );
        let json: Value = serde_json::from_slice(&json_response("Op", Some(&n), "r")).unwrap();
        assert_eq!(json["OpResponse"]["OpResult"]["L"][0], "x");
        assert_eq!(json["OpResponse"]["ResponseMetadata"]["RequestId"], "r");
        assert_eq!(iso_seconds(1_000), "1970-01-01T00:00:01Z");
    }
}
