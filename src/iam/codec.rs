//! IAM over the query protocol: form pairs in (`Tags.member.N.Key`, `TagKeys.member.N`), XML
//! out (lists in `<member>`), errors in the query `ErrorResponse`.

use super::engine::IamEngine;
use super::error::{IamError, IamErrorCode, IamResult};
use super::model::*;
use super::render::{self, RoleIn};
use crate::context::RequestContext;
use crate::protocol::Reply;
use crate::protocol::node::{self, Node, Obj};

/// The IAM XML namespace.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// The IAM API version (`Version=`).
pub const VERSION: &str = "2010-05-08";

/// The actions served (an unsigned request without `Version` is routed here by its action).
pub const ACTIONS: &[&str] = &[
    "AddRoleToInstanceProfile",
    "AttachRolePolicy",
    "AttachUserPolicy",
    "CreateAccessKey",
    "CreateInstanceProfile",
    "CreatePolicy",
    "CreatePolicyVersion",
    "CreateRole",
    "CreateUser",
    "DeleteAccessKey",
    "DeleteInstanceProfile",
    "DeletePolicy",
    "DeletePolicyVersion",
    "DeleteRole",
    "DeleteRolePolicy",
    "DeleteUser",
    "DeleteUserPolicy",
    "DetachRolePolicy",
    "DetachUserPolicy",
    "GetAccessKeyLastUsed",
    "GetInstanceProfile",
    "GetPolicy",
    "GetPolicyVersion",
    "GetRole",
    "GetRolePolicy",
    "GetUser",
    "GetUserPolicy",
    "ListAccessKeys",
    "ListAttachedRolePolicies",
    "ListAttachedUserPolicies",
    "ListEntitiesForPolicy",
    "ListInstanceProfiles",
    "ListInstanceProfilesForRole",
    "ListPolicies",
    "ListPolicyTags",
    "ListPolicyVersions",
    "ListRolePolicies",
    "ListRoleTags",
    "ListRoles",
    "ListUserPolicies",
    "ListUserTags",
    "ListUsers",
    "PutRolePolicy",
    "PutUserPolicy",
    "RemoveRoleFromInstanceProfile",
    "SetDefaultPolicyVersion",
    "TagPolicy",
    "TagRole",
    "TagUser",
    "UntagPolicy",
    "UntagRole",
    "UntagUser",
    "UpdateAccessKey",
    "UpdateAssumeRolePolicy",
    "UpdateRole",
    "UpdateRoleDescription",
];

