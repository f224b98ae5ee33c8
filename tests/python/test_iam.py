"""IAM (and STS) through boto3 and the AWS CLI: the calls Terraform's AWS provider makes for a
role and a Lambda function, managed policies and their versions, AWS managed policies, inline
policies, users, instance profiles, paging, malformed policy documents and unknown entities
answered as AWS answers them."""

import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}],
}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def client(endpoint, service, key="test", secret="test", token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


@pytest.fixture
def iam(endpoint):
    return client(endpoint, "iam")


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    err = e.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def zipped(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = (0o100644) << 16
        z.writestr(info, source)
    return buf.getvalue()


def test_terraform_role_then_lambda_sequence(endpoint, iam):
    name = uniq("tf-lambda-role")
    created = iam.create_role(
        RoleName=name,
        Path="/service/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="made by terraform",
        MaxSessionDuration=7200,
        Tags=[{"Key": "env", "Value": "test"}],
    )["Role"]
    assert created["Arn"] == f"arn:aws:iam::000000000000:role/service/{name}"
    assert created["RoleId"].startswith("AROA") and len(created["RoleId"]) == 21
    assert created["AssumeRolePolicyDocument"] == TRUST
    # As AWS answers CreateRole: no MaxSessionDuration (GetRole and ListRoles show it).
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created
    assert created["Tags"] == [{"Key": "env", "Value": "test"}]
    role = iam.get_role(RoleName=name)["Role"]
    assert role["RoleName"] == name
    assert role["Description"] == "made by terraform"
    assert role["MaxSessionDuration"] == 7200
    assert role["Tags"] == [{"Key": "env", "Value": "test"}]
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC)
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC}]
    # Terraform reads the role back through the role waiter's GetRole, then creates the function.
    iam.get_waiter("role_exists").wait(RoleName=name)
    lam = client(endpoint, "lambda")
    fn = uniq("tf-fn")
    out = lam.create_function(
        FunctionName=fn,
        Runtime="python3.12",
        Role=created["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zipped("def handler(e, c):\n    return {'ok': True}\n")},
    )
    assert out["Role"] == created["Arn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=fn)
    payload = json.loads(lam.invoke(FunctionName=fn)["Payload"].read())
    assert payload == {"ok": True}
    lam.delete_function(FunctionName=fn)
    # Destroy: a role with an attached policy cannot go until it is detached.
    code, message, status = error_of(iam.delete_role, RoleName=name)
    assert (code, status) == ("DeleteConflict", 409)
    assert message == "Cannot delete entity, must detach all policies first."
    assert iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"] == []
    iam.detach_role_policy(RoleName=name, PolicyArn=BASIC)
    iam.delete_role(RoleName=name)
    code, message, status = error_of(iam.get_role, RoleName=name)
    assert (code, status) == ("NoSuchEntity", 404)
    assert message == f"The role with name {name} cannot be found."


def test_role_updates_tags_and_inline_policies(iam):
    name = uniq("inline")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 3600
    iam.update_role(RoleName=name, Description="d2", MaxSessionDuration=43200)
    role = iam.get_role(RoleName=name)["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("d2", 43200)
    iam.tag_role(RoleName=name, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_role(RoleName=name, TagKeys=["a"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "b", "Value": "2"}]
    new_trust = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"AWS": "*"})])
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == new_trust
    iam.put_role_policy(RoleName=name, PolicyName="queues", PolicyDocument=json.dumps(POLICY))
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["queues"]
    got = iam.get_role_policy(RoleName=name, PolicyName="queues")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (name, "queues", POLICY)
    code, message, _ = error_of(iam.delete_role, RoleName=name)
    assert (code, message) == ("DeleteConflict", "Cannot delete entity, must delete policies first.")
    code, message, status = error_of(iam.get_role_policy, RoleName=name, PolicyName="nope")
    assert (code, status) == ("NoSuchEntity", 404)
    assert message == "The role policy with name nope cannot be found."
    iam.delete_role_policy(RoleName=name, PolicyName="queues")
    iam.delete_role(RoleName=name)


