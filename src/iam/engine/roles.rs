//! Roles: create/get/update/delete/list, trust policy, tags, inline policies, attachments.

use super::*;
use crate::iam::policy_doc::{self, Kind};

/// A role's MaxSessionDuration when not given.
pub const DEFAULT_MAX_SESSION: u32 = 3600;

pub(crate) fn no_role(name: &str) -> IamError {
    IamError::no_such(format!("The role with name {name} cannot be found."))
}

fn check_max_session(v: Option<i64>) -> IamResult<Option<u32>> {
    match v {
        None => Ok(None),
        Some(n) if n < 3600 => Err(IamError::constraint(
            "maxSessionDuration",
            Some(&n.to_string()),
            "have value greater than or equal to 3600",
        )),
        Some(n) if n > 43200 => Err(IamError::constraint(
            "maxSessionDuration",
            Some(&n.to_string()),
            "have value less than or equal to 43200",
        )),
        Some(n) => Ok(Some(n as u32)),
    }
}

fn check_description(d: Option<&str>) -> IamResult<()> {
    if let Some(d) = d
        && d.chars().count() > 1000
    {
        return Err(IamError::constraint(
            "description",
            Some(d),
            "have length less than or equal to 1000",
        ));
    }
    Ok(())
}

/// A permissions boundary must name a managed policy that exists (or an AWS managed one).
pub(crate) fn check_boundary(account: &Account, arn: Option<&str>) -> IamResult<()> {
    let Some(arn) = arn else { return Ok(()) };
    if crate::iam::managed::is_aws_arn(arn) {
        return Ok(());
    }
    let exists = super::policies::find_local(account, arn).is_some();
    if exists {
        Ok(())
    } else {
        Err(IamError::no_such(format!(
            "Scope ARN: {arn} does not exist or is not attachable."
        )))
    }
}

impl IamEngine {
    pub fn create_role(&self, account: &str, req: CreateRoleRequest) -> IamResult<RoleRecord> {
        check_name("roleName", &req.role_name, 64)?;
        let path = check_path(req.path.as_deref())?;
        check_description(req.description.as_deref())?;
        let max = check_max_session(req.max_session_duration)?.unwrap_or(DEFAULT_MAX_SESSION);
        check_tags(&req.tags)?;
        policy_doc::validate(
            &req.assume_role_policy_document,
            Kind::Trust,
            ("ACLSizePerRole", policy_doc::TRUST_POLICY_SIZE),
        )?;
        let mut accounts = self.lock();
        let acct = accounts.entry(account.to_string()).or_default();
        let key = req.role_name.to_ascii_lowercase();
        if acct.roles.contains_key(&key) {
            return Err(IamError::exists(format!(
                "Role with name {} already exists.",
                req.role_name
            )));
        }
        check_boundary(acct, req.permissions_boundary.as_deref())?;
        let role = RoleRecord {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:role{path}{}", req.role_name),
            name: req.role_name,
            path,
            id: new_id("AROA"),
            created_ms: self.now(),
            assume_role_policy: req.assume_role_policy_document,
            description: req.description,
            max_session_duration: max,
            permissions_boundary: req.permissions_boundary,
            tags: req.tags,
            inline: Default::default(),
            attached: Vec::new(),
        };
        self.put(ROLE, &role.arn, &role);
        acct.roles.insert(key, role.clone());
        Ok(role)
    }