/// The request's form pairs, read by member name.
struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn string(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// A required member (`member` is its name in the model's messages, e.g. `roleName`).
    fn req(&self, key: &str, member: &str) -> IamResult<&'a str> {
        self.get(key)
            .ok_or_else(|| IamError::constraint(member, None, "not be null"))
    }

    fn int(&self, key: &str, member: &str) -> IamResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                IamError::new(
                    IamErrorCode::ValidationError,
                    format!("Invalid value for {member}: {v}"),
                )
            }),
        }
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `<prefix>.member.N` values in N order.
    fn list(&self, prefix: &str) -> Vec<String> {
        let head = format!("{prefix}.member.");
        let mut items: Vec<(u32, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(&head)?.parse::<u32>().ok()?;
                Some((n, v.clone()))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// `Tags.member.N.Key` / `.Value`.
    fn tags(&self) -> IamResult<Vec<Tag>> {
        let mut by_n: std::collections::BTreeMap<u32, (Option<String>, Option<String>)> =
            Default::default();
        for (k, v) in self.0 {
            let Some(rest) = k.strip_prefix("Tags.member.") else {
                continue;
            };
            let Some((n, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(n) = n.parse::<u32>() else { continue };
            let e = by_n.entry(n).or_default();
            match field {
                "Key" => e.0 = Some(v.clone()),
                "Value" => e.1 = Some(v.clone()),
                _ => {}
            }
        }
        by_n.into_values()
            .map(|(k, v)| match (k, v) {
                (Some(key), Some(value)) => Ok(Tag { key, value }),
                (None, _) => Err(IamError::constraint("tags.member.key", None, "not be null")),
                (_, None) => Err(IamError::constraint(
                    "tags.member.value",
                    None,
                    "not be null",
                )),
            })
            .collect()
    }

    fn paging(&self) -> IamResult<Paging> {
        Ok(Paging {
            marker: self.string("Marker"),
            max_items: self.int("MaxItems", "maxItems")?,
        })
    }
}

/// Run one IAM action and render the reply (JSON when `json`: a client that sent
/// `Accept: application/json`).
pub fn handle(
    engine: &IamEngine,
    ctx: &RequestContext,
    action: &str,
    pairs: &[(String, String)],
    json: bool,
    rid: &str,
) -> Reply {
    let json_reply = |status: u16, body: Vec<u8>| Reply {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body,
    };
    match dispatch(engine, ctx, action, &Params(pairs)) {
        Ok(result) if json => json_reply(200, node::json_response(action, result.as_ref(), rid)),
        Ok(result) => Reply::xml(200, node::xml_response(XMLNS, action, result.as_ref(), rid)),
        Err(e) if json => json_reply(
            e.code.status(),
            node::json_error(e.code.code(), &e.message, e.code.status() < 500, rid),
        ),
        Err(e) => error_reply(&e, rid),
    }
}

/// Render an IAM error.
pub fn error_reply(e: &IamError, rid: &str) -> Reply {
    Reply::xml(
        e.code.status(),
        node::xml_error(XMLNS, e.code.code(), &e.message, e.code.status() < 500, rid),
    )
}

fn tag_list(tags: &[Tag]) -> Node {
    render::paged(Obj::new().node("Tags", render::tags(tags)), None)
}

fn names(items: &[String]) -> Node {
    Node::List(items.iter().map(|n| Node::Text(n.clone())).collect())
}

/// The caller's user name, when an IAM user's access key signed the request.
fn caller_user(ctx: &RequestContext) -> Option<&str> {
    let arn = ctx.principal.as_ref()?.arn.as_str();
    let (_, rest) = super::engine::split_arn_any(arn)?;
    rest.strip_prefix("user/")?.rsplit('/').next()
}

/// `UserName`, else the calling user (AWS's default for the access key calls).
fn user_or_caller<'a>(p: &Params<'a>, ctx: &'a RequestContext) -> IamResult<&'a str> {
    p.get("UserName")
        .or_else(|| caller_user(ctx))
        .ok_or_else(|| {
            IamError::new(
                IamErrorCode::ValidationError,
                "Must specify userName when calling with non-User credentials",
            )
        })
}

fn key_metadata(user: &str, k: &AccessKeyRecord, secret: bool) -> Node {
    let mut o = Obj::new()
        .s("UserName", user)
        .s("AccessKeyId", &k.id)
        .s("Status", &k.status);
    if secret {
        o = o.s("SecretAccessKey", &k.secret);
    }
    o.time("CreateDate", k.created_ms).build()
}

fn dispatch(
    e: &IamEngine,
    ctx: &RequestContext,
    action: &str,
    p: &Params,
) -> IamResult<Option<Node>> {
    let acct = ctx.account.as_str();
    let role_name = || p.req("RoleName", "roleName");
    let user_name = || p.req("UserName", "userName");
    let policy_arn = || p.req("PolicyArn", "policyArn");
    let profile_name = || p.req("InstanceProfileName", "instanceProfileName");
    let done = |_: ()| None;
    let out = match action {
        // Roles
        "CreateRole" => {
            let r = e.create_role(
                acct,
                CreateRoleRequest {
                    path: p.string("Path"),
                    role_name: role_name()?.to_string(),
                    assume_role_policy_document: p
                        .req("AssumeRolePolicyDocument", "assumeRolePolicyDocument")?
                        .to_string(),
                    description: p.string("Description"),
                    max_session_duration: p.int("MaxSessionDuration", "maxSessionDuration")?,
                    permissions_boundary: p.string("PermissionsBoundary"),
                    tags: p.tags()?,
                },
            )?;
            Some(
                Obj::new()
                    .node("Role", render::role(&r, RoleIn::Create))
                    .build(),
            )
        }
        "GetRole" => {
            let r = e.get_role(acct, role_name()?)?;
            Some(
                Obj::new()
                    .node("Role", render::role(&r, RoleIn::Get))
                    .build(),
            )
        }
        "DeleteRole" => done(e.delete_role(acct, role_name()?)?),
        "ListRoles" => {
            let page = e.list_roles(acct, p.get("PathPrefix"), &p.paging()?)?;
            let roles = Node::List(
                page.items
                    .iter()
                    .map(|r| render::role(r, RoleIn::List))
                    .collect(),
            );
            Some(render::paged(
                Obj::new().node("Roles", roles),
                page.marker.as_deref(),
            ))
        }
        "UpdateRole" => {
            e.update_role(
                acct,
                UpdateRoleRequest {
                    role_name: role_name()?.to_string(),
                    description: p.string("Description"),
                    max_session_duration: p.int("MaxSessionDuration", "maxSessionDuration")?,
                },
            )?;
            Some(Obj::new().build())
        }
        "UpdateRoleDescription" => {
            let r = e.update_role_description(
                acct,
                role_name()?,
                p.req("Description", "description")?,
            )?;
            Some(
                Obj::new()
                    .node("Role", render::role(&r, RoleIn::Create))
                    .build(),
            )
        }
        "UpdateAssumeRolePolicy" => done(e.update_assume_role_policy(
            acct,
            role_name()?,
            p.req("PolicyDocument", "policyDocument")?,
        )?),
        "TagRole" => done(e.tag_role(acct, role_name()?, p.tags()?)?),
        "UntagRole" => done(e.untag_role(acct, role_name()?, &p.list("TagKeys"))?),
        "ListRoleTags" => Some(tag_list(&e.get_role(acct, role_name()?)?.tags)),
        "PutRolePolicy" => done(e.put_role_policy(
            acct,
            role_name()?,
            p.req("PolicyName", "policyName")?,
            p.req("PolicyDocument", "policyDocument")?,
        )?),
        "GetRolePolicy" => {
            let name = p.req("PolicyName", "policyName")?;
            let (role, doc) = e.get_role_policy(acct, role_name()?, name)?;
            Some(
                Obj::new()
                    .s("RoleName", &role)
                    .s("PolicyName", name)
                    .s("PolicyDocument", &render::encode_doc(&doc))
                    .build(),
            )
        }
        "DeleteRolePolicy" => {
            done(e.delete_role_policy(acct, role_name()?, p.req("PolicyName", "policyName")?)?)
        }
        "ListRolePolicies" => {
            let page = e.list_role_policies(acct, role_name()?, &p.paging()?)?;
            Some(render::paged(
                Obj::new().node("PolicyNames", names(&page.items)),
                page.marker.as_deref(),
            ))
        }
        "AttachRolePolicy" => done(e.attach_role_policy(acct, role_name()?, policy_arn()?)?),
        "DetachRolePolicy" => done(e.detach_role_policy(acct, role_name()?, policy_arn()?)?),
        "ListAttachedRolePolicies" => {
            let page = e.list_attached_role_policies(
                acct,
                role_name()?,
                p.get("PathPrefix"),
                &p.paging()?,
            )?;
            Some(render::paged(
                Obj::new().node("AttachedPolicies", render::attached(&page.items)),
                page.marker.as_deref(),
            ))
        }
        // Users
        "CreateUser" => {
            let u = e.create_user(
                acct,
                CreateUserRequest {
                    path: p.string("Path"),
                    user_name: user_name()?.to_string(),
                    permissions_boundary: p.string("PermissionsBoundary"),
                    tags: p.tags()?,
                },
            )?;
            Some(Obj::new().node("User", render::user(&u)).build())
        }
        // Access keys
        "CreateAccessKey" => {
            let user = user_or_caller(p, ctx)?;
            let k = e.create_access_key(acct, user)?;
            let name = e.get_user(acct, user)?.name;
            Some(
                Obj::new()
                    .node("AccessKey", key_metadata(&name, &k, true))
                    .build(),
            )
        }
        "ListAccessKeys" => {
            let user = user_or_caller(p, ctx)?;
            let keys = e.list_access_keys(acct, user)?;
            let name = e.get_user(acct, user)?.name;
            let list = Node::List(keys.iter().map(|k| key_metadata(&name, k, false)).collect());
            Some(render::paged(
                Obj::new().node("AccessKeyMetadata", list),
                None,
            ))
        }
        "UpdateAccessKey" => {
            let user = user_or_caller(p, ctx)?;
            done(e.update_access_key(
                acct,
                user,
                p.req("AccessKeyId", "accessKeyId")?,
                p.req("Status", "status")?,
            )?)
        }
        "DeleteAccessKey" => {
            let user = user_or_caller(p, ctx)?;
            done(e.delete_access_key(acct, user, p.req("AccessKeyId", "accessKeyId")?)?)
        }
        "GetAccessKeyLastUsed" => {
            let user = e.access_key_user(acct, p.req("AccessKeyId", "accessKeyId")?)?;
            Some(
                Obj::new()
                    .s("UserName", &user)
                    .node(
                        "AccessKeyLastUsed",
                        Obj::new()
                            .s("ServiceName", "N/A")
                            .s("Region", "N/A")
                            .build(),
                    )
                    .build(),
            )
        }
        "GetUser" => match p.get("UserName").or_else(|| caller_user(ctx)) {
            Some(name) => {
                let u = e.get_user(acct, name)?;
                Some(Obj::new().node("User", render::user(&u)).build())
            }
            // The caller: fogbank's plain credentials are the account's root.
            None => Some(
                Obj::new()
                    .node(
                        "User",
                        Obj::new()
                            .s("UserId", acct)
                            .s("Arn", &format!("arn:aws:iam::{acct}:root"))
                            .time("CreateDate", 0)
                            .build(),
                    )
                    .build(),
            ),
        },
        "DeleteUser" => done(e.delete_user(acct, user_name()?)?),
        "ListUsers" => {
            let page = e.list_users(acct, p.get("PathPrefix"), &p.paging()?)?;
            let users = Node::List(page.items.iter().map(render::user).collect());
            Some(render::paged(
                Obj::new().node("Users", users),
                page.marker.as_deref(),
            ))
        }
        "TagUser" => done(e.tag_user(acct, user_name()?, p.tags()?)?),
        "UntagUser" => done(e.untag_user(acct, user_name()?, &p.list("TagKeys"))?),
        "ListUserTags" => Some(tag_list(&e.get_user(acct, user_name()?)?.tags)),
        "PutUserPolicy" => done(e.put_user_policy(
            acct,
            user_name()?,
            p.req("PolicyName", "policyName")?,
            p.req("PolicyDocument", "policyDocument")?,
        )?),
        "GetUserPolicy" => {
            let name = p.req("PolicyName", "policyName")?;
            let (user, doc) = e.get_user_policy(acct, user_name()?, name)?;
            Some(
                Obj::new()
                    .s("UserName", &user)
                    .s("PolicyName", name)
                    .s("PolicyDocument", &render::encode_doc(&doc))
                    .build(),
            )
        }
        "DeleteUserPolicy" => {
            done(e.delete_user_policy(acct, user_name()?, p.req("PolicyName", "policyName")?)?)
        }
        "ListUserPolicies" => {
            let page = e.list_user_policies(acct, user_name()?, &p.paging()?)?;
            Some(render::paged(
                Obj::new().node("PolicyNames", names(&page.items)),
                page.marker.as_deref(),
            ))
        }
        "AttachUserPolicy" => done(e.attach_user_policy(acct, user_name()?, policy_arn()?)?),
        "DetachUserPolicy" => done(e.detach_user_policy(acct, user_name()?, policy_arn()?)?),
        "ListAttachedUserPolicies" => {
            let page = e.list_attached_user_policies(
                acct,
                user_name()?,
                p.get("PathPrefix"),
                &p.paging()?,
            )?;
            Some(render::paged(
                Obj::new().node("AttachedPolicies", render::attached(&page.items)),
                page.marker.as_deref(),
            ))
        }
        // Managed policies
        "CreatePolicy" => {
            let v = e.create_policy(
                acct,
                CreatePolicyRequest {
                    policy_name: p.req("PolicyName", "policyName")?.to_string(),
                    path: p.string("Path"),
                    policy_document: p.req("PolicyDocument", "policyDocument")?.to_string(),
                    description: p.string("Description"),
                    tags: p.tags()?,
                },
            )?;
            Some(
                Obj::new()
                    .node("Policy", render::policy(&v, Some(false)))
                    .build(),
            )
        }
        "GetPolicy" => {
            let v = e.get_policy(acct, policy_arn()?)?;
            Some(
                Obj::new()
                    .node("Policy", render::policy(&v, Some(true)))
                    .build(),
            )
        }
        "DeletePolicy" => done(e.delete_policy(acct, policy_arn()?)?),
        "ListPolicies" => {
            let req = ListPoliciesRequest {
                scope: p.string("Scope"),
                only_attached: p.flag("OnlyAttached"),
                path_prefix: p.string("PathPrefix"),
                page: p.paging()?,
            };
            let page = e.list_policies(acct, &req)?;
            let policies = Node::List(page.items.iter().map(|v| render::policy(v, None)).collect());
            Some(render::paged(
                Obj::new().node("Policies", policies),
                page.marker.as_deref(),
            ))
        }
        "CreatePolicyVersion" => {
            let v = e.create_policy_version(
                acct,
                policy_arn()?,
                p.req("PolicyDocument", "policyDocument")?,
                p.flag("SetAsDefault"),
            )?;
            let is_default = p.flag("SetAsDefault");
            Some(
                Obj::new()
                    .node("PolicyVersion", render::version(&v, is_default, false))
                    .build(),
            )
        }
        "GetPolicyVersion" => {
            let (v, is_default) =
                e.get_policy_version(acct, policy_arn()?, p.req("VersionId", "versionId")?)?;
            Some(
                Obj::new()
                    .node("PolicyVersion", render::version(&v, is_default, true))
                    .build(),
            )
        }
        "ListPolicyVersions" => {
            let versions = e.list_policy_versions(acct, policy_arn()?)?;
            let list = Node::List(
                versions
                    .iter()
                    .map(|(v, d)| render::version(v, *d, false))
                    .collect(),
            );
            Some(render::paged(Obj::new().node("Versions", list), None))
        }
        "DeletePolicyVersion" => {
            done(e.delete_policy_version(acct, policy_arn()?, p.req("VersionId", "versionId")?)?)
        }
        "SetDefaultPolicyVersion" => done(e.set_default_policy_version(
            acct,
            policy_arn()?,
            p.req("VersionId", "versionId")?,
        )?),
        "TagPolicy" => done(e.tag_policy(acct, policy_arn()?, p.tags()?)?),
        "UntagPolicy" => done(e.untag_policy(acct, policy_arn()?, &p.list("TagKeys"))?),
        "ListPolicyTags" => Some(tag_list(&e.get_policy(acct, policy_arn()?)?.policy.tags)),
        "ListEntitiesForPolicy" => {
            let (roles, users) = e.entities_for_policy(acct, policy_arn()?)?;
            let roles = Node::List(
                roles
                    .iter()
                    .map(|r| Obj::new().s("RoleName", &r.name).s("RoleId", &r.id).build())
                    .collect(),
            );
            let users = Node::List(
                users
                    .iter()
                    .map(|u| Obj::new().s("UserName", &u.name).s("UserId", &u.id).build())
                    .collect(),
            );
            Some(render::paged(
                Obj::new()
                    .node("PolicyGroups", Node::List(Vec::new()))
                    .node("PolicyUsers", users)
                    .node("PolicyRoles", roles),
                None,
            ))
        }
        // Instance profiles
        "CreateInstanceProfile" => {
            let (ip, roles) =
                e.create_instance_profile(acct, profile_name()?, p.get("Path"), p.tags()?)?;
            Some(
                Obj::new()
                    .node("InstanceProfile", render::instance_profile(&ip, &roles))
                    .build(),
            )
        }
        "GetInstanceProfile" => {
            let (ip, roles) = e.get_instance_profile(acct, profile_name()?)?;
            Some(
                Obj::new()
                    .node("InstanceProfile", render::instance_profile(&ip, &roles))
                    .build(),
            )
        }
        "DeleteInstanceProfile" => done(e.delete_instance_profile(acct, profile_name()?)?),
        "AddRoleToInstanceProfile" => {
            done(e.add_role_to_instance_profile(acct, profile_name()?, role_name()?)?)
        }
        "RemoveRoleFromInstanceProfile" => {
            done(e.remove_role_from_instance_profile(acct, profile_name()?, role_name()?)?)
        }
        "ListInstanceProfiles" | "ListInstanceProfilesForRole" => {
            let page = if action == "ListInstanceProfiles" {
                e.list_instance_profiles(acct, p.get("PathPrefix"), &p.paging()?)?
            } else {
                e.list_instance_profiles_for_role(acct, role_name()?, &p.paging()?)?
            };
            let list = Node::List(
                page.items
                    .iter()
                    .map(|(ip, roles)| render::instance_profile(ip, roles))
                    .collect(),
            );
            Some(render::paged(
                Obj::new().node("InstanceProfiles", list),
                page.marker.as_deref(),
            ))
        }
        _ => {
            return Err(IamError::new(
                IamErrorCode::InvalidAction,
                format!("Could not find operation {action} for version {VERSION}"),
            ));
        }
    };
    Ok(out)
}
