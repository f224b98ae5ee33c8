//! SNS over the query protocol: form pairs in (`Attributes.entry.N.key`, `Tags.member.N.Key`,
//! `MessageAttributes.entry.N.Name/Value.*`), XML out (lists in `<member>`, maps in `<entry>`).

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::engine::SnsEngine;
use super::error::{SnsError, SnsErrorCode, SnsResult};
use super::model::*;
use crate::context::RequestContext;
use crate::protocol::Reply;
use crate::protocol::query::{self, QueryError, QueryRules};
use crate::protocol::xml::XmlWriter;

/// The SNS XML namespace.
pub const XMLNS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

const RULES: QueryRules = QueryRules {
    lists: &[
        ("Tags", "Tags"),
        ("TagKeys", "TagKeys"),
        ("PublishBatchRequestEntries", "PublishBatchRequestEntries"),
        ("AWSAccountId", "AWSAccountId"),
        ("ActionName", "ActionName"),
        ("AttributeNames", "AttributeNames"),
    ],
    maps: &[
        ("Attributes", "Attributes", "key", "value"),
        ("MessageAttributes", "MessageAttributes", "Name", "Value"),
        ("attributes", "attributes", "key", "value"),
    ],
    integers: &["MaxResults"],
    booleans: &["ReturnSubscriptionArn"],
};

/// Every SNS action of the current model; those not handled below answer NotImplemented.
pub const ACTIONS: &[&str] = &[
    "AddPermission",
    "CheckIfPhoneNumberIsOptedOut",
    "ConfirmSubscription",
    "CreatePlatformApplication",
    "CreatePlatformEndpoint",
    "CreateSMSSandboxPhoneNumber",
    "CreateTopic",
    "DeleteEndpoint",
    "DeletePlatformApplication",
    "DeleteSMSSandboxPhoneNumber",
    "DeleteTopic",
    "GetDataProtectionPolicy",
    "GetEndpointAttributes",
    "GetPlatformApplicationAttributes",
    "GetSMSAttributes",
    "GetSMSSandboxAccountStatus",
    "GetSubscriptionAttributes",
    "GetTopicAttributes",
    "ListEndpointsByPlatformApplication",
    "ListOriginationNumbers",
    "ListPhoneNumbersOptedOut",
    "ListPlatformApplications",
    "ListSMSSandboxPhoneNumbers",
    "ListSubscriptions",
    "ListSubscriptionsByTopic",
    "ListTagsForResource",
    "ListTopics",
    "OptInPhoneNumber",
    "Publish",
    "PublishBatch",
    "PutDataProtectionPolicy",
    "RemovePermission",
    "SetEndpointAttributes",
    "SetPlatformApplicationAttributes",
    "SetSMSAttributes",
    "SetSubscriptionAttributes",
    "SetTopicAttributes",
    "Subscribe",
    "TagResource",
    "Unsubscribe",
    "UntagResource",
    "VerifySMSSandboxPhoneNumber",
];

/// Drop the `member` and `entry` wrapper segments so that the generic rules apply.
fn normalize(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            let key = k
                .split('.')
                .filter(|s| *s != "member" && *s != "entry")
                .collect::<Vec<_>>()
                .join(".");
            (key, v)
        })
        .collect()
}

fn decode<T: DeserializeOwned>(pairs: &[(String, String)]) -> SnsResult<T> {
    let value = query::to_json(pairs, &RULES).map_err(|e| match e {
        QueryError::InvalidValue(p, v) => SnsError::invalid(format!("{p}: invalid value {v}")),
        QueryError::MissingMapPart(p) => {
            SnsError::invalid(format!("{p} Reason: no value for required parameter"))
        }
    })?;
    serde_json::from_value(value)
        .map_err(|e| SnsError::invalid(format!("request could not be decoded: {e}")))
}

/// Run one SNS action and render the reply.
pub fn handle(
    engine: &Arc<SnsEngine>,
    ctx: &RequestContext,
    action: &str,
    pairs: Vec<(String, String)>,
    rid: &str,
) -> Reply {
    handle_traced(engine, ctx, action, pairs, rid, None)
}

