//! Subscription filter policies: parsing with AWS's validation, and matching against message
//! attributes (`FilterPolicyScope=MessageAttributes`) or the JSON body (`MessageBody`).

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::error::{SnsError, SnsResult};

/// Which part of a message a policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    MessageAttributes,
    MessageBody,
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Exact(String),
    Number(f64),
    Null,
    Prefix(String),
    Suffix(String),
    EqualsIgnoreCase(String),
    AnythingBut(Vec<Matcher>),
    Exists(bool),
    Numeric(Vec<(String, f64)>),
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
    Null,
}

fn bad(why: impl std::fmt::Display) -> SnsError {
    SnsError::invalid(format!("FilterPolicy: {why}"))
}

const MAX_KEYS: usize = 5;
const MAX_COMBINATIONS: usize = 150;
const MAX_NUMBER: f64 = 1e9;

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

fn parse_numeric(v: &Value) -> SnsResult<Matcher> {
    let arr = v
        .as_array()
        .ok_or_else(|| bad("Value of numeric must be an array."))?;
    if arr.is_empty() || arr.len() % 2 != 0 {
        return Err(bad(
            "Value of numeric must be an array of operator and value pairs",
        ));
    }
    let mut ops = Vec::new();
    let (mut lower, mut upper) = (false, false);
    for pair in arr.chunks(2) {
        let op = pair[0]
            .as_str()
            .ok_or_else(|| bad("Value of numeric must be an array of operator and value pairs"))?;
        let n = number(&pair[1])?;
        match op {
            ">" | ">=" if !lower => lower = true,
            "<" | "<=" if !upper => upper = true,
            "=" if arr.len() == 2 => {}
            _ => return Err(bad(format!("Unrecognized numeric range operator: {op}"))),
        }
        ops.push((op.to_string(), n));
    }
    if let [(lo_op, lo), (hi_op, hi)] = ops.as_slice()
        && lo_op.starts_with('>')
        && hi_op.starts_with('<')
        && lo >= hi
    {
        return Err(bad("Bottom must be less than top"));
    }
    Ok(Matcher::Numeric(ops))
}

fn parse_matcher(v: &Value, scope: Scope) -> SnsResult<Matcher> {
    match v {
        Value::String(s) => Ok(Matcher::Exact(s.clone())),
        Value::Number(_) => Ok(Matcher::Number(number(v)?)),
        Value::Null if scope == Scope::MessageBody => Ok(Matcher::Null),
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
                "anything-but" => {
                    let inner = match operand {
                        Value::Array(items) if !items.is_empty() => items
                            .iter()
                            .map(|i| match i {
                                Value::String(s) => Ok(Matcher::Exact(s.clone())),
                                Value::Number(_) => Ok(Matcher::Number(number(i)?)),
                                _ => Err(bad("Inside anything but list, start|null|boolean is not supported.")),
                            })
                            .collect::<SnsResult<Vec<_>>>()?,
                        Value::String(s) => vec![Matcher::Exact(s.clone())],
                        Value::Number(_) => vec![Matcher::Number(number(operand)?)],
                        Value::Object(inner) if inner.len() == 1 => {
                            let (iop, ival) = inner.iter().next().ok_or_else(|| bad("Empty anything-but"))?;
                            match iop.as_str() {
                                "prefix" => vec![Matcher::Prefix(string_operand(iop, ival)?)],
                                "suffix" => vec![Matcher::Suffix(string_operand(iop, ival)?)],
                                "equals-ignore-case" => vec![Matcher::EqualsIgnoreCase(string_operand(iop, ival)?)],
                                other => return Err(bad(format!("Unsupported anything-but pattern: {other}"))),
                            }
                        }
                        _ => return Err(bad("Value of anything-but must be an array or single string/number value.")),
                    };
                    Ok(Matcher::AnythingBut(inner))
                }
                other => Err(bad(format!("Unrecognized match type {other}"))),
            }
        }
        _ => Err(bad(
            "Match value must be String, number, true, false, or null",
        )),
    }
}

struct Counter {
    keys: usize,
    combinations: usize,
}

