//! AWS managed policies (`arn:aws:iam::aws:policy/...`).
//!
//! Attach*Policy accepts any well-formed AWS managed policy ARN (real code attaches many, and
//! nothing is enforced). GetPolicy, GetPolicyVersion and ListPolicies (Scope `AWS`/`All`)
//! answer a small built-in list of the ones Lambda, SQS, SNS and S3 setups use most. Their
//! documents are abbreviated: the actions that matter to these services, not AWS's full text.

use super::model::{PolicyRecord, VersionRecord};

/// 2015-02-06T18:39:46Z, when AWS published its first managed policies.
const CREATED_MS: u64 = 1_423_247_986_000;

/// (path, name, description, actions): each allowed on `*`.
const BUILT_IN: &[(&str, &str, &str, &[&str])] = &[
    (
        "/",
        "AdministratorAccess",
        "Provides full access to AWS services and resources.",
        &["*"],
    ),
    (
        "/",
        "PowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        &["*"],
    ),
    (
        "/",
        "ReadOnlyAccess",
        "Provides read-only access to AWS services and resources.",
        &["*:Describe*", "*:Get*", "*:List*"],
    ),
    (
        "/",
        "IAMFullAccess",
        "Provides full access to IAM via the AWS Management Console.",
        &["iam:*"],
    ),
    (
        "/",
        "AmazonSQSFullAccess",
        "Provides full access to Amazon SQS via the AWS Management Console.",
        &["sqs:*"],
    ),
    (
        "/",
        "AmazonSQSReadOnlyAccess",
        "Provides read only access to Amazon SQS via the AWS Management Console.",
        &[
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ListQueues",
        ],
    ),
    (
        "/",
        "AmazonSNSFullAccess",
        "Provides full access to Amazon SNS via the AWS Management Console.",
        &["sns:*"],
    ),
    (
        "/",
        "AmazonSNSReadOnlyAccess",
        "Provides read only access to Amazon SNS via the AWS Management Console.",
        &["sns:GetTopicAttributes", "sns:List*"],
    ),
    (
        "/",
        "AmazonS3FullAccess",
        "Provides full access to all buckets via the AWS Management Console.",
        &["s3:*", "s3-object-lambda:*"],
    ),
    (
        "/",
        "AmazonS3ReadOnlyAccess",
        "Provides read only access to all buckets via the AWS Management Console.",
        &["s3:Get*", "s3:List*"],
    ),
    (
        "/",
        "AWSLambda_FullAccess",
        "Grants full access to AWS Lambda service.",
        &["lambda:*"],
    ),
    (
        "/",
        "AWSLambda_ReadOnlyAccess",
        "Grants read-only access to AWS Lambda service.",
        &["lambda:Get*", "lambda:List*"],
    ),
    (
        "/",
        "CloudWatchLogsFullAccess",
        "Provides full access to CloudWatch Logs",
        &["logs:*"],
    ),
    (
        "/",
        "AmazonDynamoDBFullAccess",
        "Provides full access to Amazon DynamoDB via the AWS Management Console.",
        &["dynamodb:*"],
    ),
    (
        "/service-role/",
        "AWSLambdaBasicExecutionRole",
        "Provides write permissions to CloudWatch Logs.",
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    (
        "/service-role/",
        "AWSLambdaSQSQueueExecutionRole",
        "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.",
        &[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    (
        "/service-role/",
        "AWSLambdaRole",
        "Default policy for AWS Lambda service role.",
        &["lambda:InvokeFunction"],
    ),
    (
        "/service-role/",
        "AWSLambdaDynamoDBExecutionRole",
        "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
        &[
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    (
        "/service-role/",
        "AWSLambdaKinesisExecutionRole",
        "Provides list and read access to Kinesis streams and write permissions to CloudWatch logs.",
        &[
            "kinesis:DescribeStream",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListStreams",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    (
        "/service-role/",
        "AWSLambdaVPCAccessExecutionRole",
        "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC.",
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
        ],
    ),
];

/// Whether `arn` names an AWS managed policy (`arn:aws:iam::aws:policy/<path><name>`).
pub fn is_aws_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::aws:policy/")
        .is_some_and(|rest| !rest.is_empty() && !rest.ends_with('/'))
}

/// The name in an AWS managed policy ARN (its last segment).
pub fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn id_of(name: &str) -> String {
    // Stable across runs: derived from the name.
    let digest = <sha2::Sha256 as sha2::Digest>::digest(name.as_bytes());
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| alphabet[(*b as usize) % alphabet.len()] as char)
        .collect();
    format!("ANPA{tail}")
}

fn record(path: &str, name: &str, description: &str, actions: &[&str]) -> PolicyRecord {
    let action = if actions.len() == 1 {
        serde_json::Value::from(actions[0])
    } else {
        serde_json::Value::from(actions.to_vec())
    };
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    })
    .to_string();
    PolicyRecord {
        account: "aws".to_string(),
        name: name.to_string(),
        path: path.to_string(),
        id: id_of(name),
        arn: format!("arn:aws:iam::aws:policy{path}{name}"),
        created_ms: CREATED_MS,
        updated_ms: CREATED_MS,
        description: Some(description.to_string()),
        default_version: "v1".to_string(),
        versions: vec![VersionRecord {
            id: "v1".to_string(),
            document,
            created_ms: CREATED_MS,
        }],
        next_version: 2,
        tags: Vec::new(),
    }
}

/// The built-in AWS managed policy with this ARN.
pub fn get(arn: &str) -> Option<PolicyRecord> {
    BUILT_IN
        .iter()
        .find(|(path, name, _, _)| {
            arn.strip_prefix("arn:aws:iam::aws:policy")
                .and_then(|r| r.strip_prefix(path))
                == Some(name)
        })
        .map(|(p, n, d, a)| record(p, n, d, a))
}

/// Every built-in AWS managed policy, by name.
pub fn all() -> Vec<PolicyRecord> {
    let mut v: Vec<PolicyRecord> = BUILT_IN
        .iter()
        .map(|(p, n, d, a)| record(p, n, d, a))
        .collect();
    v.sort_by_key(|p| p.name.to_ascii_lowercase());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_basic_execution_role() {
        let arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
        let p = get(arn).expect("built in");
        assert_eq!(p.arn, arn);
        assert_eq!(p.path, "/service-role/");
        assert!(p.id.starts_with("ANPA") && p.id.len() == 21);
        assert!(get("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
        assert!(is_aws_arn("arn:aws:iam::aws:policy/Whatever"));
        assert!(!is_aws_arn("arn:aws:iam::123456789012:policy/x"));
    }
}
