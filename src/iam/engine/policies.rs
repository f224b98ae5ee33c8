//! Managed policies: customer managed ones with their versions, AWS managed ones from the
//! built-in list ([`crate::iam::managed`]), attachment checks and counts.

use super::*;
use crate::iam::error::IamErrorCode;
use crate::iam::managed;
use crate::iam::policy_doc::{self, Kind};

const MAX_VERSIONS: usize = 5;

fn not_found(arn: &str) -> IamError {
    IamError::no_such(format!("Policy {arn} was not found."))
}

fn not_valid(arn: &str) -> IamError {
    IamError::new(
        IamErrorCode::ValidationError,
        format!("ARN {arn} is not valid."),
    )
}

fn no_version(arn: &str, version: &str) -> IamError {
    IamError::no_such(format!(
        "Policy {arn} version {version} does not exist or is not attachable."
    ))
}

/// A missing policy, as the version operations word it.
fn versioned(e: IamError, arn: &str, version: &str) -> IamError {
    if e.code == IamErrorCode::NoSuchEntity {
        no_version(arn, version)
    } else {
        e
    }
}

/// The customer managed policy `arn` of `account`.
pub(crate) fn find_local<'a>(account: &'a Account, arn: &str) -> Option<&'a PolicyRecord> {
    let name = arn.rsplit('/').next()?;
    account
        .policies
        .get(&name.to_ascii_lowercase())
        .filter(|p| p.arn == arn)
}

/// Whether `arn` may be attached by an entity of `account`: any AWS managed policy ARN, or one
/// of the account's own policies.
pub(crate) fn check_attachable(account: &Account, arn: &str) -> IamResult<()> {
    if managed::is_aws_arn(arn) {
        return Ok(());
    }
    if split_arn(arn, "policy/").is_none() {
        return Err(not_valid(arn));
    }
    match find_local(account, arn) {
        Some(_) => Ok(()),
        None => Err(IamError::no_such(format!(
            "Policy {arn} does not exist or is not attachable."
        ))),
    }
}

