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
