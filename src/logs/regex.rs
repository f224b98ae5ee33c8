//! The regular expressions of filter patterns (`%...%`), in the subset AWS accepts: letters,
//! digits, `: _ # = @ / ; , -` and spaces as literals; `.`, `[...]` classes (ranges, `^`
//! negation), `\d \w \s` (and upper-case negations) and escaped characters; the quantifiers
//! `?`, `*`, `+`, `{m}`, `{m,}`, `{m,n}`; `^` and `$` anchors; `|` between alternatives. No
//! parentheses, as on AWS. A match may start anywhere in the message, case-sensitively.
//!
//! Matching keeps the set of positions each step can reach (no backtracking): O(steps x
//! message length) whatever the expression.

/// Longest `{m,n}` bound accepted (fogbank's own, to keep a step's work bounded).
const MAX_REPEAT: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Any,
    Char(char),
    /// (ranges, negated)
    Class(Vec<(char, char)>, bool),
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Any => c != '\n',
            Atom::Char(x) => *x == c,
            Atom::Class(ranges, negated) => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    atom: Atom,
    min: usize,
    max: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Alternative {
    start: bool,
    end: bool,
    steps: Vec<Step>,
}

/// A compiled `%...%` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Regex {
    alternatives: Vec<Alternative>,
}

fn class_escape(c: char) -> Option<(Vec<(char, char)>, bool)> {
    let digits = vec![('0', '9')];
    let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
    let space = vec![
        (' ', ' '),
        ('\t', '\t'),
        ('\n', '\n'),
        ('\r', '\r'),
        ('\x0b', '\x0c'),
    ];
    match c {
        'd' => Some((digits, false)),
        'D' => Some((digits, true)),
        'w' => Some((word, false)),
        'W' => Some((word, true)),
        's' => Some((space, false)),
        'S' => Some((space, true)),
        _ => None,
    }
}

fn literal_ok(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, ':' | '_' | '#' | '=' | '@' | '/' | ';' | ',' | '-' | ' ')
}

impl Regex {
    /// Compile the text between the `%` signs.
    pub fn parse(src: &str) -> Result<Regex, String> {
        let bad = || format!("Invalid regular expression in filter pattern: %{src}%");
        if src.is_empty() || !src.is_ascii() {
            return Err(bad());
        }
        let chars: Vec<char> = src.chars().collect();
        let mut alternatives = Vec::new();
        for part in chars.split(|c| *c == '|') {
            let mut alt = Alternative {
                start: false,
                end: false,
                steps: Vec::new(),
            };
            let mut i = 0;
            if part.first() == Some(&'^') {
                alt.start = true;
                i = 1;
            }
            let mut stop = part.len();
            if stop > i && part[stop - 1] == '$' && (stop < 2 || part[stop - 2] != '\\') {
                alt.end = true;
                stop -= 1;
            }
            while i < stop {
                let atom = match part[i] {
                    '.' => {
                        i += 1;
                        Atom::Any
                    }
                    '\\' => {
                        let c = *part.get(i + 1).filter(|_| i + 1 < stop).ok_or_else(bad)?;
                        i += 2;
                        match class_escape(c) {
                            Some((r, n)) => Atom::Class(r, n),
                            None if c.is_ascii_alphanumeric() => return Err(bad()),
                            None => Atom::Char(c),
                        }
                    }
                    '[' => {
                        i += 1;
                        let negated = part.get(i) == Some(&'^');
                        if negated {
                            i += 1;
                        }
                        let mut ranges = Vec::new();
                        loop {
                            let c = *part.get(i).filter(|_| i < stop).ok_or_else(bad)?;
                            if c == ']' && !ranges.is_empty() {
                                i += 1;
                                break;
                            }
                            let lo = if c == '\\' {
                                let e = *part.get(i + 1).ok_or_else(bad)?;
                                i += 2;
                                if let Some((r, false)) = class_escape(e) {
                                    ranges.extend(r);
                                    continue;
                                }
                                e
                            } else {
                                i += 1;
                                c
                            };
                            if part.get(i) == Some(&'-')
                                && part.get(i + 1).is_some_and(|c| *c != ']')
                            {
                                let hi = part[i + 1];
                                if hi < lo {
                                    return Err(bad());
                                }
                                ranges.push((lo, hi));
                                i += 2;
                            } else {
                                ranges.push((lo, lo));
                            }
                        }
                        Atom::Class(ranges, negated)
                    }
                    c if literal_ok(c) => {
                        i += 1;
                        Atom::Char(c)
                    }
                    _ => return Err(bad()),
                };
                let (min, max) = match part.get(i).filter(|_| i < stop) {
                    Some('?') => {
                        i += 1;
                        (0, 1)
                    }
                    Some('*') => {
                        i += 1;
                        (0, usize::MAX)
                    }
                    Some('+') => {
                        i += 1;
                        (1, usize::MAX)
                    }
                    Some('{') => {
                        let close = part[i..stop]
                            .iter()
                            .position(|c| *c == '}')
                            .ok_or_else(bad)?
                            + i;
                        let inner: String = part[i + 1..close].iter().collect();
                        i = close + 1;
                        let num =
                            |s: &str| s.trim().parse::<usize>().ok().filter(|n| *n <= MAX_REPEAT);
                        match inner.split_once(',') {
                            None => {
                                let n = num(&inner).ok_or_else(bad)?;
                                (n, n)
                            }
                            Some((a, "")) => (num(a).ok_or_else(bad)?, usize::MAX),
                            Some((a, b)) => {
                                let (a, b) = (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?);
                                if b < a {
                                    return Err(bad());
                                }
                                (a, b)
                            }
                        }
                    }
                    _ => (1, 1),
                };
                alt.steps.push(Step { atom, min, max });
            }
            alternatives.push(alt);
        }
        Ok(Regex { alternatives })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        self.alternatives.iter().any(|a| run(a, &chars))
    }
}