/// `(sort key, (name, arn))` of attached policies under `path_prefix`, in name order.
pub(crate) fn attached_list(
    attached: &[String],
    path_prefix: Option<&str>,
) -> Vec<(String, (String, String))> {
    let prefix = path_prefix.unwrap_or("/");
    let mut out: Vec<(String, (String, String))> = attached
        .iter()
        .filter(|arn| {
            let after = arn.split_once(":policy").map(|(_, r)| r).unwrap_or("");
            after.starts_with(prefix)
        })
        .map(|arn| {
            let name = managed::name_of(arn).to_string();
            (
                format!("{}:{arn}", name.to_ascii_lowercase()),
                (name, arn.clone()),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn attachment_count(account: Option<&Account>, arn: &str) -> usize {
    account.map_or(0, |a| {
        a.roles
            .values()
            .filter(|r| r.attached.iter().any(|x| x == arn))
            .count()
            + a.users
                .values()
                .filter(|u| u.attached.iter().any(|x| x == arn))
                .count()
    })
}

fn view(account: Option<&Account>, policy: PolicyRecord) -> PolicyView {
    PolicyView {
        attachment_count: attachment_count(account, &policy.arn),
        policy,
    }
}

fn check_identity_doc(doc: &str) -> IamResult<()> {
    policy_doc::validate(
        doc,
        Kind::Identity,
        ("PolicySize", policy_doc::MANAGED_POLICY_SIZE),
    )
}

impl IamEngine {
    pub fn create_policy(&self, account: &str, req: CreatePolicyRequest) -> IamResult<PolicyView> {
        check_name("policyName", &req.policy_name, 128)?;
        let path = check_path(req.path.as_deref())?;
        check_tags(&req.tags)?;
        check_identity_doc(&req.policy_document)?;
        let now = self.now();
        let mut accounts = self.lock();
        let acct = accounts.entry(account.to_string()).or_default();
        let key = req.policy_name.to_ascii_lowercase();
        if acct.policies.contains_key(&key) {
            return Err(IamError::exists(format!(
                "A policy called {} already exists. Duplicate names are not allowed.",
                req.policy_name
            )));
        }
        let policy = PolicyRecord {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:policy{path}{}", req.policy_name),
            name: req.policy_name,
            path,
            id: new_id("ANPA"),
            created_ms: now,
            updated_ms: now,
            description: req.description,
            default_version: "v1".to_string(),
            versions: vec![VersionRecord {
                id: "v1".to_string(),
                document: req.policy_document,
                created_ms: now,
            }],
            next_version: 2,
            tags: req.tags,
        };
        self.put(POLICY, &policy.arn, &policy);
        acct.policies.insert(key, policy.clone());
        Ok(PolicyView {
            policy,
            attachment_count: 0,
        })
    }

    /// Run `f` on the caller's customer managed policy `arn` (AWS managed ones cannot change).
    fn with_policy<T>(
        &self,
        account: &str,
        arn: &str,
        f: impl FnOnce(&mut PolicyRecord) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        if managed::is_aws_arn(arn) || split_arn(arn, "policy/").is_none() {
            return Err(not_valid(arn));
        }
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| not_found(arn))?;
        let mut policy = find_local(acct, arn)
            .cloned()
            .ok_or_else(|| not_found(arn))?;
        let (out, changed) = f(&mut policy)?;
        if changed {
            self.put(POLICY, &policy.arn, &policy);
            acct.policies
                .insert(policy.name.to_ascii_lowercase(), policy);
        }
        Ok(out)
    }

    /// `with_policy`, a missing policy worded as a missing version.
    fn with_policy_version<T>(
        &self,
        account: &str,
        arn: &str,
        version: &str,
        f: impl FnOnce(&mut PolicyRecord) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        let mut found = false;
        let out = self.with_policy(account, arn, |p| {
            found = true;
            f(p)
        });
        if found {
            out
        } else {
            out.map_err(|e| versioned(e, arn, version))
        }
    }

    pub fn get_policy(&self, account: &str, arn: &str) -> IamResult<PolicyView> {
        let accounts = self.lock();
        let acct = accounts.get(account);
        if managed::is_aws_arn(arn) {
            return managed::get(arn)
                .map(|p| view(acct, p))
                .ok_or_else(|| not_found(arn));
        }
        if split_arn(arn, "policy/").is_none() {
            return Err(not_valid(arn));
        }
        acct.and_then(|a| find_local(a, arn))
            .cloned()
            .map(|p| view(acct, p))
            .ok_or_else(|| not_found(arn))
    }

    pub fn delete_policy(&self, account: &str, arn: &str) -> IamResult<()> {
        let view = self.get_policy(account, arn)?;
        if managed::is_aws_arn(arn) {
            return Err(not_valid(arn));
        }
        if view.attachment_count > 0 {
            return Err(IamError::conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        if view.policy.versions.len() > 1 {
            return Err(IamError::conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        let mut accounts = self.lock();
        if let Some(acct) = accounts.get_mut(account)
            && acct
                .policies
                .remove(&view.policy.name.to_ascii_lowercase())
                .is_some()
        {
            self.delete(POLICY, arn);
        }
        Ok(())
    }

    pub fn list_policies(
        &self,
        account: &str,
        req: &ListPoliciesRequest,
    ) -> IamResult<Page<PolicyView>> {
        let scope = req.scope.as_deref().unwrap_or("All");
        if !matches!(scope, "All" | "AWS" | "Local") {
            return Err(IamError::constraint(
                "scope",
                Some(scope),
                "satisfy enum value set: [All, AWS, Local]",
            ));
        }
        let prefix = req.path_prefix.as_deref().unwrap_or("/");
        let accounts = self.lock();
        let acct = accounts.get(account);
        let mut all: Vec<PolicyRecord> = Vec::new();
        if scope != "Local" {
            all.extend(managed::all());
        }
        if scope != "AWS"
            && let Some(a) = acct
        {
            all.extend(a.policies.values().cloned());
        }
        let mut items: Vec<(String, PolicyView)> = all
            .into_iter()
            .filter(|p| p.path.starts_with(prefix))
            .map(|p| view(acct, p))
            .filter(|v| !req.only_attached || v.attachment_count > 0)
            .map(|v| {
                (
                    format!("{}:{}", v.policy.name.to_ascii_lowercase(), v.policy.arn),
                    v,
                )
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        page(items, &req.page)
    }

    pub fn create_policy_version(
        &self,
        account: &str,
        arn: &str,
        doc: &str,
        set_as_default: bool,
    ) -> IamResult<VersionRecord> {
        check_identity_doc(doc)?;
        let now = self.now();
        self.with_policy(account, arn, |p| {
            if p.versions.len() >= MAX_VERSIONS {
                return Err(IamError::new(
                    IamErrorCode::LimitExceeded,
                    "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
                ));
            }
            let v = VersionRecord {
                id: format!("v{}", p.next_version),
                document: doc.to_string(),
                created_ms: now,
            };
            p.next_version += 1;
            p.versions.push(v.clone());
            if set_as_default {
                p.default_version = v.id.clone();
            }
            p.updated_ms = now;
            Ok((v, true))
        })
    }

    /// A version and whether it is the default.
    pub fn get_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> IamResult<(VersionRecord, bool)> {
        let p = self
            .get_policy(account, arn)
            .map_err(|e| versioned(e, arn, version))?
            .policy;
        p.versions
            .iter()
            .find(|v| v.id == version)
            .map(|v| (v.clone(), v.id == p.default_version))
            .ok_or_else(|| no_version(arn, version))
    }

    /// Every version, newest first, each with whether it is the default.
    pub fn list_policy_versions(
        &self,
        account: &str,
        arn: &str,
    ) -> IamResult<Vec<(VersionRecord, bool)>> {
        let p = self.get_policy(account, arn)?.policy;
        Ok(p.versions
            .iter()
            .rev()
            .map(|v| (v.clone(), v.id == p.default_version))
            .collect())
    }

    pub fn delete_policy_version(&self, account: &str, arn: &str, version: &str) -> IamResult<()> {
        self.with_policy_version(account, arn, version, |p| {
            if p.default_version == version {
                return Err(IamError::conflict(
                    "Cannot delete the default version of a policy.",
                ));
            }
            let before = p.versions.len();
            p.versions.retain(|v| v.id != version);
            if p.versions.len() == before {
                return Err(IamError::no_such(format!(
                    "Policy {arn} version {version} does not exist or is not attachable."
                )));
            }
            Ok(((), true))
        })
    }

    pub fn set_default_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> IamResult<()> {
        let now = self.now();
        self.with_policy_version(account, arn, version, |p| {
            if !p.versions.iter().any(|v| v.id == version) {
                return Err(IamError::no_such(format!(
                    "Policy {arn} version {version} does not exist or is not attachable."
                )));
            }
            p.default_version = version.to_string();
            p.updated_ms = now;
            Ok(((), true))
        })
    }

    pub fn tag_policy(&self, account: &str, arn: &str, tags: Vec<Tag>) -> IamResult<()> {
        self.with_policy(account, arn, |p| {
            merge_tags(&mut p.tags, tags)?;
            Ok(((), true))
        })
    }

    pub fn untag_policy(&self, account: &str, arn: &str, keys: &[String]) -> IamResult<()> {
        self.with_policy(account, arn, |p| {
            remove_tags(&mut p.tags, keys);
            Ok(((), true))
        })
    }

    /// Roles and users the policy is attached to: `(role names, user names)`.
    pub fn entities_for_policy(
        &self,
        account: &str,
        arn: &str,
    ) -> IamResult<(Vec<RoleRecord>, Vec<UserRecord>)> {
        self.get_policy(account, arn)?;
        let accounts = self.lock();
        let Some(a) = accounts.get(account) else {
            return Ok((Vec::new(), Vec::new()));
        };
        Ok((
            a.roles
                .values()
                .filter(|r| r.attached.iter().any(|x| x == arn))
                .cloned()
                .collect(),
            a.users
                .values()
                .filter(|u| u.attached.iter().any(|x| x == arn))
                .cloned()
                .collect(),
        ))
    }
}
