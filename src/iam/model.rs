//! IAM entities as stored (the durable records) and the inputs of the operations that take
//! more than a name, named after the botocore shapes.
//!
//! Record kinds (key: the entity's ARN): `iam.user` ([`UserRecord`]), `iam.role`
//! ([`RoleRecord`]), `iam.policy` ([`PolicyRecord`], with every version) and
//! `iam.instance_profile` ([`InstanceProfileRecord`]). Inline policies and attachments live in
//! the user's or role's record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;

pub const USER: &str = "iam.user";
pub const ROLE: &str = "iam.role";
pub const POLICY: &str = "iam.policy";
pub const INSTANCE_PROFILE: &str = "iam.instance_profile";

/// A tag (the `Tag` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    pub account: String,
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created_ms: Millis,
    /// The trust policy as sent (JSON text).
    pub assume_role_policy: String,
    #[serde(default)]
    pub description: Option<String>,
    pub max_session_duration: u32,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// ARNs of attached managed policies, in attach order.
    #[serde(default)]
    pub attached: Vec<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub account: String,
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created_ms: Millis,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
    /// At most two.
    #[serde(default)]
    pub access_keys: Vec<AccessKeyRecord>,
}

/// A user's access key (`AKIA...`): requests signed with it act as the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyRecord {
    pub id: String,
    pub secret: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created_ms: Millis,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRecord {
    /// `v1`, `v2`, ...
    pub id: String,
    pub document: String,
    pub created_ms: Millis,
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub account: String,
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created_ms: Millis,
    pub updated_ms: Millis,
    #[serde(default)]
    pub description: Option<String>,
    pub default_version: String,
    /// Oldest first.
    pub versions: Vec<VersionRecord>,
    /// The number of the next version (versions are never renumbered).
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl PolicyRecord {
    pub fn default_document(&self) -> &str {
        self.versions
            .iter()
            .find(|v| v.id == self.default_version)
            .map(|v| v.document.as_str())
            .unwrap_or("")
    }
}

/// An instance profile (at most one role, as AWS allows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceProfileRecord {
    pub account: String,
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub created_ms: Millis,
    /// Role names.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// A managed policy as answered: customer managed, or one of AWS's.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyView {
    pub policy: PolicyRecord,
    pub attachment_count: usize,
}

/// `CreateRoleRequest`.
#[derive(Debug, Clone, Default)]
pub struct CreateRoleRequest {
    pub path: Option<String>,
    pub role_name: String,
    pub assume_role_policy_document: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// `UpdateRoleRequest`.
#[derive(Debug, Clone, Default)]
pub struct UpdateRoleRequest {
    pub role_name: String,
    pub description: Option<String>,
    pub max_session_duration: Option<i64>,
}

/// `CreateUserRequest`.
#[derive(Debug, Clone, Default)]
pub struct CreateUserRequest {
    pub path: Option<String>,
    pub user_name: String,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

/// `CreatePolicyRequest`.
#[derive(Debug, Clone, Default)]
pub struct CreatePolicyRequest {
    pub policy_name: String,
    pub path: Option<String>,
    pub policy_document: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

/// `ListPoliciesRequest`.
#[derive(Debug, Clone, Default)]
pub struct ListPoliciesRequest {
    /// `All`, `AWS` or `Local`.
    pub scope: Option<String>,
    pub only_attached: bool,
    pub path_prefix: Option<String>,
    pub page: Paging,
}

/// `Marker` and `MaxItems` of a List* request.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

/// A page of a listing: the items and the marker of the next page when truncated.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub marker: Option<String>,
}
