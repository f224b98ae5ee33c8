//! Subscription filter policies: parsing with AWS's validation, and matching against message
//! attributes (`FilterPolicyScope=MessageAttributes`) or the JSON body (`MessageBody`).
//!
//! The validation messages are AWS's (recorded by LocalStack's `test_sns_filter_policy.py`
//! snapshots against real SNS); the position suffix AWS's Jackson parser appends
//! (`\n at [Source: ...; line: 1, column: N]`) is not reproduced.

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::error::{SnsError, SnsResult};

/// Which part of a message a policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    MessageAttributes,
    MessageBody,
}

/// One end of a numeric range: the threshold and whether it is included.
type Bound = Option<(f64, bool)>;

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Exact(String),
    Number(f64),
    Bool(bool),
    Null,
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    AnythingBut(Vec<Matcher>),
    Exists(bool),
    Numeric(Bound, Bound),
    Cidr(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Leaf(Vec<String>, Vec<Matcher>),
}

/// A parsed filter policy.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterPolicy {
    scope: Scope,
    expr: Expr,
}

/// A candidate value from a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidate {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

fn bad(why: impl std::fmt::Display) -> SnsError {
    SnsError::invalid(format!("FilterPolicy: {why}"))
}

const MAX_KEYS: usize = 5;
const MAX_COMBINATIONS: usize = 150;
const MAX_NUMBER: f64 = 1e9;

/// How AWS's parser prints the token it stopped at (`]` for the end of the array).
fn token_text(v: Option<&Value>) -> String {
    match v {
        None => "]".to_string(),
        Some(Value::Array(_)) => "[".to_string(),
        Some(Value::Object(_)) => "{".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn number(v: &Value) -> SnsResult<f64> {
    let n = v
        .as_f64()
        .ok_or_else(|| bad("Value of numeric must be a number"))?;
    if n.abs() > MAX_NUMBER {
        return Err(bad(
            "Numeric value must be between -1.0E9 and 1.0E9 inclusive",
        ));
    }
    Ok(n)
}

fn string_operand(op: &str, v: &Value) -> SnsResult<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| bad(format!("{op} match pattern must be a string")))
}

fn parse_cidr(s: &str) -> SnsResult<Matcher> {
    let err = || bad(format!("Malformed CIDR, one '/' required: {s}"));
    let (ip, len) = s.split_once('/').ok_or_else(err)?;
    let ip: IpAddr = ip
        .parse()
        .map_err(|_| bad(format!("Nonstandard IP address: {ip}")))?;
    let len: u8 = len.parse().map_err(|_| err())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(err());
    }
    Ok(Matcher::Cidr(ip, len))
}

/// The threshold after operator `op` (AWS names `=` "equals" in the message).
fn threshold(op: &str, v: Option<&Value>) -> SnsResult<f64> {
    match v {
        Some(n @ Value::Number(_)) => number(n),
        _ => {
            let name = if op == "=" { "equals" } else { op };
            Err(bad(format!("Value of {name} must be numeric")))
        }
    }
}

/// `numeric` is a small grammar, not a list of pairs: one comparison, or a lower bound
/// followed by an upper bound (`=`, `<` and `<=` end the expression), with AWS's message for
/// each way it can go wrong (test_validate_policy_numeric_operator).
fn parse_numeric(v: &Value) -> SnsResult<Matcher> {
    let arr = v
        .as_array()
        .ok_or_else(|| bad("Value of numeric must be an array."))?;
    let mut it = arr.iter();
    let op = match it.next() {
        Some(Value::String(op)) => op.as_str(),
        other => {
            return Err(bad(format!(
                "Invalid member in numeric match: {}",
                token_text(other)
            )));
        }
    };
    if !matches!(op, "=" | ">" | ">=" | "<" | "<=") {
        return Err(bad(format!("Unrecognized numeric range operator: {op}")));
    }
    let n = threshold(op, it.next())?;
    let (lower, upper) = match op {
        "=" => (Some((n, true)), Some((n, true))),
        ">" | ">=" => (Some((n, op == ">=")), None),
        _ => (None, Some((n, op == "<="))),
    };
    let Some(next) = it.next() else {
        return Ok(Matcher::Numeric(lower, upper));
    };
    if upper.is_some() {
        return Err(bad("Too many elements in numeric expression"));
    }
    let op2 = match next {
        Value::String(s) => s.as_str(),
        other => {
            return Err(bad(format!(
                "Bad value in numeric range: {}",
                token_text(Some(other))
            )));
        }
    };
    if !matches!(op2, "<" | "<=") {
        return Err(bad(format!("Bad numeric range operator: {op2}")));
    }
    let top = threshold(op2, it.next())?;
    if it.next().is_some() {
        return Err(bad("Too many terms in numeric range expression"));
    }
    if n >= top {
        return Err(bad("Bottom must be less than top"));
    }
    Ok(Matcher::Numeric(lower, Some((top, op2 == "<="))))
}

