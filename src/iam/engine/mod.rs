//! The IAM engine: users, roles, managed policies (with versions), inline policies,
//! attachments and instance profiles, per account. IAM is global: regions play no part.
//!
//! Everything sits behind one mutex (IAM is a control plane, called a few times per test or
//! deployment, never on a hot path); each change journals the record of the entity it changed
//! while the lock is held. Names are unique per account without regard to case, as on AWS,
//! and listings come in that (case-insensitive) name order.

mod durable;
mod holders;
mod keys;
mod policies;
mod profiles;
mod roles;
mod users;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::error::{IamError, IamResult};
use super::model::*;
use crate::clock::{Clock, Millis};
use crate::store::Journal;

/// One account's IAM entities, keyed by lower-cased name.
#[derive(Debug, Default)]
pub(crate) struct Account {
    pub users: BTreeMap<String, UserRecord>,
    pub roles: BTreeMap<String, RoleRecord>,
    pub policies: BTreeMap<String, PolicyRecord>,
    pub profiles: BTreeMap<String, InstanceProfileRecord>,
}

pub use keys::KeyOwner;

/// The IAM engine.
pub struct IamEngine {
    clock: Arc<dyn Clock>,
    accounts: Mutex<HashMap<String, Account>>,
    /// Users' access keys by id, for the router (kept in step with the users' records).
    keys: dashmap::DashMap<String, Arc<KeyOwner>>,
    journal: OnceLock<Journal>,
}

impl std::fmt::Debug for IamEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamEngine").finish_non_exhaustive()
    }
}

impl IamEngine {
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(IamEngine {
            clock,
            accounts: Mutex::new(HashMap::new()),
            keys: dashmap::DashMap::new(),
            journal: OnceLock::new(),
        })
    }

    fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Account>> {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn journal(&self) -> Option<&Journal> {
        self.journal.get()
    }

    fn put<T: serde::Serialize>(&self, kind: &str, arn: &str, record: &T) {
        if let Some(j) = self.journal() {
            j.put(kind, arn, record);
        }
    }

    fn delete(&self, kind: &str, arn: &str) {
        if let Some(j) = self.journal() {
            j.delete(kind, arn);
        }
    }

    /// Forget everything (the reset endpoints).
    pub fn reset(&self) {
        let mut accounts = self.lock();
        if let Some(j) = self.journal() {
            j.clear_service("iam");
        }
        accounts.clear();
        self.keys.clear();
    }

    /// A role by ARN (`arn:aws:iam::<account>:role/<path><name>`), for STS.
    pub fn role_by_arn(&self, arn: &str) -> Option<RoleRecord> {
        let (account, rest) = split_arn(arn, "role/")?;
        let name = rest.rsplit('/').next()?;
        let accounts = self.lock();
        accounts
            .get(account)?
            .roles
            .get(&name.to_ascii_lowercase())
            .filter(|r| r.arn == arn)
            .cloned()
    }
}

/// `arn:aws:iam::<account>:<kind><rest>` -> (account, rest).
pub(crate) fn split_arn<'a>(arn: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix(kind)?;
    Some((account, rest))
}

/// `arn:aws:iam::<account>:<rest>` -> (account, rest).
pub fn split_arn_any(arn: &str) -> Option<(&str, &str)> {
    arn.strip_prefix("arn:aws:iam::")?.split_once(':')
}

/// A new unique id: `prefix` + 17 upper-case letters and digits (as AWS's `AROA...`).
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    let tail: String = a
        .as_bytes()
        .iter()
        .chain(b.as_bytes().iter())
        .take(17)
        .map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// A name of the model's `[\w+=,.@-]+` pattern, `max` characters at most.
