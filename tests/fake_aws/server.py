"""A fake of the AWS services moto does not serve, for bedrock-tray's tests.

One HTTP server on 127.0.0.1 speaks the real restJson1 wire protocol of four
services, told apart by path:

  SSO-OIDC        POST /client/register, /device_authorization, /token
                  GET /authorize (the browser page of the authorization
                       code flow: with a known client, a redirect_uri on
                       127.0.0.1 or localhost and an S256 code_challenge it
                       answers 302 to redirect_uri?code=...&state=... at
                       once, as a user approving would; see
                       authorize_action. CreateToken's authorization_code
                       grant then needs that code, the same client and
                       redirect_uri, and the verifier whose SHA-256 is the
                       challenge: a wrong verifier gets InvalidGrantException)
  SSO portal      GET /federation/credentials, /assignment/accounts,
                  /assignment/roles; POST /logout
  Bedrock         GET /inference-profiles
  Bedrock runtime POST /model/{modelId}/converse           (Converse)
                  POST /model/{modelId}/invoke             (InvokeModel: an
                       Anthropic Messages request and answer, plain JSON)
                  POST /model/{modelId}/invoke-with-response-stream
                       (InvokeModelWithResponseStream: the same request; the
                       answer is an AWS event stream, one `chunk` event per
                       Anthropic streaming event, its JSON base64 in "bytes")

Any other path is answered 404 UnknownOperationException and logged as
op "unknown" with its path (and model, for /model/{modelId}/...), so a
client calling an operation the fake lacks cannot go unnoticed.

Point the SDKs at it with AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO,
AWS_ENDPOINT_URL_BEDROCK and AWS_ENDPOINT_URL_BEDROCK_RUNTIME, all set to
http://127.0.0.1:PORT (Claude Code reads ANTHROPIC_BEDROCK_BASE_URL for the
runtime instead). Signatures are not checked; the Bedrock region is read
from the SigV4 credential scope of the Authorization header
(Credential=AKID/20260101/eu-central-1/bedrock/aws4_request), else
default_region.

Usage:
  python3 server.py --port 0 --port-file PATH [--verbose] [--exit-on-stdin-eof]
With --port 0 a free port is chosen; its number is written to PATH (atomically)
once the socket listens. --verbose logs one line per request to stderr (never
tokens or secrets). --exit-on-stdin-eof stops the server when stdin closes.

Errors look like AWS's: status code, an `x-amzn-errortype: Code:<url>`
header (SDKs take the code from it and cut at ':'), and the body
{"error": "snake_code", "error_description": msg} for SSO-OIDC, or
{"message": msg} for the other services. No body carries the code.

Admin API (JSON) under /_fake/:
  GET  /_fake/state    devices (userCode, status, polls), token counters,
                       requests {"svc:Op": count}, log [{op, status, region?,
                       model?, path?}] (last 500), never any token or secret.
                       Every runtime request's entry has its model id as
                       sent (URL-decoded) and the region it was signed for.
  GET  /_fake/config   the effective switches.
  POST /_fake/config   merges an object of switches, answers the result.
                       Unknown names are refused (400). A null value resets
                       a switch to its default; in the dict-valued switches
                       (roles, inference_profiles, converse_errors, delay,
                       fail) the keys are merged, a null value removes a key.
  POST /_fake/approve  {"user_code": "ABCD-EFGH"} or {} for all pending ones.
  POST /_fake/deny     same; CreateToken then answers AccessDeniedException.
  POST /_fake/revoke_refresh_tokens   every refresh token becomes invalid.
  POST /_fake/expire_access_tokens    every access token expires (SSO: 401).
  POST /_fake/reset    forget all state and switches.
  GET  /_fake/state also lists "authorizations" [{clientId, status}] (status
                       issued, used) and "registrations" [{clientName,
                       grantTypes, redirectUris, issuerUrl, scopes}].
  POST /_fake/issue_token  {"client_id": C}: a fresh access/refresh token
                       pair, as CreateToken would give after an approval
                       (for tests that need a signed-in portal, not a login).
  GET  /_fake/device?user_code=X      approves X, as a user would in the
                       browser (the default verificationUriComplete).

Switches (defaults in DEFAULT_CONFIG below):
  auto_approve (false), auto_approve_after_polls (0): approve device codes by
    themselves, after that many pending answers.
  authorize_action ("approve"): what /authorize does: "approve" (redirect
    with a code), "deny" (redirect with error=access_denied).
  interval (1), device_expires_in (600), verification_uri (null = this
    server's /_fake/device).
  slow_down (false): SlowDownException when CreateToken is polled sooner than
    `interval` seconds after the previous poll of that device code.
  token_expires_in (28800), issue_id_token (false), rotate_refresh_tokens
    (true), refresh_token_invalid (false: when true every refresh grant gets
    InvalidGrantException), client_secret_expires_in (90 days).
  secret_marker (""): put into every secret issued (client secrets, device
    codes, access and refresh tokens, secret keys, session tokens).
  accounts [{accountId, accountName, emailAddress}], roles {accountId:
    [roleName]}, sso_page_size (100), role_credentials_expires_in (3600).
  default_region ("us-east-1"), inference_profiles {region: [profile]} where a
    profile is a profile id string or a full InferenceProfileSummary object;
    regions not listed get the generated defaults (see default_profiles).
    profiles_page_size (2).
  converse_check_model (true): every runtime operation (Converse,
    InvokeModel, InvokeModelWithResponseStream) accepts only the region's
    inference profile ids/ARNs; a bare foundation model id it knows gets the
    on-demand ValidationException, anything else "The provided model
    identifier is invalid.". converse_errors {modelId: code or preset}: that
    model always fails, in every runtime operation. converse_text: the reply
    text of every runtime operation. tool_use (null) {"name": N, "input":
    {...}, "when": W}: InvokeModel(WithResponseStream) answers a request
    that offers tool N, carries no tool_result yet and whose last message's
    text contains W (default "": any) with a call to N (stop_reason
    tool_use), so a client runs that tool (Claude Code: its Agent tool, or
    Bash). The text of every tool_result a later request carries is kept
    in the state's `tool_results`; the access key id each Bedrock request
    is signed with is in its log entry (`access_key_id`), and the key ids
    GetRoleCredentials issued are in `role_keys`.
    "Last message" is the last user-role one.
  delay {"svc:Op" | "svc:*" | "*": seconds}: wait before answering.
  fail {"svc:Op" | "svc:*" | "*": {"code": C, "count": N, "message": M,
    "status": S}} (or just "C"): the next N requests (default 1, -1 = all)
    get error C. C is an AWS error code (AuthorizationPendingException,
    TooManyRequestsException, InternalServerException, ...) or a preset:
    access_denied, model_access_not_enabled, use_case_form, invalid_model,
    on_demand_not_supported, throttling, unavailable, internal.
  bearer_keys ([]): the Bedrock API keys (AWS_BEARER_TOKEN_BEDROCK) the
    Bedrock and runtime routes accept as `Authorization: Bearer KEY`; any
    other bearer key gets HTTP 403 {"Message": "Authentication failed:
    Please make sure your API Key is valid."}, the answer Bedrock gives
    (as users of Bedrock API keys report it). A request's log entry says
    how it was authenticated: "auth": "sigv4", "bearer" or "none" (never
    the key).
  svc is one of sso-oidc, sso, bedrock, bedrock-runtime; Op the AWS operation
  name (CreateToken, GetRoleCredentials, ListInferenceProfiles, Converse...).
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import re
import secrets
import string
import struct
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLAUDE_MODELS = {  # the current generation, then the one before
    "anthropic.claude-opus-5-5": "Claude Opus 5.5",
    "anthropic.claude-sonnet-5-5": "Claude Sonnet 5.5",
    "anthropic.claude-haiku-5-5": "Claude Haiku 5.5",
    "anthropic.claude-opus-4-6-v1": "Claude Opus 4.6",
    "anthropic.claude-sonnet-4-6": "Claude Sonnet 4.6",
    "anthropic.claude-haiku-4-5-20251001-v1:0": "Claude Haiku 4.5",
}
OTHER_MODEL = ("amazon.nova-lite-v1:0", "Nova Lite")
AREAS = {  # profile prefix -> (name, regions routed to)
    "us": ("US", ["us-east-1", "us-east-2", "us-west-2"]),
    "eu": ("EU", ["eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"]),
    "apac": ("APAC", ["ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "ap-south-1"]),
    "jp": ("JP", ["ap-northeast-1", "ap-northeast-3"]),
    "au": ("AU", ["ap-southeast-2", "ap-southeast-4"]),
    "global": ("Global", ["us-east-1", "eu-west-1", "ap-northeast-1"]),
}
PROFILE_ACCOUNT = "123456789012"
PROFILE_TIME = "2025-10-01T00:00:00Z"

DEFAULT_CONFIG = {
    "auto_approve": False,
    "auto_approve_after_polls": 0,
    "authorize_action": "approve",
    "interval": 1,
    "device_expires_in": 600,
    "verification_uri": None,
    "slow_down": False,
    "token_expires_in": 28800,
    "issue_id_token": False,
    "rotate_refresh_tokens": True,
    "refresh_token_invalid": False,
    "client_secret_expires_in": 90 * 24 * 3600,
    "accounts": [
        {"accountId": "111111111111", "accountName": "dev", "emailAddress": "dev@example.com"},
        {"accountId": "222222222222", "accountName": "prod", "emailAddress": "prod@example.com"},
        {"accountId": "333333333333", "accountName": "sandbox", "emailAddress": "sandbox@example.com"},
    ],
    "roles": {
        "111111111111": ["AdministratorAccess", "BedrockUser", "ReadOnlyAccess"],
        "222222222222": ["BedrockUser", "ReadOnlyAccess"],
        "333333333333": ["AdministratorAccess"],
    },
    "sso_page_size": 100,
    "role_credentials_expires_in": 3600,
    "default_region": "us-east-1",
    "inference_profiles": {},
    "profiles_page_size": 2,
    "converse_check_model": True,
    "converse_errors": {},
    "converse_text": "Hello from the fake Bedrock.",
    "tool_use": None,
    "delay": {},
    "fail": {},
    "secret_marker": "",
    "bearer_keys": [],
}
DICT_SWITCHES = {k for k, v in DEFAULT_CONFIG.items() if isinstance(v, dict)}

STATUS = {
    "AccessDeniedException": 403, "AuthorizationPendingException": 400, "ExpiredTokenException": 400,
    "ForbiddenException": 403, "InternalServerException": 500, "InvalidClientException": 401,
    "InvalidGrantException": 400, "InvalidRequestException": 400, "InvalidScopeException": 400,
    "ModelErrorException": 424, "ModelNotReadyException": 429, "ModelTimeoutException": 408,
    "ResourceNotFoundException": 404, "ServiceQuotaExceededException": 400,
    "ServiceUnavailableException": 503, "SlowDownException": 400, "ThrottlingException": 429,
    "TooManyRequestsException": 429, "UnauthorizedClientException": 400,
    "UnauthorizedException": 401, "UnsupportedGrantTypeException": 400, "ValidationException": 400,
}
OIDC_STATUS = {"AccessDeniedException": 400}  # every OIDC error but two is a 400
PRESETS = {  # name -> (code, message); messages as AWS words them
    "access_denied": ("AccessDeniedException", "You don't have access to the model with the specified model ID."),
    "model_access_not_enabled": (
        "AccessDeniedException",
        "Model access is denied due to IAM user or service role is not authorized to perform the required "
        "AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable "
        "access to this model. Refer to the Amazon Bedrock documentation for further details. Your AWS "
        "Marketplace subscription for this model cannot be completed at this time. If you recently fixed "
        "this issue, try again after 15 minutes."),
    "use_case_form": (
        "ResourceNotFoundException",
        "Model use case details have not been submitted for this account. Fill out the Anthropic use case "
        "details form before using the model. If you have already filled out the form, try again in 15 minutes."),
    "invalid_model": ("ValidationException", "The provided model identifier is invalid."),
    "on_demand_not_supported": (
        "ValidationException",
        "Invocation of model ID {model} with on-demand throughput isn\u2019t supported. Retry your request "
        "with the ID or ARN of an inference profile that contains this model."),
    "throttling": ("ThrottlingException", "Too many requests, please wait before trying again."),
    "unavailable": ("ServiceUnavailableException", "Bedrock is unable to process your request."),
    "internal": ("InternalServerException", "An internal server error occurred. Retry your request."),
}
OIDC_MESSAGES = {
    "AuthorizationPendingException": "Authorization is still pending",
    "SlowDownException": "Client is polling too fast",
    "ExpiredTokenException": "Device code has expired",
    "AccessDeniedException": "Access denied",
    "InvalidGrantException": "Invalid grant provided",
    "InvalidClientException": "Invalid client provided",
}
MESSAGES = {  # default messages elsewhere: the first preset of each code, and these
    **{code: msg for code, msg in reversed(PRESETS.values())},
    "UnauthorizedException": "Session token not found or invalid",
    "TooManyRequestsException": "Too many requests",
    "ForbiddenException": "No access",
}
CORAL = {"sso-oidc": "com.amazonaws.switchboard.portal", "sso": "com.amazonaws.switchboard.portal",
         "bedrock": "com.amazon.bedrock", "bedrock-runtime": "com.amazon.bedrock"}
BAD_REQUEST = {"sso-oidc": "InvalidRequestException", "sso": "InvalidRequestException",
               "bedrock": "ValidationException", "bedrock-runtime": "ValidationException"}


class ApiError(Exception):
    def __init__(self, code, message=None, status=None):
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


def default_profiles(region):
    """The region's system-defined profiles: its area's and the global ones."""
    area = {"us": "us", "eu": "eu", "ap": "apac"}.get(region.split("-")[0])
    out = []
    for prefix in ([area] if area else []) + ["global"]:
        for model, name in CLAUDE_MODELS.items():
            out.append(profile_summary(region, f"{prefix}.{model}", name))
    if area:
        out.insert(1, profile_summary(region, f"{area}.{OTHER_MODEL[0]}", OTHER_MODEL[1]))
    return out


def profile_summary(region, profile_id, name=None):
    # An application profile's id has no geography prefix: its fields come
    # from the test's own object, these are only defaults.
    prefix, model = profile_id.split(".", 1) if "." in profile_id else ("", profile_id)
    area, regions = AREAS.get(prefix, (prefix.upper(), [region]))
    name = name or model
    return {
        "inferenceProfileName": f"{area} {name}",
        "description": f"Routes requests to {name} in {', '.join(regions)}.",
        "createdAt": PROFILE_TIME, "updatedAt": PROFILE_TIME,
        "inferenceProfileArn": f"arn:aws:bedrock:{region}:{PROFILE_ACCOUNT}:inference-profile/{profile_id}",
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{model}"} for r in regions],
        "inferenceProfileId": profile_id, "status": "ACTIVE", "type": "SYSTEM_DEFINED",
    }


def token(prefix, n=32):
    return prefix + secrets.token_urlsafe(n)


def tool_result_text(block):
    """The text a client sent back as a tool's result (a string, or text
    blocks)."""
    content = block.get("content")
    if isinstance(content, list):
        return "\n".join(c.get("text", "") for c in content if isinstance(c, dict))
    return content if isinstance(content, str) else ""


def key_id(prefix):
    return prefix + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def page(items, next_token, limit):
    """Slices a list for restJson pagination; the token is an opaque offset."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode().removeprefix("o:"))
        except ValueError:
            raise ApiError("bad_request", "Invalid pagination token") from None
    end = start + limit
    nxt = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], nxt