fn parse_anything_but(operand: &Value) -> SnsResult<Matcher> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(Matcher::Exact(s.clone())),
        Value::Number(_) => Ok(Matcher::Number(number(v)?)),
        _ => Err(bad(
            "Inside anything but list, start|null|boolean is not supported.",
        )),
    };
    let inner = match operand {
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(scalar).collect::<SnsResult<Vec<_>>>()?
        }
        Value::String(_) | Value::Number(_) => vec![scalar(operand)?],
        Value::Object(inner) if inner.len() == 1 => {
            let (op, v) = inner
                .iter()
                .next()
                .ok_or_else(|| bad("Anything-But expression name not found"))?;
            // SNS nests only prefix (and equals-ignore-case); suffix is refused
            // (test_validate_policy_nested_anything_but_operator).
            match op.as_str() {
                "prefix" => vec![Matcher::Prefix(string_operand(op, v)?)],
                "equals-ignore-case" => vec![Matcher::EqualsIgnoreCase(string_operand(op, v)?)],
                other => return Err(bad(format!("Unsupported anything-but pattern: {other}"))),
            }
        }
        _ => {
            return Err(bad(
                "Value of anything-but must be an array or single string/number value.",
            ));
        }
    };
    Ok(Matcher::AnythingBut(inner))
}

fn parse_matcher(v: &Value) -> SnsResult<Matcher> {
    match v {
        Value::String(s) => Ok(Matcher::Exact(s.clone())),
        Value::Number(_) => Ok(Matcher::Number(number(v)?)),
        Value::Bool(b) => Ok(Matcher::Bool(*b)),
        Value::Null => Ok(Matcher::Null),
        Value::Object(o) => {
            if o.len() != 1 {
                return Err(bad("Only one key allowed in match expression"));
            }
            let Some((op, operand)) = o.iter().next() else {
                return Err(bad("Empty match expression"));
            };
            match op.as_str() {
                "prefix" => Ok(Matcher::Prefix(string_operand(op, operand)?)),
                "suffix" => Ok(Matcher::Suffix(string_operand(op, operand)?)),
                "equals-ignore-case" => Ok(Matcher::EqualsIgnoreCase(string_operand(op, operand)?)),
                "exists" => match operand {
                    Value::Bool(b) => Ok(Matcher::Exists(*b)),
                    _ => Err(bad("exists match pattern must be either true or false.")),
                },
                "numeric" => parse_numeric(operand),
                "cidr" => parse_cidr(&string_operand(op, operand)?),
                "anything-but" => parse_anything_but(operand),
                other => Err(bad(format!("Unrecognized match type {other}"))),
            }
        }
        Value::Array(_) => Err(bad(
            "Match value must be String, number, true, false, or null",
        )),
    }
}

