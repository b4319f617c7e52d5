"""Checks the fake AWS server against botocore, a real independent client.

Run: python check_botocore.py   (needs boto3/botocore; see ../requirements.txt)
Starts server.py on a free port, drives it through boto3 clients and its admin
API, and ends with the line `N passed, M failed` (exit status 1 on failures).
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

HERE = Path(__file__).resolve().parent
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
URL = ""
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def admin(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{URL}/_fake/{path}", data=data, method="GET" if data is None else "POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def client(service, region="us-east-1", config=None, endpoint=True):
    session = boto3.session.Session(aws_access_key_id="AKIAFAKEFAKEFAKEFAKE",
                                    aws_secret_access_key="fake-secret", region_name=region)
    return session.client(service, endpoint_url=URL if endpoint else None, config=config)


def raises(exc_class, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc_class as e:
        return e
    raise AssertionError(f"expected {exc_class.__name__}")


def assert_statuses(op, want):
    log = admin("state")["log"]
    got = [x["status"] for x in log if x["op"] == op][-len(want):]
    assert got == want, f"{op}: {got} != {want}; the fake's log ends {log[-8:]}"


def sign_in(oidc):
    """The whole device flow, approved through the admin API; returns (client, token response)."""
    reg = oidc.register_client(clientName="bedrock-tray-check", clientType="public")
    dev = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                          startUrl="https://example.awsapps.com/start")
    poll = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType=DEVICE_GRANT,
                deviceCode=dev["deviceCode"])
    raises(oidc.exceptions.AuthorizationPendingException, oidc.create_token, **poll)
    assert admin("approve", {"user_code": dev["userCode"]})["approved"] == [dev["userCode"]]
    return reg, dev, oidc.create_token(**poll)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@check
def authorization_code_with_pkce():
    """RegisterClient and CreateToken as AWS CLI v2's SSOTokenFetcherAuth
    calls them; /authorize redirects to the loopback with code and state;
    a wrong verifier is refused, the right one gets tokens, once."""
    import base64
    import hashlib
    from urllib.parse import parse_qs, urlencode, urlsplit
    oidc = client("sso-oidc")
    reg = oidc.register_client(clientName="botocore-client-corp", clientType="public",
                               grantTypes=["authorization_code", "refresh_token"],
                               redirectUris=["http://127.0.0.1/oauth/callback"],
                               issuerUrl="https://example.awsapps.com/start", scopes=["sso:account:access"])
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    redirect = "http://127.0.0.1:4321/oauth/callback"
    query = urlencode({"response_type": "code", "client_id": reg["clientId"], "redirect_uri": redirect,
                       "state": "s-1", "code_challenge_method": "S256", "scopes": "sso:account:access",
                       "code_challenge": challenge})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{URL}/authorize?{query}", timeout=10)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.code
        location = e.headers["Location"]
    assert location.startswith(redirect + "?"), location
    got = parse_qs(urlsplit(location).query)
    assert got["state"] == ["s-1"] and got["code"][0]
    grant = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="authorization_code",
                 redirectUri=redirect, code=got["code"][0])
    e = raises(oidc.exceptions.InvalidGrantException, oidc.create_token, codeVerifier="w" * 64, **grant)
    assert "verifier" in str(e), e
    tok = oidc.create_token(codeVerifier=verifier, **grant)
    assert tok["accessToken"] and tok["refreshToken"]
    raises(oidc.exceptions.InvalidGrantException, oidc.create_token, codeVerifier=verifier, **grant)
    state = admin("state")
    assert state["registrations"][0]["grantTypes"] == ["authorization_code", "refresh_token"], state
    assert state["authorizations"] == [{"clientId": reg["clientId"], "status": "used"}], state
    # A client registered without the grant gets no code; nor a non-loopback redirect.
    plain = oidc.register_client(clientName="device-only", clientType="public")
    for cid, uri in ((plain["clientId"], redirect), (reg["clientId"], "https://evil.example/cb")):
        q = urlencode({"response_type": "code", "client_id": cid, "redirect_uri": uri, "state": "s",
                       "code_challenge_method": "S256", "code_challenge": challenge})
        try:
            opener.open(f"{URL}/authorize?{q}", timeout=10)
            raise AssertionError("accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 400, e.code


@check
def device_flow_and_refresh():
    oidc = client("sso-oidc")
    reg, dev, tok = sign_in(oidc)
    assert 0 < reg["clientSecretExpiresAt"] - reg["clientIdIssuedAt"] == 90 * 86400
    assert len(dev["userCode"]) == 9 and dev["userCode"][4] == "-", dev["userCode"]
    assert dev["expiresIn"] == 600 and dev["interval"] == 1
    assert dev["verificationUriComplete"].endswith(dev["userCode"])
    assert tok["tokenType"] == "Bearer" and tok["expiresIn"] == 28800 and tok["accessToken"] and tok["refreshToken"]
    creds = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"])
    new = oidc.create_token(grantType="refresh_token", refreshToken=tok["refreshToken"], **creds)
    assert new["accessToken"] != tok["accessToken"] and new["refreshToken"] != tok["refreshToken"]
    # rotated: the old refresh token is spent
    e = raises(oidc.exceptions.InvalidGrantException, oidc.create_token, grantType="refresh_token",
               refreshToken=tok["refreshToken"], **creds)
    assert e.response["error"] == "invalid_grant", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert admin("revoke_refresh_tokens", {})["revoked"] == 1
    raises(oidc.exceptions.InvalidGrantException, oidc.create_token, grantType="refresh_token",
           refreshToken=new["refreshToken"], **creds)
    state = admin("state")
    assert state["devices"][0]["status"] == "used" and state["requests"]["sso-oidc:CreateToken"] == 5
    assert tok["accessToken"] not in json.dumps(state)


@check
def oidc_errors():
    oidc = client("sso-oidc")
    e = raises(oidc.exceptions.InvalidClientException, oidc.start_device_authorization,
               clientId="nope", clientSecret="nope", startUrl="https://example.awsapps.com/start")
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    admin("config", {"refresh_token_invalid": True, "token_expires_in": 600, "issue_id_token": True})
    reg, _, tok = sign_in(oidc)
    assert tok["expiresIn"] == 600 and tok["idToken"].count(".") == 2
    raises(oidc.exceptions.InvalidGrantException, oidc.create_token, clientId=reg["clientId"],
           clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])
    raises(oidc.exceptions.UnsupportedGrantTypeException, oidc.create_token, clientId=reg["clientId"],
           clientSecret=reg["clientSecret"], grantType="password")
    admin("config", {"fail": {"sso-oidc:CreateToken": {"code": "InternalServerException", "count": 1}}})
    once = client("sso-oidc", config=NO_RETRY)
    e = raises(once.exceptions.InternalServerException, once.create_token, clientId=reg["clientId"],
               clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken="x")
    assert e.response["error"] == "server_error" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@check
def slow_down_deny_expire_auto_approve():
    oidc = client("sso-oidc")
    # A 3 s interval: two polls in a row stay inside it even on a loaded machine.
    admin("config", {"slow_down": True, "interval": 3})
    reg = oidc.register_client(clientName="c", clientType="public")
    start = lambda: oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                                    startUrl="https://example.awsapps.com/start")
    poll = lambda d: oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"],
                                       grantType=DEVICE_GRANT, deviceCode=d["deviceCode"])
    dev = start()
    raises(oidc.exceptions.AuthorizationPendingException, poll, dev)
    e = raises(oidc.exceptions.SlowDownException, poll, dev)
    assert e.response["error"] == "slow_down"
    time.sleep(3.1)
    raises(oidc.exceptions.AuthorizationPendingException, poll, dev)
    admin("deny", {})
    raises(oidc.exceptions.AccessDeniedException, poll, dev)
    admin("config", {"device_expires_in": 0, "slow_down": False})
    raises(oidc.exceptions.ExpiredTokenException, poll, start())
    admin("config", {"device_expires_in": None, "auto_approve": True, "auto_approve_after_polls": 2})
    dev = start()
    raises(oidc.exceptions.AuthorizationPendingException, poll, dev)
    raises(oidc.exceptions.AuthorizationPendingException, poll, dev)
    assert poll(dev)["accessToken"]
    # the browser link approves too
    admin("config", {"auto_approve": False})
    dev = start()
    with urllib.request.urlopen(dev["verificationUriComplete"], timeout=10) as r:
        assert json.loads(r.read())["approved"] == [dev["userCode"]]
    assert poll(dev)["accessToken"]


@check
def sso_portal_with_paginators():
    reg, _, tok = sign_in(client("sso-oidc"))
    sso = client("sso")
    access = tok["accessToken"]
    creds = sso.get_role_credentials(roleName="BedrockUser", accountId="111111111111", accessToken=access)
    rc = creds["roleCredentials"]
    assert rc["accessKeyId"].startswith("ASIA") and len(rc["accessKeyId"]) == 20, rc["accessKeyId"]
    assert len(rc["secretAccessKey"]) == 40 and rc["sessionToken"]
    assert 3500 < rc["expiration"] / 1000 - time.time() <= 3600
    pages = list(sso.get_paginator("list_accounts").paginate(accessToken=access, PaginationConfig={"PageSize": 1}))
    assert len(pages) == 3 and [a["accountName"] for p in pages for a in p["accountList"]] == ["dev", "prod", "sandbox"]
    pages = list(sso.get_paginator("list_account_roles").paginate(
        accessToken=access, accountId="111111111111", PaginationConfig={"PageSize": 2}))
    roles = [r["roleName"] for p in pages for r in p["roleList"]]
    assert len(pages) == 2 and roles == ["AdministratorAccess", "BedrockUser", "ReadOnlyAccess"], roles
    e = raises(sso.exceptions.UnauthorizedException, sso.list_accounts, accessToken="bogus")
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    e = raises(Exception, sso.get_role_credentials, roleName="Nope", accountId="111111111111", accessToken=access)
    assert e.response["Error"]["Code"] == "ForbiddenException"
    # throttled twice, then botocore's own retries get through
    admin("config", {"fail": {"sso:*": {"code": "TooManyRequestsException", "count": 2}}})
    assert sso.list_accounts(accessToken=access)["accountList"]
    assert_statuses("sso:ListAccounts", [429, 429, 200])
    admin("config", {"fail": {"sso:GetRoleCredentials": {"code": "TooManyRequestsException", "count": 1}}})
    once = client("sso", config=NO_RETRY)
    raises(once.exceptions.TooManyRequestsException, once.get_role_credentials, roleName="BedrockUser", accountId="111111111111", accessToken=access)
    sso.logout(accessToken=access)
    raises(sso.exceptions.UnauthorizedException, sso.list_accounts, accessToken=access)
    # expired access tokens are refused as well
    _, _, tok = sign_in(client("sso-oidc"))
    admin("expire_access_tokens", {})
    raises(sso.exceptions.UnauthorizedException, sso.list_accounts, accessToken=tok["accessToken"])


@check
def inference_profiles_by_region():
    def all_profiles(region, **kw):
        pages = list(client("bedrock", region).get_paginator("list_inference_profiles").paginate(**kw))
        return pages, [p for page in pages for p in page["inferenceProfileSummaries"]]

    pages, profiles = all_profiles("eu-central-1")
    ids = [p["inferenceProfileId"] for p in profiles]
    assert len(pages) == 7 and len(ids) == 13, (len(pages), ids)  # (6 Claude models x eu., global.) + Nova, 2 a page
    assert all(i.startswith(("eu.", "global.")) for i in ids), ids
    assert "eu.anthropic.claude-sonnet-4-6" in ids and "global.anthropic.claude-opus-4-6-v1" in ids
    assert "eu.amazon.nova-lite-v1:0" in ids
    p = profiles[0]
    assert p["status"] == "ACTIVE" and p["type"] == "SYSTEM_DEFINED" and p["createdAt"].year == 2025
    assert p["inferenceProfileArn"].startswith("arn:aws:bedrock:eu-central-1:") and p["models"][0]["modelArn"]
    _, us = all_profiles("us-west-2")
    assert {i["inferenceProfileId"].split(".")[0] for i in us} == {"us", "global"}
    _, ap = all_profiles("ap-northeast-1")
    assert {i["inferenceProfileId"].split(".")[0] for i in ap} == {"apac", "global"}
    _, none = all_profiles("eu-central-1", typeEquals="APPLICATION")
    assert none == []
    assert [x["region"] for x in admin("state")["log"][-2:]] == ["ap-northeast-1", "eu-central-1"]
    admin("config", {"inference_profiles": {"eu-central-1": ["eu.anthropic.claude-haiku-4-5-20251001-v1:0"]},
                     "profiles_page_size": 10})
    _, custom = all_profiles("eu-central-1")
    assert [p["inferenceProfileId"] for p in custom] == ["eu.anthropic.claude-haiku-4-5-20251001-v1:0"]
    admin("config", {"fail": {"bedrock:ListInferenceProfiles": {"code": "AccessDeniedException"}}})
    bedrock = client("bedrock", "eu-central-1")
    e = raises(bedrock.exceptions.AccessDeniedException, bedrock.list_inference_profiles)
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    admin("config", {"delay": {"bedrock:ListInferenceProfiles": 1.5}})
    slow = client("bedrock", "eu-central-1", Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
    raises(ReadTimeoutError, slow.list_inference_profiles)
    time.sleep(1.2)  # let the delayed answer finish before the next check resets the fake


@check
def converse_and_errors():
    rt = client("bedrock-runtime", "eu-central-1", NO_RETRY)
    msg = [{"role": "user", "content": [{"text": "hi"}]}]
    model = "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    r = rt.converse(modelId=model, messages=msg, inferenceConfig={"maxTokens": 1})
    assert r["output"]["message"]["content"][0]["text"] and r["stopReason"] == "max_tokens"
    assert r["usage"]["totalTokens"] == r["usage"]["inputTokens"] + r["usage"]["outputTokens"]
    arn = f"arn:aws:bedrock:eu-central-1:123456789012:inference-profile/{model}"
    assert rt.converse(modelId=arn, messages=msg)["metrics"]["latencyMs"] >= 0
    assert admin("state")["log"][-1]["model"] == arn
    e = raises(rt.exceptions.ValidationException, rt.converse, modelId="anthropic.claude-sonnet-4-6", messages=msg)
    assert "on-demand throughput" in e.response["Error"]["Message"], e.response
    e = raises(rt.exceptions.ValidationException, rt.converse, modelId="us.anthropic.claude-sonnet-4-6", messages=msg)
    assert e.response["Error"]["Message"] == "The provided model identifier is invalid."
    cases = [("access_denied", rt.exceptions.AccessDeniedException, 403),
             ("model_access_not_enabled", rt.exceptions.AccessDeniedException, 403),
             ("use_case_form", rt.exceptions.ResourceNotFoundException, 404),
             ("invalid_model", rt.exceptions.ValidationException, 400),
             ("ThrottlingException", rt.exceptions.ThrottlingException, 429),
             ("ServiceUnavailableException", rt.exceptions.ServiceUnavailableException, 503),
             ("InternalServerException", rt.exceptions.InternalServerException, 500)]
    for code, exc, status in cases:
        admin("config", {"fail": {"bedrock-runtime:Converse": {"code": code, "count": 1}}})
        e = raises(exc, rt.converse, modelId=model, messages=msg)
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, (code, e.response)
        assert e.response["Error"]["Message"], code
    assert rt.converse(modelId=model, messages=msg)["output"]  # the failures were used up
    admin("config", {"converse_errors": {model: "model_access_not_enabled"}})
    e = raises(rt.exceptions.AccessDeniedException, rt.converse, modelId=model, messages=msg)
    assert "AWS Marketplace" in e.response["Error"]["Message"]
    admin("config", {"converse_errors": {model: None}})
    # throttled twice, then botocore's retries succeed
    admin("config", {"fail": {"bedrock-runtime:Converse": {"code": "throttling", "count": 2}}})
    retrying = client("bedrock-runtime", "eu-central-1", Config(retries={"max_attempts": 3, "mode": "standard"}))
    assert retrying.converse(modelId=model, messages=msg)["output"]
    assert_statuses("bedrock-runtime:Converse", [429, 429, 200])


@check
def invoke_model_and_its_event_stream():
    # Claude Code talks to Bedrock through these two operations; botocore's
    # own event-stream parser checks the framing (lengths and both CRCs).
    admin("config", {"converse_text": "Hello from the EU."})
    rt = client("bedrock-runtime", "eu-central-1", NO_RETRY)
    model = "eu.anthropic.claude-sonnet-4-6"
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                       "messages": [{"role": "user", "content": "say hi"}]})
    r = json.loads(rt.invoke_model(modelId=model, body=body)["body"].read())
    assert r["type"] == "message" and r["role"] == "assistant" and r["stop_reason"] == "end_turn", r
    assert r["content"] == [{"type": "text", "text": "Hello from the EU."}] and r["usage"]["output_tokens"] > 0, r
    stream = rt.invoke_model_with_response_stream(modelId=model, body=body)
    assert stream["contentType"] == "application/json", stream["contentType"]
    events = [json.loads(e["chunk"]["bytes"]) for e in stream["body"]]
    assert [e["type"] for e in events] == ["message_start", "content_block_start", "content_block_delta",
                                           "content_block_stop", "message_delta", "message_stop"], events
    assert events[0]["message"]["id"].startswith("msg_") and events[2]["delta"]["text"] == "Hello from the EU."
    assert events[4]["delta"]["stop_reason"] == "end_turn"
    # Only the calling region's profiles are accepted, in both operations.
    e = raises(rt.exceptions.ValidationException, rt.invoke_model, modelId="us.anthropic.claude-sonnet-4-6", body=body)
    assert e.response["Error"]["Message"] == "The provided model identifier is invalid."
    e = raises(rt.exceptions.ValidationException, rt.invoke_model_with_response_stream,
               modelId="anthropic.claude-sonnet-4-6", body=body)
    assert "on-demand throughput" in e.response["Error"]["Message"], e.response
    admin("config", {"converse_errors": {model: "access_denied"}})
    raises(rt.exceptions.AccessDeniedException, rt.invoke_model_with_response_stream, modelId=model, body=body)
    log = [(x["op"], x["status"], x["region"], x["model"]) for x in admin("state")["log"]]
    assert log == [("bedrock-runtime:InvokeModel", 200, "eu-central-1", model),
                   ("bedrock-runtime:InvokeModelWithResponseStream", 200, "eu-central-1", model),
                   ("bedrock-runtime:InvokeModel", 400, "eu-central-1", "us.anthropic.claude-sonnet-4-6"),
                   ("bedrock-runtime:InvokeModelWithResponseStream", 400, "eu-central-1", "anthropic.claude-sonnet-4-6"),
                   ("bedrock-runtime:InvokeModelWithResponseStream", 403, "eu-central-1", model)], log
    # With tool_use set, a request offering that tool (and saying "when")
    # gets a call to it; once the tool result is in, text again.
    admin("config", {"converse_errors": {model: None}, "tool_use": {
        "name": "Agent", "input": {"prompt": "answer briefly", "model": "haiku"}, "when": "say hi"}})
    tools = [{"name": "Agent", "description": "runs a subagent", "input_schema": {"type": "object"}}]
    ask = lambda messages: json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                                       "tools": tools, "messages": messages})
    events = [json.loads(e["chunk"]["bytes"]) for e in rt.invoke_model_with_response_stream(
        modelId=model, body=ask([{"role": "user", "content": [{"type": "text", "text": "say hi"}]}]))["body"]]
    call = events[1]["content_block"]
    assert call["type"] == "tool_use" and call["name"] == "Agent" and call["input"] == {}, events
    assert json.loads(events[2]["delta"]["partial_json"]) == {"prompt": "answer briefly", "model": "haiku"}, events
    assert events[4]["delta"]["stop_reason"] == "tool_use", events
    assert json.loads(rt.invoke_model(modelId=model, body=ask([{"role": "user", "content": "answer briefly"}]))[
        "body"].read())["content"][0]["type"] == "text", "another prompt (the subagent's) gets text"
    result = [{"role": "user", "content": "say hi"}, {"role": "assistant", "content": [{**call, "input": {}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "hi"}]}]
    r = json.loads(rt.invoke_model(modelId=model, body=ask(result))["body"].read())
    assert r["content"][0]["type"] == "text" and r["stop_reason"] == "end_turn", r
    # An operation the fake lacks is logged with its model, never lost.
    e = raises(Exception, rt.count_tokens, modelId="apac.anthropic.claude-fable-5-2",
               input={"invokeModel": {"body": body.encode()}})
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, e.response
    last = admin("state")["log"][-1]
    assert last["op"] == "unknown" and last["model"] == "apac.anthropic.claude-fable-5-2", last
    assert last["region"] == "eu-central-1", last


@check
def endpoint_urls_from_environment():
    names = ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_BEDROCK",
             "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"]
    os.environ.update({n: URL for n in names})
    try:
        reg = client("sso-oidc", endpoint=False).register_client(clientName="env", clientType="public")
        assert reg["clientId"]
        sso = client("sso", endpoint=False)
        raises(sso.exceptions.UnauthorizedException, sso.list_accounts, accessToken="bogus")
        assert client("bedrock", "eu-west-1", endpoint=False).list_inference_profiles()["inferenceProfileSummaries"]
        rt = client("bedrock-runtime", "eu-west-1", endpoint=False)
        assert rt.converse(modelId="global.anthropic.claude-sonnet-4-6",
                           messages=[{"role": "user", "content": [{"text": "hi"}]}])["output"]
        ops = admin("state")["requests"]
        assert all(ops.get(k) for k in ["sso-oidc:RegisterClient", "sso:ListAccounts",
                                        "bedrock:ListInferenceProfiles", "bedrock-runtime:Converse"]), ops
    finally:
        for n in names:
            os.environ.pop(n, None)


@check
def admin_api_refuses_unknown_switches():
    try:
        admin("config", {"no_such_switch": 1})
    except urllib.error.HTTPError as e:
        assert e.code == 400
    else:
        raise AssertionError("unknown switch accepted")
    cfg = admin("config", {"fail": {"sso:*": "TooManyRequestsException"}})
    assert cfg["fail"] == {"sso:*": {"code": "TooManyRequestsException"}}
    assert admin("config", {"fail": {"sso:*": None}})["fail"] == {}


def main():
    global URL
    for n in list(os.environ):
        if n.startswith("AWS_ENDPOINT_URL") or n in ("AWS_PROFILE", "AWS_CONFIG_FILE"):
            os.environ.pop(n)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp, "port")
        proc = subprocess.Popen([sys.executable, str(HERE / "server.py"), "--port", "0", "--port-file",
                                 str(port_file)] + (["--verbose"] if "-v" in sys.argv else []))
        try:
            deadline = time.time() + 20
            while not port_file.exists():
                assert proc.poll() is None and time.time() < deadline, "server did not start"
                time.sleep(0.02)
            URL = f"http://127.0.0.1:{port_file.read_text().strip()}"
            passed = failed = 0
            for fn in CHECKS:
                admin("reset", {})
                try:
                    fn()
                    passed += 1
                    print(f"ok   {fn.__name__}")
                except Exception:
                    failed += 1
                    print(f"FAIL {fn.__name__}\n{traceback.format_exc()}")
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