pub(crate) fn check_name(member: &str, value: &str, max: usize) -> IamResult<()> {
    if value.is_empty() {
        return Err(IamError::constraint(
            member,
            Some(value),
            "have length greater than or equal to 1",
        ));
    }
    if value.chars().count() > max {
        return Err(IamError::constraint(
            member,
            Some(value),
            &format!("have length less than or equal to {max}"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(IamError::constraint(
            member,
            Some(value),
            "satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// A path: `/` or `/.../` of printable ASCII, at most 512 characters; `/` when absent.
pub(crate) fn check_path(path: Option<&str>) -> IamResult<String> {
    let Some(p) = path else {
        return Ok("/".to_string());
    };
    let ok = p == "/"
        || (p.len() >= 2
            && p.starts_with('/')
            && p.ends_with('/')
            && p.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if p.len() > 512 {
        return Err(IamError::constraint(
            "path",
            Some(p),
            "have length less than or equal to 512",
        ));
    }
    if !ok {
        return Err(IamError::constraint(
            "path",
            Some(p),
            "satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ));
    }
    Ok(p.to_string())
}

/// Tags: at most 50, keys 1-128 characters (letters, digits, spaces, `_.:/=+-@`) and unique
/// without regard to case, values at most 256.
pub(crate) fn check_tags(tags: &[Tag]) -> IamResult<()> {
    let rule = |member: String, rule: &str| {
        IamError::new(
            crate::iam::error::IamErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must {rule}"
            ),
        )
    };
    if tags.len() > 50 {
        return Err(rule(
            "tags".to_string(),
            "have length less than or equal to 50",
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let n = i + 1;
        if t.key.is_empty() {
            return Err(rule(
                format!("tags.{n}.member.key"),
                "have length greater than or equal to 1",
            ));
        }
        if t.key.chars().count() > 128 {
            return Err(rule(
                format!("tags.{n}.member.key"),
                "have length less than or equal to 128",
            ));
        }
        if !t
            .key
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
        {
            return Err(rule(
                format!("tags.{n}.member.key"),
                "satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
            ));
        }
        if t.value.chars().count() > 256 {
            return Err(rule(
                format!("tags.{n}.member.value"),
                "have length less than or equal to 256",
            ));
        }
    }
    let mut keys: Vec<String> = tags.iter().map(|t| t.key.to_lowercase()).collect();
    keys.sort();
    keys.dedup();
    if keys.len() != tags.len() {
        return Err(IamError::invalid_input(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ));
    }
    Ok(())
}

/// Merge `add` into `tags` (a key already there gets the new value).
pub(crate) fn merge_tags(tags: &mut Vec<Tag>, add: Vec<Tag>) -> IamResult<()> {
    check_tags(&add)?;
    let mut merged = tags.clone();
    for t in add {
        match merged
            .iter_mut()
            .find(|x| x.key.eq_ignore_ascii_case(&t.key))
        {
            Some(x) => x.value = t.value,
            None => merged.push(t),
        }
    }
    check_tags(&merged)?;
    *tags = merged;
    Ok(())
}

/// Drop the tags with these keys.
pub(crate) fn remove_tags(tags: &mut Vec<Tag>, keys: &[String]) {
    tags.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// One page of `items` (already in listing order, each with its sort key): those after
/// `marker` (the key of the first item of the page), at most `max_items` (1-1000, default
/// 100).
pub(crate) fn page<T>(items: Vec<(String, T)>, paging: &Paging) -> IamResult<Page<T>> {
    let max = match paging.max_items {
        None => 100,
        Some(n) if n < 1 => {
            return Err(IamError::constraint(
                "maxItems",
                Some(&n.to_string()),
                "have value greater than or equal to 1",
            ));
        }
        Some(n) if n > 1000 => {
            return Err(IamError::constraint(
                "maxItems",
                Some(&n.to_string()),
                "have value less than or equal to 1000",
            ));
        }
        Some(n) => n as usize,
    };
    let mut rest = items.into_iter();
    let mut items: Vec<(String, T)> = match &paging.marker {
        Some(m) => rest.by_ref().skip_while(|(k, _)| k < m).collect(),
        None => rest.by_ref().collect(),
    };
    let marker = if items.len() > max {
        let next = items.split_off(max);
        next.into_iter().next().map(|(k, _)| k)
    } else {
        None
    };
    Ok(Page {
        items: items.into_iter().map(|(_, v)| v).collect(),
        marker,
    })
}

#[cfg(test)]
mod tests;
