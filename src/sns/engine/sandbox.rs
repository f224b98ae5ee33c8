//! The SMS sandbox every account starts in (per account and region, as in AWS): destination
//! numbers are added as `Pending`, a one-time password is "sent" to them (recorded as an SMS,
//! readable at `/_aws/sns/sms-messages`), and VerifySMSSandboxPhoneNumber with that password
//! makes them `Verified`. fogbank has no origination numbers: ListOriginationNumbers is empty.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dashmap::DashMap;
use serde_json::{Map, Value, json};

use super::{SnsEngine, require};
use crate::context::RequestContext;
use crate::sns::error::{SnsError, SnsErrorCode, SnsResult};
use crate::sns::model::SandboxInput;
use crate::sns::records::{self, Kind, Record};
use crate::sns::state::{self, SandboxNumberRecord};

/// The languages CreateSMSSandboxPhoneNumber may send the password in (the model's enum).
const LANGUAGES: &[&str] = &[
    "en-US", "en-GB", "es-419", "es-ES", "de-DE", "fr-CA", "fr-FR", "it-IT", "ja-JP", "pt-BR",
    "kr-KR", "zh-CN", "zh-TW",
];

/// The most destination numbers an account may have in the sandbox of one region.
pub const MAX_NUMBERS: usize = 10;

/// What VerificationException carries in its `Status` member.
pub const VERIFICATION_FAILED_STATUS: &str = "Failed";

#[derive(Debug, Clone)]
struct Destination {
    verified: bool,
    otp: String,
}

/// Sandbox destination numbers by `account/region`, then by phone number.
#[derive(Default)]
pub struct Sandbox {
    numbers: DashMap<String, BTreeMap<String, Destination>>,
}

impl Sandbox {
    pub fn clear(&self) {
        self.numbers.clear();
    }

    /// Every destination number as a record, in key order.
    pub(super) fn export(&self) -> Vec<SandboxNumberRecord> {
        let mut out = Vec::new();
        for scope in self.numbers.iter() {
            let (account, region) = scope.key().split_once('/').unwrap_or((scope.key(), ""));
            for (phone, d) in scope.value() {
                out.push(number_record(account, region, phone, d));
            }
        }
        out.sort_by(|a, b| {
            (&a.account, &a.region, &a.phone_number).cmp(&(&b.account, &b.region, &b.phone_number))
        });
        out
    }

    /// Replace everything with the given (checked) records.
    pub(super) fn restore(&self, numbers: Vec<SandboxNumberRecord>) {
        self.clear();
        for n in numbers {
            self.numbers
                .entry(state::scope_key(&n.account, &n.region))
                .or_default()
                .insert(
                    n.phone_number,
                    Destination {
                        verified: n.verified,
                        otp: n.otp,
                    },
                );
        }
    }
}

fn number_record(account: &str, region: &str, phone: &str, d: &Destination) -> SandboxNumberRecord {
    SandboxNumberRecord {
        account: account.to_string(),
        region: region.to_string(),
        phone_number: phone.to_string(),
        verified: d.verified,
        otp: d.otp.clone(),
    }
}

/// One destination number in a ListSMSSandboxPhoneNumbers answer.
#[derive(Debug, Clone)]
pub struct SandboxNumber {
    pub phone_number: String,
    pub status: &'static str,
}

fn scope(ctx: &RequestContext) -> String {
    format!("{}/{}", ctx.account, ctx.region)
}

/// A destination number in E.164 (`+`, 8 to 15 digits, no leading zero): the model allows
/// `+` and 8 or more digits, E.164 at most 15.
fn phone_number(v: Option<String>) -> SnsResult<String> {
    let p = require(v, "PhoneNumber")?;
    let digits = p.strip_prefix('+').map_or(0, str::len);
    if !records::valid_phone_number(&p, true) || digits < 8 {
        return Err(SnsError::invalid(format!(
            "PhoneNumber Reason: {} is not a valid E.164 phone number",
            printable(&p)
        )));
    }
    Ok(p)
}

/// A value safe to echo in a message (no control characters, at most 64 characters).
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// A six-digit one-time password.
fn new_otp() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 1_000_000;
    format!("{n:06}")
}

fn max_results(v: Option<i64>, max: i64) -> Option<usize> {
    match v {
        None => Some(usize::try_from(max).unwrap_or(1)),
        Some(n) if (1..=max).contains(&n) => usize::try_from(n).ok(),
        Some(_) => None,
    }
}

impl SnsEngine {
    /// Every account is in the sandbox.
    pub fn get_sms_sandbox_account_status(&self, _ctx: &RequestContext) -> bool {
        true
    }