    /// Run `f` on a role, journaling it afterwards when `f` changed it.
    pub(super) fn with_role<T>(
        &self,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut RoleRecord, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        check_name("roleName", name, 64)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_role(name))?;
        let key = name.to_ascii_lowercase();
        let mut role = acct.roles.get(&key).cloned().ok_or_else(|| no_role(name))?;
        let (out, changed) = f(&mut role, acct)?;
        if changed {
            self.put(ROLE, &role.arn, &role);
            acct.roles.insert(key, role);
        }
        Ok(out)
    }

    pub fn get_role(&self, account: &str, name: &str) -> IamResult<RoleRecord> {
        self.with_role(account, name, |r, _| Ok((r.clone(), false)))
    }

    pub fn delete_role(&self, account: &str, name: &str) -> IamResult<()> {
        check_name("roleName", name, 64)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_role(name))?;
        let key = name.to_ascii_lowercase();
        let role = acct.roles.get(&key).ok_or_else(|| no_role(name))?;
        if !role.attached.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        if !role.inline.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if acct
            .profiles
            .values()
            .any(|p| p.roles.iter().any(|r| r.eq_ignore_ascii_case(name)))
        {
            return Err(IamError::conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        if let Some(role) = acct.roles.remove(&key) {
            self.delete(ROLE, &role.arn);
        }
        Ok(())
    }

    pub fn list_roles(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<RoleRecord>> {
        let prefix = path_prefix.unwrap_or("/");
        let accounts = self.lock();
        let items = accounts
            .get(account)
            .map(|a| {
                a.roles
                    .iter()
                    .filter(|(_, r)| r.path.starts_with(prefix))
                    .map(|(k, r)| (k.clone(), r.clone()))
                    .collect()
            })
            .unwrap_or_default();
        page(items, paging)
    }

    pub fn update_role(&self, account: &str, req: UpdateRoleRequest) -> IamResult<()> {
        check_description(req.description.as_deref())?;
        let max = check_max_session(req.max_session_duration)?;
        self.with_role(account, &req.role_name, |r, _| {
            if let Some(d) = req.description {
                r.description = Some(d);
            }
            if let Some(m) = max {
                r.max_session_duration = m;
            }
            Ok(((), true))
        })
    }

    pub fn update_role_description(
        &self,
        account: &str,
        name: &str,
        description: &str,
    ) -> IamResult<RoleRecord> {
        check_description(Some(description))?;
        self.with_role(account, name, |r, _| {
            r.description = Some(description.to_string());
            Ok((r.clone(), true))
        })
    }

    pub fn update_assume_role_policy(&self, account: &str, name: &str, doc: &str) -> IamResult<()> {
        policy_doc::validate(
            doc,
            Kind::Trust,
            ("ACLSizePerRole", policy_doc::TRUST_POLICY_SIZE),
        )?;
        self.with_role(account, name, |r, _| {
            r.assume_role_policy = doc.to_string();
            Ok(((), true))
        })
    }

    pub fn tag_role(&self, account: &str, name: &str, tags: Vec<Tag>) -> IamResult<()> {
        self.tag_holder::<RoleRecord>(account, name, tags)
    }

    pub fn untag_role(&self, account: &str, name: &str, keys: &[String]) -> IamResult<()> {
        self.untag_holder::<RoleRecord>(account, name, keys)
    }

    pub fn put_role_policy(
        &self,
        account: &str,
        role: &str,
        policy_name: &str,
        doc: &str,
    ) -> IamResult<()> {
        self.put_inline::<RoleRecord>(account, role, policy_name, doc)
    }

    pub fn get_role_policy(
        &self,
        account: &str,
        role: &str,
        policy_name: &str,
    ) -> IamResult<(String, String)> {
        self.get_inline::<RoleRecord>(account, role, policy_name)
    }

    pub fn delete_role_policy(
        &self,
        account: &str,
        role: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        self.delete_inline::<RoleRecord>(account, role, policy_name)
    }

    pub fn list_role_policies(
        &self,
        account: &str,
        role: &str,
        paging: &Paging,
    ) -> IamResult<Page<String>> {
        self.list_inline::<RoleRecord>(account, role, paging)
    }

    pub fn attach_role_policy(&self, account: &str, role: &str, arn: &str) -> IamResult<()> {
        self.attach::<RoleRecord>(account, role, arn)
    }

    pub fn detach_role_policy(&self, account: &str, role: &str, arn: &str) -> IamResult<()> {
        self.detach::<RoleRecord>(account, role, arn)
    }

    pub fn list_attached_role_policies(
        &self,
        account: &str,
        role: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<(String, String)>> {
        self.list_attached::<RoleRecord>(account, role, path_prefix, paging)
    }
}