fn parse_object(
    obj: &Map<String, Value>,
    path: &[String],
    scope: Scope,
    c: &mut Counter,
) -> SnsResult<Expr> {
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
                any.push(parse_object(o, path, scope, c)?);
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
                c.keys += 1;
                c.combinations = c.combinations.saturating_mul(items.len());
                let matchers = items
                    .iter()
                    .map(|i| parse_matcher(i, scope))
                    .collect::<SnsResult<Vec<_>>>()?;
                all.push(Expr::Leaf(p, matchers));
            }
            Value::Object(o) if scope == Scope::MessageBody => {
                all.push(parse_object(o, &p, scope, c)?)
            }
            Value::Object(_) => {
                return Err(bad(format!(
                    "\"{k}\" must be an object or an array; nested keys apply only with FilterPolicyScope MessageBody"
                )));
            }
            _ => return Err(bad(format!("\"{k}\" must be an object or an array"))),
        }
    }
    Ok(Expr::All(all))
}

impl FilterPolicy {
    /// Parse and validate a policy as AWS does (JSON object, known operators, ≤ 5 keys,
    /// ≤ 150 value combinations, numbers within ±10^9).
    pub fn parse(text: &str, scope: Scope) -> SnsResult<FilterPolicy> {
        if text.len() > 256 * 1024 {
            return Err(bad("Filter policy is too long"));
        }
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("failed to parse JSON. {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("Filter policy must be a JSON object"))?;
        let mut c = Counter {
            keys: 0,
            combinations: 1,
        };
        let expr = parse_object(obj, &[], scope, &mut c)?;
        if c.keys > MAX_KEYS {
            return Err(bad("Filter policy can not have more than 5 keys"));
        }
        if c.combinations > MAX_COMBINATIONS {
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

fn matches_one(m: &Matcher, v: &Candidate) -> bool {
    match (m, v) {
        (Matcher::Exists(b), _) => *b,
        (Matcher::Exact(s), Candidate::Str(x)) => s == x,
        (Matcher::Number(n), Candidate::Num(x)) => (n - x).abs() < 1e-9,
        (Matcher::Null, Candidate::Null) => true,
        (Matcher::Prefix(p), Candidate::Str(x)) => x.starts_with(p.as_str()),
        (Matcher::Suffix(p), Candidate::Str(x)) => x.ends_with(p.as_str()),
        (Matcher::EqualsIgnoreCase(p), Candidate::Str(x)) => p.to_lowercase() == x.to_lowercase(),
        (Matcher::AnythingBut(list), v) => {
            !matches!(v, Candidate::Null) && !list.iter().any(|inner| matches_one(inner, v))
        }
        (Matcher::Numeric(ops), Candidate::Num(x)) => ops.iter().all(|(op, n)| match op.as_str() {
            "=" => (x - n).abs() < 1e-9,
            ">" => x > n,
            ">=" => x >= n,
            "<" => x < n,
            "<=" => x <= n,
            _ => false,
        }),
        (Matcher::Cidr(net, len), Candidate::Str(x)) => {
            x.parse::<IpAddr>().is_ok_and(|ip| in_cidr(ip, *net, *len))
        }
        _ => false,
    }
}

/// Candidate values of a JSON body value (arrays match by any element).
pub fn candidates_of_json(v: &Value) -> Vec<Candidate> {
    match v {
        Value::Array(items) => items.iter().flat_map(candidates_of_json).collect(),
        Value::String(s) => vec![Candidate::Str(s.clone())],
        Value::Number(n) => n.as_f64().map(Candidate::Num).into_iter().collect(),
        Value::Bool(b) => vec![Candidate::Str(b.to_string())],
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

    fn body(v: Value) -> impl Fn(&[String]) -> Option<Vec<Candidate>> {
        move |path: &[String]| {
            let mut cur = &v;
            for p in path {
                cur = cur.get(p)?;
            }
            Some(candidates_of_json(cur))
        }
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
        check(
            json!({"k": [{"anything-but": {"suffix": "x"}}]}),
            json!({"k": "ax"}),
            false,
        );
        check(json!({"k": [{"anything-but": "a"}]}), json!({}), false);
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
        let p = FilterPolicy::parse(
            &json!({"order": {"status": ["paid"], "note": [null]}}).to_string(),
            Scope::MessageBody,
        )
        .expect("valid");
        assert!(p.matches(&body(json!({"order": {"status": "paid", "note": null}}))));
        assert!(!p.matches(&body(json!({"order": {"status": "open", "note": null}}))));
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
            json!({"nested": {"k": ["v"]}}).to_string(),
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
}