/// Parse an object of the policy: keys whose value is an array are leaves, objects nest
/// (in either scope; the scope is checked once the whole policy is known to be well formed,
/// as AWS does), `$or` takes an array of objects.
fn parse_object(obj: &Map<String, Value>, path: &[String]) -> SnsResult<Expr> {
    if obj.is_empty() {
        return Err(bad("Filter policy can not be empty"));
    }
    let mut all = Vec::new();
    for (k, v) in obj {
        if k == "$or" {
            let branches = v
                .as_array()
                .filter(|a| a.len() >= 2)
                .ok_or_else(|| bad("$or must be an array of at least two objects"))?;
            let mut any = Vec::new();
            for b in branches {
                let o = b
                    .as_object()
                    .ok_or_else(|| bad("$or must be an array of objects"))?;
                any.push(parse_object(o, path)?);
            }
            all.push(Expr::Any(any));
            continue;
        }
        let mut p = path.to_vec();
        p.push(k.clone());
        match v {
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(bad("Empty arrays are not allowed"));
                }
                let matchers = items
                    .iter()
                    .map(parse_matcher)
                    .collect::<SnsResult<Vec<_>>>()?;
                all.push(Expr::Leaf(p, matchers));
            }
            Value::Object(o) => all.push(parse_object(o, &p)?),
            _ => return Err(bad(format!("\"{k}\" must be an object or an array"))),
        }
    }
    Ok(Expr::All(all))
}

/// AWS's complexity: a leaf weighs its number of values times its nesting depth; the
/// weights of an AND multiply, the branches of an `$or` add up (test_policy_complexity_with_or,
/// test_sub_filter_policy_nested_property_constraints).
fn combinations(e: &Expr) -> usize {
    match e {
        Expr::All(v) => v
            .iter()
            .fold(1, |acc: usize, x| acc.saturating_mul(combinations(x))),
        Expr::Any(v) => v
            .iter()
            .fold(0, |acc: usize, x| acc.saturating_add(combinations(x))),
        Expr::Leaf(path, m) => m.len().saturating_mul(path.len()),
    }
}

fn leaves(e: &Expr) -> Box<dyn Iterator<Item = &Vec<String>> + '_> {
    match e {
        Expr::All(v) | Expr::Any(v) => Box::new(v.iter().flat_map(leaves)),
        Expr::Leaf(path, _) => Box::new(std::iter::once(path)),
    }
}

impl FilterPolicy {
    /// Parse and validate a policy as AWS does (JSON object, known operators, no nesting in
    /// the MessageAttributes scope, ≤ 5 keys, ≤ 150 value combinations, numbers within ±10^9).
    pub fn parse(text: &str, scope: Scope) -> SnsResult<FilterPolicy> {
        Self::parse_with(text, scope, true)
    }

    /// Parse a Lambda event source mapping's filter pattern: the same syntax, but not SNS's
    /// limits of 5 keys and 150 value combinations (its patterns nest under `body`, which
    /// SNS's depth-weighted count would make far stricter than Lambda is).
    pub fn parse_event_pattern(text: &str) -> SnsResult<FilterPolicy> {
        Self::parse_with(text, Scope::MessageBody, false)
    }

