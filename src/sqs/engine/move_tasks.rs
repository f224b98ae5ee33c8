//! Message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask):
//! a dead-letter queue's messages moved back to their sources, or to one destination, at most
//! `MaxNumberOfMessagesPerSecond` per second. Each task is journaled as it changes
//! (`sqs.move_task`), so that a running task resumes after a restart and finished ones are
//! still listed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::{SqsEngine, int_param, require};
use crate::clock::Millis;
use crate::context::RequestContext;
use crate::sqs::error::{SqsError, SqsErrorCode, SqsResult};
use crate::sqs::model::*;
use crate::sqs::queue::StoredMessage;
use crate::sqs::state::MoveTaskRecord;
use crate::store::{Journal, Record};

pub(super) const MOVE_TASK: &str = "sqs.move_task";

const STATUSES: [&str; 5] = ["RUNNING", "COMPLETED", "CANCELLING", "CANCELLED", "FAILED"];

/// The state of a message move task.
#[derive(Debug)]
pub(super) struct MoveTask {
    id: String,
    handle: String,
    source_arn: String,
    destination_arn: Option<String>,
    rate: Option<u64>,
    started_ms: Millis,
    to_move: u64,
    moved: AtomicU64,
    status: Mutex<(&'static str, Option<String>)>,
    cancelled: AtomicBool,
}

impl MoveTask {
    fn status(&self) -> (&'static str, Option<String>) {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(("FAILED", None))
    }

    fn set_status(&self, status: &'static str, reason: Option<String>) {
        if let Ok(mut s) = self.status.lock() {
            *s = (status, reason);
        }
    }

    /// Stop the schedule (the engine is cleared); the status stays as it was.
    pub(super) fn stop(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    fn running(&self) -> bool {
        self.status().0 == "RUNNING"
    }

    fn record(&self) -> MoveTaskRecord {
        let (status, failure_reason) = self.status();
        MoveTaskRecord {
            id: self.id.clone(),
            handle: self.handle.clone(),
            source_arn: self.source_arn.clone(),
            destination_arn: self.destination_arn.clone(),
            rate: self.rate,
            started_ms: self.started_ms,
            to_move: self.to_move,
            moved: self.moved.load(Ordering::SeqCst),
            status: status.to_string(),
            failure_reason,
        }
    }

    /// A task as its record describes it, checked.
    pub(super) fn from_record(r: &Record) -> Result<MoveTask, String> {
        let t: MoveTaskRecord = r.decode()?;
        if t.id != r.key {
            return Err(format!(
                "{MOVE_TASK} {}: key does not match the task",
                r.key
            ));
        }
        let status = STATUSES
            .iter()
            .find(|s| **s == t.status)
            .ok_or_else(|| format!("{MOVE_TASK} {}: unknown status {:?}", r.key, t.status))?;
        if t.rate.is_some_and(|r| !(1..=500).contains(&r)) {
            return Err(format!("{MOVE_TASK} {}: rate out of range", r.key));
        }
        Ok(MoveTask {
            id: t.id,
            handle: t.handle,
            source_arn: t.source_arn,
            destination_arn: t.destination_arn,
            rate: t.rate,
            started_ms: t.started_ms,
            to_move: t.to_move,
            moved: AtomicU64::new(t.moved),
            status: Mutex::new((status, t.failure_reason)),
            cancelled: AtomicBool::new(false),
        })
    }
}

impl SqsEngine {
    fn tasks(&self) -> std::sync::MutexGuard<'_, Vec<Arc<MoveTask>>> {
        self.move_tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn journal_task(&self, task: &MoveTask) {
        if let Some(j) = self.journal.get() {
            j.put(MOVE_TASK, &task.id, &task.record());
        }
    }

    /// Every task as records (snapshots, `journal_all`).
    pub(super) fn move_task_records(&self) -> Vec<Record> {
        self.tasks()
            .iter()
            .filter_map(|t| Record::new(MOVE_TASK, &t.id, &t.record()).ok())
            .collect()
    }

    pub(super) fn journal_move_tasks(&self, journal: &Journal) {
        for t in self.tasks().iter() {
            journal.put(MOVE_TASK, &t.id, &t.record());
        }
    }

    /// Install restored tasks (nothing journaled; [`Self::resume_move_tasks`] restarts the
    /// running ones once the journal is in place).
    pub(super) fn install_move_tasks(&self, mut tasks: Vec<MoveTask>) {
        // Records come in key order; the list is kept in start order (newest last).
        tasks.sort_by_key(|t| t.started_ms);
        let mut mine = self.tasks();
        mine.clear();
        mine.extend(tasks.into_iter().map(Arc::new));
    }

