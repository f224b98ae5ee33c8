//! The STS engine: issues temporary credentials and remembers, for each access key it issued
//! (`ASIA...`), the account and principal (assumed role or caller) it stands for, so that a
//! request signed with it acts in that account.
//!
//! AssumeRole does not require the role to exist in IAM (cross-account test setups rarely
//! create it; nothing is enforced): an existing role gives its RoleId and MaxSessionDuration,
//! an unknown one a RoleId derived from its ARN.

use std::sync::{Arc, OnceLock};

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

use crate::clock::{Clock, Millis};
use crate::context::{Principal, RequestContext};
use crate::iam::IamEngine;
use crate::store::{Durable, Journal, Record, ServiceState};

/// Record kind of an issued credential (key: its access key id).
pub const CREDENTIAL: &str = "sts.credential";

/// A set of temporary credentials fogbank issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issued {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_ms: Millis,
    pub account: String,
    pub principal: Principal,
}

/// An STS error: code, message, HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    pub code: &'static str,
    pub message: String,
    pub status: u16,
}

impl StsError {
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        StsError {
            code,
            message: message.into(),
            status,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationError", 400, message)
    }

    fn constraint(member: &str, value: &str, rule: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {rule}"
        ))
    }
}

pub type StsResult<T> = Result<T, StsError>;

/// `AssumeRoleRequest` (the members fogbank uses; tags and transitive keys are accepted and
/// ignored).
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: Option<i64>,
    pub policy: Option<String>,
    pub source_identity: Option<String>,
}

/// `AssumeRoleWithWebIdentityRequest`.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleWithWebIdentityRequest {
    pub role_arn: String,
    pub role_session_name: String,
    pub web_identity_token: String,
    pub provider_id: Option<String>,
    pub duration_seconds: Option<i64>,
    pub policy: Option<String>,
}

/// `AssumeRoleResponse` (and the common part of the web identity one).
#[derive(Debug, Clone, PartialEq)]
pub struct AssumeRoleResponse {
    pub credentials: Issued,
    /// `AssumedRoleUser.AssumedRoleId` (`AROA...:<session>`) and `.Arn`.
    pub assumed_role_id: String,
    pub assumed_role_arn: String,
    pub packed_policy_size: Option<i64>,
    pub source_identity: Option<String>,
}

/// `AssumeRoleWithWebIdentityResponse`'s extra members.
#[derive(Debug, Clone, PartialEq)]
pub struct WebIdentity {
    pub subject: String,
    pub provider: String,
    pub audience: String,
}

/// `GetCallerIdentityResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct GetCallerIdentityResponse {
    pub user_id: String,
    pub account: String,
    pub arn: String,
}

/// The STS engine.
pub struct StsEngine {
    clock: Arc<dyn Clock>,
    iam: Arc<IamEngine>,
    issued: DashMap<String, Arc<Issued>>,
    journal: OnceLock<Journal>,
}

impl std::fmt::Debug for StsEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsEngine").finish_non_exhaustive()
    }
}

/// `len` characters drawn from `alphabet` (random).
pub(crate) fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() < len {
                out.push(alphabet[(*b as usize) % alphabet.len()] as char);
            }
        }
    }
    out
}

pub(crate) const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub(crate) const SECRET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A role id for a role IAM does not know, stable for its ARN.
fn derived_role_id(arn: &str) -> String {
    let digest = <sha2::Sha256 as sha2::Digest>::digest(arn.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| UPPER_ALNUM[(*b as usize) % UPPER_ALNUM.len()] as char)
        .collect();
    format!("AROA{tail}")
}