def test_managed_policy_versions(iam):
    name = uniq("managed")
    policy = iam.create_policy(
        PolicyName=name, Path="/team/", PolicyDocument=json.dumps(POLICY), Description="d"
    )["Policy"]
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::000000000000:policy/team/{name}"
    assert policy["DefaultVersionId"] == "v1"
    assert policy["PolicyId"].startswith("ANPA")
    assert policy["AttachmentCount"] == 0 and policy["IsAttachable"]
    code, message, status = error_of(
        iam.create_policy, PolicyName=name, PolicyDocument=json.dumps(POLICY)
    )
    assert (code, status) == ("EntityAlreadyExists", 409)
    assert message == f"A policy called {name} already exists. Duplicate names are not allowed."
    v2 = dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action="sqs:SendMessage")])
    out = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2), SetAsDefault=True)
    assert out["PolicyVersion"]["VersionId"] == "v2"
    assert out["PolicyVersion"]["IsDefaultVersion"] is True
    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
    code, message, status = error_of(
        iam.create_policy_version, PolicyArn=arn, PolicyDocument=json.dumps(POLICY)
    )
    assert (code, status) == ("LimitExceeded", 409)
    assert message.startswith("A managed policy can have up to 5 versions.")
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in versions] == [False, False, False, True, False]
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert got["Document"] == v2 and got["IsDefaultVersion"]
    code, message, _ = error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v2")
    assert (code, message) == ("DeleteConflict", "Cannot delete the default version of a policy.")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    code, message, status = error_of(iam.get_policy_version, PolicyArn=arn, VersionId="v9")
    assert (code, status) == ("NoSuchEntity", 404)
    assert message == f"Policy {arn} version v9 does not exist or is not attachable."
    ghost = "arn:aws:iam::000000000000:policy/TestNonExistingPolicy"
    code, message, _ = error_of(iam.get_policy_version, PolicyArn=ghost, VersionId="v1")
    assert message == f"Policy {ghost} version v1 does not exist or is not attachable."
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == []

    role, user = uniq("attach-role"), uniq("attach-user")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_user(UserName=user)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    code, message, _ = error_of(iam.delete_policy, PolicyArn=arn)
    assert (code, message) == ("DeleteConflict", "Cannot delete a policy attached to entities.")
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    code, _, _ = error_of(iam.delete_policy, PolicyArn=arn)
    assert code == "DeleteConflict"  # versions other than the default remain
    for v in ["v2", "v3", "v4", "v5"]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)
    code, message, status = error_of(iam.get_policy, PolicyArn=arn)
    assert (code, status) == ("NoSuchEntity", 404)
    assert message == f"Policy {arn} was not found."


def test_aws_managed_policies(iam):
    policy = iam.get_policy(PolicyArn=BASIC)["Policy"]
    assert policy["PolicyName"] == "AWSLambdaBasicExecutionRole"
    assert policy["Path"] == "/service-role/"
    version = iam.get_policy_version(PolicyArn=BASIC, VersionId=policy["DefaultVersionId"])
    doc = version["PolicyVersion"]["Document"]
    assert "logs:PutLogEvents" in doc["Statement"][0]["Action"]
    listed = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()
    names = {p["PolicyName"] for p in listed["Policies"]}
    assert {"AdministratorAccess", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaBasicExecutionRole"} <= names
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in listed["Policies"])
    # Any AWS managed policy ARN attaches (nothing is enforced); unknown ones are not described.
    role = uniq("aws-managed")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    other = "arn:aws:iam::aws:policy/AmazonKinesisFullAccess"
    iam.attach_role_policy(RoleName=role, PolicyArn=other)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
    names = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    assert names == ["AmazonKinesisFullAccess", "AWSLambdaSQSQueueExecutionRole"]
    code, _, status = error_of(iam.get_policy, PolicyArn=other)
    assert (code, status) == ("NoSuchEntity", 404)


