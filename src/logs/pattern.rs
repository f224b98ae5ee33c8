//! Filter patterns (AWS's "filter pattern syntax" for FilterLogEvents):
//!
//! - unstructured: every term must occur (case-sensitive substring); `"quoted phrases"` for
//!   terms with other characters than letters, digits and `_`; `?term` terms of which at least
//!   one must occur; `-term` terms that must not occur;
//! - JSON: `{ $.level = "ERROR" }`, `{ $.latency > 100 }`, `!=`, `<`, `<=`, `>=`, `*` wildcards
//!   in strings, `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`, array indexes `$.a[0].b`,
//!   `&&`, `||` and parentheses; events that are not JSON objects never match;
//! - space-delimited: `[ip, user, ..., status = 404, bytes > 1000]` (fields split on spaces,
//!   `"..."` and `[...]` kept whole; `...` stands for any number of fields).
//!
//! - regular expressions `%...%` (`logs::regex`, AWS's subset), alone or as the value of a
//!   JSON or space-delimited comparison (`{ $.code = %4[0-9]{2}% }`).

use serde_json::Value;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    /// An empty pattern: every event.
    All,
    Terms(Terms),
    Json(Expr),
    Space(Vec<SpaceField>),
    Regex(super::regex::Regex),
}

/// An unstructured pattern: `all` must occur; if there are `groups` (each begun by a `?`
/// term and taking the plain terms after it, as `?"ERROR" "MainThread" ?"WARN" "Deadlock"`),
/// every term of at least one group must occur; no `none` term may occur.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Terms {
    pub all: Vec<String>,
    pub groups: Vec<Vec<String>>,
    pub none: Vec<String>,
}

/// A JSON pattern's expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Vec<Step>, Op, Literal),
    IsNull(Vec<Step>),
    IsBool(Vec<Step>, bool),
    NotExists(Vec<Step>),
}

/// One step of a selector: `.name` or `[index]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64),
    Text(String),
    Regex(super::regex::Regex),
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum SpaceField {
    /// `...`: any number of fields.
    Rest,
    /// A named field, with optional conditions on it: alternatives (`||`) of conditions that
    /// must all hold (`&&`), as `status >= 400 && status < 500`.
    Field(Vec<Vec<(Op, Literal)>>),
}

/// The longest filter pattern AWS accepts.
pub const MAX_PATTERN: usize = 1024;

fn invalid(pattern: &str) -> String {
    format!("Invalid filter pattern: {pattern}")
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> Result<Self, String> {
        if pattern.chars().count() > MAX_PATTERN {
            return Err(format!(
                "1 validation error detected: Value '{pattern}' at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_PATTERN}"
            ));
        }
        let p = pattern.trim();
        if p.is_empty() || p == "\"\"" {
            return Ok(FilterPattern::All);
        }
        if p.starts_with('{') {
            return parse_json(p).map(FilterPattern::Json);
        }
        if p.starts_with('[') {
            return parse_space(p).map(FilterPattern::Space);
        }
        if let Some(inner) = p.strip_prefix('%').and_then(|r| r.strip_suffix('%')) {
            return super::regex::Regex::parse(inner).map(FilterPattern::Regex);
        }
        parse_terms(p).map(FilterPattern::Terms)
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            FilterPattern::All => true,
            FilterPattern::Terms(t) => {
                let has = |x: &String| message.contains(x.as_str());
                t.all.iter().all(has)
                    && (t.groups.is_empty() || t.groups.iter().any(|g| g.iter().all(has)))
                    && !t.none.iter().any(|x| message.contains(x.as_str()))
            }
            FilterPattern::Json(e) => match serde_json::from_str::<Value>(message.trim_end()) {
                Ok(v @ Value::Object(_)) => eval(e, &v),
                _ => false,
            },
            FilterPattern::Regex(r) => r.is_match(message),
            FilterPattern::Space(fields) => {
                let words = split_fields(message.trim_end());
                space_match(fields, &words)
            }
        }
    }
}

// ---- unstructured terms ----