fn check_session_name(name: &str) -> StsResult<()> {
    let n = name.chars().count();
    if n < 2 {
        return Err(StsError::constraint(
            "roleSessionName",
            name,
            "have length greater than or equal to 2",
        ));
    }
    if n > 64 {
        return Err(StsError::constraint(
            "roleSessionName",
            name,
            "have length less than or equal to 64",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(StsError::constraint(
            "roleSessionName",
            name,
            "satisfy regular expression pattern: [\\w+=,.@-]*",
        ));
    }
    Ok(())
}

fn check_duration(v: Option<i64>, default: i64, max: i64) -> StsResult<i64> {
    match v {
        None => Ok(default),
        Some(n) if n < 900 => Err(StsError::constraint(
            "durationSeconds",
            &n.to_string(),
            "have value greater than or equal to 900",
        )),
        Some(n) if n > max => Err(StsError::constraint(
            "durationSeconds",
            &n.to_string(),
            &format!("have value less than or equal to {max}"),
        )),
        Some(n) => Ok(n),
    }
}

fn check_policy(policy: Option<&str>) -> StsResult<Option<i64>> {
    let Some(p) = policy else { return Ok(None) };
    if serde_json::from_str::<serde_json::Value>(p).map_or(true, |v| !v.is_object()) {
        return Err(StsError::new(
            "MalformedPolicyDocument",
            400,
            "The policy is not in the valid JSON format.",
        ));
    }
    // A share of the packed size quota, as AWS reports it (percent).
    Ok(Some(
        ((crate::iam::policy_doc::size(p) * 100) / 2048).min(100) as i64,
    ))
}

/// `(account, role name)` of `arn:aws:iam::<account>:role/<path><name>`.
fn parse_role_arn(arn: &str) -> StsResult<(&str, &str)> {
    if arn.chars().count() < 20 {
        return Err(StsError::constraint(
            "roleArn",
            arn,
            "have length greater than or equal to 20",
        ));
    }
    let invalid = || StsError::validation(format!("{arn} is invalid"));
    let (account, rest) = crate::iam::engine::split_arn_any(arn).ok_or_else(invalid)?;
    let rest = rest.strip_prefix("role/").ok_or_else(invalid)?;
    let name = rest
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .ok_or_else(invalid)?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    Ok((account, name))
}

/// The claims of a JWT's payload (not verified: fogbank trusts every identity provider).
fn jwt_claims(token: &str) -> Option<serde_json::Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl StsEngine {
    pub fn new(clock: Arc<dyn Clock>, iam: Arc<IamEngine>) -> Arc<Self> {
        Arc::new(StsEngine {
            clock,
            iam,
            issued: DashMap::new(),
            journal: OnceLock::new(),
        })
    }

    /// The account and principal an issued access key stands for.
    pub fn lookup(&self, access_key: &str) -> Option<Arc<Issued>> {
        self.issued.get(access_key).map(|e| e.value().clone())
    }

    /// Forget every issued credential.
    pub fn reset(&self) {
        if let Some(j) = self.journal.get() {
            j.clear_service("sts");
        }
        self.issued.clear();
    }

    fn issue(&self, account: &str, principal: Principal, seconds: i64) -> Issued {
        let now = self.clock.now_millis();
        // Credentials expired for a day are forgotten.
        let stale: Vec<String> = self
            .issued
            .iter()
            .filter(|e| e.expires_ms + 86_400_000 < now)
            .map(|e| e.key().clone())
            .collect();
        for k in stale {
            self.issued.remove(&k);
            if let Some(j) = self.journal.get() {
                j.delete(CREDENTIAL, &k);
            }
        }
        let issued = Issued {
            access_key_id: format!("ASIA{}", random_string(16, UPPER_ALNUM)),
            secret_access_key: random_string(40, SECRET),
            session_token: format!("FQoGZXIvYXdzE{}", random_string(344, SECRET)),
            expires_ms: now + (seconds as u64) * 1000,
            account: account.to_string(),
            principal,
        };
        if let Some(j) = self.journal.get() {
            j.put(CREDENTIAL, &issued.access_key_id, &issued);
        }
        self.issued
            .insert(issued.access_key_id.clone(), Arc::new(issued.clone()));
        issued
    }

    fn assume(
        &self,
        role_arn: &str,
        session: &str,
        duration: Option<i64>,
        policy: Option<&str>,
    ) -> StsResult<AssumeRoleResponse> {
        let (account, name) = parse_role_arn(role_arn)?;
        check_session_name(session)?;
        let seconds = check_duration(duration, 3600, 43200)?;
        let packed = check_policy(policy)?;
        let role = self.iam.role_by_arn(role_arn);
        if let Some(r) = &role
            && seconds > i64::from(r.max_session_duration)
        {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let role_id = role
            .map(|r| r.id)
            .unwrap_or_else(|| derived_role_id(role_arn));
        let principal = Principal {
            arn: format!("arn:aws:sts::{account}:assumed-role/{name}/{session}"),
            user_id: format!("{role_id}:{session}"),
        };
        let credentials = self.issue(account, principal.clone(), seconds);
        Ok(AssumeRoleResponse {
            credentials,
            assumed_role_id: principal.user_id,
            assumed_role_arn: principal.arn,
            packed_policy_size: packed,
            source_identity: None,
        })
    }

    /// AssumeRole by `ctx`'s caller; a session assuming a role (role chaining) is held to one
    /// hour, as on AWS.
    pub fn assume_role(
        &self,
        ctx: &RequestContext,
        req: AssumeRoleRequest,
    ) -> StsResult<AssumeRoleResponse> {
        let chained = ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.arn.contains(":assumed-role/"));
        if chained && req.duration_seconds.is_some_and(|d| d > 3600) {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ));
        }
        let mut out = self.assume(
            &req.role_arn,
            &req.role_session_name,
            req.duration_seconds,
            req.policy.as_deref(),
        )?;
        out.source_identity = req.source_identity;
        Ok(out)
    }

    pub fn assume_role_with_web_identity(
        &self,
        req: AssumeRoleWithWebIdentityRequest,
    ) -> StsResult<(AssumeRoleResponse, WebIdentity)> {
        let n = req.web_identity_token.chars().count();
        if !(4..=20000).contains(&n) {
            return Err(StsError::constraint(
                "webIdentityToken",
                "***",
                "have length greater than or equal to 4",
            ));
        }
        let out = self.assume(
            &req.role_arn,
            &req.role_session_name,
            req.duration_seconds,
            req.policy.as_deref(),
        )?;
        let claims = jwt_claims(&req.web_identity_token);
        let claim = |k: &str| {
            claims.as_ref().and_then(|c| match &c[k] {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(a) => a.first().and_then(|v| v.as_str()).map(String::from),
                _ => None,
            })
        };
        let provider = req
            .provider_id
            .or_else(|| claim("iss"))
            .map(|p| p.trim_start_matches("https://").to_string())
            .unwrap_or_else(|| "localhost".to_string());
        let web = WebIdentity {
            subject: claim("sub").unwrap_or_else(|| req.role_session_name.clone()),
            audience: claim("aud")
                .or_else(|| claim("client_id"))
                .unwrap_or_else(|| "sts.amazonaws.com".to_string()),
            provider,
        };
        Ok((out, web))
    }

    /// Credentials for the caller itself (root or a user; not for session credentials).
    pub fn get_session_token(
        &self,
        ctx: &RequestContext,
        duration: Option<i64>,
    ) -> StsResult<Issued> {
        if ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.arn.starts_with("arn:aws:sts::"))
        {
            return Err(StsError::new(
                "AccessDenied",
                403,
                "Cannot call GetSessionToken with session credentials",
            ));
        }
        let seconds = check_duration(duration, 43200, 129600)?;
        let me = self.caller(ctx);
        let principal = Principal {
            arn: me.arn,
            user_id: me.user_id,
        };
        Ok(self.issue(&ctx.account, principal, seconds))
    }

    /// Credentials for a federated user of the caller's account (GetFederationToken; not for
    /// session credentials).
    pub fn get_federation_token(
        &self,
        ctx: &RequestContext,
        name: &str,
        duration: Option<i64>,
        policy: Option<&str>,
    ) -> StsResult<(Issued, i64)> {
        if ctx
            .principal
            .as_ref()
            .is_some_and(|p| p.arn.starts_with("arn:aws:sts::"))
        {
            return Err(StsError::new(
                "AccessDenied",
                403,
                "Cannot call GetFederationToken with session credentials",
            ));
        }
        let n = name.chars().count();
        if !(2..=32).contains(&n) {
            return Err(StsError::constraint(
                "name",
                name,
                if n < 2 {
                    "have length greater than or equal to 2"
                } else {
                    "have length less than or equal to 32"
                },
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        {
            return Err(StsError::constraint(
                "name",
                name,
                "satisfy regular expression pattern: [\\w+=,.@-]*",
            ));
        }
        let seconds = check_duration(duration, 43200, 129600)?;
        let packed = check_policy(policy)?.unwrap_or(0);
        let account = &ctx.account;
        let principal = Principal {
            arn: format!("arn:aws:sts::{account}:federated-user/{name}"),
            user_id: format!("{account}:{name}"),
        };
        Ok((self.issue(account, principal, seconds), packed))
    }

    /// Who is calling: an assumed role's session or an IAM user, else the account's root.
    pub fn caller(&self, ctx: &RequestContext) -> GetCallerIdentityResponse {
        match &ctx.principal {
            Some(p) => GetCallerIdentityResponse {
                user_id: p.user_id.clone(),
                account: ctx.account.clone(),
                arn: p.arn.clone(),
            },
            None => GetCallerIdentityResponse {
                user_id: ctx.account.clone(),
                account: ctx.account.clone(),
                arn: format!("arn:aws:iam::{}:root", ctx.account),
            },
        }
    }

    /// The account an access key belongs to (GetAccessKeyInfo).
    pub fn access_key_account(&self, key: &str, default: &str) -> String {
        if let Some(i) = self.lookup(key) {
            return i.account.clone();
        }
        if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
            return key.to_string();
        }
        default.to_string()
    }
}

fn decode_all(state: &ServiceState) -> Result<Vec<Issued>, String> {
    state
        .records
        .iter()
        .map(|r| {
            if r.kind != CREDENTIAL {
                return Err(format!("unknown record kind {:?}", r.kind));
            }
            let i: Issued = r.decode()?;
            if i.access_key_id != r.key {
                return Err(format!("{} {}: key does not match", r.kind, r.key));
            }
            Ok(i)
        })
        .collect()
}

impl Durable for StsEngine {
    fn service(&self) -> &'static str {
        "sts"
    }

    fn export(&self) -> ServiceState {
        let mut all: Vec<Arc<Issued>> = self.issued.iter().map(|e| e.value().clone()).collect();
        all.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
        let records = all
            .iter()
            .filter_map(|i| Record::new(CREDENTIAL, &i.access_key_id, i.as_ref()).ok())
            .collect();
        ServiceState {
            records,
            blobs: Default::default(),
        }
    }

    fn check(&self, state: &ServiceState) -> Result<(), String> {
        decode_all(state).map(|_| ())
    }

    fn restore(&self, state: ServiceState) -> Result<(), String> {
        let all = decode_all(&state)?;
        self.issued.clear();
        for i in all {
            self.issued.insert(i.access_key_id.clone(), Arc::new(i));
        }
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        if self.journal.set(journal).is_err() {
            tracing::warn!("sts: a journal is already attached; keeping the first");
        }
    }
}