    /// Restart the schedule of every running task (after a restore). Needs a Tokio runtime;
    /// without one (a synchronous unit test) the tasks wait.
    pub(super) fn resume_move_tasks(&self) {
        let Some(engine) = self.this.upgrade() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let running: Vec<Arc<MoveTask>> = self
            .tasks()
            .iter()
            .filter(|t| t.running())
            .cloned()
            .collect();
        for task in running {
            engine.run_move_task(task);
        }
    }

    /// One batch per second of the task's own schedule, from the next second boundary after
    /// now, until the task finishes.
    fn run_move_task(self: &Arc<Self>, task: Arc<MoveTask>) {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let elapsed = engine.now().saturating_sub(task.started_ms);
            let mut next = task.started_ms + (elapsed / 1000 + 1) * 1000;
            loop {
                engine.clock.sleep_until(next).await;
                if !engine.move_step(&task) {
                    break;
                }
                next += 1000;
            }
        });
    }

    /// The queue a task's `SourceArn` names.
    fn move_source(&self, arn: Option<String>) -> SqsResult<Arc<crate::sqs::engine::Queue>> {
        let arn = require(arn, "SourceArn")?;
        self.queue_by_arn(&arn).ok_or_else(|| {
            SqsError::new(
                SqsErrorCode::ResourceNotFound,
                "The resource that you specified for the SourceArn parameter doesn't exist.",
            )
        })
    }

    pub fn start_message_move_task(
        self: &Arc<Self>,
        _ctx: &RequestContext,
        input: StartMessageMoveTaskInput,
    ) -> SqsResult<StartMessageMoveTaskOutput> {
        let source = self.move_source(input.source_arn)?;
        if !self.is_dead_letter_queue(&source) {
            return Err(SqsError::invalid_value(
                "Source queue must be configured as a Dead Letter Queue.",
            ));
        }
        if let Some(d) = &input.destination_arn {
            let dest = self.queue_by_arn(d).ok_or_else(|| {
                SqsError::new(
                    SqsErrorCode::ResourceNotFound,
                    "The resource that you specified for the DestinationArn parameter doesn't exist.",
                )
            })?;
            if dest.arn == source.arn {
                return Err(SqsError::invalid_value(
                    "Source queue arn and destination queue arn cannot be the same.",
                ));
            }
        }
        let rate = int_param(
            "MaxNumberOfMessagesPerSecond",
            input.max_number_of_messages_per_second,
            1,
            500,
            "MaxNumberOfMessagesPerSecond must be an integer between 1 and 500.",
        )?
        .map(|r| r as u64);
        let mut tasks = self.tasks();
        if tasks
            .iter()
            .any(|t| t.source_arn == source.arn && t.running())
        {
            return Err(SqsError::invalid_value(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
            ));
        }
        let now = self.now();
        let to_move = source.lock().counts(now).visible;
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let handle = STANDARD.encode(json!({"taskId": id, "sourceArn": source.arn}).to_string());
        let task = Arc::new(MoveTask {
            id,
            handle: handle.clone(),
            source_arn: source.arn.clone(),
            destination_arn: input.destination_arn,
            rate,
            started_ms: now,
            to_move,
            moved: AtomicU64::new(0),
            status: Mutex::new(("RUNNING", None)),
            cancelled: AtomicBool::new(false),
        });
        tasks.push(task.clone());
        drop(tasks);
        self.journal_task(&task);
        // The first second's worth moves before we answer; the rest follows on the clock.
        if self.move_step(&task) {
            self.run_move_task(task);
        }
        Ok(StartMessageMoveTaskOutput {
            task_handle: handle,
        })
    }

    /// Move one second's worth of messages; `true` while the task has more to do.
    fn move_step(&self, task: &MoveTask) -> bool {
        let more = self.move_batch(task);
        self.journal_task(task);
        more
    }

