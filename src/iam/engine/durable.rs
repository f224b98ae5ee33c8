//! IAM's durable state: one record per user, role, customer managed policy and instance
//! profile (kinds in [`crate::iam::model`]), keyed by ARN.

use super::*;
use crate::store::{Durable, Record, ServiceState};

fn decode_all(state: &ServiceState) -> Result<HashMap<String, Account>, String> {
    let mut accounts: HashMap<String, Account> = HashMap::new();
    for r in &state.records {
        match r.kind.as_str() {
            USER => {
                let u: UserRecord = r.decode()?;
                check_key(r, &u.arn)?;
                accounts
                    .entry(u.account.clone())
                    .or_default()
                    .users
                    .insert(u.name.to_ascii_lowercase(), u);
            }
            ROLE => {
                let v: RoleRecord = r.decode()?;
                check_key(r, &v.arn)?;
                accounts
                    .entry(v.account.clone())
                    .or_default()
                    .roles
                    .insert(v.name.to_ascii_lowercase(), v);
            }
            POLICY => {
                let v: PolicyRecord = r.decode()?;
                check_key(r, &v.arn)?;
                if !v.versions.iter().any(|x| x.id == v.default_version) {
                    return Err(format!("{} {}: no default version", r.kind, r.key));
                }
                accounts
                    .entry(v.account.clone())
                    .or_default()
                    .policies
                    .insert(v.name.to_ascii_lowercase(), v);
            }
            INSTANCE_PROFILE => {
                let v: InstanceProfileRecord = r.decode()?;
                check_key(r, &v.arn)?;
                accounts
                    .entry(v.account.clone())
                    .or_default()
                    .profiles
                    .insert(v.name.to_ascii_lowercase(), v);
            }
            other => return Err(format!("unknown record kind {other:?}")),
        }
    }
    Ok(accounts)
}

fn check_key(r: &Record, arn: &str) -> Result<(), String> {
    if r.key == arn {
        Ok(())
    } else {
        Err(format!(
            "{} {}: key does not match the ARN {arn}",
            r.kind, r.key
        ))
    }
}

impl Durable for IamEngine {
    fn service(&self) -> &'static str {
        "iam"
    }

    fn export(&self) -> ServiceState {
        let accounts = self.lock();
        let mut records = Vec::new();
        let mut keys: Vec<&String> = accounts.keys().collect();
        keys.sort();
        for k in keys {
            let Some(a) = accounts.get(k) else { continue };
            let all = a
                .policies
                .values()
                .map(|p| Record::new(POLICY, &p.arn, p))
                .chain(a.users.values().map(|u| Record::new(USER, &u.arn, u)))
                .chain(a.roles.values().map(|r| Record::new(ROLE, &r.arn, r)))
                .chain(
                    a.profiles
                        .values()
                        .map(|p| Record::new(INSTANCE_PROFILE, &p.arn, p)),
                );
            for r in all {
                match r {
                    Ok(r) => records.push(r),
                    Err(e) => tracing::warn!("iam export: {e}"),
                }
            }
        }
        ServiceState {
            records,
            blobs: Default::default(),
        }
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        decode_all(state).map(|_| ())
    }

    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let accounts = decode_all(&state)?;
        let mut guard = self.lock();
        *guard = accounts;
        self.rebuild_keys(&guard);
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        if self.journal.set(journal).is_err() {
            tracing::warn!("iam: a journal is already attached; keeping the first");
        }
    }
}