fn parse_terms(p: &str) -> Result<Terms, String> {
    let mut terms = Terms::default();
    let mut chars = p.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let kind = match c {
            '?' | '-' => {
                chars.next();
                c
            }
            _ => ' ',
        };
        let term = if chars.peek() == Some(&'"') {
            chars.next();
            let mut t = String::new();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            t.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => t.push(c),
                }
            }
            if !closed {
                return Err(invalid(p));
            }
            t
        } else {
            let mut t = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                t.push(c);
                chars.next();
            }
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '/'))
            {
                return Err(format!("Invalid character(s) in term '{t}'"));
            }
            t
        };
        match kind {
            '?' => terms.groups.push(vec![term]),
            '-' => terms.none.push(term),
            _ => match terms.groups.last_mut() {
                Some(group) => group.push(term),
                None => terms.all.push(term),
            },
        }
    }
    Ok(terms)
}

// ---- JSON patterns ----

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Op(Op),
    Selector(Vec<Step>),
    Str(String),
    Word(String),
    Re(String),
}

fn tokenize(src: &str, whole: &str) -> Result<Vec<Tok>, String> {
    let b: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            '&' if b.get(i + 1) == Some(&'&') => {
                out.push(Tok::And);
                i += 2;
            }
            '|' if b.get(i + 1) == Some(&'|') => {
                out.push(Tok::Or);
                i += 2;
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += 1;
            }
            '!' if b.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Ne));
                i += 2;
            }
            '<' | '>' => {
                let eq = b.get(i + 1) == Some(&'=');
                out.push(Tok::Op(match (c, eq) {
                    ('<', true) => Op::Le,
                    ('<', false) => Op::Lt,
                    (_, true) => Op::Ge,
                    _ => Op::Gt,
                }));
                i += if eq { 2 } else { 1 };
            }
            '%' => {
                let close = b[i + 1..]
                    .iter()
                    .position(|c| *c == '%')
                    .ok_or_else(|| invalid(whole))?;
                out.push(Tok::Re(b[i + 1..i + 1 + close].iter().collect()));
                i += close + 2;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                let mut closed = false;
                while i < b.len() {
                    match b[i] {
                        '\\' if i + 1 < b.len() => {
                            s.push(b[i + 1]);
                            i += 2;
                        }
                        '"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        c => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return Err(invalid(whole));
                }
                out.push(Tok::Str(s));
            }
            '$' => {
                i += 1;
                let mut steps = Vec::new();
                loop {
                    match b.get(i) {
                        Some('.') => {
                            i += 1;
                            let start = i;
                            while i < b.len()
                                && (b[i].is_alphanumeric() || matches!(b[i], '_' | '-' | '@' | '$'))
                            {
                                i += 1;
                            }
                            if start == i {
                                return Err(invalid(whole));
                            }
                            steps.push(Step::Key(b[start..i].iter().collect()));
                        }
                        Some('[') => {
                            i += 1;
                            let start = i;
                            while i < b.len() && b[i].is_ascii_digit() {
                                i += 1;
                            }
                            let n: String = b[start..i].iter().collect();
                            if b.get(i) != Some(&']') {
                                return Err(invalid(whole));
                            }
                            i += 1;
                            steps.push(Step::Index(n.parse().map_err(|_| invalid(whole))?));
                        }
                        _ => break,
                    }
                }
                if steps.is_empty() {
                    return Err(invalid(whole));
                }
                out.push(Tok::Selector(steps));
            }
            c if c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | '*' | '_') => {
                let start = i;
                while i < b.len()
                    && (b[i].is_alphanumeric()
                        || matches!(b[i], '-' | '+' | '.' | '*' | '_' | ':' | '/' | '@'))
                {
                    i += 1;
                }
                out.push(Tok::Word(b[start..i].iter().collect()));
            }
            _ => return Err(invalid(whole)),
        }
    }
    Ok(out)
}