@pytest.mark.parametrize(
    "doc,message",
    [
        ("{not json", "This policy contains invalid Json"),
        ('{"Version":"2012-10-17"}', "Syntax errors in policy."),
        (
            '{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}',
            "Syntax errors in policy.",
        ),
        (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}',
            "Policy statement must contain actions.",
        ),
        (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}',
            "Policy statement must contain resources.",
        ),
        (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}',
            "Policy document should not specify a principal.",
        ),
        (
            '{"Version":"2013-01-01","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
            "The policy must contain a valid version string",
        ),
    ],
)
def test_malformed_policy_documents(iam, doc, message):
    code, got, status = error_of(iam.create_policy, PolicyName=uniq("bad"), PolicyDocument=doc)
    assert (code, got, status) == ("MalformedPolicyDocument", message, 400)
    role = uniq("bad-inline")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    code, got, _ = error_of(
        iam.put_role_policy, RoleName=role, PolicyName="p", PolicyDocument=doc
    )
    assert (code, got) == ("MalformedPolicyDocument", message)


def test_malformed_trust_policies(iam):
    code, message, status = error_of(
        iam.create_role, RoleName=uniq("bad-trust"), AssumeRolePolicyDocument="nope"
    )
    assert (code, message, status) == ("MalformedPolicyDocument", "This policy contains invalid Json", 400)
    code, message, _ = error_of(
        iam.create_role, RoleName=uniq("bad-trust"), AssumeRolePolicyDocument=json.dumps(POLICY)
    )
    assert (code, message) == ("MalformedPolicyDocument", "Has prohibited field Resource")
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
    code, message, _ = error_of(
        iam.create_role, RoleName=uniq("bad-trust"), AssumeRolePolicyDocument=json.dumps(no_principal)
    )
    assert (code, message) == ("MalformedPolicyDocument", "Missing required field Principal")
    s3_trust = {"Version": "2012-10-17", "Statement": [dict(TRUST["Statement"][0], Action="s3:GetObject")]}
    code, message, _ = error_of(
        iam.create_role, RoleName=uniq("bad-trust"), AssumeRolePolicyDocument=json.dumps(s3_trust)
    )
    assert (code, message) == ("MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions.")
    role = uniq("trust-update")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    code, message, status = error_of(iam.update_assume_role_policy, RoleName=role, PolicyDocument="{")
    assert (code, message, status) == ("MalformedPolicyDocument", "This policy contains invalid Json", 400)


def test_unknown_entities_and_duplicates(iam):
    code, message, status = error_of(iam.get_user, UserName="ghost")
    assert (code, message, status) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)
    code, message, _ = error_of(iam.attach_role_policy, RoleName="ghost", PolicyArn=BASIC)
    assert (code, message) == ("NoSuchEntity", "The role with name ghost cannot be found.")
    role = uniq("dup")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    code, message, status = error_of(
        iam.create_role, RoleName=role.upper(), AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    assert (code, status) == ("EntityAlreadyExists", 409)
    assert message == f"Role with name {role.upper()} already exists."
    missing = "arn:aws:iam::000000000000:policy/missing"
    code, message, status = error_of(iam.attach_role_policy, RoleName=role, PolicyArn=missing)
    assert (code, message, status) == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        404,
    )
    code, message, status = error_of(iam.attach_role_policy, RoleName=role, PolicyArn="longpolicynamebutnoarn")
    assert (code, message, status) == ("ValidationError", "ARN longpolicynamebutnoarn is not valid.", 400)
    code, message, status = error_of(
        iam.tag_role, RoleName=role, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
    )
    assert (code, status) == ("InvalidInput", 400)
    assert message == "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    code, message, _ = error_of(
        iam.tag_role, RoleName=role, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    )
    assert message == "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    code, message, status = error_of(iam.get_instance_profile, InstanceProfileName="ghost")
    assert (code, message, status) == ("NoSuchEntity", "Instance Profile ghost cannot be found.", 404)
    code, message, status = error_of(
        iam.create_role, RoleName="bad name!", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "roleName" in message
    code, message, _ = error_of(
        iam.create_role,
        RoleName=uniq("short"),
        AssumeRolePolicyDocument=json.dumps(TRUST),
        MaxSessionDuration=100000,
    )
    assert code == "ValidationError"
    assert "maxSessionDuration" in message


def test_users_inline_policies_and_tags(iam):
    user = uniq("user")
    out = iam.create_user(UserName=user, Path="/people/", Tags=[{"Key": "team", "Value": "x"}])["User"]
    assert out["Arn"] == f"arn:aws:iam::000000000000:user/people/{user}"
    assert out["UserId"].startswith("AIDA")
    assert iam.get_user(UserName=user)["User"]["Tags"] == [{"Key": "team", "Value": "x"}]
    iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=json.dumps(POLICY))
    assert iam.get_user_policy(UserName=user, PolicyName="inline")["PolicyDocument"] == POLICY
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["inline"]
    iam.attach_user_policy(UserName=user, PolicyArn=BASIC)
    assert len(iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]) == 1
    users = iam.list_users(PathPrefix="/people/")["Users"]
    assert user in [u["UserName"] for u in users]
    code, _, _ = error_of(iam.delete_user, UserName=user)
    assert code == "DeleteConflict"
    iam.detach_user_policy(UserName=user, PolicyArn=BASIC)
    iam.delete_user_policy(UserName=user, PolicyName="inline")
    iam.delete_user(UserName=user)


