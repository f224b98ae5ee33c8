//! The query protocol's request side: form pairs (`Attribute.1.Name=...`) turned into the JSON
//! shape of the same input, so that one serde input struct per action serves both protocols.
//!
//! Each service describes its flattened lists and maps with a [`QueryRules`] table; everything
//! else maps one to one (a dotted key `A.B` is member `B` of structure `A`).

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

/// How a service's query keys map onto its JSON members.
pub struct QueryRules {
    /// `(query prefix, json member)` for flattened lists: `AttributeName.N` -> `AttributeNames`.
    pub lists: &'static [(&'static str, &'static str)],
    /// `(query prefix, json member, key field, value field)` for flattened maps:
    /// `Attribute.N.Name` / `Attribute.N.Value` -> `Attributes`.
    pub maps: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Members whose values are integers.
    pub integers: &'static [&'static str],
    /// Members whose values are booleans.
    pub booleans: &'static [&'static str],
}

/// Why a form could not be turned into an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// A value that should be a number or boolean is not; (parameter, value).
    InvalidValue(String, String),
    /// A map entry without its key or value: the missing parameter's full name.
    MissingMapPart(String),
}

#[derive(Debug, Default)]
enum Node {
    #[default]
    Empty,
    Scalar(String),
    Tree(BTreeMap<String, Node>),
}

impl Node {
    fn insert(&mut self, path: &[&str], value: String) {
        match path.split_first() {
            None => *self = Node::Scalar(value),
            Some((head, rest)) => {
                if !matches!(self, Node::Tree(_)) {
                    *self = Node::Tree(BTreeMap::new());
                }
                if let Node::Tree(children) = self {
                    children
                        .entry((*head).to_string())
                        .or_default()
                        .insert(rest, value);
                }
            }
        }
    }
}

/// Parse a form body or query string into `(key, value)` pairs; `None` if it is not valid
/// UTF-8 after percent-decoding.
pub fn parse_form(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    // form_urlencoded replaces invalid UTF-8 with U+FFFD; detect that by decoding strictly.
    let mut out = Vec::new();
    for pair in bytes.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        out.push((decode_component(k)?, decode_component(v)?));
    }
    Some(out)
}

fn decode_component(raw: &[u8]) -> Option<String> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(decoded).ok()
}

/// Turn form pairs (without `Action`/`Version`) into a JSON object shaped like the input.
pub fn to_json(pairs: &[(String, String)], rules: &QueryRules) -> Result<Value, QueryError> {
    let mut root = Node::Tree(BTreeMap::new());
    for (k, v) in pairs {
        let path: Vec<&str> = k.split('.').collect();
        root.insert(&path, v.clone());
    }
    convert_struct(root, rules, "")
}

fn convert_struct(node: Node, rules: &QueryRules, prefix: &str) -> Result<Value, QueryError> {
    let children = match node {
        Node::Tree(children) => children,
        Node::Scalar(s) => return Ok(Value::String(s)),
        Node::Empty => return Ok(Value::String(String::new())),
    };
    let mut obj = Map::new();
    for (key, child) in children {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if let Some((_, json)) = rules.lists.iter().find(|(q, _)| *q == key) {
            let items = indexed(child)
                .into_iter()
                .map(|(i, n)| convert_value(n, rules, &format!("{full}.{i}"), json))
                .collect::<Result<Vec<_>, _>>()?;
            obj.insert((*json).to_string(), Value::Array(items));
        } else if let Some((_, json, kf, vf)) = rules.maps.iter().find(|(q, ..)| *q == key) {
            let mut map = Map::new();
            for (i, entry) in indexed(child) {
                let mut parts = match entry {
                    Node::Tree(parts) => parts,
                    _ => BTreeMap::new(),
                };
                let name = match parts.remove(*kf) {
                    Some(Node::Scalar(s)) => s,
                    _ => return Err(QueryError::MissingMapPart(format!("{full}.{i}.{kf}"))),
                };
                let value = match parts.remove(*vf) {
                    Some(n @ Node::Scalar(_)) | Some(n @ Node::Tree(_)) => {
                        convert_value(n, rules, &format!("{full}.{i}.{vf}"), vf)?
                    }
                    _ => return Err(QueryError::MissingMapPart(format!("{full}.{i}.{vf}"))),
                };
                map.insert(name, value);
            }
            obj.insert((*json).to_string(), Value::Object(map));
        } else if is_empty_scalar(&child) && rules.lists.iter().any(|(_, j)| *j == key) {
            // The query protocol sends an empty list as its member name with no value
            // (botocore: `Entries=`, `AttributeNames=`).
            obj.insert(key, Value::Array(Vec::new()));
        } else {
            let v = convert_value(child, rules, &full, &key)?;
            obj.insert(key, v);
        }
    }
    Ok(Value::Object(obj))
}

