//! The stored SQS messages, read on a thread of their own while the SQS engine restores them:
//! at start with a million messages, reading rows and building queues take about the same
//! time, so on two cores they overlap instead of adding up.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rusqlite::{Connection, OpenFlags};

use crate::sqs::queue::StoredMessage;

/// Messages per batch handed from the reader to the restore.
const BATCH: usize = 4096;

type Batch = Vec<(u64, StoredMessage)>;

/// `(queue id, message)` in queue, then send order, as the reader thread produces them. After
/// the iterator ends, [`MessageRows::finish`] says whether every row was read.
pub struct MessageRows {
    rx: Option<Receiver<Result<Batch, String>>>,
    batch: std::vec::IntoIter<(u64, StoredMessage)>,
    error: Option<String>,
    count: usize,
}

impl Default for MessageRows {
    fn default() -> Self {
        MessageRows {
            rx: None,
            batch: Vec::new().into_iter(),
            error: None,
            count: 0,
        }
    }
}

impl std::fmt::Debug for MessageRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageRows")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl MessageRows {
    /// Read `db`'s messages on a new thread (its own read-only connection).
    pub(crate) fn spawn(db: &Path) -> std::io::Result<MessageRows> {
        let (tx, rx) = sync_channel(4);
        let db = db.to_path_buf();
        std::thread::Builder::new()
            .name("fogbank-load".into())
            .spawn(move || {
                if let Err(e) = read(&db, &tx) {
                    let _ = tx.send(Err(e.to_string()));
                }
            })?;
        Ok(MessageRows {
            rx: Some(rx),
            ..MessageRows::default()
        })
    }

    /// Messages from a list (tests, or a caller that has them at hand).
    pub fn from_vec(messages: Vec<(u64, StoredMessage)>) -> MessageRows {
        MessageRows {
            batch: messages.into_iter(),
            ..MessageRows::default()
        }
    }

    /// How many messages were handed out so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// After the last message: `Err` if the reader stopped on an error (the messages handed
    /// out are then not all there were).
    pub fn finish(self) -> Result<usize, String> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.count),
        }
    }
}

impl Iterator for MessageRows {
    type Item = (u64, StoredMessage);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(m) = self.batch.next() {
                self.count += 1;
                return Some(m);
            }
            let rx = self.rx.as_ref()?;
            match rx.recv() {
                Ok(Ok(batch)) => self.batch = batch.into_iter(),
                Ok(Err(e)) => {
                    self.error = Some(e);
                    self.rx = None;
                }
                // The reader finished (it drops its sender after the last batch).
                Err(_) => self.rx = None,
            }
        }
    }
}

fn read(db: &Path, tx: &SyncSender<Result<Batch, String>>) -> rusqlite::Result<()> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare(
        "SELECT queue, seq, id, body, md5, sent_ms, visible_at, receive_count,
                first_receive_ms, received_ms, generation, extra
         FROM sqs_messages ORDER BY queue, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.next()? {
        batch.push(message_of(row)?);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if tx.send(Ok(full)).is_err() {
                // Nobody is restoring any more (the start failed elsewhere).
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch));
    }
    Ok(())
}

fn message_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(u64, StoredMessage)> {
    let queue: i64 = row.get(0)?;
    let id = super::sqlite::u128_of(row.get_ref(2)?.as_blob()?);
    let body: Arc<str> = Arc::from(row.get_ref(3)?.as_str()?);
    let md5 = row.get_ref(4)?.as_blob()?;
    let extra = match row.get_ref(11)?.as_str_or_null()? {
        Some(text) => Some(Box::new(crate::sqs::state::extra_from_json(text).map_err(
            |e| {
                rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, e.into())
            },
        )?)),
        None => None,
    };
    let md5: [u8; 16] = match md5.try_into() {
        Ok(m) => m,
        Err(_) => crate::sqs::md5::md5_of_body(&body),
    };
    let mut m = StoredMessage::restored(
        id,
        body,
        md5,
        extra,
        row.get::<_, i64>(5)? as u64,
        row.get::<_, i64>(6)? as u64,
    );
    m.seq = row.get::<_, i64>(1)? as u64;
    m.receive_count = row.get::<_, i64>(7)? as u32;
    m.first_receive_ms = row.get::<_, i64>(8)? as u64;
    m.received_ms = row.get::<_, i64>(9)? as u64;
    m.generation = row.get::<_, i64>(10)? as u32;
    Ok((queue as u64, m))
}
