//! What roles and users share: tags, inline policies and attached managed policies, with the
//! names AWS's answers use for each kind (`The role policy with name ...`, `PoliciesPerUser`).

use super::*;
use crate::iam::policy_doc::{self, Kind};

/// A role or a user: an identity that holds policies.
pub(super) trait Holder: Sized {
    /// `role` or `user`, as the not-found messages name it.
    const KIND: &'static str;
    /// The attached-policies quota's name (`PoliciesPerRole`).
    const QUOTA: &'static str;
    /// The inline document size limit's name (`RolePolicySize`).
    const SIZE: &'static str;
    fn name(&self) -> &str;
    fn tags(&mut self) -> &mut Vec<Tag>;
    fn inline(&mut self) -> &mut BTreeMap<String, String>;
    fn attached(&mut self) -> &mut Vec<String>;
    /// Run `f` on the named holder of `account` (stored again when `f` says it changed it).
    fn with<T>(
        engine: &IamEngine,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut Self, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T>;
}

impl Holder for RoleRecord {
    const KIND: &'static str = "role";
    const QUOTA: &'static str = "PoliciesPerRole";
    const SIZE: &'static str = "RolePolicySize";
    fn name(&self) -> &str {
        &self.name
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline
    }
    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached
    }
    fn with<T>(
        engine: &IamEngine,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut Self, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        engine.with_role(account, name, f)
    }
}

impl Holder for UserRecord {
    const KIND: &'static str = "user";
    const QUOTA: &'static str = "PoliciesPerUser";
    const SIZE: &'static str = "UserPolicySize";
    fn name(&self) -> &str {
        &self.name
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline
    }
    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached
    }
    fn with<T>(
        engine: &IamEngine,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut Self, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        engine.with_user(account, name, f)
    }
}

fn no_inline<H: Holder>(policy_name: &str) -> IamError {
    IamError::no_such(format!(
        "The {} policy with name {policy_name} cannot be found.",
        H::KIND
    ))
}

impl IamEngine {
    pub(super) fn tag_holder<H: Holder>(
        &self,
        account: &str,
        name: &str,
        tags: Vec<Tag>,
    ) -> IamResult<()> {
        H::with(self, account, name, |h, _| {
            merge_tags(h.tags(), tags)?;
            Ok(((), true))
        })
    }

    pub(super) fn untag_holder<H: Holder>(
        &self,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> IamResult<()> {
        H::with(self, account, name, |h, _| {
            remove_tags(h.tags(), keys);
            Ok(((), true))
        })
    }

    pub(super) fn put_inline<H: Holder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
        doc: &str,
    ) -> IamResult<()> {
        check_name("policyName", policy_name, 128)?;
        policy_doc::validate(
            doc,
            Kind::Identity,
            (H::SIZE, policy_doc::INLINE_POLICY_SIZE),
        )?;
        H::with(self, account, name, |h, _| {
            h.inline().insert(policy_name.to_string(), doc.to_string());
            Ok(((), true))
        })
    }

    /// The holder's name and the document.
    pub(super) fn get_inline<H: Holder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
    ) -> IamResult<(String, String)> {
        check_name("policyName", policy_name, 128)?;
        H::with(self, account, name, |h, _| {
            let doc = h.inline().get(policy_name).cloned();
            match doc {
                Some(doc) => Ok(((h.name().to_string(), doc), false)),
                None => Err(no_inline::<H>(policy_name)),
            }
        })
    }

    pub(super) fn delete_inline<H: Holder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        check_name("policyName", policy_name, 128)?;
        H::with(self, account, name, |h, _| {
            match h.inline().remove(policy_name) {
                Some(_) => Ok(((), true)),
                None => Err(no_inline::<H>(policy_name)),
            }
        })
    }

    pub(super) fn list_inline<H: Holder>(
        &self,
        account: &str,
        name: &str,
        paging: &Paging,
    ) -> IamResult<Page<String>> {
        let names: Vec<(String, String)> = H::with(self, account, name, |h, _| {
            Ok((
                h.inline().keys().map(|k| (k.clone(), k.clone())).collect(),
                false,
            ))
        })?;
        page(names, paging)
    }

    pub(super) fn attach<H: Holder>(&self, account: &str, name: &str, arn: &str) -> IamResult<()> {
        H::with(self, account, name, |h, acct| {
            super::policies::check_attachable(acct, arn)?;
            if h.attached().iter().any(|a| a == arn) {
                return Ok(((), false));
            }
            if h.attached().len() >= 10 {
                return Err(IamError::new(
                    crate::iam::error::IamErrorCode::LimitExceeded,
                    format!("Cannot exceed quota for {}: 10", H::QUOTA),
                ));
            }
            h.attached().push(arn.to_string());
            Ok(((), true))
        })
    }

    pub(super) fn detach<H: Holder>(&self, account: &str, name: &str, arn: &str) -> IamResult<()> {
        H::with(self, account, name, |h, _| {
            let before = h.attached().len();
            h.attached().retain(|a| a != arn);
            if h.attached().len() == before {
                return Err(IamError::no_such(format!("Policy {arn} was not found.")));
            }
            Ok(((), true))
        })
    }

    pub(super) fn list_attached<H: Holder>(
        &self,
        account: &str,
        name: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<(String, String)>> {
        let attached = H::with(self, account, name, |h, _| {
            Ok((h.attached().clone(), false))
        })?;
        page(
            super::policies::attached_list(&attached, path_prefix),
            paging,
        )
    }
}