    fn parse_with(text: &str, scope: Scope, sns_limits: bool) -> SnsResult<FilterPolicy> {
        if text.len() > 256 * 1024 {
            return Err(bad("Filter policy is too long"));
        }
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("failed to parse JSON. {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("Filter policy must be a JSON object"))?;
        let expr = parse_object(obj, &[])?;
        if scope == Scope::MessageAttributes && leaves(&expr).any(|p| p.len() > 1) {
            return Err(SnsError::invalid(
                "Filter policy scope MessageAttributes does not support nested filter policy",
            ));
        }
        if !sns_limits {
            return Ok(FilterPolicy { scope, expr });
        }
        if leaves(&expr).count() > MAX_KEYS {
            return Err(bad("Filter policy can not have more than 5 keys"));
        }
        if combinations(&expr) > MAX_COMBINATIONS {
            return Err(bad("Filter policy is too complex"));
        }
        Ok(FilterPolicy { scope, expr })
    }

    /// The scope this policy was parsed for.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Does a message match? `lookup(path)` returns the candidate values at that key path, or
    /// `None` when the key is absent.
    pub fn matches(&self, lookup: &dyn Fn(&[String]) -> Option<Vec<Candidate>>) -> bool {
        eval(&self.expr, lookup)
    }

    /// Does a message body match (MessageBody scope)? Only a JSON object can. A policy key
    /// names the dotted path of a leaf, so `"a.b"` finds `{"a":{"b":..}}` and `{"a.b":..}`
    /// alike, and arrays are looked through at any depth: a key matches if any value under
    /// it does (test_filter_policy_on_message_body_dot_attribute,
    /// test_filter_policy_on_message_body_array_of_object_attributes).
    pub fn matches_body(&self, message: &str) -> bool {
        self.matches_parsed(&Body::parse(message))
    }

    /// [`Self::matches_body`] on a body parsed once (a publish checks many subscriptions).
    pub fn matches_parsed(&self, body: &Body) -> bool {
        match &body.0 {
            Some(flat) => self.matches(&|path: &[String]| flat.get(&path.join(".")).cloned()),
            None => false,
        }
    }
}

/// A message body as MessageBody-scoped policies see it: its leaf values by dotted path, or
/// `None` when it is not a JSON object (which no such policy matches).
pub struct Body(Option<HashMap<String, Vec<Candidate>>>);

impl Body {
    pub fn parse(message: &str) -> Body {
        let Ok(Value::Object(body)) = serde_json::from_str::<Value>(message) else {
            return Body(None);
        };
        let mut flat = HashMap::new();
        let mut prefix = String::new();
        for (k, v) in &body {
            prefix.clear();
            prefix.push_str(k);
            flatten(v, &mut prefix, &mut flat);
        }
        Body(Some(flat))
    }
}

/// Collect the leaf values of `v` under their dotted paths (arrays add no path segment).
fn flatten(v: &Value, prefix: &mut String, out: &mut HashMap<String, Vec<Candidate>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = prefix.len();
                prefix.push('.');
                prefix.push_str(k);
                flatten(child, prefix, out);
                prefix.truncate(len);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| flatten(i, prefix, out)),
        leaf => out
            .entry(prefix.clone())
            .or_default()
            .extend(candidates_of_json(leaf)),
    }
}