    /// Add (or re-send the password to) a destination number, and "text" it the password.
    pub fn create_sms_sandbox_phone_number(
        &self,
        ctx: &RequestContext,
        input: SandboxInput,
    ) -> SnsResult<()> {
        let phone = phone_number(input.phone_number)?;
        let language = input.language_code.unwrap_or_else(|| "en-US".to_string());
        if !LANGUAGES.contains(&language.as_str()) {
            return Err(SnsError::invalid(format!(
                "LanguageCode Reason: {} is not one of {}",
                printable(&language),
                LANGUAGES.join(", ")
            )));
        }
        let otp = {
            let mut numbers = self.sandbox.numbers.entry(scope(ctx)).or_default();
            let otp = match numbers.get_mut(&phone) {
                // Already verified: nothing to send.
                Some(d) if d.verified => return Ok(()),
                // Pending: a new password replaces the old one.
                Some(d) => {
                    d.otp = new_otp();
                    d.otp.clone()
                }
                None => {
                    if numbers.len() >= MAX_NUMBERS {
                        return Err(SnsError::new(
                            SnsErrorCode::UserError,
                            format!(
                                "You can have at most {MAX_NUMBERS} destination phone numbers in the SMS sandbox."
                            ),
                        ));
                    }
                    let otp = new_otp();
                    numbers.insert(
                        phone.clone(),
                        Destination {
                            verified: false,
                            otp: otp.clone(),
                        },
                    );
                    otp
                }
            };
            // Journaled while the account's numbers are held: in order with their changes.
            if let (Some(j), Some(d)) = (self.journal(), numbers.get(&phone)) {
                j.put(
                    state::SANDBOX_NUMBER,
                    &state::sandbox_key(&ctx.account, &ctx.region, &phone),
                    &number_record(&ctx.account, &ctx.region, &phone, d),
                );
            }
            otp
        };
        let mut f = Map::new();
        f.insert("PhoneNumber".into(), json!(phone));
        f.insert("TopicArn".into(), Value::Null);
        f.insert("SubscriptionArn".into(), Value::Null);
        f.insert(
            "MessageId".into(),
            json!(uuid::Uuid::new_v4().hyphenated().to_string()),
        );
        f.insert(
            "Message".into(),
            json!(format!(
                "Your Amazon SNS SMS sandbox verification code is {otp}."
            )),
        );
        f.insert("MessageAttributes".into(), json!({}));
        f.insert("MessageStructure".into(), Value::Null);
        f.insert("Subject".into(), Value::Null);
        f.insert("OneTimePassword".into(), json!(otp));
        f.insert("LanguageCode".into(), json!(language));
        self.outbox.record(
            Kind::Sms,
            Record {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                key: phone,
                fields: f,
            },
        );
        Ok(())
    }

    pub fn verify_sms_sandbox_phone_number(
        &self,
        ctx: &RequestContext,
        input: SandboxInput,
    ) -> SnsResult<()> {
        let phone = phone_number(input.phone_number)?;
        let otp = require(input.one_time_password, "OneTimePassword")?;
        if !(5..=8).contains(&otp.len()) || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SnsError::invalid(
                "OneTimePassword Reason: must be 5 to 8 digits",
            ));
        }
        let mut numbers = self
            .sandbox
            .numbers
            .get_mut(&scope(ctx))
            .ok_or_else(not_found)?;
        let d = numbers.get_mut(&phone).ok_or_else(not_found)?;
        if d.otp != otp {
            return Err(SnsError::new(
                SnsErrorCode::VerificationException,
                "Invalid one-time password. Check the password sent to the phone number and try again.",
            ));
        }
        d.verified = true;
        if let Some(j) = self.journal() {
            j.put(
                state::SANDBOX_NUMBER,
                &state::sandbox_key(&ctx.account, &ctx.region, &phone),
                &number_record(&ctx.account, &ctx.region, &phone, d),
            );
        }
        Ok(())
    }

    pub fn delete_sms_sandbox_phone_number(
        &self,
        ctx: &RequestContext,
        input: SandboxInput,
    ) -> SnsResult<()> {
        let phone = phone_number(input.phone_number)?;
        let removed = self.sandbox.numbers.get_mut(&scope(ctx)).and_then(|mut n| {
            let removed = n.remove(&phone);
            if removed.is_some()
                && let Some(j) = self.journal()
            {
                j.delete(
                    state::SANDBOX_NUMBER,
                    &state::sandbox_key(&ctx.account, &ctx.region, &phone),
                );
            }
            removed
        });
        removed.map(|_| ()).ok_or_else(not_found)
    }

    /// A page of destination numbers in phone-number order; the token names the last one sent.
    pub fn list_sms_sandbox_phone_numbers(
        &self,
        ctx: &RequestContext,
        input: SandboxInput,
    ) -> SnsResult<(Vec<SandboxNumber>, Option<String>)> {
        let limit = max_results(input.max_results, 100)
            .ok_or_else(|| SnsError::invalid("MaxResults Reason: must be between 1 and 100"))?;
        let after = match input.next_token.filter(|t| !t.is_empty()) {
            Some(t) => Some(
                URL_SAFE_NO_PAD
                    .decode(t.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| SnsError::invalid("NextToken"))?,
            ),
            None => None,
        };
        let all: Vec<SandboxNumber> = self
            .sandbox
            .numbers
            .get(&scope(ctx))
            .map(|n| {
                n.iter()
                    .filter(|(p, _)| after.as_deref().is_none_or(|a| p.as_str() > a))
                    .map(|(p, d)| SandboxNumber {
                        phone_number: p.clone(),
                        status: if d.verified { "Verified" } else { "Pending" },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let more = all.len() > limit;
        let page: Vec<SandboxNumber> = all.into_iter().take(limit).collect();
        let next = more
            .then(|| {
                page.last()
                    .map(|n| URL_SAFE_NO_PAD.encode(n.phone_number.as_bytes()))
            })
            .flatten();
        Ok((page, next))
    }

    /// fogbank has no dedicated origination numbers: always an empty list (after checking
    /// MaxResults, 1 to 30, and that no token is passed that fogbank never issued).
    pub fn list_origination_numbers(
        &self,
        _ctx: &RequestContext,
        input: SandboxInput,
    ) -> SnsResult<()> {
        if max_results(input.max_results, 30).is_none() {
            return Err(SnsError::new(
                SnsErrorCode::ValidationException,
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 30",
            ));
        }
        if input.next_token.is_some_and(|t| !t.is_empty()) {
            return Err(SnsError::invalid("NextToken"));
        }
        Ok(())
    }
}

fn not_found() -> SnsError {
    SnsError::new(
        SnsErrorCode::ResourceNotFound,
        "The phone number is not in the SMS sandbox of this account.",
    )
}
