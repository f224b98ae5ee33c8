//! ARNs and queue URLs.

/// `arn:aws:<service>:<region>:<account>:<resource>`
pub fn arn(service: &str, region: &str, account: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{account}:{resource}")
}

/// The parts of an ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedArn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Split an ARN into its parts; `None` if it is not of the form `arn:p:s:r:a:resource`.
pub fn parse_arn(s: &str) -> Option<ParsedArn<'_>> {
    let mut it = s.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let partition = it.next()?;
    let service = it.next()?;
    let region = it.next()?;
    let account = it.next()?;
    let resource = it.next()?;
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    Some(ParsedArn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// `(account, queue name)` from any queue URL form: the last two path segments of
/// `http://host/<account>/<name>`, `http://sqs.<region>.localhost.localstack.cloud:4566/<account>/<name>`,
/// `http://localhost:4566/queue/<region>/<account>/<name>`, or a bare path `/<account>/<name>`.
pub fn parse_queue_url(url: &str) -> Option<(&str, &str)> {
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut segments = path.rsplit('/').filter(|s| !s.is_empty());
    let name = segments.next()?;
    let account = segments.next()?;
    Some((account, name))
}

/// `http://<host>/<account>/<name>`
pub fn queue_url(host: &str, account: &str, name: &str) -> String {
    format!("http://{host}/{account}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_urls_of_every_form_resolve_to_account_and_name() {
        for url in [
            "http://localhost:4566/000000000000/q1",
            "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/q1",
            "https://sqs.us-east-1.amazonaws.com/000000000000/q1",
            "http://localhost:4566/queue/us-east-1/000000000000/q1",
            "/000000000000/q1",
            "http://127.0.0.1:4566/000000000000/q1/",
        ] {
            assert_eq!(parse_queue_url(url), Some(("000000000000", "q1")), "{url}");
        }
        assert_eq!(parse_queue_url("http://localhost:4566/q1"), None);
        assert_eq!(parse_queue_url("q1"), None);
    }

    #[test]
    fn arns_split_into_parts() {
        let a = parse_arn("arn:aws:sqs:us-east-1:123456789012:q").expect("arn");
        assert_eq!(
            (a.service, a.region, a.account, a.resource),
            ("sqs", "us-east-1", "123456789012", "q")
        );
        assert!(parse_arn("nope").is_none());
    }
}
