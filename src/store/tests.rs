use super::*;

#[test]
fn blob_names_are_plain_relative_paths() {
    assert!(valid_blob_name("lambda/code/abc.zip"));
    for bad in [
        "",
        "/etc/passwd",
        "lambda/../x",
        "lambda//x",
        "lambda/./x",
        "a b",
        "x\\y",
    ] {
        assert!(!valid_blob_name(bad), "{bad:?}");
    }
}

#[test]
fn a_blob_deletion_older_than_a_rewrite_leaves_the_new_file() {
    let dir = std::env::temp_dir().join(format!("fogbank-store-{}", uuid::Uuid::new_v4().simple()));
    let (store, _) = sqlite::Store::open(&dir, Durability::Process).expect("open");
    let j = store.journal.clone();
    let name = "lambda/code/abc.zip";
    j.put_blob(name, b"first").expect("write");
    let written = |j: &Journal| j.shared.blob_writes().get(name).copied();
    assert_eq!(written(&j), Some(1));
    // The deletion is asked for, then the blob is written again before the writer removes it.
    let asked_at = written(&j).unwrap_or(0);
    j.put_blob(name, b"second").expect("rewrite");
    j.shared.remove_blobs(vec![(name.to_string(), asked_at)]);
    assert_eq!(std::fs::read(j.blob_path(name)).expect("kept"), b"second");
    // A deletion asked for after the latest write removes it.
    j.shared.remove_blobs(vec![(name.to_string(), 2)]);
    assert!(!j.blob_path(name).exists());
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn messages_are_read_on_their_own_thread_and_a_bad_row_fails_the_load() {
    let dir = std::env::temp_dir().join(format!("fogbank-rows-{}", uuid::Uuid::new_v4().simple()));
    let (store, loaded) = sqlite::Store::open(&dir, Durability::Process).expect("open");
    assert_eq!(loaded.sqs.messages.finish(), Ok(0));
    store.close();
    {
        let mut conn = rusqlite::Connection::open(sqlite::db_path(&dir)).expect("sqlite");
        let conn = conn.transaction().expect("transaction");
        for seq in 0..10_000i64 {
            let extra = if seq == 9_999 {
                Some("{not json")
            } else {
                None
            };
            conn.execute(
                "INSERT INTO sqs_messages VALUES (1, ?1, ?2, 'body', ?3, 0, 0, 0, 0, 0, 0, ?4)",
                rusqlite::params![seq, &[0u8; 16][..], &[0u8; 16][..], extra],
            )
            .expect("insert");
        }
        conn.commit().expect("commit");
    }
    let (store, loaded) = sqlite::Store::open(&dir, Durability::Process).expect("reopen");
    let mut rows = loaded.sqs.messages;
    let seqs: Vec<u64> = rows.by_ref().map(|(_, m)| m.seq).collect();
    let want: Vec<u64> = (0..9_999).collect();
    assert!(
        seqs == want[..seqs.len()],
        "in order: {} read, {:?}",
        seqs.len(),
        seqs.iter().zip(&want).find(|(a, b)| a != b)
    );
    assert!(
        seqs.len() <= 9_999 && seqs.len() >= 8_192,
        "up to the bad row's batch: {}",
        seqs.len()
    );
    let err = rows.finish().expect_err("the bad row is reported");
    assert!(err.contains("extra") || err.contains("11"), "{err}");
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn delete_prefix_removes_exactly_the_keys_that_start_with_it() {
    let dir =
        std::env::temp_dir().join(format!("fogbank-prefix-{}", uuid::Uuid::new_v4().simple()));
    let (store, _) = sqlite::Store::open(&dir, Durability::Process).expect("open");
    let j = store.journal.clone();
    // Some as single changes, some gathered in a batch (pushed in its order).
    for key in ["g:1", "g:2", "g"] {
        j.put("logs.event", key, &key);
    }
    let mut batch = Batch::default();
    for key in ["g/h:1", "g;", "f:9", "h:1", "h:2"] {
        batch.put("logs.event", key, &key);
    }
    batch.delete("logs.event", "h:2");
    j.push_batch(&mut batch);
    assert!(batch.is_empty());
    j.put("logs.other", "g:1", &"other kind");
    j.delete_prefix("logs.event", "g:");
    // A later put under the prefix, in the same batch, stays.
    j.put("logs.event", "g:3", &"g:3");
    store.close();
    let (store, mut loaded) = sqlite::Store::open(&dir, Durability::Process).expect("reopen");
    let mut keys: Vec<(String, String)> = loaded
        .take("logs")
        .records
        .into_iter()
        .map(|r| (r.kind, r.key))
        .collect();
    keys.sort();
    let want: Vec<(String, String)> = [
        ("logs.event", "f:9"),
        ("logs.event", "g"),
        ("logs.event", "g/h:1"),
        ("logs.event", "g:3"),
        ("logs.event", "g;"),
        ("logs.event", "h:1"),
        ("logs.other", "g:1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(keys, want);
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn key_successors_follow_code_point_order() {
    assert_eq!(sqlite::key_successor("g:").as_deref(), Some("g;"));
    assert_eq!(
        sqlite::key_successor("a\u{D7FF}").as_deref(),
        Some("a\u{E000}")
    );
    assert_eq!(sqlite::key_successor("a\u{10FFFF}").as_deref(), Some("b"));
    assert_eq!(sqlite::key_successor("\u{10FFFF}"), None);
    assert_eq!(sqlite::key_successor(""), None);
}
