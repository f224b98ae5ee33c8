//! Users: create/get/delete/list, tags, inline policies, attachments.

use super::*;

pub(crate) fn no_user(name: &str) -> IamError {
    IamError::no_such(format!("The user with name {name} cannot be found."))
}

impl IamEngine {
    pub fn create_user(&self, account: &str, req: CreateUserRequest) -> IamResult<UserRecord> {
        check_name("userName", &req.user_name, 64)?;
        let path = check_path(req.path.as_deref())?;
        check_tags(&req.tags)?;
        let mut accounts = self.lock();
        let acct = accounts.entry(account.to_string()).or_default();
        let key = req.user_name.to_ascii_lowercase();
        if acct.users.contains_key(&key) {
            return Err(IamError::exists(format!(
                "User with name {} already exists.",
                req.user_name
            )));
        }
        super::roles::check_boundary(acct, req.permissions_boundary.as_deref())?;
        let user = UserRecord {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:user{path}{}", req.user_name),
            name: req.user_name,
            path,
            id: new_id("AIDA"),
            created_ms: self.now(),
            permissions_boundary: req.permissions_boundary,
            tags: req.tags,
            inline: Default::default(),
            attached: Vec::new(),
            access_keys: Vec::new(),
        };
        self.put(USER, &user.arn, &user);
        acct.users.insert(key, user.clone());
        Ok(user)
    }

    pub(super) fn with_user<T>(
        &self,
        account: &str,
        name: &str,
        f: impl FnOnce(&mut UserRecord, &Account) -> IamResult<(T, bool)>,
    ) -> IamResult<T> {
        check_name("userName", name, 64)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_user(name))?;
        let key = name.to_ascii_lowercase();
        let mut user = acct.users.get(&key).cloned().ok_or_else(|| no_user(name))?;
        let (out, changed) = f(&mut user, acct)?;
        if changed {
            self.put(USER, &user.arn, &user);
            acct.users.insert(key, user);
        }
        Ok(out)
    }

    pub fn get_user(&self, account: &str, name: &str) -> IamResult<UserRecord> {
        self.with_user(account, name, |u, _| Ok((u.clone(), false)))
    }

    pub fn delete_user(&self, account: &str, name: &str) -> IamResult<()> {
        check_name("userName", name, 64)?;
        let mut accounts = self.lock();
        let acct = accounts.get_mut(account).ok_or_else(|| no_user(name))?;
        let key = name.to_ascii_lowercase();
        let user = acct.users.get(&key).ok_or_else(|| no_user(name))?;
        if !user.attached.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        if !user.inline.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !user.access_keys.is_empty() {
            return Err(IamError::conflict(
                "Cannot delete entity, must delete access keys first.",
            ));
        }
        if let Some(user) = acct.users.remove(&key) {
            self.delete(USER, &user.arn);
        }
        Ok(())
    }

    pub fn list_users(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<UserRecord>> {
        let prefix = path_prefix.unwrap_or("/");
        let accounts = self.lock();
        let items = accounts
            .get(account)
            .map(|a| {
                a.users
                    .iter()
                    .filter(|(_, u)| u.path.starts_with(prefix))
                    .map(|(k, u)| (k.clone(), u.clone()))
                    .collect()
            })
            .unwrap_or_default();
        page(items, paging)
    }

    pub fn tag_user(&self, account: &str, name: &str, tags: Vec<Tag>) -> IamResult<()> {
        self.tag_holder::<UserRecord>(account, name, tags)
    }

    pub fn untag_user(&self, account: &str, name: &str, keys: &[String]) -> IamResult<()> {
        self.untag_holder::<UserRecord>(account, name, keys)
    }

    pub fn put_user_policy(
        &self,
        account: &str,
        user: &str,
        policy_name: &str,
        doc: &str,
    ) -> IamResult<()> {
        self.put_inline::<UserRecord>(account, user, policy_name, doc)
    }

    pub fn get_user_policy(
        &self,
        account: &str,
        user: &str,
        policy_name: &str,
    ) -> IamResult<(String, String)> {
        self.get_inline::<UserRecord>(account, user, policy_name)
    }

    pub fn delete_user_policy(
        &self,
        account: &str,
        user: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        self.delete_inline::<UserRecord>(account, user, policy_name)
    }

    pub fn list_user_policies(
        &self,
        account: &str,
        user: &str,
        paging: &Paging,
    ) -> IamResult<Page<String>> {
        self.list_inline::<UserRecord>(account, user, paging)
    }

    pub fn attach_user_policy(&self, account: &str, user: &str, arn: &str) -> IamResult<()> {
        self.attach::<UserRecord>(account, user, arn)
    }

    pub fn detach_user_policy(&self, account: &str, user: &str, arn: &str) -> IamResult<()> {
        self.detach::<UserRecord>(account, user, arn)
    }

    pub fn list_attached_user_policies(
        &self,
        account: &str,
        user: &str,
        path_prefix: Option<&str>,
        paging: &Paging,
    ) -> IamResult<Page<(String, String)>> {
        self.list_attached::<UserRecord>(account, user, path_prefix, paging)
    }
}