/// `handle`, with the request's `X-Amzn-Trace-Id` header (Publish and PublishBatch pass it on
/// to SQS subscriptions as the `AWSTraceHeader` system attribute, as AWS does).
pub fn handle_traced(
    engine: &Arc<SnsEngine>,
    ctx: &RequestContext,
    action: &str,
    pairs: Vec<(String, String)>,
    rid: &str,
    trace_header: Option<&str>,
) -> Reply {
    let pairs = normalize(pairs);
    match dispatch(engine, ctx, action, &pairs, trace_header) {
        Ok(write) => {
            let mut w = XmlWriter::new();
            let response = format!("{action}Response");
            let result = format!("{action}Result");
            w.open_ns(&response, XMLNS).open(&result);
            write(&mut w);
            w.close(&result)
                .open("ResponseMetadata")
                .elem("RequestId", rid)
                .close("ResponseMetadata")
                .close(&response);
            Reply::xml(200, w.finish())
        }
        Err(e) => error_reply(&e, rid),
    }
}

/// Render an SNS error.
pub fn error_reply(e: &SnsError, rid: &str) -> Reply {
    let mut w = XmlWriter::new();
    let fault = if e.code.status() >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    w.open_ns("ErrorResponse", XMLNS)
        .open("Error")
        .elem("Type", fault)
        .elem("Code", e.code.code())
        .elem("Message", &e.message);
    if e.code == SnsErrorCode::VerificationException {
        // A required member of the modelled exception.
        w.elem("Status", super::engine::VERIFICATION_FAILED_STATUS);
    }
    w.close("Error")
        .elem("RequestId", rid)
        .close("ErrorResponse");
    Reply::xml(e.code.status(), w.finish())
}

type Writer = Box<dyn FnOnce(&mut XmlWriter)>;

fn attributes_xml(w: &mut XmlWriter, attrs: &std::collections::BTreeMap<String, String>) {
    w.open("Attributes");
    for (k, v) in attrs {
        w.open("entry")
            .elem("key", k)
            .elem("value", v)
            .close("entry");
    }
    w.close("Attributes");
}

fn subscriptions_xml(w: &mut XmlWriter, out: &ListSubscriptionsOutput) {
    w.open("Subscriptions");
    for s in &out.subscriptions {
        w.open("member")
            .elem("SubscriptionArn", &s.subscription_arn)
            .elem("Owner", &s.owner)
            .elem("Protocol", &s.protocol)
            .elem("Endpoint", &s.endpoint)
            .elem("TopicArn", &s.topic_arn)
            .close("member");
    }
    w.close("Subscriptions")
        .elem_opt("NextToken", out.next_token.as_deref());
}

