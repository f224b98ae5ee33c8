//! Mobile push: platform applications and their endpoints (stored; a publish to an endpoint is
//! recorded in the outbox, readable at `/_aws/sns/platform-endpoint-messages`).

use std::collections::BTreeMap;

use dashmap::DashMap;

use super::SnsEngine;
use crate::context::RequestContext;
use crate::sns::error::{SnsError, SnsErrorCode, SnsResult};
use crate::sns::state::{self, PlatformApplicationRecord, PlatformEndpointRecord};

const PLATFORMS: &[&str] = &[
    "ADM",
    "APNS",
    "APNS_SANDBOX",
    "APNS_VOIP",
    "APNS_VOIP_SANDBOX",
    "MACOS",
    "MACOS_SANDBOX",
    "BAIDU",
    "GCM",
    "MPNS",
    "WNS",
];

/// Attributes AWS never returns (they are secrets).
const HIDDEN: &[&str] = &["PlatformCredential", "PlatformPrincipal"];

#[derive(Debug, Clone)]
struct App {
    account: String,
    region: String,
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct Endpoint {
    app: String,
    attributes: BTreeMap<String, String>,
}

/// The stored applications and endpoints.
#[derive(Default)]
pub struct Platforms {
    apps: DashMap<String, App>,
    endpoints: DashMap<String, Endpoint>,
}

impl Platforms {
    pub fn clear(&self) {
        self.apps.clear();
        self.endpoints.clear();
    }

    /// The applications and endpoints as records, each kind in ARN order.
    pub(super) fn export(&self) -> (Vec<PlatformApplicationRecord>, Vec<PlatformEndpointRecord>) {
        let mut apps: Vec<_> = self
            .apps
            .iter()
            .map(|a| app_record(a.key(), a.value()))
            .collect();
        apps.sort_by(|a, b| a.arn.cmp(&b.arn));
        let mut endpoints: Vec<_> = self
            .endpoints
            .iter()
            .map(|e| endpoint_record(e.key(), e.value()))
            .collect();
        endpoints.sort_by(|a, b| a.arn.cmp(&b.arn));
        (apps, endpoints)
    }

