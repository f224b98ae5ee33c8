//! Log group tags: TagResource/UntagResource/ListTagsForResource (by ARN) and the older
//! TagLogGroup/UntagLogGroup/ListTagsLogGroup (by name).

use std::collections::BTreeMap;

use super::engine::{LogsEngine, lock};
use super::error::{LogsError, LogsResult};
use super::model::*;
use crate::context::RequestContext;

/// Most tags on one log group.
pub const MAX_TAGS: usize = 50;

/// Tag keys and values as AWS checks them.
pub fn check_tags(tags: &BTreeMap<String, String>) -> LogsResult<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value '{k}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"
            )));
        }
        if k.starts_with("aws:") {
            return Err(LogsError::invalid(
                "Tag keys starting with 'aws:' are reserved for system use.",
            ));
        }
        if v.chars().count() > 256 {
            return Err(LogsError::invalid(format!(
                "1 validation error detected: Value '{v}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]"
            )));
        }
    }
    Ok(())
}

impl LogsEngine {
    fn tag(&self, group: &super::engine::Group, tags: BTreeMap<String, String>) -> LogsResult<()> {
        check_tags(&tags)?;
        let mut s = lock(&group.state);
        let mut merged = s.tags.clone();
        merged.extend(tags);
        if merged.len() > MAX_TAGS {
            return Err(LogsError {
                code: "TooManyTagsException",
                message: format!("A resource can have no more than {MAX_TAGS} tags."),
                status: 400,
            });
        }
        s.tags = merged;
        self.journal_group(group, &s);
        Ok(())
    }

    fn untag(&self, group: &super::engine::Group, keys: &[String]) {
        let mut s = lock(&group.state);
        for k in keys {
            s.tags.remove(k);
        }
        self.journal_group(group, &s);
    }

    fn arn_of(input: &Option<String>) -> LogsResult<&str> {
        input.as_deref().ok_or_else(|| {
            LogsError::invalid(
                "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
            )
        })
    }

    pub fn tag_resource(&self, input: TagResourceRequest) -> LogsResult<()> {
        let group = self.group_by_arn(Self::arn_of(&input.resource_arn)?)?;
        self.tag(&group, input.tags.unwrap_or_default())
    }

    pub fn untag_resource(&self, input: UntagResourceRequest) -> LogsResult<()> {
        let group = self.group_by_arn(Self::arn_of(&input.resource_arn)?)?;
        self.untag(&group, &input.tag_keys.unwrap_or_default());
        Ok(())
    }

    pub fn list_tags_for_resource(
        &self,
        input: ListTagsForResourceRequest,
    ) -> LogsResult<TagsResponse> {
        let group = self.group_by_arn(Self::arn_of(&input.resource_arn)?)?;
        let tags = lock(&group.state).tags.clone();
        Ok(TagsResponse { tags })
    }

    fn named(
        &self,
        ctx: &RequestContext,
        name: &Option<String>,
    ) -> LogsResult<std::sync::Arc<super::engine::Group>> {
        let name = name.as_deref().ok_or_else(|| {
            LogsError::invalid(
                "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
            )
        })?;
        self.group(ctx, name)
    }

    pub fn tag_log_group(&self, ctx: &RequestContext, input: TagLogGroupRequest) -> LogsResult<()> {
        let group = self.named(ctx, &input.log_group_name)?;
        self.tag(&group, input.tags.unwrap_or_default())
    }

    pub fn untag_log_group(
        &self,
        ctx: &RequestContext,
        input: UntagLogGroupRequest,
    ) -> LogsResult<()> {
        let group = self.named(ctx, &input.log_group_name)?;
        self.untag(&group, &input.tags.unwrap_or_default());
        Ok(())
    }

    pub fn list_tags_log_group(
        &self,
        ctx: &RequestContext,
        input: LogGroupNameRequest,
    ) -> LogsResult<TagsResponse> {
        let group = self.named(ctx, &input.log_group_name)?;
        let tags = lock(&group.state).tags.clone();
        Ok(TagsResponse { tags })
    }
}