fn dispatch(
    engine: &Arc<SnsEngine>,
    ctx: &RequestContext,
    action: &str,
    p: &[(String, String)],
    trace_header: Option<&str>,
) -> SnsResult<Writer> {
    let trace = || trace_header.map(str::to_string);
    let void: Writer = Box::new(|_| {});
    Ok(match action {
        "CreateTopic" => {
            let o = engine.create_topic(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.elem("TopicArn", &o.topic_arn);
            })
        }
        "DeleteTopic" => {
            engine.delete_topic(ctx, decode(p)?)?;
            void
        }
        "ListTopics" => {
            let o = engine.list_topics(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.open("Topics");
                for t in &o.topics {
                    w.open("member").elem("TopicArn", t).close("member");
                }
                w.close("Topics")
                    .elem_opt("NextToken", o.next_token.as_deref());
            })
        }
        "GetTopicAttributes" => {
            let o = engine.get_topic_attributes(ctx, decode(p)?)?;
            Box::new(move |w| attributes_xml(w, &o.attributes))
        }
        "SetTopicAttributes" => {
            engine.set_topic_attributes(ctx, decode(p)?)?;
            void
        }
        "Subscribe" => {
            let o = engine.subscribe(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.elem("SubscriptionArn", &o.subscription_arn);
            })
        }
        "ConfirmSubscription" => {
            let o = engine.confirm_subscription(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.elem("SubscriptionArn", &o.subscription_arn);
            })
        }
        "Unsubscribe" => {
            engine.unsubscribe(ctx, decode(p)?)?;
            void
        }
        "ListSubscriptions" => {
            let o = engine.list_subscriptions(ctx, decode(p)?)?;
            Box::new(move |w| subscriptions_xml(w, &o))
        }
        "ListSubscriptionsByTopic" => {
            let o = engine.list_subscriptions_by_topic(ctx, decode(p)?)?;
            Box::new(move |w| subscriptions_xml(w, &o))
        }
        "GetSubscriptionAttributes" => {
            let o = engine.get_subscription_attributes(ctx, decode(p)?)?;
            Box::new(move |w| attributes_xml(w, &o.attributes))
        }
        "SetSubscriptionAttributes" => {
            engine.set_subscription_attributes(ctx, decode(p)?)?;
            void
        }
        "Publish" => {
            let mut input: PublishInput = decode(p)?;
            input.trace_header = trace();
            let o = engine.publish(ctx, input)?;
            Box::new(move |w| {
                w.elem("MessageId", &o.message_id)
                    .elem_opt("SequenceNumber", o.sequence_number.as_deref());
            })
        }
        "PublishBatch" => {
            let mut input: PublishBatchInput = decode(p)?;
            for e in &mut input.entries {
                e.trace_header = trace();
            }
            let o = engine.publish_batch(ctx, input)?;
            Box::new(move |w| {
                w.open("Successful");
                for (id, s) in &o.successful {
                    w.open("member")
                        .elem("Id", id)
                        .elem("MessageId", &s.message_id)
                        .elem_opt("SequenceNumber", s.sequence_number.as_deref())
                        .close("member");
                }
                w.close("Successful").open("Failed");
                for (id, e) in &o.failed {
                    w.open("member")
                        .elem("Id", id)
                        .elem("Code", e.code.code())
                        .elem("Message", &e.message)
                        .elem(
                            "SenderFault",
                            if e.code.status() < 500 {
                                "true"
                            } else {
                                "false"
                            },
                        )
                        .close("member");
                }
                w.close("Failed");
            })
        }
        "TagResource" => {
            engine.tag_resource(ctx, decode(p)?)?;
            void
        }
        "UntagResource" => {
            engine.untag_resource(ctx, decode(p)?)?;
            void
        }
        "ListTagsForResource" => {
            let o = engine.list_tags_for_resource(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.open("Tags");
                for t in &o.tags {
                    w.open("member")
                        .elem("Key", &t.key)
                        .elem("Value", &t.value)
                        .close("member");
                }
                w.close("Tags");
            })
        }
        "AddPermission" => {
            engine.add_permission(ctx, decode(p)?)?;
            void
        }
        "RemovePermission" => {
            engine.remove_permission(ctx, decode(p)?)?;
            void
        }
        "PutDataProtectionPolicy" => {
            engine.put_data_protection_policy(ctx, decode(p)?)?;
            void
        }
        "GetDataProtectionPolicy" => {
            let o = engine.get_data_protection_policy(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.elem_opt("DataProtectionPolicy", o.as_deref());
            })
        }
        "SetSMSAttributes" => {
            engine.set_sms_attributes(ctx, decode(p)?)?;
            void
        }
        "GetSMSAttributes" => {
            // `attributes.member.N` here is a list of names (a map in SetSMSAttributes).
            let names = p
                .iter()
                .filter(|(k, _)| {
                    k.strip_prefix("attributes.")
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|(_, v)| v.clone())
                .collect();
            let o = engine.get_sms_attributes(ctx, names)?;
            Box::new(move |w| {
                w.open("attributes");
                for (k, v) in &o {
                    w.open("entry")
                        .elem("key", k)
                        .elem("value", v)
                        .close("entry");
                }
                w.close("attributes");
            })
        }
        "CheckIfPhoneNumberIsOptedOut" => {
            let o = engine.check_if_phone_number_is_opted_out(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.elem("isOptedOut", if o { "true" } else { "false" });
            })
        }
        "OptInPhoneNumber" => {
            engine.opt_in_phone_number(ctx, decode(p)?)?;
            void
        }
        "ListPhoneNumbersOptedOut" => Box::new(|w| {
            w.open("phoneNumbers").close("phoneNumbers");
        }),
        "CreatePlatformApplication" => {
            let i: PlatformInput = decode(p)?;
            let arn = engine.create_platform_application(ctx, i.name, i.platform, i.attributes)?;
            Box::new(move |w| {
                w.elem("PlatformApplicationArn", &arn);
            })
        }
        "GetPlatformApplicationAttributes" => {
            let i: PlatformInput = decode(p)?;
            let attrs = engine.get_platform_application_attributes(i.platform_application_arn)?;
            Box::new(move |w| attributes_xml(w, &attrs))
        }
        "SetPlatformApplicationAttributes" => {
            let i: PlatformInput = decode(p)?;
            engine.set_platform_application_attributes(i.platform_application_arn, i.attributes)?;
            void
        }
        "DeletePlatformApplication" => {
            let i: PlatformInput = decode(p)?;
            engine.delete_platform_application(i.platform_application_arn)?;
            void
        }
        "ListPlatformApplications" => {
            let i: PlatformInput = decode(p)?;
            let (apps, next) = engine.list_platform_applications(ctx, i.next_token.as_deref());
            Box::new(move |w| {
                w.open("PlatformApplications");
                for a in &apps {
                    w.open("member").elem("PlatformApplicationArn", &a.arn);
                    attributes_xml(w, &a.attributes);
                    w.close("member");
                }
                w.close("PlatformApplications")
                    .elem_opt("NextToken", next.as_deref());
            })
        }
        "CreatePlatformEndpoint" => {
            let i: PlatformInput = decode(p)?;
            let arn = engine.create_platform_endpoint(
                i.platform_application_arn,
                i.token,
                i.custom_user_data,
                i.attributes,
            )?;
            Box::new(move |w| {
                w.elem("EndpointArn", &arn);
            })
        }
        "GetEndpointAttributes" => {
            let i: PlatformInput = decode(p)?;
            let attrs = engine.get_endpoint_attributes(i.endpoint_arn)?;
            Box::new(move |w| attributes_xml(w, &attrs))
        }
        "SetEndpointAttributes" => {
            let i: PlatformInput = decode(p)?;
            engine.set_endpoint_attributes(i.endpoint_arn, i.attributes)?;
            void
        }
        "DeleteEndpoint" => {
            let i: PlatformInput = decode(p)?;
            engine.delete_endpoint(i.endpoint_arn)?;
            void
        }
        "ListEndpointsByPlatformApplication" => {
            let i: PlatformInput = decode(p)?;
            let (endpoints, next) = engine.list_endpoints_by_platform_application(
                i.platform_application_arn,
                i.next_token.as_deref(),
            )?;
            Box::new(move |w| {
                w.open("Endpoints");
                for e in &endpoints {
                    w.open("member").elem("EndpointArn", &e.arn);
                    attributes_xml(w, &e.attributes);
                    w.close("member");
                }
                w.close("Endpoints").elem_opt("NextToken", next.as_deref());
            })
        }
        "GetSMSSandboxAccountStatus" => {
            let in_sandbox = engine.get_sms_sandbox_account_status(ctx);
            Box::new(move |w| {
                w.elem("IsInSandbox", if in_sandbox { "true" } else { "false" });
            })
        }
        "CreateSMSSandboxPhoneNumber" => {
            engine.create_sms_sandbox_phone_number(ctx, decode(p)?)?;
            void
        }
        "VerifySMSSandboxPhoneNumber" => {
            engine.verify_sms_sandbox_phone_number(ctx, decode(p)?)?;
            void
        }
        "DeleteSMSSandboxPhoneNumber" => {
            engine.delete_sms_sandbox_phone_number(ctx, decode(p)?)?;
            void
        }
        "ListSMSSandboxPhoneNumbers" => {
            let (numbers, next) = engine.list_sms_sandbox_phone_numbers(ctx, decode(p)?)?;
            Box::new(move |w| {
                w.open("PhoneNumbers");
                for n in &numbers {
                    w.open("member")
                        .elem("PhoneNumber", &n.phone_number)
                        .elem("Status", n.status)
                        .close("member");
                }
                w.close("PhoneNumbers")
                    .elem_opt("NextToken", next.as_deref());
            })
        }
        "ListOriginationNumbers" => {
            engine.list_origination_numbers(ctx, decode(p)?)?;
            Box::new(|w| {
                w.open("PhoneNumbers").close("PhoneNumbers");
            })
        }
        a if ACTIONS.contains(&a) => {
            return Err(SnsError::new(
                SnsErrorCode::InvalidAction,
                format!("fogbank does not implement the SNS action {a} yet."),
            ));
        }
        a => {
            return Err(SnsError::new(
                SnsErrorCode::InvalidAction,
                format!("The action {a} is not valid for this endpoint."),
            ));
        }
    })
}
