//! Function states as AWS reports them. fogbank applies a create or an update at once, but
//! answers it as AWS does while it is "being applied": CreateFunction with `State: Pending`,
//! UpdateFunctionCode/Configuration with `LastUpdateStatus: InProgress` (reason "The function
//! is being created.", code `Creating`, both as recorded). The stored configuration is the
//! settled one (`Active`/`Successful`) under another RevisionId, so the next read sees the
//! change complete and SDK waiters return on their first poll.
//!
//! Until that read (or an invoke, for a create; or [`SETTLE_AFTER`]), the function is "in progress": another update or a
//! PublishVersion answers AWS's ResourceConflictException, as AWS does for a second change
//! made without waiting.

use std::time::{Duration, Instant};

use super::*;

/// How long an unread create or update stays in progress.
pub(crate) const SETTLE_AFTER: Duration = Duration::from_secs(1);

/// AWS's reason (and code) for a function being created or updated.
const CREATING: &str = "The function is being created.";

/// A create or update not yet seen settled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InProgress {
    since: Instant,
    creating: bool,
}

impl LambdaEngine {
    /// CreateFunction's answer: Pending, with a RevisionId the settled function no longer has.
    pub(super) fn pending_answer(
        f: &mut Function,
        mut c: FunctionConfiguration,
    ) -> FunctionConfiguration {
        f.in_progress = Some(InProgress {
            since: Instant::now(),
            creating: true,
        });
        c.revision_id = revision();
        c.state = "Pending".into();
        c.state_reason = Some(CREATING.into());
        c.state_reason_code = Some("Creating".into());
        c.last_update_status = String::new();
        c
    }

    /// An update's answer: Active, LastUpdateStatus InProgress, another RevisionId.
    pub(super) fn in_progress_answer(
        f: &mut Function,
        mut c: FunctionConfiguration,
    ) -> FunctionConfiguration {
        f.in_progress = Some(InProgress {
            since: Instant::now(),
            creating: false,
        });
        c.revision_id = revision();
        c.last_update_status = "InProgress".into();
        c.last_update_status_reason = Some(CREATING.into());
        c.last_update_status_reason_code = Some("Creating".into());
        c
    }

    /// A read settles the function (it sees the change applied).
    pub(super) fn settle(f: &mut Function) {
        f.in_progress = None;
    }

    /// An invoke that ran finds the function Active (AWS would have refused it while
    /// Pending): a create is settled by it, an update is not.
    pub(super) fn settle_create(f: &mut Function) {
        if f.in_progress.is_some_and(|p| p.creating) {
            f.in_progress = None;
        }
    }

    /// AWS's refusal of a change while the previous one is still being applied.
    pub(super) fn check_not_in_progress(f: &mut Function) -> LambdaResult<()> {
        match f.in_progress {
            Some(p) if p.since.elapsed() < SETTLE_AFTER => {
                Err(LambdaError::conflict(if p.creating {
                    "The operation cannot be performed at this time. The function is currently in the following state: Pending".to_string()
                } else {
                    format!(
                        "The operation cannot be performed at this time. An update is in progress for resource: {}",
                        f.arn
                    )
                }))
            }
            _ => {
                f.in_progress = None;
                Ok(())
            }
        }
    }
}