def without_none(d):
    return {k: v for k, v in d.items() if v is not None}


class Fake:
    """All state, behind one lock; handlers run on the server's threads."""

    def __init__(self):
        self.lock = threading.RLock()
        self.base_url = ""
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.clients, self.devices, self.access, self.refresh = {}, {}, {}, {}
            self.codes = {}
            self.counters, self.requests, self.log = Counter(), Counter(), []
            self.role_keys, self.tool_results = [], []

    # ----- admin -----
    def set_config(self, changes):
        if not isinstance(changes, dict):
            raise ValueError("config must be a JSON object")
        unknown = set(changes) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError(f"unknown switches: {sorted(unknown)}")
        with self.lock:
            for name, value in changes.items():
                if value is None:
                    self.config[name] = copy.deepcopy(DEFAULT_CONFIG[name])
                elif name in DICT_SWITCHES:
                    if not isinstance(value, dict):
                        raise ValueError(f"{name} must be an object")
                    for k, v in value.items():
                        if v is None:
                            self.config[name].pop(k, None)
                        elif name == "fail":
                            rule = {"code": v} if isinstance(v, str) else v
                            if not isinstance(rule, dict) or "code" not in rule:
                                raise ValueError(f"fail[{k!r}] needs a code")
                            self.config[name][k] = dict(rule)
                        else:
                            self.config[name][k] = v
                else:
                    self.config[name] = value
            return copy.deepcopy(self.config)

    def decide(self, user_code, status):
        with self.lock:
            done = []
            for dev in self.devices.values():
                if dev["status"] == "pending" and user_code in (None, dev["userCode"]):
                    dev["status"] = status
                    done.append(dev["userCode"])
            return done

    def state(self):
        with self.lock:
            now = time.time()
            return {
                "devices": [{"userCode": d["userCode"], "status": self.device_status(d, now), "polls": d["polls"],
                             "clientName": self.clients.get(d["clientId"], {}).get("clientName")}
                            for d in self.devices.values()],
                "clients_registered": len(self.clients),
                "registrations": [{k: c[k] for k in ("clientName", "grantTypes", "redirectUris", "issuerUrl", "scopes")}
                                  for c in self.clients.values()],
                "authorizations": [{"clientId": a["clientId"], "status": a["status"]} for a in self.codes.values()],
                "tokens": dict(self.counters, access_active=sum(1 for t in self.access.values() if t["exp"] > now),
                               refresh_active=len(self.refresh)),
                "requests": dict(self.requests),
                "log": list(self.log),
                "role_keys": list(self.role_keys),
                "tool_results": list(self.tool_results),
            }

    @staticmethod
    def device_status(dev, now):
        return "expired" if dev["status"] == "pending" and now > dev["exp"] else dev["status"]

    def secret(self, prefix, n):
        """A random secret; with `secret_marker` set, every secret the fake
        issues carries it, so a test can look for any of them in one search."""
        return prefix + self.config["secret_marker"] + secrets.token_urlsafe(n)

    # ----- switches applied to every AWS request -----
    def lookup(self, table, svc, op):
        for key in (f"{svc}:{op}", f"{svc}:*", "*"):
            if key in table:
                return key
        return None

    def forced_failure(self, svc, op):
        with self.lock:
            fails = self.config["fail"]
            key = self.lookup(fails, svc, op)
            if key is None:
                return None
            rule = fails[key]
            count = rule.get("count", 1)
            if count > 0:
                count -= 1
                if count == 0:
                    del fails[key]
                else:
                    rule["count"] = count
            return ApiError(rule["code"], rule.get("message"), rule.get("status"))

    # ----- SSO-OIDC -----
    def client(self, body):
        c = self.clients.get(body.get("clientId"))
        if c is None or c["secret"] != body.get("clientSecret"):
            raise ApiError("InvalidClientException", "Invalid client provided")
        return c

    def register_client(self, req):
        b = req["body"]
        if not b.get("clientName") or not b.get("clientType"):
            raise ApiError("InvalidRequestException", "clientName and clientType are required")
        now = int(time.time())
        cid, secret = token("", 16), self.secret("", 48)
        with self.lock:
            self.clients[cid] = {"secret": secret, "clientName": b["clientName"],
                                 "grantTypes": b.get("grantTypes") or [], "redirectUris": b.get("redirectUris") or [],
                                 "issuerUrl": b.get("issuerUrl"), "scopes": b.get("scopes") or []}
        return {"clientId": cid, "clientSecret": secret, "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + int(self.config["client_secret_expires_in"])}

    def start_device_authorization(self, req):
        with self.lock:
            self.client(req["body"])
            if not req["body"].get("startUrl"):
                raise ApiError("InvalidRequestException", "startUrl is required")
            cfg = self.config
            letters = "BCDFGHJKLMNPQRSTVWXZ"
            user_code = "-".join("".join(secrets.choice(letters) for _ in range(4)) for _ in range(2))
            device_code = self.secret("", 48)
            self.devices[device_code] = {
                "userCode": user_code, "clientId": req["body"]["clientId"], "status": "pending", "polls": 0,
                "last_poll": None, "exp": time.time() + cfg["device_expires_in"]}
            uri = cfg["verification_uri"] or f"{self.base_url}/_fake/device"
            return {"deviceCode": device_code, "userCode": user_code, "verificationUri": uri,
                    "verificationUriComplete": f"{uri}?user_code={user_code}",
                    "expiresIn": cfg["device_expires_in"], "interval": cfg["interval"]}

    def issue_tokens(self, client_id):
        cfg, now = self.config, time.time()
        access, refresh = self.secret("aoa", 32), self.secret("aor", 64)
        self.access[access] = {"exp": now + cfg["token_expires_in"]}
        self.refresh[refresh] = {"clientId": client_id}
        self.counters["access_issued"] += 1
        self.counters["refresh_issued"] += 1
        out = {"accessToken": access, "tokenType": "Bearer", "expiresIn": cfg["token_expires_in"],
               "refreshToken": refresh}
        if cfg["issue_id_token"]:
            part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
            out["idToken"] = f"{part({'alg': 'none'})}.{part({'sub': 'fake-user', 'iat': int(now)})}."
        return out

    def create_token(self, req):
        b = req["body"]
        with self.lock:
            self.client(b)
            grant = b.get("grantType")
            if grant == DEVICE_GRANT:
                return self.device_grant(b)
            if grant == "authorization_code":
                return self.code_grant(b)
            if grant == "refresh_token":
                entry = self.refresh.get(b.get("refreshToken"))
                if self.config["refresh_token_invalid"] or entry is None or entry["clientId"] != b["clientId"]:
                    raise ApiError("InvalidGrantException", "Invalid refresh token provided")
                if self.config["rotate_refresh_tokens"]:
                    del self.refresh[b["refreshToken"]]
                self.counters["refreshed"] += 1
                return self.issue_tokens(b["clientId"])
            raise ApiError("UnsupportedGrantTypeException", f"Unsupported grant type: {grant}")

    def authorize(self, query):
        """The authorize page: checks the request as IAM Identity Center
        would, then approves (or denies) at once. Returns the redirect URL,
        or raises ApiError for a request no real page would redirect."""
        with self.lock:
            client = self.clients.get(query.get("client_id"))
            if client is None:
                raise ApiError("InvalidClientException", "Invalid client provided")
            if "authorization_code" not in client["grantTypes"]:
                raise ApiError("UnauthorizedClientException", "Client is not registered for authorization_code")
            redirect = query.get("redirect_uri") or ""
            host = urlsplit(redirect).hostname
            if urlsplit(redirect).scheme != "http" or host not in ("127.0.0.1", "localhost"):
                raise ApiError("InvalidRequestException", "redirect_uri must be a loopback http URI")
            if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                    or not query.get("code_challenge") or not query.get("state"):
                raise ApiError("InvalidRequestException", "response_type, state and an S256 code_challenge are required")
            sep = "&" if "?" in redirect else "?"
            if self.config["authorize_action"] == "deny":
                return f"{redirect}{sep}error=access_denied&state={quote(query['state'], safe='')}"
            code = self.secret("code", 24)
            self.codes[code] = {"clientId": query["client_id"], "redirect_uri": redirect,
                                "challenge": query["code_challenge"], "status": "issued", "exp": time.time() + 600}
            return f"{redirect}{sep}code={quote(code, safe='')}&state={quote(query['state'], safe='')}"

    def code_grant(self, b):
        """CreateToken with grantType authorization_code: the code must be
        this client's, unused and fresh, the redirect_uri the one authorized,
        and BASE64URL(SHA256(codeVerifier)) the challenge (RFC 7636 S256)."""
        entry = self.codes.get(b.get("code"))
        if entry is None or entry["clientId"] != b["clientId"] or entry["status"] != "issued" \
                or entry["exp"] < time.time():
            raise ApiError("InvalidGrantException", "Invalid authorization code provided")
        if b.get("redirectUri") != entry["redirect_uri"]:
            raise ApiError("InvalidGrantException", "redirect_uri does not match the authorization")
        verifier = b.get("codeVerifier") or ""
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if challenge != entry["challenge"]:
            self.counters["verifier_refused"] += 1
            raise ApiError("InvalidGrantException", "Code verifier does not match the code challenge")
        entry["status"] = "used"
        return self.issue_tokens(b["clientId"])

    def device_grant(self, b):
        dev, now = self.devices.get(b.get("deviceCode")), time.time()
        if dev is None or dev["clientId"] != b["clientId"] or dev["status"] == "used":
            raise ApiError("InvalidGrantException", "Invalid device code provided")
        if self.device_status(dev, now) == "expired":
            raise ApiError("ExpiredTokenException", "Device code has expired")
        if dev["status"] == "denied":
            raise ApiError("AccessDeniedException", "Access denied")
        last, dev["last_poll"] = dev["last_poll"], now
        if dev["status"] == "pending":
            if self.config["slow_down"] and last is not None and now - last < self.config["interval"]:
                raise ApiError("SlowDownException", "Client is polling too fast")
            dev["polls"] += 1
            if self.config["auto_approve"] and dev["polls"] > self.config["auto_approve_after_polls"]:
                dev["status"] = "approved"
            else:
                raise ApiError("AuthorizationPendingException", "Authorization is still pending")
        dev["status"] = "used"
        return self.issue_tokens(b["clientId"])

    # ----- SSO portal -----
    def bearer(self, req):
        entry = self.access.get(req["headers"].get("x-amz-sso_bearer_token") or "")
        if entry is None or entry["exp"] <= time.time():
            raise ApiError("UnauthorizedException", "Session token not found or invalid")

    def page_size(self, req, cfg_name, cap):
        try:
            asked = int(req["query"].get("max_result") or req["query"].get("maxResults") or cap)
        except ValueError:
            raise ApiError("bad_request", "maxResults must be an integer") from None
        if not 1 <= asked <= cap:
            raise ApiError("bad_request", f"maxResults must be between 1 and {cap}")
        return min(asked, int(self.config[cfg_name]))

    def get_role_credentials(self, req):
        with self.lock:
            self.bearer(req)
            q = req["query"]
            if not q.get("role_name") or not q.get("account_id"):
                raise ApiError("InvalidRequestException", "role_name and account_id are required")
            if q["role_name"] not in self.config["roles"].get(q["account_id"], []):
                raise ApiError("ForbiddenException", "No access")
            exp_ms = int((time.time() + self.config["role_credentials_expires_in"]) * 1000)
            issued = key_id("ASIA")
            self.role_keys.append(issued)
        return {"roleCredentials": {"accessKeyId": issued, "secretAccessKey": self.secret("", 30)[:40],
                                    "sessionToken": self.secret("IQoJb3JpZ2luX2Vj", 96), "expiration": exp_ms}}

    def list_accounts(self, req):
        with self.lock:
            self.bearer(req)
            items, nxt = page(self.config["accounts"], req["query"].get("next_token"),
                              self.page_size(req, "sso_page_size", 100))
        return without_none({"accountList": items, "nextToken": nxt})

    def list_account_roles(self, req):
        with self.lock:
            self.bearer(req)
            acct = req["query"].get("account_id")
            if not acct:
                raise ApiError("InvalidRequestException", "account_id is required")
            roles = [{"roleName": r, "accountId": acct} for r in self.config["roles"].get(acct, [])]
            items, nxt = page(roles, req["query"].get("next_token"), self.page_size(req, "sso_page_size", 100))
        return without_none({"roleList": items, "nextToken": nxt})

    def logout(self, req):
        with self.lock:
            self.bearer(req)
            del self.access[req["headers"]["x-amz-sso_bearer_token"]]
        return None

    # ----- Bedrock -----
    def profiles(self, region):
        configured = self.config["inference_profiles"].get(region)
        if configured is None:
            return default_profiles(region)
        return [profile_summary(region, p) if isinstance(p, str)
                else {**profile_summary(region, p["inferenceProfileId"]), **p} for p in configured]

    def list_inference_profiles(self, req):
        with self.lock:
            items = self.profiles(req["region"])
            kind = req["query"].get("type")
            if kind:
                items = [p for p in items if p["type"] == kind]
            items, nxt = page(items, req["query"].get("nextToken"),
                              self.page_size(req, "profiles_page_size", 1000))
        return without_none({"inferenceProfileSummaries": items, "nextToken": nxt})

    def check_model(self, req):
        """Refuses a model the calling region cannot run, as Bedrock does:
        only the region's inference profile ids and ARNs are accepted."""
        model = req["model"]
        with self.lock:
            preset = self.config["converse_errors"].get(model)
            if preset:
                raise ApiError(preset)
            if self.config["converse_check_model"]:
                profiles = self.profiles(req["region"])
                if not any(model in (p["inferenceProfileId"], p["inferenceProfileArn"]) for p in profiles):
                    bases = {m["modelArn"].rsplit("/", 1)[1] for p in profiles for m in p["models"]}
                    base = model.rsplit(":foundation-model/", 1)[-1]
                    raise ApiError("on_demand_not_supported" if base in bases else "invalid_model")
            return self.config["converse_text"]

    def converse(self, req):
        text = self.check_model(req)
        if not req["body"].get("messages"):
            raise ApiError("ValidationException", "The messages field is required.")
        max_tokens = (req["body"].get("inferenceConfig") or {}).get("maxTokens", 1)
        inp, out = 12, max(1, min(int(max_tokens), 5))
        return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "max_tokens", "usage": {"inputTokens": inp, "outputTokens": out,
                                                      "totalTokens": inp + out},
                "metrics": {"latencyMs": 42}}

    def anthropic_message(self, req):
        """The Anthropic Messages answer InvokeModel gives for a Claude
        model: the body is the Messages API's, minus `model` and `stream`
        (the model is in the path), plus `anthropic_version`. With the
        `tool_use` switch set, a request that offers that tool and does not
        already carry a tool result is answered with a call to it."""
        text = self.check_model(req)
        body = req["body"]
        if not body.get("messages"):
            raise ApiError("ValidationException", "messages: Field required")
        if not body.get("anthropic_version"):
            raise ApiError("ValidationException", "anthropic_version: Field required")
        if "model" in body:
            raise ApiError("ValidationException", "model: Extra inputs are not permitted")
        with self.lock:
            call = copy.deepcopy(self.config["tool_use"])
        offered = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
        # The last user turn: newer models' requests may end with a
        # system-role message (Claude Code 2.1.332 does so for Claude 5.5).
        users = [m for m in body["messages"] if isinstance(m, dict) and m.get("role") == "user"]
        last = users[-1].get("content") if users else None
        blocks = [{"type": "text", "text": last}] if isinstance(last, str) else last if isinstance(last, list) else []
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        answered = bool(results)
        if results:
            with self.lock:
                self.tool_results.extend(tool_result_text(b) for b in results)
        said = " ".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
        if call and call.get("name") in offered and not answered and call.get("when", "") in said:
            content = [{"type": "tool_use", "id": "toolu_bdrk_" + secrets.token_hex(12), "name": call["name"],
                        "input": call.get("input") or {}}]
            stop, out = "tool_use", 20
        else:
            content, stop, out = [{"type": "text", "text": text}], "end_turn", max(1, len(text.split()))
        return {"id": "msg_bdrk_" + secrets.token_hex(12), "type": "message", "role": "assistant",
                "model": req["model"], "content": content, "stop_reason": stop,
                "stop_sequence": None, "usage": {"input_tokens": 12, "output_tokens": out}}

    def invoke(self, req):
        return self.anthropic_message(req)

    def invoke_stream(self, req):
        """The same answer as InvokeModel, as the Anthropic streaming events
        Bedrock sends: each event's JSON, base64, in the `bytes` field of
        one AWS event-stream `chunk` message."""
        msg = self.anthropic_message(req)
        block, usage = msg["content"][0], msg["usage"]
        start = {**msg, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
        if block["type"] == "tool_use":
            opened = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opened, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": block["text"]}
        events = [
            {"type": "message_start", "message": start},
            {"type": "content_block_start", "index": 0, "content_block": opened},
            {"type": "content_block_delta", "index": 0, "delta": delta},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
             "usage": {"output_tokens": usage["output_tokens"]}},
            {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": usage["input_tokens"], "outputTokenCount": usage["output_tokens"],
                "invocationLatency": 42, "firstByteLatency": 21}},
        ]
        data = b"".join(event_stream_message(
            {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"},
            json.dumps({"bytes": base64.b64encode(json.dumps(e).encode()).decode()}).encode()) for e in events)
        return Raw(data, "application/vnd.amazon.eventstream",
                   {"x-amzn-bedrock-content-type": "application/json"})


class Raw:
    """A handler's answer that is not JSON: bytes with their content type."""

    def __init__(self, data, content_type, headers=None):
        self.data, self.content_type, self.headers = data, content_type, headers or {}


def event_stream_message(headers, payload):
    """One message of the AWS event stream encoding
    (application/vnd.amazon.eventstream): a 12-byte prelude (total length,
    headers length, CRC32 of those 8 bytes), the headers (name length, name,
    type 7 = string, value length, value), the payload, and the CRC32 of
    everything before it; all integers big-endian."""
    head = b""
    for name, value in headers.items():
        n, v = name.encode(), value.encode()
        head += struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v
    prelude = struct.pack(">II", 12 + len(head) + len(payload) + 4, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    msg = prelude + head + payload
    return msg + struct.pack(">I", zlib.crc32(msg))


ROUTES = [  # method, path pattern, service, operation, handler name
    ("POST", r"/client/register", "sso-oidc", "RegisterClient", "register_client"),
    ("POST", r"/device_authorization", "sso-oidc", "StartDeviceAuthorization", "start_device_authorization"),
    ("POST", r"/token", "sso-oidc", "CreateToken", "create_token"),
    ("GET", r"/federation/credentials", "sso", "GetRoleCredentials", "get_role_credentials"),
    ("GET", r"/assignment/accounts", "sso", "ListAccounts", "list_accounts"),
    ("GET", r"/assignment/roles", "sso", "ListAccountRoles", "list_account_roles"),
    ("POST", r"/logout", "sso", "Logout", "logout"),
    ("GET", r"/inference-profiles", "bedrock", "ListInferenceProfiles", "list_inference_profiles"),
    ("POST", r"/model/(?P<model>[^/]+)/converse", "bedrock-runtime", "Converse", "converse"),
    ("POST", r"/model/(?P<model>[^/]+)/invoke", "bedrock-runtime", "InvokeModel", "invoke"),
    ("POST", r"/model/(?P<model>[^/]+)/invoke-with-response-stream", "bedrock-runtime",
     "InvokeModelWithResponseStream", "invoke_stream"),
]
UNKNOWN_MODEL_PATH = re.compile(r"/model/(?P<model>[^/]+)/.*")
REGION_RE = re.compile(r"Credential=(?P<key>[^/,\s]+)/\d{8}/(?P<region>[a-z0-9-]+)/")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAWS/1.0"
    fake: Fake = None
    verbose = False
    record = None  # set per request by dispatch, called by send

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def log_message(self, fmt, *args):
        pass  # the default would log query strings; dispatch logs what is safe

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return data
                data += self.rfile.read(size + 2)[:size]
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send(self, status, body, headers=None):
        if isinstance(body, Raw):
            data, content_type, headers = body.data, body.content_type, {**body.headers, **(headers or {})}
        else:
            data, content_type = b"" if body is None else json.dumps(body).encode(), "application/json"
        # Record the request before the client can see the answer: a client
        # that asks for the state right after would otherwise race this
        # thread (under load it lost, and saw the log one entry short).
        record, self.record = getattr(self, "record", None), None
        if record:
            record(status)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (a timeout test): nothing to answer
            self.close_connection = True

    def send_api_error(self, svc, err, model):
        code, message = err.code, err.message
        if code == "bad_request":
            code = BAD_REQUEST[svc]
        if code in PRESETS:
            code, default = PRESETS[code]
            message = message or default.format(model=model)
        message = message or (OIDC_MESSAGES if svc == "sso-oidc" else MESSAGES).get(code, code)
        status = err.status or (OIDC_STATUS if svc == "sso-oidc" else {}).get(code) or STATUS.get(code, 400)
        if svc == "sso-oidc":
            snake = re.sub(r"(?<!^)([A-Z])", r"_\1", code.removesuffix("Exception")).lower()
            body = {"error": "server_error" if snake == "internal_server" else snake, "error_description": message}
        else:
            body = {"message": message}
        self.send(status, body, {"x-amzn-errortype": f"{code}:http://internal.amazon.com/coral/{CORAL[svc]}/"})
        return status

    def dispatch(self):
        url = urlsplit(self.path)
        raw = self.read_body()
        if url.path.startswith("/_fake/"):
            return self.admin(url, raw)
        if url.path == "/authorize" and self.command == "GET":
            return self.authorize_page(url)
        for method, pattern, svc, op, name in ROUTES:
            m = re.fullmatch(pattern, url.path)
            if m and method == self.command:
                break
        else:
            return self.unknown_operation(url.path)
        fake = self.fake
        auth = REGION_RE.search(self.headers.get("Authorization", ""))
        req = {"query": {k: v[0] for k, v in parse_qs(url.query).items()},
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "region": auth.group("region") if auth else fake.config["default_region"],
               "model": unquote(m.group("model")) if "model" in pattern else None}
        authorization = self.headers.get("Authorization", "")
        bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
        def record(status):
            entry = {"op": f"{svc}:{op}", "status": status}
            if svc.startswith("bedrock"):
                entry["region"] = req["region"]
                entry["auth"] = "bearer" if bearer is not None else "sigv4" if auth else "none"
                if auth:
                    entry["access_key_id"] = auth.group("key")
            if req["model"]:
                entry["model"] = req["model"]
            with fake.lock:
                fake.requests[entry["op"]] += 1
                fake.log = (fake.log + [entry])[-500:]
            if self.verbose:
                sys.stderr.write(f"fake_aws: {self.command} {url.path} {entry['op']} -> {status}\n")

        self.record = record
        with fake.lock:
            delay = fake.config["delay"].get(fake.lookup(fake.config["delay"], svc, op), 0)
        if delay:
            time.sleep(float(delay))
        if svc.startswith("bedrock") and bearer is not None:
            with fake.lock:
                known = bearer in fake.config["bearer_keys"]
            if not known:
                return self.send(403, {"Message": "Authentication failed: Please make sure your API Key is valid."})
        err = fake.forced_failure(svc, op)
        try:
            req["body"] = json.loads(raw) if raw.strip() else {}
            if not isinstance(req["body"], dict):
                raise ValueError("body is not an object")
        except ValueError:
            err = err or ApiError("bad_request", "Malformed JSON body")
        try:
            if err:
                raise err
            self.send(200, getattr(fake, name)(req))
        except ApiError as e:
            self.send_api_error(svc, e, req["model"])
        except Exception as e:  # a bug in the fake: say so, answer like AWS would
            sys.stderr.write(f"fake_aws: {op} failed: {type(e).__name__}: {e}\n")
            self.send_api_error(svc, ApiError("InternalServerException"), req["model"])

    def authorize_page(self, url):
        """GET /authorize: a browser page, not an API: logged as
        sso-oidc:Authorize; a 302 to the loopback, or a 400 naming the
        problem."""
        fake = self.fake
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with fake.lock:
            delay = fake.config["delay"].get(fake.lookup(fake.config["delay"], "sso-oidc", "Authorize"), 0)
        if delay:
            time.sleep(float(delay))
        try:
            err = fake.forced_failure("sso-oidc", "Authorize")
            if err:
                raise err
            location = fake.authorize(query)
            status, body, headers = 302, None, {"Location": location}
        except ApiError as e:
            status, body, headers = 400, {"error": e.code, "error_description": e.message or e.code}, {}
        with fake.lock:
            fake.requests["sso-oidc:Authorize"] += 1
            fake.log = (fake.log + [{"op": "sso-oidc:Authorize", "status": status}])[-500:]
        if self.verbose:
            sys.stderr.write(f"fake_aws: GET /authorize sso-oidc:Authorize -> {status}\n")
        self.send(status, body, headers)

    def unknown_operation(self, path):
        """Logs a request the fake has no route for (with its model, if the
        path names one) and answers as AWS does an unknown operation."""
        entry = {"op": "unknown", "status": 404, "path": path}
        m = UNKNOWN_MODEL_PATH.fullmatch(path)
        if m:
            entry["model"] = unquote(m.group("model"))
        auth = REGION_RE.search(self.headers.get("Authorization", ""))
        if auth:
            entry["region"] = auth.group("region")
        with self.fake.lock:
            self.fake.requests["unknown"] += 1
            self.fake.log = (self.fake.log + [entry])[-500:]
        if self.verbose:
            sys.stderr.write(f"fake_aws: {self.command} {path} unknown -> 404\n")
        return self.send(404, {"message": "Not Found"}, {"x-amzn-errortype": "UnknownOperationException"})

    def admin(self, url, raw):
        fake, action = self.fake, url.path.removeprefix("/_fake/")
        try:
            body = json.loads(raw) if raw.strip() else {}
            body = body if isinstance(body, dict) else {}
            if action == "state" and self.command == "GET":
                return self.send(200, fake.state())
            if action == "config":
                return self.send(200, fake.set_config(body) if self.command == "POST" else fake.config)
            if action == "device" and self.command == "GET":
                code = parse_qs(url.query).get("user_code", [None])[0]
                return self.send(200, {"approved": fake.decide(code, "approved") if code else []})
            if self.command == "POST" and action in ("approve", "deny"):
                done = fake.decide(body.get("user_code"), "approved" if action == "approve" else "denied")
                return self.send(200, {action + ("d" if action == "approve" else "ied"): done})
            if self.command == "POST" and action == "revoke_refresh_tokens":
                with fake.lock:
                    n, fake.refresh = len(fake.refresh), {}
                return self.send(200, {"revoked": n})
            if self.command == "POST" and action == "expire_access_tokens":
                with fake.lock:
                    for t in fake.access.values():
                        t["exp"] = 0
                return self.send(200, {"expired": len(fake.access)})
            if self.command == "POST" and action == "issue_token":
                with fake.lock:
                    return self.send(200, fake.issue_tokens(body.get("client_id") or "test-client"))
            if self.command == "POST" and action == "reset":
                fake.reset()
                return self.send(200, {"reset": True})
            return self.send(404, {"message": f"no admin action {self.command} {action}"})
        except ValueError as e:
            return self.send(400, {"message": str(e)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    args = ap.parse_args()

    Handler.fake, Handler.verbose = Fake(), args.verbose
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    Handler.fake.base_url = f"http://127.0.0.1:{port}"
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    if args.verbose:
        sys.stderr.write(f"fake_aws: listening on 127.0.0.1:{port}\n")
    if args.exit_on_stdin_eof:
        def watch():
            sys.stdin.read()
            server.shutdown()
        threading.Thread(target=watch, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
