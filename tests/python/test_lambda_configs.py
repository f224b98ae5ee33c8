"""Code signing configurations, provisioned concurrency and recursion config through boto3,
as AWS answers them (LocalStack's AWS-recorded lambda API snapshots and the botocore model)."""

import re

from test_lambda import aws_error, lam, lam_raw, simple_function  # noqa: F401 (fixtures)

PROFILE = "arn:aws:signer:us-east-1:000000000000:/signing-profiles/test/abcdef12"


def test_code_signing_config_lifecycle(lam):
    fn, fn_arn = simple_function(lam)
    created = lam.create_code_signing_config(
        Description="Testing CodeSigning Config",
        AllowedPublishers={"SigningProfileVersionArns": [PROFILE]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    csc = created["CodeSigningConfig"]
    assert re.fullmatch(r"csc-[0-9a-f]{17}", csc["CodeSigningConfigId"])
    arn = csc["CodeSigningConfigArn"]
    assert arn == f"arn:aws:lambda:us-east-1:000000000000:code-signing-config:{csc['CodeSigningConfigId']}"
    assert csc["AllowedPublishers"] == {"SigningProfileVersionArns": [PROFILE]}
    updated = lam.update_code_signing_config(
        CodeSigningConfigArn=arn, CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"}
    )["CodeSigningConfig"]
    assert updated["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    assert updated["Description"] == "Testing CodeSigning Config"
    assert lam.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"] == updated

    put = lam.put_function_code_signing_config(CodeSigningConfigArn=arn, FunctionName=fn)
    assert (put["CodeSigningConfigArn"], put["FunctionName"]) == (arn, fn)
    got = lam.get_function_code_signing_config(FunctionName=fn)
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (arn, fn)
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [fn_arn]
    assert lam.delete_function_code_signing_config(FunctionName=fn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert lam.delete_code_signing_config(CodeSigningConfigArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert aws_error(lam.get_code_signing_config, CodeSigningConfigArn=arn) == (
        404,
        "ResourceNotFoundException",
        f"The Lambda code signing configuration {arn} can not be found.",
    )
    assert aws_error(lam.put_function_code_signing_config, CodeSigningConfigArn=arn, FunctionName=fn) == (
        404,
        "CodeSigningConfigNotFoundException",
        f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}.",
    )


def test_code_signing_config_validation(lam_raw):
    status, code, message = aws_error(
        lam_raw.create_code_signing_config,
        AllowedPublishers={"SigningProfileVersionArns": [PROFILE]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Sometimes"},
    )
    assert (status, code) == (400, "ValidationException")
    assert message == (
        "1 validation error detected: Value 'Sometimes' at 'codeSigningPolicies.untrustedArtifactOnDeployment' "
        "failed to satisfy constraint: Member must satisfy enum value set: [Warn, Enforce]"
    )
    status, code, _ = aws_error(lam_raw.create_code_signing_config, AllowedPublishers={"SigningProfileVersionArns": []})
    assert (status, code) == (400, "ValidationException")


def test_provisioned_concurrency(lam):
    fn, fn_arn = simple_function(lam)
    version = lam.publish_version(FunctionName=fn)["Version"]
    assert aws_error(
        lam.put_provisioned_concurrency_config, FunctionName=fn, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
    ) == (400, "InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    put = lam.put_provisioned_concurrency_config(FunctionName=fn, Qualifier=version, ProvisionedConcurrentExecutions=1)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (put["Status"], put["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)
    got = lam.get_provisioned_concurrency_config(FunctionName=fn, Qualifier=version)
    assert (got["Status"], got["AvailableProvisionedConcurrentExecutions"]) == ("READY", 1)
    listed = lam.list_provisioned_concurrency_configs(FunctionName=fn)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{fn_arn}:{version}"]
    lam.delete_provisioned_concurrency_config(FunctionName=fn, Qualifier=version)
    assert aws_error(lam.get_provisioned_concurrency_config, FunctionName=fn, Qualifier=version) == (
        404,
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
    )


def test_recursion_config(lam):
    fn, _ = simple_function(lam)
    assert lam.get_function_recursion_config(FunctionName=fn)["RecursiveLoop"] == "Terminate"
    assert lam.put_function_recursion_config(FunctionName=fn, RecursiveLoop="Allow")["RecursiveLoop"] == "Allow"
    assert lam.get_function_recursion_config(FunctionName=fn)["RecursiveLoop"] == "Allow"
