//! Users' access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
//! GetAccessKeyLastUsed. A request signed with an active key (`AKIA...`) acts as its user
//! (`router::context`), and in strict mode verifies with the key's secret.

use super::*;
use crate::context::Principal;
use crate::iam::error::IamErrorCode;
use crate::sts::engine::{SECRET, UPPER_ALNUM, random_string};

/// Who an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub account: String,
    pub user_name: String,
    pub principal: Principal,
    pub secret: String,
    pub active: bool,
}

fn no_key(id: &str) -> IamError {
    IamError::no_such(format!("The Access Key with id {id} cannot be found."))
}

fn owner(u: &UserRecord, k: &AccessKeyRecord) -> Arc<KeyOwner> {
    Arc::new(KeyOwner {
        account: u.account.clone(),
        user_name: u.name.clone(),
        principal: Principal {
            arn: u.arn.clone(),
            user_id: u.id.clone(),
        },
        secret: k.secret.clone(),
        active: k.status == "Active",
    })
}

impl IamEngine {
    /// The owner of an access key IAM issued.
    pub fn access_key(&self, id: &str) -> Option<Arc<KeyOwner>> {
        self.keys.get(id).map(|e| e.value().clone())
    }

    pub(super) fn rebuild_keys(&self, accounts: &HashMap<String, Account>) {
        self.keys.clear();
        for a in accounts.values() {
            for u in a.users.values() {
                for k in &u.access_keys {
                    self.keys.insert(k.id.clone(), owner(u, k));
                }
            }
        }
    }

    pub fn create_access_key(&self, account: &str, user: &str) -> IamResult<AccessKeyRecord> {
        let now = self.now();
        self.with_user(account, user, |u, _| {
            if u.access_keys.len() >= 2 {
                return Err(IamError::new(
                    IamErrorCode::LimitExceeded,
                    "Cannot exceed quota for AccessKeysPerUser: 2",
                ));
            }
            let k = AccessKeyRecord {
                id: format!("AKIA{}", random_string(16, UPPER_ALNUM)),
                secret: random_string(40, SECRET),
                status: "Active".to_string(),
                created_ms: now,
            };
            u.access_keys.push(k.clone());
            self.keys.insert(k.id.clone(), owner(u, &k));
            Ok((k, true))
        })
    }

    pub fn list_access_keys(&self, account: &str, user: &str) -> IamResult<Vec<AccessKeyRecord>> {
        self.with_user(account, user, |u, _| Ok((u.access_keys.clone(), false)))
    }

    pub fn update_access_key(
        &self,
        account: &str,
        user: &str,
        id: &str,
        status: &str,
    ) -> IamResult<()> {
        if !matches!(status, "Active" | "Inactive") {
            return Err(IamError::constraint(
                "status",
                Some(status),
                "satisfy enum value set: [Active, Inactive]",
            ));
        }
        self.with_user(account, user, |u, _| {
            let k = u
                .access_keys
                .iter_mut()
                .find(|k| k.id == id)
                .ok_or_else(|| no_key(id))?;
            k.status = status.to_string();
            let k = k.clone();
            self.keys.insert(k.id.clone(), owner(u, &k));
            Ok(((), true))
        })
    }

    pub fn delete_access_key(&self, account: &str, user: &str, id: &str) -> IamResult<()> {
        self.with_user(account, user, |u, _| {
            let before = u.access_keys.len();
            u.access_keys.retain(|k| k.id != id);
            if u.access_keys.len() == before {
                return Err(no_key(id));
            }
            self.keys.remove(id);
            Ok(((), true))
        })
    }

    /// The user name owning a key of `account`.
    pub fn access_key_user(&self, account: &str, id: &str) -> IamResult<String> {
        match self.access_key(id) {
            Some(o) if o.account == account => Ok(o.user_name.clone()),
            _ => Err(no_key(id)),
        }
    }
}
