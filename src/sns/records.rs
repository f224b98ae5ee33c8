//! What SNS "sent" to destinations fogbank cannot reach (SMS, email, mobile push endpoints,
//! Firehose), kept in memory for inspection endpoints, plus endpoint validation for those
//! protocols.
//!
//! Each kind keeps at most [`MAX_PER_KIND`] messages (the oldest are dropped first).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{Map, Value};

/// The most messages kept per kind.
pub const MAX_PER_KIND: usize = 10_000;

/// The destinations whose deliveries are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `sms` subscriptions and Publish with `PhoneNumber`; keyed by phone number.
    Sms,
    /// `application` subscriptions and Publish to a platform endpoint; keyed by endpoint ARN.
    Platform,
    /// `email` and `email-json` subscriptions; keyed by address.
    Email,
    /// `firehose` subscriptions; keyed by delivery stream ARN.
    Firehose,
}

/// One recorded message.
#[derive(Debug, Clone)]
pub struct Record {
    pub account: String,
    pub region: String,
    /// Phone number, endpoint ARN, email address or delivery stream ARN.
    pub key: String,
    /// The LocalStack-compatible payload fields.
    pub fields: Map<String, Value>,
}

/// The recorded messages of every kind.
#[derive(Debug, Default)]
pub struct Outbox {
    sms: Mutex<VecDeque<Record>>,
    platform: Mutex<VecDeque<Record>>,
    email: Mutex<VecDeque<Record>>,
    firehose: Mutex<VecDeque<Record>>,
}

impl Outbox {
    fn list(&self, kind: Kind) -> &Mutex<VecDeque<Record>> {
        match kind {
            Kind::Sms => &self.sms,
            Kind::Platform => &self.platform,
            Kind::Email => &self.email,
            Kind::Firehose => &self.firehose,
        }
    }

    pub fn record(&self, kind: Kind, record: Record) {
        let mut l = self.list(kind).lock().unwrap_or_else(|e| e.into_inner());
        if l.len() >= MAX_PER_KIND {
            l.pop_front();
        }
        l.push_back(record);
    }

    /// Messages of `kind` in `account`/`region`, optionally only those for `key`, grouped by
    /// key (in the order they were sent).
    pub fn grouped(
        &self,
        kind: Kind,
        account: &str,
        region: &str,
        key: Option<&str>,
    ) -> Map<String, Value> {
        let l = self.list(kind).lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Map::new();
        if let Some(k) = key {
            out.insert(k.to_string(), Value::Array(Vec::new()));
        }
        for r in l.iter().filter(|r| {
            r.account == account && r.region == region && key.is_none_or(|k| r.key == k)
        }) {
            if let Value::Array(v) = out
                .entry(r.key.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                v.push(Value::Object(r.fields.clone()));
            }
        }
        out
    }

    /// Forget messages of `kind` in `account`/`region` (only those for `key` if given).
    pub fn clear(&self, kind: Kind, account: &str, region: &str, key: Option<&str>) {
        let mut l = self.list(kind).lock().unwrap_or_else(|e| e.into_inner());
        l.retain(|r| {
            !(r.account == account && r.region == region && key.is_none_or(|k| r.key == k))
        });
    }

    pub fn clear_all(&self) {
        for k in [Kind::Sms, Kind::Platform, Kind::Email, Kind::Firehose] {
            self.list(k)
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
    }
}

/// An E.164 phone number: `+`, then 1 to 15 digits not starting with 0 (the `+` is optional
/// for SMS subscriptions, as SNS accepts).
pub fn valid_phone_number(p: &str, plus_required: bool) -> bool {
    let digits = match p.strip_prefix('+') {
        Some(d) => d,
        None if plus_required => return false,
        None => p,
    };
    (2..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A plausible email address: `local@domain.tld`, no spaces.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_emails_are_validated() {
        assert!(valid_phone_number("+15555550100", true));
        assert!(valid_phone_number("15555550100", false));
        assert!(!valid_phone_number("15555550100", true));
        assert!(!valid_phone_number("+0123", true));
        assert!(!valid_phone_number("+1555abc", true));
        assert!(!valid_phone_number("+1234567890123456", true));
        assert!(valid_email("a.b@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("nobody"));
        assert!(!valid_email("a@localhost"));
    }

    #[test]
    fn outbox_groups_by_key_and_caps_its_size() {
        let o = Outbox::default();
        for i in 0..(MAX_PER_KIND + 5) {
            let mut f = Map::new();
            f.insert("n".into(), Value::from(i));
            o.record(
                Kind::Sms,
                Record {
                    account: "a".into(),
                    region: "r".into(),
                    key: if i % 2 == 0 { "+1".into() } else { "+2".into() },
                    fields: f,
                },
            );
        }
        let all = o.grouped(Kind::Sms, "a", "r", None);
        let total: usize = all.values().map(|v| v.as_array().map_or(0, Vec::len)).sum();
        assert_eq!(total, MAX_PER_KIND);
        let one = o.grouped(Kind::Sms, "a", "r", Some("+3"));
        assert_eq!(one.get("+3"), Some(&Value::Array(vec![])));
        o.clear(Kind::Sms, "a", "r", Some("+1"));
        assert!(o.grouped(Kind::Sms, "a", "r", None).get("+1").is_none());
        assert!(o.grouped(Kind::Sms, "other", "r", None).is_empty());
    }
}
