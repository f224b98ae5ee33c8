//! Strict mode (`--auth strict`): SigV4 signatures verified with the `aws-sigv4` crate computing
//! the signature the client should have sent, for header-signed and presigned requests.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use axum::http::request::Parts;

/// How far a header-signed request's `X-Amz-Date` may be from now.
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// AWS's error code: MissingAuthenticationToken, InvalidClientTokenId,
    /// SignatureDoesNotMatch, RequestExpired, IncompleteSignature.
    pub code: &'static str,
    pub message: String,
}

fn fail(code: &'static str, message: impl Into<String>) -> AuthFailure {
    AuthFailure {
        code,
        message: message.into(),
    }
}

/// Days from 1970-01-01 to a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `20260101T120000Z` -> a time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(4..6)? as u32, num(6..8)? as u32);
    let secs = days * 86_400 + num(9..11)? * 3600 + num(11..13)? * 60 + num(13..15)?;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

struct Parsed {
    access_key: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
    date: String,
    expires: Option<u64>,
    token: Option<String>,
}

fn parse_credential(c: &str) -> Result<(String, String, String), AuthFailure> {
    let parts: Vec<&str> = c.trim().split('/').collect();
    match parts.as_slice() {
        [akid, _date, region, service, "aws4_request"] => {
            Ok((akid.to_string(), region.to_string(), service.to_string()))
        }
        _ => Err(fail(
            "IncompleteSignature",
            format!("Credential should be scoped to a valid region and service: {c}"),
        )),
    }
}

fn parse(parts: &Parts) -> Result<Parsed, AuthFailure> {
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(auth) = header("authorization") {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
            fail(
                "IncompleteSignature",
                "Only AWS4-HMAC-SHA256 signatures are accepted.",
            )
        })?;
        let mut cred = None;
        let mut signed = None;
        let mut sig = None;
        for field in rest.split(',') {
            let (k, v) = field.trim().split_once('=').unwrap_or(("", ""));
            match k {
                "Credential" => cred = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => sig = Some(v),
                _ => {}
            }
        }
        let (Some(cred), Some(signed), Some(sig)) = (cred, signed, sig) else {
            return Err(fail(
                "IncompleteSignature",
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
            ));
        };
        let (access_key, region, service) = parse_credential(cred)?;
        let date = header("x-amz-date")
            .ok_or_else(|| fail("IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?
            .to_string();
        return Ok(Parsed {
            access_key,
            region,
            service,
            signed_headers: signed.split(';').map(str::to_string).collect(),
            signature: sig.to_string(),
            date,
            expires: None,
            token: header("x-amz-security-token").map(str::to_string),
        });
    }
    let q: HashMap<String, String> =
        form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if q.contains_key("X-Amz-Signature") {
        let get = |k: &str| {
            q.get(k).cloned().ok_or_else(|| {
                fail(
                    "IncompleteSignature",
                    format!("The presigned request is missing {k}."),
                )
            })
        };
        let (access_key, region, service) = parse_credential(&get("X-Amz-Credential")?)?;
        let expires = get("X-Amz-Expires")?.parse::<u64>().map_err(|_| {
            fail(
                "IncompleteSignature",
                "X-Amz-Expires must be a number of seconds.",
            )
        })?;
        return Ok(Parsed {
            access_key,
            region,
            service,
            signed_headers: get("X-Amz-SignedHeaders")?
                .split(';')
                .map(str::to_string)
                .collect(),
            signature: get("X-Amz-Signature")?,
            date: get("X-Amz-Date")?,
            expires: Some(expires),
            token: q.get("X-Amz-Security-Token").cloned(),
        });
    }
    Err(fail(
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    ))
}

fn is_presign_param(k: &str) -> bool {
    matches!(
        k,
        "X-Amz-Algorithm"
            | "X-Amz-Credential"
            | "X-Amz-Date"
            | "X-Amz-Expires"
            | "X-Amz-SignedHeaders"
            | "X-Amz-Signature"
            | "X-Amz-Security-Token"
    )
}

/// Verify the request's signature against the known `credentials` (access key -> secret).
pub fn verify(
    parts: &Parts,
    body: &[u8],
    credentials: &HashMap<String, String>,
    now: SystemTime,
) -> Result<(), AuthFailure> {
    let p = parse(parts)?;
    let Some(secret) = credentials.get(&p.access_key) else {
        return Err(fail(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ));
    };
    let time = parse_amz_date(&p.date).ok_or_else(|| {
        fail(
            "IncompleteSignature",
            format!("Invalid X-Amz-Date: {}", p.date),
        )
    })?;
    match p.expires {
        None => {
            let skew = now
                .duration_since(time)
                .or_else(|_| time.duration_since(now))
                .unwrap_or_default();
            if skew > MAX_SKEW {
                return Err(fail(
                    "RequestExpired",
                    format!(
                        "Request timestamp {} is more than 15 minutes from the server time.",
                        p.date
                    ),
                ));
            }
        }
        Some(secs) => {
            if now > time + Duration::from_secs(secs) {
                return Err(fail("RequestExpired", "Request has expired."));
            }
        }
    }

    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let query: String = if p.expires.is_some() {
        query
            .split('&')
            .filter(|pair| {
                let k = pair.split('=').next().unwrap_or("");
                !is_presign_param(k)
            })
            .collect::<Vec<_>>()
            .join("&")
    } else {
        query.to_string()
    };
    let uri = if query.is_empty() {
        format!("http://{host}{path}")
    } else {
        format!("http://{host}{path}?{query}")
    };
    let headers: Vec<(String, String)> = p
        .signed_headers
        .iter()
        .filter(|h| !matches!(h.as_str(), "x-amz-date" | "x-amz-security-token"))
        .filter_map(|h| {
            let values: Vec<&str> = parts
                .headers
                .get_all(h.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| (h.clone(), values.join(",")))
        })
        .collect();
    let identity = Credentials::new(&p.access_key, secret, p.token.clone(), None, "fogbank").into();
    let mut settings = SigningSettings::default();
    if let Some(secs) = p.expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(secs));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&p.region)
        .name(&p.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| fail("IncompleteSignature", e.to_string()))?
        .into();
    let expected = |body: SignableBody<'_>| -> Result<String, AuthFailure> {
        let request = SignableRequest::new(
            parts.method.as_str(),
            uri.as_str(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
        )
        .map_err(|e| fail("IncompleteSignature", e.to_string()))?;
        Ok(sign(request, &params)
            .map_err(|e| fail("SignatureDoesNotMatch", e.to_string()))?
            .signature()
            .to_string())
    };
    let matches = if p.expires.is_some() {
        // Presigned URLs of non-S3 services are signed with either payload hash: S3-style
        // `UNSIGNED-PAYLOAD` (aws-sigv4, the JS SDK) or the SHA-256 of the (empty) body
        // (botocore's generate_presigned_url). AWS accepts both.
        expected(SignableBody::UnsignedPayload)? == p.signature
            || expected(SignableBody::Bytes(body))? == p.signature
    } else {
        expected(SignableBody::Bytes(body))? == p.signature
    };
    if matches {
        Ok(())
    } else {
        Err(fail(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_parse() {
        let t = parse_amz_date("20260101T000001Z").expect("date");
        assert_eq!(
            t.duration_since(UNIX_EPOCH).expect("after epoch").as_secs(),
            1_767_225_601
        );
        assert!(parse_amz_date("2026-01-01").is_none());
    }
}