    fn move_batch(&self, task: &MoveTask) -> bool {
        if task.cancelled.load(Ordering::SeqCst) || !task.running() {
            return false;
        }
        let Some(source) = self.queue_by_arn(&task.source_arn) else {
            task.set_status(
                "FAILED",
                Some("AWS.SimpleQueueService.NonExistentQueue".into()),
            );
            return false;
        };
        let dest = match &task.destination_arn {
            Some(d) => match self.queue_by_arn(d) {
                Some(q) => Some(q),
                None => {
                    task.set_status(
                        "FAILED",
                        Some("AWS.SimpleQueueService.NonExistentQueue".into()),
                    );
                    return false;
                }
            },
            None => None,
        };
        let remaining = task
            .to_move
            .saturating_sub(task.moved.load(Ordering::SeqCst));
        let batch = task.rate.unwrap_or(u64::MAX).min(remaining) as usize;
        let now = self.now();
        let taken = if batch == 0 {
            Vec::new()
        } else {
            source.lock().take_visible(now, batch)
        };
        let count = taken.len() as u64;
        match dest {
            Some(d) => self.enqueue_moved(&source, &d, taken, None),
            None => {
                let mut by_source: BTreeMap<String, Vec<StoredMessage>> = BTreeMap::new();
                let mut orphans = Vec::new();
                for m in taken {
                    match m
                        .extra
                        .as_ref()
                        .and_then(|e| e.dead_letter_source_arn.clone())
                    {
                        Some(arn) => by_source.entry(arn.to_string()).or_default().push(m),
                        None => orphans.push(m),
                    }
                }
                for (arn, msgs) in by_source {
                    match self.queue_by_arn(&arn) {
                        Some(q) => self.enqueue_moved(&source, &q, msgs, None),
                        None => orphans.extend(msgs),
                    }
                }
                if !orphans.is_empty() {
                    // Put them back; the task cannot tell where they came from.
                    self.enqueue_moved(&source, &source, orphans, None);
                    task.set_status("FAILED", Some("CouldNotDetermineMessageSource".into()));
                    return false;
                }
            }
        }
        let moved = task.moved.fetch_add(count, Ordering::SeqCst) + count;
        if moved >= task.to_move || count == 0 {
            task.set_status("COMPLETED", None);
            return false;
        }
        true
    }

    pub fn list_message_move_tasks(
        &self,
        _ctx: &RequestContext,
        input: ListMessageMoveTasksInput,
    ) -> SqsResult<ListMessageMoveTasksOutput> {
        let source = self.move_source(input.source_arn)?;
        let max = int_param(
            "MaxResults",
            input.max_results,
            1,
            10,
            "MaxResults must be an integer between 1 and 10.",
        )?
        .unwrap_or(1) as usize;
        let tasks = self.tasks();
        let results = tasks
            .iter()
            .rev()
            .filter(|t| t.source_arn == source.arn)
            .take(max)
            .map(|t| {
                let (status, failure_reason) = t.status();
                ListMessageMoveTasksResultEntry {
                    task_handle: (status == "RUNNING").then(|| t.handle.clone()),
                    status: status.to_string(),
                    source_arn: t.source_arn.clone(),
                    destination_arn: t.destination_arn.clone(),
                    max_number_of_messages_per_second: t.rate,
                    approximate_number_of_messages_moved: t.moved.load(Ordering::SeqCst),
                    approximate_number_of_messages_to_move: t.to_move,
                    failure_reason,
                    started_timestamp: t.started_ms,
                }
            })
            .collect();
        Ok(ListMessageMoveTasksOutput { results })
    }

    pub fn cancel_message_move_task(
        &self,
        _ctx: &RequestContext,
        input: CancelMessageMoveTaskInput,
    ) -> SqsResult<CancelMessageMoveTaskOutput> {
        let handle = require(input.task_handle, "TaskHandle")?;
        let well_formed = STANDARD
            .decode(handle.as_bytes())
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v["taskId"].is_string() && v["sourceArn"].is_string());
        if !well_formed {
            return Err(SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                "Value for parameter TaskHandle is invalid.",
            ));
        }
        let tasks = self.tasks();
        let task = tasks
            .iter()
            .find(|t| t.handle == handle)
            .ok_or_else(|| SqsError::new(SqsErrorCode::ResourceNotFound, "Task does not exist."))?;
        if task.status().0 != "RUNNING" {
            return Err(SqsError::new(
                SqsErrorCode::ResourceNotFound,
                format!("Task {} is not running.", task.id),
            ));
        }
        task.cancelled.store(true, Ordering::SeqCst);
        task.set_status("CANCELLED", None);
        self.journal_task(task);
        Ok(CancelMessageMoveTaskOutput {
            approximate_number_of_messages_moved: task.moved.load(Ordering::SeqCst),
        })
    }
}
