use super::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn engine() -> Arc<IamEngine> {
    IamEngine::new(Arc::new(crate::clock::SystemClock))
}

fn role(name: &str) -> CreateRoleRequest {
    CreateRoleRequest {
        role_name: name.to_string(),
        assume_role_policy_document: TRUST.to_string(),
        ..Default::default()
    }
}

#[test]
fn roles_are_unique_without_regard_to_case_and_page_in_name_order() {
    let e = engine();
    for n in ["b", "A", "c"] {
        e.create_role("111111111111", role(n)).expect("create");
    }
    let err = e.create_role("111111111111", role("B")).unwrap_err();
    assert_eq!(
        err.code,
        crate::iam::error::IamErrorCode::EntityAlreadyExists
    );
    let p = Paging {
        marker: None,
        max_items: Some(2),
    };
    let first = e.list_roles("111111111111", None, &p).expect("list");
    let names: Vec<&str> = first.items.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "b"]);
    let next = Paging {
        marker: first.marker,
        max_items: Some(2),
    };
    let second = e.list_roles("111111111111", None, &next).expect("list");
    assert_eq!(second.items.len(), 1);
    assert!(second.marker.is_none());
    assert!(
        e.list_roles("222222222222", None, &p)
            .expect("list")
            .items
            .is_empty()
    );
}

#[test]
fn export_and_restore_round_trip() {
    use crate::store::Durable;
    let e = engine();
    e.create_role("111111111111", role("r")).expect("create");
    e.attach_role_policy(
        "111111111111",
        "r",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    )
    .expect("attach");
    let state = e.export();
    let f = engine();
    f.check(&state).expect("check");
    f.restore(state.clone()).expect("restore");
    assert_eq!(f.export(), state);
}