/// Deepest parenthesis nesting a JSON pattern may have (AWS states no bound; this keeps the
/// recursive parser's stack small).
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    whole: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn err(&self) -> String {
        invalid(self.whole)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.next();
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        while self.peek() == Some(&Tok::And) {
            self.next();
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::LParen) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err());
                }
                let e = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err(self.err()),
                }
            }
            Some(Tok::Selector(path)) => match self.next() {
                Some(Tok::Op(op)) => {
                    let lit = match self.next() {
                        Some(Tok::Str(s)) => Literal::Text(s),
                        Some(Tok::Re(r)) => Literal::Regex(super::regex::Regex::parse(&r)?),
                        Some(Tok::Word(w)) => match w.parse::<f64>() {
                            Ok(n) if !w.contains('*') => Literal::Number(n),
                            _ => Literal::Text(w),
                        },
                        _ => return Err(self.err()),
                    };
                    if !matches!(lit, Literal::Number(_)) && !matches!(op, Op::Eq | Op::Ne) {
                        return Err(self.err());
                    }
                    Ok(Expr::Compare(path, op, lit))
                }
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("IS") => match self.next() {
                    Some(Tok::Word(v)) if v.eq_ignore_ascii_case("NULL") => Ok(Expr::IsNull(path)),
                    Some(Tok::Word(v)) if v.eq_ignore_ascii_case("TRUE") => {
                        Ok(Expr::IsBool(path, true))
                    }
                    Some(Tok::Word(v)) if v.eq_ignore_ascii_case("FALSE") => {
                        Ok(Expr::IsBool(path, false))
                    }
                    _ => Err(self.err()),
                },
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("NOT") => match self.next() {
                    Some(Tok::Word(v)) if v.eq_ignore_ascii_case("EXISTS") => {
                        Ok(Expr::NotExists(path))
                    }
                    _ => Err(self.err()),
                },
                _ => Err(self.err()),
            },
            _ => Err(self.err()),
        }
    }
}

fn parse_json(p: &str) -> Result<Expr, String> {
    let inner = p
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| invalid(p))?;
    let toks = tokenize(inner, p)?;
    let mut parser = Parser {
        toks,
        at: 0,
        whole: p,
        depth: 0,
    };
    let e = parser.or()?;
    if parser.at != parser.toks.len() {
        return Err(invalid(p));
    }
    Ok(e)
}

fn select<'a>(v: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.get(k.as_str())?,
            Step::Index(i) => cur.get(*i)?,
        };
    }
    Some(cur)
}

/// `*` wildcards in a pattern's string.
fn wildcard(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn compare(value: Option<&Value>, op: Op, lit: &Literal) -> bool {
    let Some(value) = value else {
        return false;
    };
    match lit {
        Literal::Number(n) => {
            let Some(x) = value.as_f64() else {
                return false;
            };
            match op {
                Op::Eq => x == *n,
                Op::Ne => x != *n,
                Op::Lt => x < *n,
                Op::Le => x <= *n,
                Op::Gt => x > *n,
                Op::Ge => x >= *n,
            }
        }
        Literal::Text(t) => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return false,
            };
            let eq = wildcard(t, &text);
            if op == Op::Ne { !eq } else { eq }
        }
        Literal::Regex(r) => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return false,
            };
            let eq = r.is_match(&text);
            if op == Op::Ne { !eq } else { eq }
        }
    }
}

fn eval(e: &Expr, v: &Value) -> bool {
    match e {
        Expr::And(a, b) => eval(a, v) && eval(b, v),
        Expr::Or(a, b) => eval(a, v) || eval(b, v),
        Expr::Compare(path, op, lit) => compare(select(v, path), *op, lit),
        Expr::IsNull(path) => select(v, path).is_some_and(Value::is_null),
        Expr::IsBool(path, b) => select(v, path).and_then(Value::as_bool) == Some(*b),
        Expr::NotExists(path) => select(v, path).is_none(),
    }
}

// ---- space-delimited ----

fn parse_space(p: &str) -> Result<Vec<SpaceField>, String> {
    let inner = p
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| invalid(p))?;
    let mut fields = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        if part == "..." {
            fields.push(SpaceField::Rest);
            continue;
        }
        let toks = tokenize(part, p)?;
        let Some(Tok::Word(name)) = toks.first() else {
            return Err(invalid(p));
        };
        if toks.len() == 1 {
            fields.push(SpaceField::Field(Vec::new()));
            continue;
        }
        let mut alternatives = Vec::new();
        for alternative in toks.split(|t| *t == Tok::Or) {
            let mut all = Vec::new();
            for cond in alternative.split(|t| *t == Tok::And) {
                let [Tok::Word(n), Tok::Op(op), value] = cond else {
                    return Err(invalid(p));
                };
                if n != name {
                    return Err(invalid(p));
                }
                let lit = match value {
                    Tok::Str(s) => Literal::Text(s.clone()),
                    Tok::Re(r) => Literal::Regex(super::regex::Regex::parse(r)?),
                    Tok::Word(w) => match w.parse::<f64>() {
                        Ok(n) if !w.contains('*') => Literal::Number(n),
                        _ => Literal::Text(w.clone()),
                    },
                    _ => return Err(invalid(p)),
                };
                if !matches!(lit, Literal::Number(_)) && !matches!(op, Op::Eq | Op::Ne) {
                    return Err(invalid(p));
                }
                all.push((*op, lit));
            }
            alternatives.push(all);
        }
        fields.push(SpaceField::Field(alternatives));
    }
    Ok(fields)
}

