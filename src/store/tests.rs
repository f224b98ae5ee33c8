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