def test_instance_profiles(iam):
    role, profile = uniq("ip-role"), uniq("profile")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    out = iam.create_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert out["InstanceProfileId"].startswith("AIPA") and out["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    got = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == [role]
    code, _, status = error_of(
        iam.add_role_to_instance_profile, InstanceProfileName=profile, RoleName=role
    )
    assert (code, status) == ("LimitExceeded", 409)
    for_role = iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == [profile]
    code, message, _ = error_of(iam.delete_role, RoleName=role)
    assert message == "Cannot delete entity, must remove roles from instance profile first."
    code, _, _ = error_of(iam.delete_instance_profile, InstanceProfileName=profile)
    assert code == "DeleteConflict"
    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    iam.delete_instance_profile(InstanceProfileName=profile)
    iam.delete_role(RoleName=role)


def test_list_roles_and_policies_page_with_marker(iam):
    path = f"/paging-{uuid.uuid4().hex[:8]}/"
    names = sorted(uniq(f"page{i}") for i in range(5))
    for n in names:
        iam.create_role(RoleName=n, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.create_policy(PolicyName=n, Path=path, PolicyDocument=json.dumps(POLICY))
    first = iam.list_roles(PathPrefix=path, MaxItems=2)
    assert first["IsTruncated"] is True and first["Marker"]
    assert [r["RoleName"] for r in first["Roles"]] == names[:2]
    second = iam.list_roles(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in second["Roles"]] == names[2:4]
    every = iam.get_paginator("list_roles").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2}
    ).build_full_result()
    assert [r["RoleName"] for r in every["Roles"]] == names
    pages = list(
        iam.get_paginator("list_policies").paginate(
            Scope="Local", PathPrefix=path, PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["Policies"]) for p in pages] == [3, 2]
    assert pages[-1]["IsTruncated"] is False
    from botocore.config import Config

    raw = boto3.client(
        "iam",
        endpoint_url=iam.meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False),
    )
    code, message, status = error_of(raw.list_roles, MaxItems=0)
    assert (code, status) == ("ValidationError", 400)
    assert "maxItems" in message