/// Split a message into space-delimited fields; `"..."` and `[...]` are one field each.
fn split_fields(message: &str) -> Vec<&str> {
    let b = message.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let (open, close) = match b[i] {
            b'"' => (true, b'"'),
            b'[' => (true, b']'),
            _ => (false, b' '),
        };
        if open {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != close {
                j += 1;
            }
            out.push(&message[start..j]);
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push(&message[start..i]);
        }
    }
    out
}

fn field_ok(alternatives: &[Vec<(Op, Literal)>], word: &str) -> bool {
    let holds = |(op, lit): &(Op, Literal)| match lit {
        Literal::Number(n) => match word.parse::<f64>() {
            Ok(x) => compare(Some(&Value::from(x)), *op, &Literal::Number(*n)),
            Err(_) => false,
        },
        lit => compare(Some(&Value::String(word.to_string())), *op, lit),
    };
    alternatives.is_empty() || alternatives.iter().any(|all| all.iter().all(holds))
}

/// Whether the fields match the words, `...` taking any number of them: a table of
/// "fields[f..] match words[w..]" filled from the end, O(fields x words) whatever the pattern.
fn space_match(fields: &[SpaceField], words: &[&str]) -> bool {
    let n = words.len();
    // next[w]: fields[f + 1..] match words[w..]; starts as "no fields left".
    let mut next: Vec<bool> = (0..=n).map(|w| w == n).collect();
    for field in fields.iter().rev() {
        let mut cur = vec![false; n + 1];
        match field {
            SpaceField::Rest => {
                let mut any = false;
                for w in (0..=n).rev() {
                    any |= next[w];
                    cur[w] = any;
                }
            }
            SpaceField::Field(cond) => {
                for w in 0..n {
                    cur[w] = next[w + 1] && field_ok(cond, words[w]);
                }
            }
        }
        next = cur;
    }
    next[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, msg: &str) -> bool {
        FilterPattern::parse(p)
            .map(|f| f.matches(msg))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn empty_matches_everything() {
        assert!(m("", "anything"));
        assert!(m("  ", ""));
    }

    #[test]
    fn terms_all_must_occur_case_sensitively() {
        assert!(m("ERROR", "an ERROR here"));
        assert!(!m("ERROR", "an error here"));
        assert!(m("ERROR timeout", "ERROR: db timeout"));
        assert!(!m("ERROR timeout", "ERROR: db refused"));
    }

    #[test]
    fn optional_and_excluded_terms() {
        assert!(m("?ERROR ?WARN", "WARN disk"));
        assert!(m("?ERROR ?WARN", "ERROR disk"));
        assert!(!m("?ERROR ?WARN", "INFO disk"));
        assert!(m("ERROR -Exiting", "ERROR retrying"));
        assert!(!m("ERROR -Exiting", "ERROR Exiting now"));
        // Term groups, as CDK's anyTermGroup writes them.
        let p = r#"?"ERROR" "MainThread" ?"WARN" "Deadlock""#;
        assert!(m(p, "ERROR in MainThread"));
        assert!(m(p, "WARN Deadlock found"));
        assert!(!m(p, "ERROR in worker"));
        assert!(!m(p, "WARN in MainThread"));
    }

    #[test]
    fn quoted_phrases_keep_spaces_and_symbols() {
        assert!(m(
            "\"Task timed out\"",
            "2024 abc Task timed out after 3.00 seconds"
        ));
        assert!(!m("\"Task timed out\"", "Task was timed out"));
        assert!(m("\"ERROR:\" -\"health check\"", "ERROR: boom"));
        assert!(!m(
            "\"ERROR:\" -\"health check\"",
            "ERROR: health check failed"
        ));
    }

    #[test]
    fn unquoted_symbols_are_refused() {
        assert!(FilterPattern::parse("ERROR:").is_err());
        assert!(FilterPattern::parse("\"open").is_err());
        assert!(FilterPattern::parse("%ERR(.*)%").is_err());
        assert!(FilterPattern::parse("{ $.a = %x }").is_err());
    }

    #[test]
    fn json_equality_numbers_and_wildcards() {
        let msg = r#"{"level":"ERROR","latency":150,"user":{"id":"u-42"},"tags":["a","b"],"ok":false,"gone":null}"#;
        assert!(m(r#"{ $.level = "ERROR" }"#, msg));
        assert!(m("{ $.level = ERROR }", msg));
        assert!(!m(r#"{ $.level = "INFO" }"#, msg));
        assert!(m(r#"{ $.level != "INFO" }"#, msg));
        assert!(m("{ $.latency > 100 }", msg));
        assert!(m("{ $.latency >= 150 }", msg));
        assert!(!m("{ $.latency < 100 }", msg));
        assert!(m(r#"{ $.user.id = "u-*" }"#, msg));
        assert!(m(r#"{ $.tags[1] = "b" }"#, msg));
        assert!(m("{ $.ok IS FALSE }", msg));
        assert!(m("{ $.gone IS NULL }", msg));
        assert!(m("{ $.missing NOT EXISTS }", msg));
        assert!(!m("{ $.level NOT EXISTS }", msg));
    }

    #[test]
    fn regular_expressions_alone_and_in_comparisons() {
        assert!(m("%ERR[A-Z]+%", "an ERROR here"));
        assert!(!m("%ERR[A-Z]+%", "an Err here"));
        assert!(m("%^START RequestId%", "START RequestId: x"));
        let msg = r#"{"code":"404","path":"/a"}"#;
        assert!(m("{ $.code = %4[0-9]{2}% }", msg));
        assert!(!m("{ $.code != %4[0-9]{2}% }", msg));
        let line = "GET /x 503 12";
        assert!(m("[method, path, status = %5[0-9]{2}%, size]", line));
    }

    #[test]
    fn json_and_or_parentheses() {
        let msg = r#"{"level":"WARN","latency":50}"#;
        assert!(m(r#"{ $.level = "ERROR" || $.level = "WARN" }"#, msg));
        assert!(!m(r#"{ $.level = "WARN" && $.latency > 100 }"#, msg));
        assert!(m(
            r#"{ ($.level = "ERROR" || $.level = "WARN") && $.latency < 100 }"#,
            msg
        ));
        assert!(!m(r#"{ $.level = "WARN" }"#, "not json at all"));
        assert!(!m(r#"{ $.level = "WARN" }"#, "[1,2]"));
    }

    #[test]
    fn json_syntax_errors_are_refused() {
        for bad in [
            "{ $.level = }",
            "{ level = \"x\" }",
            "{ $.level = \"x\" ",
            "{ $.a > \"text\" }",
            "{ ($.a = 1 }",
            "{ $.a = 1 $.b = 2 }",
            "{ $.a IS MAYBE }",
            &format!("{{ {}$.a = 1{} }}", "(".repeat(40), ")".repeat(40)),
        ] {
            assert!(FilterPattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn space_delimited_fields() {
        let line =
            r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
        assert!(m(
            "[ip, user, username, timestamp, request, status_code = 404, bytes]",
            line
        ));
        assert!(m("[..., status_code = 404, bytes > 1000]", line));
        assert!(!m("[..., status_code = 200, bytes]", line));
        assert!(m("[ip = 127.0.0.*, ...]", line));
        assert!(!m("[ip, user]", line));
        assert!(m("[..., ..., bytes = 1534]", line));
        assert!(m("[..., status >= 400 && status < 500, bytes]", line));
        assert!(!m("[..., status >= 500 && status < 600, bytes]", line));
        assert!(m("[..., status = 200 || status = 404, bytes]", line));
        assert!(FilterPattern::parse("[a = 1 && b = 2]").is_err());
        assert!(FilterPattern::parse("[a > x]").is_err());
    }

    #[test]
    fn many_ellipses_stay_linear_and_long_patterns_are_refused() {
        let words = vec!["w"; 2000].join(" ");
        let pattern = format!("[{}, x = y]", vec!["..."; 200].join(", "));
        assert!(!m(&pattern, &words));
        assert!(FilterPattern::parse(&"a".repeat(MAX_PATTERN + 1)).is_err());
    }
}
