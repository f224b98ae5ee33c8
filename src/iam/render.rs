//! IAM output shapes as response trees ([`Node`]): `Role`, `User`, `Policy`, `PolicyVersion`,
//! `InstanceProfile`, `AttachedPolicy`, `Tag`. Policy documents are URL-encoded, as IAM
//! answers them (the SDKs decode them).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::model::*;
use crate::protocol::node::{Node, Obj};

/// What IAM leaves unescaped in a policy document: letters, digits and `-_.~` (RFC 3986).
const DOC: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn encode_doc(doc: &str) -> String {
    utf8_percent_encode(doc, DOC).to_string()
}

pub fn tags(tags: &[Tag]) -> Node {
    Node::List(
        tags.iter()
            .map(|t| Obj::new().s("Key", &t.key).s("Value", &t.value).build())
            .collect(),
    )
}

fn boundary(arn: Option<&str>) -> Option<Node> {
    arn.map(|a| {
        Obj::new()
            .s("PermissionsBoundaryType", "Policy")
            .s("PermissionsBoundaryArn", a)
            .build()
    })
}

/// Which answer a `Role` is in: AWS shows different members in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleIn {
    /// CreateRole, UpdateRoleDescription: no MaxSessionDuration, tags when there are any.
    Create,
    /// ListRoles, instance profiles: MaxSessionDuration, no tags.
    List,
    /// GetRole: MaxSessionDuration, RoleLastUsed and tags.
    Get,
}

/// A `Role` as `answer` shows it.
pub fn role(r: &RoleRecord, answer: RoleIn) -> Node {
    let mut o = Obj::new()
        .s("Path", &r.path)
        .s("RoleName", &r.name)
        .s("RoleId", &r.id)
        .s("Arn", &r.arn)
        .time("CreateDate", r.created_ms)
        .s(
            "AssumeRolePolicyDocument",
            &encode_doc(&r.assume_role_policy),
        )
        .opt("Description", r.description.as_deref());
    if answer != RoleIn::Create {
        o = o.int("MaxSessionDuration", i64::from(r.max_session_duration));
    }
    o = o.node_opt(
        "PermissionsBoundary",
        boundary(r.permissions_boundary.as_deref()),
    );
    if answer != RoleIn::List && !r.tags.is_empty() {
        o = o.node("Tags", tags(&r.tags));
    }
    if answer == RoleIn::Get {
        o = o.node("RoleLastUsed", Obj::new().build());
    }
    o.build()
}

pub fn user(u: &UserRecord) -> Node {
    let mut o = Obj::new()
        .s("Path", &u.path)
        .s("UserName", &u.name)
        .s("UserId", &u.id)
        .s("Arn", &u.arn)
        .time("CreateDate", u.created_ms)
        .node_opt(
            "PermissionsBoundary",
            boundary(u.permissions_boundary.as_deref()),
        );
    if !u.tags.is_empty() {
        o = o.node("Tags", tags(&u.tags));
    }
    o.build()
}

/// A `Policy`; GetPolicy (`get`) always lists its tags, the listings never, CreatePolicy
/// when there are any.
pub fn policy(v: &PolicyView, get: Option<bool>) -> Node {
    let p = &v.policy;
    let mut o = Obj::new()
        .s("PolicyName", &p.name)
        .s("PolicyId", &p.id)
        .s("Arn", &p.arn)
        .s("Path", &p.path)
        .s("DefaultVersionId", &p.default_version)
        .int("AttachmentCount", v.attachment_count as i64)
        .int("PermissionsBoundaryUsageCount", 0)
        .bool("IsAttachable", true)
        .opt("Description", p.description.as_deref())
        .time("CreateDate", p.created_ms)
        .time("UpdateDate", p.updated_ms);
    match get {
        Some(true) => o = o.node("Tags", tags(&p.tags)),
        Some(false) if !p.tags.is_empty() => o = o.node("Tags", tags(&p.tags)),
        _ => {}
    }
    o.build()
}

pub fn version(v: &VersionRecord, is_default: bool, with_document: bool) -> Node {
    let mut o = Obj::new();
    if with_document {
        o = o.s("Document", &encode_doc(&v.document));
    }
    o.s("VersionId", &v.id)
        .bool("IsDefaultVersion", is_default)
        .time("CreateDate", v.created_ms)
        .build()
}

pub fn instance_profile(p: &InstanceProfileRecord, roles: &[RoleRecord]) -> Node {
    let mut o = Obj::new()
        .s("Path", &p.path)
        .s("InstanceProfileName", &p.name)
        .s("InstanceProfileId", &p.id)
        .s("Arn", &p.arn)
        .time("CreateDate", p.created_ms)
        .node(
            "Roles",
            Node::List(roles.iter().map(|r| role(r, RoleIn::List)).collect()),
        );
    if !p.tags.is_empty() {
        o = o.node("Tags", tags(&p.tags));
    }
    o.build()
}

pub fn attached(items: &[(String, String)]) -> Node {
    Node::List(
        items
            .iter()
            .map(|(name, arn)| Obj::new().s("PolicyName", name).s("PolicyArn", arn).build())
            .collect(),
    )
}

/// `IsTruncated` and `Marker` of a listing, added after its items.
pub fn paged(o: Obj, marker: Option<&str>) -> Node {
    o.bool("IsTruncated", marker.is_some())
        .opt("Marker", marker)
        .build()
}