fn eval(e: &Expr, lookup: &dyn Fn(&[String]) -> Option<Vec<Candidate>>) -> bool {
    match e {
        Expr::All(v) => v.iter().all(|x| eval(x, lookup)),
        Expr::Any(v) => v.iter().any(|x| eval(x, lookup)),
        Expr::Leaf(path, matchers) => match lookup(path) {
            None => matchers.contains(&Matcher::Exists(false)),
            Some(values) => matchers
                .iter()
                .any(|m| values.iter().any(|v| matches_one(m, v))),
        },
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// A number as SNS compares it: AWS matches numbers "with accuracy to five digits to the
/// right of the decimal point" (a policy's `100.123456789` matches a value `100.1234567`), so
/// both sides are rounded to five decimals (as a count of 1e-5 steps) before comparing.
fn five(x: f64) -> f64 {
    (x * 1e5).round()
}

fn within(x: f64, lower: Bound, upper: Bound) -> bool {
    let x = five(x);
    lower.is_none_or(|(n, incl)| {
        let n = five(n);
        x > n || (incl && x == n)
    }) && upper.is_none_or(|(n, incl)| {
        let n = five(n);
        x < n || (incl && x == n)
    })
}

fn matches_one(m: &Matcher, v: &Candidate) -> bool {
    match (m, v) {
        (Matcher::Exists(b), _) => *b,
        (Matcher::Exact(s), Candidate::Str(x)) => s == x,
        (Matcher::Number(n), Candidate::Num(x)) => five(*n) == five(*x),
        (Matcher::Bool(b), Candidate::Bool(x)) => b == x,
        (Matcher::Null, Candidate::Null) => true,
        (Matcher::Prefix(p), Candidate::Str(x)) => x.starts_with(p.as_str()),
        (Matcher::Suffix(p), Candidate::Str(x)) => x.ends_with(p.as_str()),
        (Matcher::EqualsIgnoreCase(p), Candidate::Str(x)) => p.to_lowercase() == x.to_lowercase(),
        (Matcher::AnythingBut(list), v) => {
            !matches!(v, Candidate::Null) && !list.iter().any(|inner| matches_one(inner, v))
        }
        (Matcher::Numeric(lower, upper), Candidate::Num(x)) => within(*x, *lower, *upper),
        (Matcher::Cidr(net, len), Candidate::Str(x)) => {
            x.parse::<IpAddr>().is_ok_and(|ip| in_cidr(ip, *net, *len))
        }
        _ => false,
    }
}

/// Candidate values of a JSON value (arrays match by any element).
pub fn candidates_of_json(v: &Value) -> Vec<Candidate> {
    match v {
        Value::Array(items) => items.iter().flat_map(candidates_of_json).collect(),
        Value::String(s) => vec![Candidate::Str(s.clone())],
        Value::Number(n) => n.as_f64().map(Candidate::Num).into_iter().collect(),
        Value::Bool(b) => vec![Candidate::Bool(*b)],
        Value::Null => vec![Candidate::Null],
        Value::Object(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> impl Fn(&[String]) -> Option<Vec<Candidate>> {
        move |path: &[String]| v.get(&path[0]).map(candidates_of_json)
    }

    fn body_policy(policy: Value) -> FilterPolicy {
        FilterPolicy::parse(&policy.to_string(), Scope::MessageBody).expect("valid policy")
    }

    fn check(policy: Value, msg: Value, expect: bool) {
        let p = FilterPolicy::parse(&policy.to_string(), Scope::MessageAttributes)
            .expect("valid policy");
        assert_eq!(p.matches(&attrs(msg.clone())), expect, "{policy} vs {msg}");
    }

    #[test]
    fn exact_strings_and_numbers() {
        check(
            json!({"color": ["red", "blue"]}),
            json!({"color": "blue"}),
            true,
        );
        check(json!({"color": ["red"]}), json!({"color": "Red"}), false);
        check(json!({"n": [5]}), json!({"n": 5.0}), true);
        check(
            json!({"n": [{"numeric": ["=", 5]}]}),
            json!({"n": 6}),
            false,
        );
        check(json!({"a": ["x"], "b": ["y"]}), json!({"a": "x"}), false);
    }

    #[test]
    fn string_operators() {
        check(json!({"k": [{"prefix": "ab"}]}), json!({"k": "abc"}), true);
        check(
            json!({"k": [{"suffix": ".png"}]}),
            json!({"k": "a.jpg"}),
            false,
        );
        check(
            json!({"k": [{"equals-ignore-case": "ReD"}]}),
            json!({"k": "red"}),
            true,
        );
    }

    #[test]
    fn anything_but_in_all_forms() {
        check(
            json!({"k": [{"anything-but": ["a", "b"]}]}),
            json!({"k": "c"}),
            true,
        );
        check(
            json!({"k": [{"anything-but": ["a", "b"]}]}),
            json!({"k": "a"}),
            false,
        );
        check(
            json!({"k": [{"anything-but": 100}]}),
            json!({"k": 100}),
            false,
        );
        check(
            json!({"k": [{"anything-but": {"prefix": "in"}}]}),
            json!({"k": "out"}),
            true,
        );
        check(json!({"k": [{"anything-but": "a"}]}), json!({}), false);
    }

    #[test]
    fn numbers_match_to_five_decimals() {
        // AWS: "accuracy to five digits to the right of the decimal point".
        let v = json!({"n": 100.1234567});
        check(
            json!({"n": [{"numeric": ["=", 100.123456789]}]}),
            v.clone(),
            true,
        );
        check(json!({"n": [100.123456789]}), v.clone(), true);
        check(
            json!({"n": [{"numeric": [">", 100.123456789]}]}),
            v.clone(),
            false,
        );
        check(
            json!({"n": [{"numeric": [">=", 100.123456789, "<", 101]}]}),
            v.clone(),
            true,
        );
        check(json!({"n": [100.12344]}), v, false);
        // String.Array values are matched the same way.
        check(
            json!({"n": [100.123456789]}),
            json!({"n": [1, 100.1234567]}),
            true,
        );
    }

    #[test]
    fn exists_numeric_ranges_and_cidr() {
        check(json!({"k": [{"exists": true}]}), json!({"k": "v"}), true);
        check(json!({"k": [{"exists": false}]}), json!({}), true);
        check(json!({"k": [{"exists": false}]}), json!({"k": 1}), false);
        check(
            json!({"p": [{"numeric": [">", 0, "<=", 100]}]}),
            json!({"p": 100}),
            true,
        );
        check(
            json!({"p": [{"numeric": [">", 0, "<=", 100]}]}),
            json!({"p": 0}),
            false,
        );
        check(
            json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            json!({"ip": "10.0.0.255"}),
            true,
        );
        check(
            json!({"ip": [{"cidr": "10.0.0.0/24"}]}),
            json!({"ip": "10.0.1.1"}),
            false,
        );
        check(
            json!({"ip": [{"cidr": "2001:db8::/32"}]}),
            json!({"ip": "2001:db8::1"}),
            true,
        );
    }

    #[test]
    fn string_arrays_match_any_element_and_or_combines() {
        check(json!({"tags": ["b"]}), json!({"tags": ["a", "b"]}), true);
        let p = json!({"a": ["x"], "$or": [{"b": ["1"]}, {"c": ["2"]}]});
        check(p.clone(), json!({"a": "x", "c": "2"}), true);
        check(p, json!({"a": "x", "c": "3"}), false);
    }

    #[test]
    fn message_body_scope_matches_nested_keys_and_null() {
        let p = body_policy(json!({"order": {"status": ["paid"], "note": [null]}}));
        assert!(p.matches_body(r#"{"order": {"status": "paid", "note": null}}"#));
        assert!(!p.matches_body(r#"{"order": {"status": "open", "note": null}}"#));
    }

    #[test]
    fn invalid_policies_are_rejected() {
        for bad in [
            json!([]).to_string(),
            "not json".to_string(),
            json!({"k": "v"}).to_string(),
            json!({"k": []}).to_string(),
            json!({"k": [{"prefix": 1}]}).to_string(),
            json!({"k": [{"bogus": 1}]}).to_string(),
            json!({"k": [{"numeric": [">", 10, "<", 5]}]}).to_string(),
            json!({"k": [{"numeric": [">", 2e9]}]}).to_string(),
            json!({"k": [{"cidr": "10.0.0.0"}]}).to_string(),
            json!({"k": [{"exists": "yes"}]}).to_string(),
            json!({"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]})
                .to_string(),
        ] {
            let err = FilterPolicy::parse(&bad, Scope::MessageAttributes).expect_err(&bad);
            assert_eq!(
                err.code,
                super::super::error::SnsErrorCode::InvalidParameter,
                "{bad}"
            );
            assert!(
                err.message.starts_with("Invalid parameter: FilterPolicy:"),
                "{}",
                err.message
            );
        }
        let many: Vec<Value> = (0..151).map(|i| json!(format!("v{i}"))).collect();
        assert!(
            FilterPolicy::parse(&json!({"k": many}).to_string(), Scope::MessageAttributes).is_err()
        );
    }

    /// AWS's messages for invalid policies, as recorded in LocalStack's snapshots
    /// (tests/aws/services/sns/test_sns_filter_policy.snapshot.json), first line only.
    #[test]
    fn invalid_policies_get_aws_messages() {
        let attrs = Scope::MessageAttributes;
        let cases: Vec<(Value, Scope, &str)> = vec![
            // test_validate_policy_string_operators
            (
                json!({"key": {"suffix": "value"}}),
                attrs,
                "FilterPolicy: \"suffix\" must be an object or an array",
            ),
            (
                json!({"key": {"not-an-operator": "value"}}),
                attrs,
                "FilterPolicy: \"not-an-operator\" must be an object or an array",
            ),
            (
                json!({"key": [{"suffix": []}]}),
                attrs,
                "FilterPolicy: suffix match pattern must be a string",
            ),
            // test_validate_policy_numeric_operator
            (
                json!({"key": [{"numeric": []}]}),
                attrs,
                "FilterPolicy: Invalid member in numeric match: ]",
            ),
            (
                json!({"key": [{"numeric": ["operator"]}]}),
                attrs,
                "FilterPolicy: Unrecognized numeric range operator: operator",
            ),
            (
                json!({"key": [{"numeric": [1, "<="]}]}),
                attrs,
                "FilterPolicy: Invalid member in numeric match: 1",
            ),
            (
                json!({"key": [{"numeric": ["=", "000"]}]}),
                attrs,
                "FilterPolicy: Value of equals must be numeric",
            ),
            (
                json!({"key": [{"numeric": [">="]}]}),
                attrs,
                "FilterPolicy: Value of >= must be numeric",
            ),
            (
                json!({"key": [{"numeric": ["<", 100, ">", 10]}]}),
                attrs,
                "FilterPolicy: Too many elements in numeric expression",
            ),
            (
                json!({"key": [{"numeric": [">=", 1, ">", 2]}]}),
                attrs,
                "FilterPolicy: Bad numeric range operator: >",
            ),
            (
                json!({"key": [{"numeric": [">", 3, "<", 1]}]}),
                attrs,
                "FilterPolicy: Bottom must be less than top",
            ),
            (
                json!({"key": [{"numeric": [">", 20, "<="]}]}),
                attrs,
                "FilterPolicy: Value of <= must be numeric",
            ),
            (
                json!({"key": [{"numeric": [">", 20, 30]}]}),
                attrs,
                "FilterPolicy: Bad value in numeric range: 30",
            ),
            (
                json!({"key": [{"numeric": [">", 20, "test"]}]}),
                attrs,
                "FilterPolicy: Bad numeric range operator: test",
            ),
            (
                json!({"key": [{"numeric": [">", "20", "<", "30"]}]}),
                attrs,
                "FilterPolicy: Value of > must be numeric",
            ),
            (
                json!({"key": [{"numeric": [">", 20, "<", "30"]}]}),
                attrs,
                "FilterPolicy: Value of < must be numeric",
            ),
            (
                json!({"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]}),
                attrs,
                "FilterPolicy: Too many terms in numeric range expression",
            ),
            // test_validate_policy_nested_anything_but_operator
            (
                json!({"key": [{"anything-but": {"suffix": "test"}}]}),
                attrs,
                "FilterPolicy: Unsupported anything-but pattern: suffix",
            ),
            (
                json!({"key": [{"anything-but": {"exists": false}}]}),
                attrs,
                "FilterPolicy: Unsupported anything-but pattern: exists",
            ),
            (
                json!({"key": [{"anything-but": {"prefix": false}}]}),
                attrs,
                "FilterPolicy: prefix match pattern must be a string",
            ),
            // test_sub_filter_policy_nested_property
            (
                json!({"object": {"key": [{"prefix": "auto-"}]}}),
                attrs,
                "Filter policy scope MessageAttributes does not support nested filter policy",
            ),
            // test_sub_filter_policy_nested_property_constraints: 3x4 * 2x3 * 1x3 = 216
            (
                json!({"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}}, "key_d": {"key_e": ["1", "2", "3"]}, "key_f": ["1", "2", "3"]}),
                Scope::MessageBody,
                "FilterPolicy: Filter policy is too complex",
            ),
            // test_policy_complexity_with_or: 4x6 + 4x4x4 + 4x4x4 = 152
            (
                json!({"source": ["a", "b", "c", "d"], "$or": [
                    {"metricName": ["1", "2", "3", "4", "5", "6"]},
                    {"metricType": ["1", "2", "3", "4"], "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4]}]}
                ]}),
                attrs,
                "FilterPolicy: Filter policy is too complex",
            ),
            // ... nested: (3x4x2) + (3x4x6) + (2x4x2) + (2x4x6) = 160
            (
                json!({"$or": [{"metricName": ["1", "2", "3"]}, {"namespace": ["1", "2"]}],
                       "detail": {"scope": ["1", "2"], "$or": [{"source": ["1"]}, {"type": ["1", "2", "3"]}]}}),
                Scope::MessageBody,
                "FilterPolicy: Filter policy is too complex",
            ),
        ];
        for (policy, scope, want) in cases {
            let err =
                FilterPolicy::parse(&policy.to_string(), scope).expect_err(&policy.to_string());
            assert_eq!(
                err.message,
                format!("Invalid parameter: {want}"),
                "{policy}"
            );
            let sub = err.in_attributes();
            assert_eq!(
                sub.message,
                format!("Invalid parameter: Attributes Reason: {want}")
            );
        }
    }

    #[test]
    fn lambda_event_patterns_are_not_held_to_the_sns_limits() {
        // Six keys under `body`, 20 values each: SNS refuses it, a Lambda filter takes it.
        let keys: serde_json::Map<String, Value> = (0..6)
            .map(|k| {
                let values: Vec<Value> = (0..20).map(|v| json!(format!("v{v}"))).collect();
                (format!("k{k}"), Value::Array(values))
            })
            .collect();
        let pattern = json!({ "body": keys }).to_string();
        assert!(FilterPolicy::parse(&pattern, Scope::MessageBody).is_err());
        let p = FilterPolicy::parse_event_pattern(&pattern).expect("a valid Lambda pattern");
        let body: serde_json::Map<String, Value> =
            (0..6).map(|k| (format!("k{k}"), json!("v7"))).collect();
        assert!(p.matches_body(&json!({ "body": body }).to_string()));
        // Its syntax is still checked.
        assert!(FilterPolicy::parse_event_pattern(r#"{"body": {"k": [{"nope": 1}]}}"#).is_err());
    }

    #[test]
    fn complexity_sums_or_branches() {
        // test_policy_complexity_with_or: 3x6 + 3x4x4 + 3x4x7 = 150 is accepted.
        let p = json!({"source": ["a", "b", "c"], "$or": [
            {"metricName": ["1", "2", "3", "4", "5", "6"]},
            {"metricType": ["1", "2", "3", "4"], "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}]}
        ]});
        assert!(FilterPolicy::parse(&p.to_string(), Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn null_and_booleans_are_match_values_in_both_scopes() {
        // test_filter_policy: accepted in the MessageAttributes scope; a message without the
        // attribute is filtered out.
        check(
            json!({"attr1": [null, {"anything-but": "whatever"}]}),
            json!({}),
            false,
        );
        let p = body_policy(json!({"flag": [true]}));
        assert!(p.matches_body(r#"{"flag": true}"#));
        assert!(!p.matches_body(r#"{"flag": "true"}"#));
        assert!(!p.matches_body(r#"{"flag": false}"#));
    }

    #[test]
    fn body_keys_are_dotted_paths_through_arrays() {
        // test_filter_policy_on_message_body_dot_attribute
        let p = body_policy(json!({"object.nested.test": ["string.value"]}));
        for ok in [
            r#"{"object": {"nested": {"test": "string.value"}}}"#,
            r#"{"object.nested.test": "string.value"}"#,
            r#"{"object.nested": {"test": "string.value"}}"#,
            r#"{"object": {"nested.test": "string.value"}}"#,
        ] {
            assert!(p.matches_body(ok), "{ok}");
        }
        assert!(!p.matches_body(r#"{"object": {"nested": {"test": "string.notvalue"}}}"#));
        // test_filter_policy_on_message_body_array_of_object_attributes
        let p = body_policy(json!({"Records": {
            "s3": {"object": {"key": [{"prefix": "auto-"}]}},
            "eventName": [{"prefix": "ObjectCreated:"}]
        }}));
        let event = |name: &str, key: &str| {
            json!({"Records": [{"eventName": name, "s3": {"object": {"key": key}}}]}).to_string()
        };
        assert!(p.matches_body(&event("ObjectCreated:Put", "auto-1.xml")));
        assert!(!p.matches_body(&event("ObjectRemoved:Delete", "auto-1.xml")));
        assert!(!p.matches_body(&event("ObjectCreated:Put", "home-1.xml")));
        let multiple = json!({"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"object": [[{"key": "auto-1.xml"}]]}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "home-1.xml"}}}
        ]});
        assert!(p.matches_body(&multiple.to_string()));
        // test_filter_policy_on_message_body: exists false on a nested key, and non-objects.
        let p = body_policy(
            json!({"object": {"key": [{"prefix": "auto-"}], "nested_key": [{"exists": false}]}, "test": [{"exists": false}]}),
        );
        assert!(p.matches_body(r#"{"object": {"key": "auto-test"}}"#));
        assert!(!p.matches_body(r#"{"object": {"key": "auto-test"}, "test": "just-exists"}"#));
        assert!(!p.matches_body(r#"{"object": {"key": "auto-test", "nested_key": "x"}}"#));
        let p = body_policy(json!({"test": [{"exists": false}]}));
        assert!(!p.matches_body(r#""Regular string message""#));
        assert!(!p.matches_body("Regular string message"));
    }
}
