//! SigV4 credential scope: who signed (access key) and for which region and service.
//! Signatures are not verified (that is a later, opt-in strict mode).

use axum::http::HeaderMap;

/// The parts of a SigV4 credential scope, when the request carries one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub access_key: Option<String>,
    pub region: Option<String>,
    pub service: Option<String>,
}

fn from_credential(credential: &str) -> Scope {
    // <AKID>/<YYYYMMDD>/<region>/<service>/aws4_request
    let parts: Vec<&str> = credential.trim().split('/').collect();
    let get = |i: usize| {
        parts
            .get(i)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Scope {
        access_key: get(0),
        region: get(2),
        service: get(3),
    }
}

/// The scope from the `Authorization` header, else from a presigned query string.
pub fn scope_of(headers: &HeaderMap, query_string: &str) -> Scope {
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(i) = auth.find("Credential=")
    {
        let rest = &auth[i + "Credential=".len()..];
        let cred = rest.split(',').next().unwrap_or(rest);
        return from_credential(cred);
    }
    for pair in query_string.split('&') {
        if let Some(v) = pair.strip_prefix("X-Amz-Credential=") {
            let decoded = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
            return from_credential(&decoded);
        }
    }
    Scope::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_scope_is_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=00"
                .parse()
                .expect("header"),
        );
        let s = scope_of(&h, "");
        assert_eq!(s.access_key.as_deref(), Some("123456789012"));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.service.as_deref(), Some("sqs"));
    }

    #[test]
    fn presigned_scope_is_parsed_and_missing_scope_is_empty() {
        let s = scope_of(
            &HeaderMap::new(),
            "Action=X&X-Amz-Credential=AKID%2F20260101%2Fus-west-2%2Fsns%2Faws4_request",
        );
        assert_eq!(s.region.as_deref(), Some("us-west-2"));
        assert_eq!(s.service.as_deref(), Some("sns"));
        assert_eq!(scope_of(&HeaderMap::new(), ""), Scope::default());
    }
}