    /// Replace everything with the given (checked) records.
    pub(super) fn restore(
        &self,
        apps: Vec<PlatformApplicationRecord>,
        endpoints: Vec<PlatformEndpointRecord>,
    ) {
        self.clear();
        for a in apps {
            self.apps.insert(
                a.arn,
                App {
                    account: a.account,
                    region: a.region,
                    attributes: a.attributes,
                },
            );
        }
        for e in endpoints {
            self.endpoints.insert(
                e.arn,
                Endpoint {
                    app: e.application,
                    attributes: e.attributes,
                },
            );
        }
    }
}

fn app_record(arn: &str, a: &App) -> PlatformApplicationRecord {
    PlatformApplicationRecord {
        arn: arn.to_string(),
        account: a.account.clone(),
        region: a.region.clone(),
        attributes: a.attributes.clone(),
    }
}

fn endpoint_record(arn: &str, e: &Endpoint) -> PlatformEndpointRecord {
    PlatformEndpointRecord {
        arn: arn.to_string(),
        application: e.app.clone(),
        attributes: e.attributes.clone(),
    }
}

/// The attributes of an endpoint.
const ENDPOINT_ATTRIBUTES: &[&str] = &["CustomUserData", "Enabled", "Token"];

/// A request without attributes where the model requires them (AWS's ValidationError).
fn attributes_required(attributes: &BTreeMap<String, String>) -> SnsResult<()> {
    if attributes.is_empty() {
        return Err(SnsError::new(
            SnsErrorCode::ValidationError,
            "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null",
        ));
    }
    Ok(())
}

/// An application's name: 1 to 256 letters, digits, `_`, `-` and `.` (AWS names the value,
/// not the parameter, in its answer).
fn check_app_name(name: &str) -> SnsResult<()> {
    let reason = if name.is_empty() {
        "cannot be empty"
    } else if name.len() > 256 {
        "must be at most 256 characters long"
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        "must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"
    } else {
        return Ok(());
    };
    Err(SnsError::invalid(format!("{name} Reason: {reason}")))
}

/// An application's attributes: credentials in pairs (except GCM's API key alone) and a
/// success sample rate from 0 to 100 (AWS's answers, e.g. `Invalid parameter: Attributes
/// Reason: Invalid value for attribute: SuccessFeedbackSampleRate: 101 value provided is not an
/// integer between 0-100`).
fn check_app_attributes(
    platform: Option<&str>,
    attributes: &BTreeMap<String, String>,
) -> SnsResult<()> {
    if let Some(rate) = attributes.get("SuccessFeedbackSampleRate")
        && !rate.parse::<u8>().is_ok_and(|n| n <= 100)
    {
        return Err(SnsError::invalid(format!(
            "Attributes Reason: Invalid value for attribute: SuccessFeedbackSampleRate: {rate} value provided is not an integer between 0-100"
        )));
    }
    let Some(platform) = platform else {
        return Ok(());
    };
    let credential = attributes.contains_key("PlatformCredential");
    let principal = attributes.contains_key("PlatformPrincipal");
    if principal && !credential {
        return Err(SnsError::invalid(
            "Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential",
        ));
    }
    if credential && !principal && platform != "GCM" {
        return Err(SnsError::invalid(
            "Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal",
        ));
    }
    Ok(())
}

/// An endpoint's attributes: known names, a non-empty Token, CustomUserData of at most 2048
/// bytes.
fn check_endpoint_attributes(attributes: &BTreeMap<String, String>) -> SnsResult<()> {
    for (k, v) in attributes {
        if !ENDPOINT_ATTRIBUTES.contains(&k.as_str()) {
            return Err(SnsError::invalid(format!(
                "Attributes Reason: Invalid attribute name: {k}"
            )));
        }
        if k == "Token" && v.is_empty() {
            return Err(SnsError::invalid(
                "Attributes Reason: Invalid value for attribute: Token: cannot be empty",
            ));
        }
        if k == "CustomUserData" && v.len() > 2048 {
            return Err(SnsError::invalid(
                "Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding",
            ));
        }
    }
    Ok(())
}

/// The shape of an application or endpoint ARN parameter: at least six `:`-separated
/// elements, then `app/<platform>/<name>` (`slashes` 2) or `endpoint/<platform>/<app>/<id>`
/// (`slashes` 3), an endpoint id being a 36-character UUID.
fn check_platform_arn(arn: &str, param: &str, slashes: usize) -> SnsResult<()> {
    super::check_arn_shape(arn, param)?;
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
    if resource.matches('/').count() != slashes {
        return Err(SnsError::invalid(format!(
            "{param} Reason: Wrong number of slashes in relative portion of the ARN."
        )));
    }
    if slashes == 3 && resource.rsplit('/').next().map_or(0, str::len) != 36 {
        return Err(SnsError::invalid(format!(
            "{param} Reason: ARN specifies an invalid endpointId: UUID must be encoded in exactly 36 characters."
        )));
    }
    Ok(())
}

/// An endpoint ARN parameter: required, then checked for shape.
fn endpoint_arn(arn: Option<String>) -> SnsResult<String> {
    let arn = required(arn, "EndpointArn")?;
    check_platform_arn(&arn, "EndpointArn", 3)?;
    Ok(arn)
}

fn required(v: Option<String>, name: &str) -> SnsResult<String> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| SnsError::invalid(format!("{name} Reason: cannot be empty")))
}

fn page<T: Clone>(
    items: &[(String, T)],
    token: Option<&str>,
) -> (Vec<(String, T)>, Option<String>) {
    const PAGE: usize = 100;
    let start = token
        .and_then(|t| items.iter().position(|(k, _)| k.as_str() > t))
        .unwrap_or(if token.is_some() { items.len() } else { 0 });
    let out: Vec<_> = items.iter().skip(start).take(PAGE).cloned().collect();
    let next = (start + PAGE < items.len())
        .then(|| out.last().map(|(k, _)| k.clone()))
        .flatten();
    (out, next)
}

/// One application or endpoint in a list answer.
pub struct Listed {
    pub arn: String,
    pub attributes: BTreeMap<String, String>,
}