def test_sts_through_boto3(endpoint):
    sts = client(endpoint, "sts")
    me = sts.get_caller_identity()
    assert (me["Account"], me["Arn"]) == ("000000000000", "arn:aws:iam::000000000000:root")
    out = sts.assume_role(RoleArn="arn:aws:iam::210987654321:role/ci", RoleSessionName="py")
    c = out["Credentials"]
    assumed = client(endpoint, "sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    me = assumed.get_caller_identity()
    assert me["Account"] == "210987654321"
    assert me["Arn"] == "arn:aws:sts::210987654321:assumed-role/ci/py"
    sqs = client(endpoint, "sqs", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    url = sqs.create_queue(QueueName=uniq("assumed"))["QueueUrl"]
    assert "/210987654321/" in url
    # The JSON form of the query protocol, as aws-iam-authenticator style clients ask for it.
    req = urllib.request.Request(
        endpoint + "/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
    )
    body = json.loads(urllib.request.urlopen(req).read())
    result = body["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
    assert result["Arn"] == "arn:aws:iam::000000000000:root"
    assert body["GetCallerIdentityResponse"]["ResponseMetadata"]["RequestId"]


def aws_cli(endpoint, *args):
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="123456789012",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
    )
    env.pop("AWS_PROFILE", None)
    out = subprocess.run(
        [aws, "--endpoint-url", endpoint, "--output", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.returncode, out.stdout, out.stderr


def test_aws_cli_sts_and_iam(endpoint):
    if not os.path.exists(os.path.join(os.path.dirname(sys.executable), "aws")):
        pytest.skip("the AWS CLI (awscli in requirements.txt) is not installed beside python")
    code, out, err = aws_cli(endpoint, "sts", "get-caller-identity")
    assert code == 0, err
    assert json.loads(out)["Arn"] == "arn:aws:iam::123456789012:root"
    role = uniq("cli-role")
    code, out, err = aws_cli(
        endpoint, "iam", "create-role", "--role-name", role,
        "--assume-role-policy-document", json.dumps(TRUST),
    )
    assert code == 0, err
    assert json.loads(out)["Role"]["Arn"] == f"arn:aws:iam::123456789012:role/{role}"
    code, out, err = aws_cli(endpoint, "iam", "list-roles")
    assert code == 0, err
    assert role in [r["RoleName"] for r in json.loads(out)["Roles"]]
    code, out, err = aws_cli(endpoint, "iam", "get-role", "--role-name", "nope")
    assert code != 0
    assert "NoSuchEntity" in err


def test_user_access_keys_act_as_the_user(endpoint, iam):
    user = uniq("keyed")
    created = iam.create_user(UserName=user)["User"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active" and key["UserName"] == user
    as_user = client(endpoint, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    me = as_user.get_caller_identity()
    assert me == {**me, "Account": "000000000000", "Arn": created["Arn"], "UserId": created["UserId"]}
    user_iam = client(endpoint, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert user_iam.get_user()["User"]["UserName"] == user
    listed = user_iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]
    assert iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["UserName"] == user
    iam.create_access_key(UserName=user)
    code, message, status = error_of(iam.create_access_key, UserName=user)
    assert (code, message, status) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
    code, message, _ = error_of(iam.delete_user, UserName=user)
    assert (code, message) == ("DeleteConflict", "Cannot delete entity, must delete access keys first.")
    code, message, status = error_of(iam.delete_access_key, UserName=user, AccessKeyId="AKIANOTAKEY000000000")
    assert (code, message, status) == ("NoSuchEntity", "The Access Key with id AKIANOTAKEY000000000 cannot be found.", 404)
    code, message, _ = error_of(iam.create_access_key)
    assert (code, message) == ("ValidationError", "Must specify userName when calling with non-User credentials")
    for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=user)
    # The deleted key no longer names the user: plain credentials of the default account.
    assert as_user.get_caller_identity()["Arn"] == "arn:aws:iam::000000000000:root"


def test_iam_answers_json_when_asked(endpoint, iam):
    role = uniq("json")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))

    def call(body):
        req = urllib.request.Request(
            endpoint + "/",
            data=body.encode(),
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = call(f"Action=GetRole&Version=2010-05-08&RoleName={role}")
    assert status == 200
    assert body["GetRoleResponse"]["GetRoleResult"]["Role"]["RoleName"] == role
    status, body = call("Action=GetRole&Version=2010-05-08&RoleName=ghost")
    assert status == 404
    assert body["Error"]["Code"] == "NoSuchEntity"