fn convert_value(
    node: Node,
    rules: &QueryRules,
    full: &str,
    member: &str,
) -> Result<Value, QueryError> {
    match node {
        Node::Scalar(s) => {
            if rules.integers.contains(&member) {
                s.trim()
                    .parse::<i64>()
                    .map(|n| Value::Number(Number::from(n)))
                    .map_err(|_| QueryError::InvalidValue(full.to_string(), s))
            } else if rules.booleans.contains(&member) {
                match s.to_ascii_lowercase().as_str() {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    _ => Err(QueryError::InvalidValue(full.to_string(), s)),
                }
            } else {
                Ok(Value::String(s))
            }
        }
        other => convert_struct(other, rules, full),
    }
}

fn is_empty_scalar(node: &Node) -> bool {
    match node {
        Node::Scalar(s) => s.is_empty(),
        Node::Empty => true,
        Node::Tree(_) => false,
    }
}

/// Children of a list or map node ordered by their numeric index; non-numeric keys are dropped.
fn indexed(node: Node) -> Vec<(u64, Node)> {
    let mut items: Vec<(u64, Node)> = match node {
        Node::Tree(children) => children
            .into_iter()
            .filter_map(|(k, v)| k.parse::<u64>().ok().map(|i| (i, v)))
            .collect(),
        _ => Vec::new(),
    };
    items.sort_by_key(|(i, _)| *i);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULES: QueryRules = QueryRules {
        lists: &[("AttributeName", "AttributeNames"), ("Entry", "Entries")],
        maps: &[
            ("Attribute", "Attributes", "Name", "Value"),
            ("MessageAttribute", "MessageAttributes", "Name", "Value"),
        ],
        integers: &["DelaySeconds"],
        booleans: &["Flag"],
    };

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_form(s.as_bytes()).expect("valid form")
    }

    #[test]
    fn flattened_lists_maps_and_structs_become_json_members() {
        let v = to_json(
            &pairs(
                "QueueUrl=u&AttributeName.2=B&AttributeName.1=A&Attribute.1.Name=X&Attribute.1.Value=1\
                 &MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String\
                 &MessageAttribute.1.Value.StringValue=a+b%26c&DelaySeconds=5&Flag=true\
                 &Entry.1.Id=a&Entry.1.DelaySeconds=3&Entry.10.Id=z&Entry.2.Id=b",
            ),
            &RULES,
        )
        .expect("converts");
        assert_eq!(
            v,
            json!({
                "QueueUrl": "u",
                "AttributeNames": ["A", "B"],
                "Attributes": {"X": "1"},
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "a b&c"}},
                "DelaySeconds": 5,
                "Flag": true,
                "Entries": [{"Id": "a", "DelaySeconds": 3}, {"Id": "b"}, {"Id": "z"}]
            })
        );
    }

    #[test]
    fn bad_numbers_and_missing_map_parts_are_reported() {
        assert_eq!(
            to_json(&pairs("DelaySeconds=abc"), &RULES),
            Err(QueryError::InvalidValue(
                "DelaySeconds".into(),
                "abc".into()
            ))
        );
        assert_eq!(
            to_json(&pairs("Attribute.1.Name=X"), &RULES),
            Err(QueryError::MissingMapPart("Attribute.1.Value".into()))
        );
    }

    #[test]
    fn empty_lists_decode_as_empty_arrays() {
        // botocore's query serializer sends an empty list as `<member name>=`.
        assert_eq!(
            to_json(&pairs("QueueUrl=u&Entries=&AttributeNames="), &RULES),
            Ok(json!({"QueueUrl": "u", "Entries": [], "AttributeNames": []}))
        );
        // ... and the flattened name with no index is an empty list too.
        assert_eq!(
            to_json(&pairs("Entry=&AttributeName"), &RULES),
            Ok(json!({"Entries": [], "AttributeNames": []}))
        );
        // A non-empty scalar where a list belongs stays a type error for serde to report.
        assert_eq!(
            to_json(&pairs("Entries=x"), &RULES),
            Ok(json!({"Entries": "x"}))
        );
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        assert!(parse_form(b"A=%ff%fe").is_none());
        assert!(parse_form(b"A=\xff").is_none());
    }
}