/// The positions reachable after every step, as a bitmap over 0..=n.
fn run(alt: &Alternative, text: &[char]) -> bool {
    let n = text.len();
    let mut reach: Vec<bool> = if alt.start {
        (0..=n).map(|p| p == 0).collect()
    } else {
        vec![true; n + 1]
    };
    let mut run_len = vec![0usize; n + 1];
    for step in &alt.steps {
        // run_len[p]: how many characters from p on the atom matches in a row.
        run_len[n] = 0;
        for p in (0..n).rev() {
            run_len[p] = if step.atom.matches(text[p]) {
                run_len[p + 1] + 1
            } else {
                0
            };
        }
        // Each reachable p reaches [p + min, p + min(max, run_len[p])]: a difference array.
        let mut delta = vec![0i64; n + 2];
        let mut any = false;
        for p in 0..=n {
            if !reach[p] || run_len[p] < step.min {
                continue;
            }
            let hi = p + run_len[p].min(step.max);
            delta[p + step.min] += 1;
            delta[hi + 1] -= 1;
            any = true;
        }
        if !any {
            return false;
        }
        let mut open = 0i64;
        for p in 0..=n {
            open += delta[p];
            reach[p] = open > 0;
        }
    }
    if alt.end {
        // `$` also matches before a final newline (Lambda's lines end with one).
        reach[n] || (n > 0 && text[n - 1] == '\n' && reach[n - 1])
    } else {
        reach.iter().any(|r| *r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(re: &str, text: &str) -> bool {
        Regex::parse(re)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_match(text)
    }

    #[test]
    fn the_documented_examples() {
        assert!(m("AUTHORIZED", "[ERROR 401] UNAUTHORIZED REQUEST"));
        assert!(m("AUTHORIZED", "[SUCCESS 200] AUTHORIZED REQUEST"));
        assert!(m(
            r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
            "from 10.0.12.255 port"
        ));
        assert!(!m(
            r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}",
            "from 10.0.12 port"
        ));
        assert!(m("[Ee]rror|[Ff]ail", "an error"));
        assert!(m("[Ee]rror|[Ff]ail", "Failed"));
        assert!(!m("[Ee]rror|[Ff]ail", "ok"));
        assert!(m("^[hc]at", "hat trick"));
        assert!(!m("^[hc]at", "that"));
        assert!(m("[hc]at$", "a cat"));
        assert!(m("[hc]at$", "a cat\n"));
        assert!(!m("[hc]at$", "a cats"));
        assert!(m("colou?r", "color"));
        assert!(m("colou?r", "colour"));
        assert!(m("a{3,5}", "baaab"));
        assert!(!m("a{3,5}", "baab"));
        assert!(m("^a{3}$", "aaa"));
        assert!(!m("^a{3}$", "aaaa"));
    }

    #[test]
    fn classes_quantifiers_and_long_inputs() {
        assert!(m("[^0-9]+x", "12ab x"));
        assert!(m(r"user=\w+;", "x user=bob_1; y"));
        assert!(m("a.*z", &format!("a{}z", "m".repeat(300_000))));
        assert!(!m("a.*z", &"a".repeat(300_000)));
        assert!(m("4[0-9]{2}", "status 404"));
    }

    #[test]
    fn refused_syntax() {
        for bad in [
            "(a)", "a!", "", "[a", "a{2", "a{3,1}", r"\q", "é", "a{5000}",
        ] {
            assert!(Regex::parse(bad).is_err(), "{bad}");
        }
    }
}