impl SnsEngine {
    pub fn create_platform_application(
        &self,
        ctx: &RequestContext,
        name: Option<String>,
        platform: Option<String>,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<String> {
        let name = name.unwrap_or_default();
        check_app_name(&name)?;
        let platform = required(platform, "Platform")?;
        if !PLATFORMS.contains(&platform.as_str()) {
            return Err(SnsError::invalid(format!(
                "Platform Reason: {platform} is not supported"
            )));
        }
        attributes_required(&attributes)?;
        check_app_attributes(Some(platform.as_str()), &attributes)?;
        let arn = format!(
            "arn:aws:sns:{}:{}:app/{platform}/{name}",
            ctx.region, ctx.account
        );
        let mut attributes = attributes;
        attributes
            .entry("Enabled".into())
            .or_insert_with(|| "true".into());
        // The same name with the same attributes is the same application; other attributes
        // are refused (AWS: `Invalid parameter: Name Reason: An application with the same name
        // but different properties already exists`).
        let app = match self.platform.apps.entry(arn.clone()) {
            dashmap::mapref::entry::Entry::Occupied(e) => {
                if e.get().attributes != attributes {
                    return Err(SnsError::invalid(
                        "Name Reason: An application with the same name but different properties already exists",
                    ));
                }
                return Ok(arn);
            }
            dashmap::mapref::entry::Entry::Vacant(e) => e.insert(App {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                attributes,
            }),
        };
        // Journaled while the entry is held: in order with the application's other changes.
        if let Some(j) = self.journal() {
            j.put(state::PLATFORM_APPLICATION, &arn, &app_record(&arn, &app));
        }
        drop(app);
        Ok(arn)
    }

    fn app_arn(&self, arn: Option<String>) -> SnsResult<String> {
        let arn = required(arn, "PlatformApplicationArn")?;
        check_platform_arn(&arn, "PlatformApplicationArn", 2)?;
        if self.platform.apps.contains_key(&arn) {
            Ok(arn)
        } else {
            Err(SnsError::not_found("PlatformApplication"))
        }
    }

    pub fn get_platform_application_attributes(
        &self,
        arn: Option<String>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let arn = self.app_arn(arn)?;
        Ok(self
            .platform
            .apps
            .get(&arn)
            .map(|a| {
                a.attributes
                    .iter()
                    .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    pub fn set_platform_application_attributes(
        &self,
        arn: Option<String>,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<()> {
        let arn = self.app_arn(arn)?;
        attributes_required(&attributes)?;
        check_app_attributes(None, &attributes)?;
        if let Some(mut a) = self.platform.apps.get_mut(&arn) {
            a.attributes.extend(attributes);
            if let Some(j) = self.journal() {
                j.put(state::PLATFORM_APPLICATION, &arn, &app_record(&arn, &a));
            }
        }
        Ok(())
    }

    pub fn list_platform_applications(
        &self,
        ctx: &RequestContext,
        token: Option<&str>,
    ) -> (Vec<Listed>, Option<String>) {
        let mut all: Vec<(String, BTreeMap<String, String>)> = self
            .platform
            .apps
            .iter()
            .filter(|a| a.account == ctx.account && a.region == ctx.region)
            .map(|a| {
                let visible = a
                    .attributes
                    .iter()
                    .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (a.key().clone(), visible)
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let (items, next) = page(&all, token);
        let listed = items
            .into_iter()
            .map(|(arn, attributes)| Listed { arn, attributes })
            .collect();
        (listed, next)
    }

    pub fn delete_platform_application(&self, arn: Option<String>) -> SnsResult<()> {
        let arn = required(arn, "PlatformApplicationArn")?;
        check_platform_arn(&arn, "PlatformApplicationArn", 2)?;
        let journal = self.journal();
        self.platform.apps.remove_if(&arn, |_, _| {
            if let Some(j) = journal {
                j.delete(state::PLATFORM_APPLICATION, &arn);
            }
            true
        });
        self.platform.endpoints.retain(|endpoint, e| {
            let keep = e.app != arn;
            if !keep && let Some(j) = journal {
                j.delete(state::PLATFORM_ENDPOINT, endpoint);
            }
            keep
        });
        Ok(())
    }

    pub fn create_platform_endpoint(
        &self,
        app: Option<String>,
        token: Option<String>,
        custom_user_data: Option<String>,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<String> {
        let app = self.app_arn(app)?;
        let token = required(token, "Token")?;
        check_endpoint_attributes(&attributes)?;
        let mut attributes = attributes;
        attributes.insert("Token".into(), token.clone());
        attributes
            .entry("Enabled".into())
            .or_insert_with(|| "true".into());
        if let Some(d) = custom_user_data {
            attributes.insert("CustomUserData".into(), d);
        }
        // The same token on the same application is the same endpoint (idempotent), unless
        // the attributes differ.
        let existing = self
            .platform
            .endpoints
            .iter()
            .find(|e| e.app == app && e.attributes.get("Token") == Some(&token))
            .map(|e| (e.key().clone(), e.attributes.clone()));
        if let Some((arn, attrs)) = existing {
            if attrs == attributes {
                return Ok(arn);
            }
            return Err(SnsError::invalid(format!(
                "Token Reason: Endpoint {arn} already exists with the same Token, but different attributes."
            )));
        }
        let rest = app.split_once(":app/").map(|(_, r)| r).unwrap_or("");
        let prefix = app.split_once(":app/").map(|(p, _)| p).unwrap_or("");
        let arn = format!(
            "{prefix}:endpoint/{rest}/{}",
            uuid::Uuid::new_v4().hyphenated()
        );
        // The application stays held while the endpoint is added: a concurrent
        // DeletePlatformApplication either comes first (NotFound) or also removes this endpoint.
        let Some(app_entry) = self.platform.apps.get(&app) else {
            return Err(SnsError::not_found("PlatformApplication"));
        };
        let endpoint = Endpoint { app, attributes };
        if let Some(j) = self.journal() {
            j.put(
                state::PLATFORM_ENDPOINT,
                &arn,
                &endpoint_record(&arn, &endpoint),
            );
        }
        self.platform.endpoints.insert(arn.clone(), endpoint);
        drop(app_entry);
        Ok(arn)
    }

    pub fn get_endpoint_attributes(
        &self,
        arn: Option<String>,
    ) -> SnsResult<BTreeMap<String, String>> {
        let arn = endpoint_arn(arn)?;
        self.platform
            .endpoints
            .get(&arn)
            .map(|e| e.attributes.clone())
            .ok_or_else(|| SnsError::not_found("Endpoint"))
    }

    pub fn set_endpoint_attributes(
        &self,
        arn: Option<String>,
        attributes: BTreeMap<String, String>,
    ) -> SnsResult<()> {
        let arn = endpoint_arn(arn)?;
        attributes_required(&attributes)?;
        check_endpoint_attributes(&attributes)?;
        let mut e = self
            .platform
            .endpoints
            .get_mut(&arn)
            .ok_or_else(|| SnsError::not_found("Endpoint"))?;
        e.attributes.extend(attributes);
        if let Some(j) = self.journal() {
            j.put(state::PLATFORM_ENDPOINT, &arn, &endpoint_record(&arn, &e));
        }
        Ok(())
    }

    pub fn delete_endpoint(&self, arn: Option<String>) -> SnsResult<()> {
        let arn = endpoint_arn(arn)?;
        let journal = self.journal();
        self.platform.endpoints.remove_if(&arn, |_, _| {
            if let Some(j) = journal {
                j.delete(state::PLATFORM_ENDPOINT, &arn);
            }
            true
        });
        Ok(())
    }

    pub fn list_endpoints_by_platform_application(
        &self,
        app: Option<String>,
        token: Option<&str>,
    ) -> SnsResult<(Vec<Listed>, Option<String>)> {
        let app = self.app_arn(app)?;
        let mut all: Vec<(String, BTreeMap<String, String>)> = self
            .platform
            .endpoints
            .iter()
            .filter(|e| e.app == app)
            .map(|e| (e.key().clone(), e.attributes.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let (items, next) = page(&all, token);
        Ok((
            items
                .into_iter()
                .map(|(arn, attributes)| Listed { arn, attributes })
                .collect(),
            next,
        ))
    }

    /// Subscribe with the `application` protocol needs the endpoint to exist (AWS answers
    /// InvalidParameter, not NotFound).
    pub(super) fn check_endpoint_exists(&self, arn: &str) -> SnsResult<()> {
        if self.platform.endpoints.contains_key(arn) {
            Ok(())
        } else {
            Err(SnsError::invalid(format!(
                "Endpoint Reason: Endpoint does not exist for endpoint {arn}"
            )))
        }
    }

    /// A publish to an endpoint needs the endpoint to exist and be enabled.
    pub(super) fn check_endpoint_publishable(&self, arn: &str) -> SnsResult<()> {
        let e = self.platform.endpoints.get(arn).ok_or_else(|| {
            SnsError::invalid("TargetArn Reason: No endpoint found for the target arn specified")
        })?;
        if e.attributes.get("Enabled").map(String::as_str) == Some("false") {
            return Err(SnsError::new(
                SnsErrorCode::EndpointDisabled,
                "Endpoint is disabled",
            ));
        }
        Ok(())
    }
}
