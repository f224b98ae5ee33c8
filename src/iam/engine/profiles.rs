//! Instance profiles: create/get/delete/list, one role each.

use super::*;
use crate::iam::error::IamErrorCode;

fn no_profile(name: &str) -> IamError {
    IamError::no_such(format!("Instance Profile {name} cannot be found."))
}

/// A profile with the records of its roles, as answered.
pub type ProfileView = (InstanceProfileRecord, Vec<RoleRecord>);

fn with_roles(acct: &Account, p: &InstanceProfileRecord) -> ProfileView {
    let roles = p
        .roles
        .iter()
        .filter_map(|r| acct.roles.get(&r.to_ascii_lowercase()).cloned())
        .collect();
    (p.clone(), roles)
}

impl IamEngine {
    pub fn create_instance_profile(
        &self,
        account: &str,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
    ) -> IamResult<ProfileView> {
        check_name("instanceProfileName", name, 128)?;
        let path = check_path(path)?;
        check_tags(&tags)?;
        let mut accounts = self.lock();
        let acct = accounts.entry(account.to_string()).or_default();
        let key = name.to_ascii_lowercase();
        if acct.profiles.contains_key(&key) {
            return Err(IamError::exists(format!(
                "Instance Profile {name} already exists."
            )));
        }
        let p = InstanceProfileRecord {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:instance-profile{path}{name}"),
            name: name.to_string(),
            path,
            id: new_id("AIPA"),
            created_ms: self.now(),
            roles: Vec::new(),
            tags,
        };
        self.put(INSTANCE_PROFILE, &p.arn, &p);
        acct.profiles.insert(key, p.clone());
        Ok((p, Vec::new()))
    }

    fn with_profile<T>(
        &self,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut InstanceProfileRecord, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        check_name("instanceProfileName", name, 128)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_profile(name))?;
        let key = name.to_ascii_lowercase();
        let mut p = acct
            .profiles
            .get(&key)
            .cloned()
            .ok_or_else(|| no_profile(name))?;
        let (out, changed) = f(&mut p, acct)?;
        if changed {
            self.put(INSTANCE_PROFILE, &p.arn, &p);
            acct.profiles.insert(key, p);
        }
        Ok(out)
    }

    pub fn get_instance_profile(&self, account: &str, name: &str) -> IamResult<ProfileView> {
        self.with_profile(account, name, |p, acct| Ok((with_roles(acct, p), false)))
    }

    pub fn delete_instance_profile(&self, account: &str, name: &str) -> IamResult<()> {
        check_name("instanceProfileName", name, 128)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_profile(name))?;
        let key = name.to_ascii_lowercase();
        let p = acct.profiles.get(&key).ok_or_else(|| no_profile(name))?;
        if !p.roles.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        if let Some(p) = acct.profiles.remove(&key) {
            self.delete(INSTANCE_PROFILE, &p.arn);
        }
        Ok(())
    }

    pub fn add_role_to_instance_profile(
        &self,
        account: &str,
        name: &str,
        role: &str,
    ) -> IamResult<()> {
        check_name("roleName", role, 64)?;
        self.with_profile(account, name, |p, acct| {
            let Some(r) = acct.roles.get(&role.to_ascii_lowercase()) else {
                return Err(super::roles::no_role(role));
            };
            if !p.roles.is_empty() {
                return Err(IamError::new(
                    IamErrorCode::LimitExceeded,
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
                ));
            }
            p.roles.push(r.name.clone());
            Ok(((), true))
        })
    }

    pub fn remove_role_from_instance_profile(
        &self,
        account: &str,
        name: &str,
        role: &str,
    ) -> IamResult<()> {
        check_name("roleName", role, 64)?;
        self.with_profile(account, name, |p, _| {
            let before = p.roles.len();
            p.roles.retain(|r| !r.eq_ignore_ascii_case(role));
            if p.roles.len() == before {
                return Err(super::roles::no_role(role));
            }
            Ok(((), true))
        })
    }

    pub fn list_instance_profiles(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<ProfileView>> {
        let prefix = path_prefix.unwrap_or("/");
        let accounts = self.lock();
        let items = accounts
            .get(account)
            .map(|a| {
                a.profiles
                    .iter()
                    .filter(|(_, p)| p.path.starts_with(prefix))
                    .map(|(k, p)| (k.clone(), with_roles(a, p)))
                    .collect()
            })
            .unwrap_or_default();
        page(items, paging)
    }

    pub fn list_instance_profiles_for_role(
        &self,
        account: &str,
        role: &str,
        paging: &Paging,
    ) -> IamResult<Page<ProfileView>> {
        self.get_role(account, role)?;
        let accounts = self.lock();
        let items = accounts
            .get(account)
            .map(|a| {
                a.profiles
                    .iter()
                    .filter(|(_, p)| p.roles.iter().any(|r| r.eq_ignore_ascii_case(role)))
                    .map(|(k, p)| (k.clone(), with_roles(a, p)))
                    .collect()
            })
            .unwrap_or_default();
        page(items, paging)
    }
}
