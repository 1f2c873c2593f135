#!/usr/bin/env python3
"""Drive clouddb-sim with the vendors' official Python SDKs and report what each call gets.

The sim must answer the official SDKs as the real clouds do (docs/sim.md). This probe calls every
action the sim serves through:

  * tencentcloud-sdk-python (cdb, postgres, mariadb): HttpProfile.reqMethod GET and POST, ClientProfile
    signMethod TC3-HMAC-SHA256 (with and without `unsignedPayload`), HmacSHA256 and HmacSHA1;
  * alibabacloud-polardb20170801 on alibabacloud-tea-openapi: the generated client with
    ACS3-HMAC-SHA256 (the default), ACS3-HMAC-SM3 and signature_algorithm "v2" (HMAC-SHA1 RPC),
    and the generic `call_api` with GET (query) and POST (form body);
  * aliyun-python-sdk-core with aliyunsdkpolardb: the generated request classes and CommonRequest
    with GET (query) and POST (form body).

Each style is tried twice: with the sim's own address as the endpoint, and with the vendor's
host name as the endpoint (`cdb.tencentcloudapi.com`, `polardb.aliyuncs.com`) reached through an
HTTP proxy, so the sim sees the Host header the real cloud sees.

Every SDK talks to a small recording proxy in front of the sim, so each call's exact request and
answer are kept. After each call the probe reads the sim's own log (`GET /_sim/requests`), so a
call that never reached a vendor handler shows as such. The sim is reset (`POST /_sim/reset`)
before each style, so with `--url` the target sim's state is lost.

A last group answers the SDKs with canned responses (not the sim) to record how each SDK treats
HTTP statuses, content types and error bodies.

Run it with a Python that has the SDKs (the JSON written by `--out` records their versions):

    python3 -m venv .tools/sdk-venv
    .tools/sdk-venv/bin/pip install tencentcloud-sdk-python-common tencentcloud-sdk-python-cdb \
        tencentcloud-sdk-python-postgres tencentcloud-sdk-python-mariadb alibabacloud-polardb20170801 \
        alibabacloud-tea-openapi aliyun-python-sdk-core aliyun-python-sdk-polardb
    .tools/sdk-venv/bin/python sim/tests/sdk/probe.py --sim target/debug/clouddb-sim --out /tmp/probe.json

It exits 0 when every probe got what the real cloud answers, 1 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

try:
    from tencentcloud.common import credential as tc_credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.cdb.v20170320 import cdb_client, models as cdb_models
    from tencentcloud.postgres.v20170312 import postgres_client, models as postgres_models
    from tencentcloud.mariadb.v20170312 import mariadb_client, models as mariadb_models

    from alibabacloud_polardb20170801 import models as polardb_models
    from alibabacloud_polardb20170801.client import Client as PolarDbClient
    from alibabacloud_tea_openapi import utils_models as tea_models
    from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
    from alibabacloud_tea_openapi.utils import Utils as TeaUtils
    from darabonba.runtime import RuntimeOptions

    from aliyunsdkcore.acs_exception.exceptions import ClientException as CoreClientException
    from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest
except ImportError as missing:  # pragma: no cover - explains the set-up instead of a traceback
    sys.exit(
        f"probe.py needs the vendors' SDKs ({missing.name} is missing): install them in a venv as "
        "this script's docstring says and run it with that venv's python."
    )

# The built-in fixture (`clouddb-sim --print-fixture`).
TC_SECRET_ID, TC_SECRET_KEY = "AKIDsim", "sim-secret"
ALI_KEY_ID, ALI_KEY_SECRET = "LTAIsim", "sim-secret"
TC_REGION, ALI_REGION = "ap-guangzhou", "cn-hangzhou"
CDB, PG, TDSQL, CLUSTER = "cdb-sim00001", "postgres-sim00001", "tdsql-sim00001", "pc-sim00001"
POLARDB_VERSION = "2017-08-01"

# What a call is signed with: the fixture's key, the right id with a wrong secret, or an id the
# sim does not know.
GOOD, WRONG_SECRET, UNKNOWN_ID = "good key", "wrong secret", "unknown key id"


# ----------------------------------------------------------------------------------------------
# The sim, its admin API, and the recording proxy in front of it
# ----------------------------------------------------------------------------------------------


class SimProcess:
    """A clouddb-sim binary started on a free loopback port; stopped by `stop()`."""

    def __init__(self, binary: str, log_path: str):
        self.log = open(log_path, "w")
        # --task-ms 0: cdb's async tasks end at once, so DescribeAsyncRequestInfo needs no wait.
        self.process = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--task-ms", "0"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        first = self.process.stdout.readline().strip()
        if not first.startswith("listening on "):
            self.stop()
            raise SystemExit(f"{binary} did not start: first stdout line was {first!r}")
        self.url = first.split()[-1]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class SimAdmin:
    """The sim's admin API (docs/sim.md, "Admin API"), called directly, never via the recorder."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def reset(self) -> None:
        self._call("POST", "/_sim/reset")

    def clear_log(self) -> None:
        self._call("DELETE", "/_sim/requests")

    def log(self) -> list:
        return self._call("GET", "/_sim/requests")


class Recorder:
    """A proxy in front of the sim that keeps every exchange as it went over the wire.

    SDKs reach it in two ways. As a reverse proxy, when their endpoint is the recorder's own
    address. As a forward HTTP proxy, when their endpoint is the vendor's host name and the
    recorder is their proxy: they then send absolute-form targets (`POST http://cdb.tencentcloudapi.com/`)
    with the vendor's Host header. Either way the recorder hands the sim an origin-form target
    and the SDK's headers and body unchanged (Host included), so the sim checks signatures over
    exactly what a vendor's server would receive.

    `canned`, when set, is a function of the recorded request that answers instead of the sim.
    """

    def __init__(self, upstream: str):
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.exchanges: list[dict] = []
        self.canned: Optional[Callable[[dict], tuple[int, list, bytes]]] = None
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecorderHandler)
        self.server.daemon_threads = True
        self.server.recorder = self
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[dict]:
        """The exchanges since the last call."""
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken

    def keep(self, exchange: dict) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# Headers that belong to one hop and are not passed on in answers.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class _RecorderHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep the probe's output to its table
        pass

    def do_GET(self) -> None:
        self._relay()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def _relay(self) -> None:
        recorder: Recorder = self.server.recorder
        # The SDKs probed send a Content-Length with every body (none uses chunked encoding).
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target, via_proxy = self.path, False
        if "://" in target:
            parts = urllib.parse.urlsplit(target)
            target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
            via_proxy = True
        exchange = {
            "method": self.command,
            "target": target,
            "via_proxy": via_proxy,
            "headers": list(self.headers.items()),
            "body": body.decode("utf-8", "replace"),
        }
        if recorder.canned is not None:
            status, answer_headers, answer = recorder.canned(exchange)
        else:
            connection = http.client.HTTPConnection(*recorder.upstream, timeout=30)
            try:
                # skip_host/skip_accept_encoding: send the SDK's headers and nothing else.
                connection.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
                for name, value in exchange["headers"]:
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                status, answer_headers, answer = response.status, response.getheaders(), response.read()
            except (OSError, http.client.HTTPException) as error:
                # The sim closed the connection without answering (a fault): do the same.
                exchange["response"] = {"dropped": str(error)}
                recorder.keep(exchange)
                self.close_connection = True
                return
            finally:
                connection.close()
        exchange["response"] = {
            "status": status,
            "headers": answer_headers,
            "body": answer.decode("utf-8", "replace"),
        }
        recorder.keep(exchange)
        self.send_response_only(status)
        for name, value in answer_headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)


# ----------------------------------------------------------------------------------------------
# What is probed
# ----------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One API call, in the API's own parameter names and JSON types."""

    service: str
    action: str
    # The parameters, or a function of what earlier calls left in the context (AsyncRequestId).
    params: Any
    note: str
    # "ok" or the error code the real API answers.
    expect: str = "ok"
    key: str = GOOD
    # Looks at a successful answer; returns what is wrong with it, or None.
    check: Optional[Callable[[dict], Optional[str]]] = None
    # Keeps values of a successful answer for later calls.
    keep: Optional[Callable[[dict, dict], None]] = None
    # Calls again (at most 20 times) while this says the answer is not final yet.
    again: Optional[Callable[[dict], bool]] = None


def _fields(answer: dict, *path: str) -> Any:
    for name in path:
        answer = (answer or {}).get(name)
    return answer


def _expect_equal(what: str, got: Any, want: Any) -> Optional[str]:
    return None if got == want else f"{what} is {got!r}, expected {want!r}"


def _needs(name: str) -> Callable[[dict], dict]:
    """Parameters from the context; a missing value means an earlier call failed."""

    def params(context: dict) -> dict:
        if name not in context:
            raise LookupError(f"needs {name} from an earlier call, which failed")
        return context[name]

    return params


# ---- Tencent CDB -----------------------------------------------------------------------------

CDB_GRANT = {
    "InstanceId": CDB,
    "Accounts": [{"User": "app", "Host": "%"}],
    "GlobalPrivileges": ["PROCESS"],
    "DatabasePrivileges": [{"Database": "shop", "Privileges": ["SELECT", "SHOW VIEW"]}],
    "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["INSERT"]}],
    "ColumnPrivileges": [
        {"Database": "shop", "Table": "orders", "Column": "total", "Privileges": ["UPDATE"]}
    ],
    "ModifyAction": "grant",
}


def _cdb_granted(answer: dict) -> Optional[str]:
    got = {
        "global": answer.get("GlobalPrivileges"),
        "database": [(p["Database"], sorted(p["Privileges"])) for p in answer.get("DatabasePrivileges") or []],
        "table": [(p["Database"], p["Table"], p["Privileges"]) for p in answer.get("TablePrivileges") or []],
        "column": [
            (p["Database"], p["Table"], p["Column"], p["Privileges"])
            for p in answer.get("ColumnPrivileges") or []
        ],
    }
    want = {
        "global": ["PROCESS"],
        "database": [("shop", ["SELECT", "SHOW VIEW"])],
        "table": [("shop", "orders", ["INSERT"])],
        "column": [("shop", "orders", "total", ["UPDATE"])],
    }
    return _expect_equal("the account's privileges", got, want)


def cdb_calls() -> list[Call]:
    account = {"InstanceId": CDB, "User": "app", "Host": "%"}
    return [
        Call("cdb", "DescribeAccounts", {"InstanceId": CDB, "Offset": 0, "Limit": 20, "AccountRegexp": "^app$"},
             "integers and a regexp",
             check=lambda a: _expect_equal("accounts", [(i["User"], i["Host"]) for i in a.get("Items") or []], [("app", "%")])),
        Call("cdb", "DescribeAccountPrivileges", account, "read"),
        Call("cdb", "ModifyAccountPrivileges", CDB_GRANT, "nested lists of objects and strings",
             keep=lambda a, c: c.__setitem__("cdb_task", {"AsyncRequestId": a["AsyncRequestId"]})),
        Call("cdb", "DescribeAsyncRequestInfo", _needs("cdb_task"), "poll the task",
             again=lambda a: a.get("Status") in ("INITIAL", "RUNNING", "PAUSED", "UNDEFINED"),
             check=lambda a: _expect_equal("Status", a.get("Status"), "SUCCESS")),
        Call("cdb", "DescribeAccountPrivileges", account, "read back the grant", check=_cdb_granted),
        Call("cdb", "DescribeAccounts", {"InstanceId": CDB, "SortBy": "asc", "OrderBy": "CreateTime"},
             "documented optional SortBy/OrderBy"),
        Call("cdb", "DescribeAccounts", {"InstanceId": "cdb-nope0000"}, "unknown instance",
             expect="InvalidParameter.InstanceNotFound"),
        Call("cdb", "DescribeAccountPrivileges", {"InstanceId": CDB, "User": "nobody", "Host": "%"},
             "unknown account", expect="InvalidParameterValue.UserNotExistError"),
        Call("cdb", "ModifyAccountPrivileges",
             {"InstanceId": CDB, "Accounts": [{"User": "app", "Host": "%"}], "GlobalPrivileges": ["FLY"]},
             "unknown privilege", expect="UnsupportedOperation.PrivilegesUnsupportedError"),
        Call("cdb", "DescribeAccounts", {"InstanceId": CDB}, "wrong secret key",
             expect="AuthFailure.SignatureFailure", key=WRONG_SECRET),
        Call("cdb", "DescribeAccounts", {"InstanceId": CDB}, "unknown SecretId",
             expect="AuthFailure.SecretIdNotFound", key=UNKNOWN_ID),
    ]


# ---- Tencent PostgreSQL ----------------------------------------------------------------------

def _pg_object(object_type: str, name: str, **names: str) -> dict:
    return {"ObjectType": object_type, "ObjectName": name, **names}


PG_TABLE = _pg_object("table", "users", DatabaseName="appdb", SchemaName="public")
PG_COLUMN = _pg_object("column", "email", DatabaseName="appdb", SchemaName="public", TableName="users")
PG_DATABASE = _pg_object("database", "appdb")


def _pg_change(modify_type: str, obj: dict, privileges: list, cascade: bool) -> dict:
    return {
        "DatabasePrivilege": {"Object": obj, "PrivilegeSet": privileges},
        "ModifyType": modify_type,
        "IsCascade": cascade,
    }


def _pg_held(*want: tuple) -> Callable[[dict], Optional[str]]:
    def check(answer: dict) -> Optional[str]:
        got = [(_fields(e, "Object", "ObjectType"), e.get("PrivilegeSet")) for e in answer.get("PrivilegeSet") or []]
        return _expect_equal("PrivilegeSet", got, list(want))

    return check


def postgres_calls() -> list[Call]:
    base = {"DBInstanceId": PG, "UserName": "app"}
    return [
        Call("postgres", "DescribeAccounts",
             {"DBInstanceId": PG, "Limit": 20, "Offset": 0, "OrderBy": "name", "OrderByType": "asc"},
             "integers", check=lambda a: _expect_equal("accounts", [d["UserName"] for d in a.get("Details") or []], ["app"])),
        Call("postgres", "ModifyAccountPrivileges",
             {**base, "ModifyPrivilegeSet": [
                 _pg_change("grantObject", PG_TABLE, ["SELECT", "INSERT"], False),
                 _pg_change("grantObject", PG_COLUMN, ["UPDATE"], False),
                 _pg_change("grantObject", PG_DATABASE, ["CONNECT"], False)]},
             "nested objects, lists and booleans (false)"),
        Call("postgres", "DescribeAccountPrivileges",
             {**base, "DatabaseObjectSet": [PG_TABLE, PG_COLUMN, PG_DATABASE]}, "read back the grant",
             check=_pg_held(("table", ["SELECT", "INSERT"]), ("column", ["UPDATE"]), ("database", ["CONNECT"]))),
        Call("postgres", "ModifyAccountPrivileges",
             {**base, "ModifyPrivilegeSet": [_pg_change("revokeObject", PG_TABLE, ["INSERT"], True)]},
             "a boolean true"),
        Call("postgres", "DescribeAccountPrivileges", {**base, "DatabaseObjectSet": [PG_TABLE]},
             "read back the revoke", check=_pg_held(("table", ["SELECT"]))),
        Call("postgres", "DescribeAccounts", {"DBInstanceId": "postgres-nope0000"}, "unknown instance",
             expect="ResourceNotFound.InstanceNotFoundError"),
        Call("postgres", "DescribeAccountPrivileges",
             {"DBInstanceId": PG, "UserName": "nobody", "DatabaseObjectSet": [PG_DATABASE]}, "unknown account",
             expect="InvalidParameterValue.AccountNotExist"),
        Call("postgres", "DescribeAccountPrivileges",
             {**base, "DatabaseObjectSet": [_pg_object("table", "nope", DatabaseName="appdb", SchemaName="public")]},
             "unknown table", expect="InvalidParameter.ParameterCheckError"),
        Call("postgres", "DescribeAccounts", {"DBInstanceId": PG}, "wrong secret key",
             expect="AuthFailure.SignatureFailure", key=WRONG_SECRET),
    ]


# ---- Tencent TDSQL (mariadb) -----------------------------------------------------------------

TDSQL_GRANT = {
    "InstanceId": TDSQL,
    "Accounts": [{"User": "app", "Host": "%"}],
    "GlobalPrivileges": ["PROCESS"],
    "DatabasePrivileges": [{"Database": "shop", "Privileges": ["SELECT", "SHOW VIEW"]}],
    "TablePrivileges": [{"Database": "shop", "Table": "orders", "Privileges": ["INSERT"]}],
    "ViewPrivileges": [{"Database": "shop", "View": "order_totals", "Privileges": ["SELECT"]}],
    "ColumnPrivileges": [
        {"Database": "shop", "Table": "orders", "Column": "total", "Privileges": ["UPDATE"]}
    ],
    "FunctionPrivileges": [{"Database": "shop", "FunctionName": "tax", "Privileges": ["EXECUTE"]}],
    "ProcedurePrivileges": [
        {"Database": "shop", "Procedure": "archive_orders", "Privileges": ["EXECUTE", "ALTER ROUTINE"]}
    ],
}

TDSQL_APP = {"InstanceId": TDSQL, "UserName": "app", "Host": "%"}


def _tdsql_scope(want: list, **scope: str) -> Call:
    return Call("mariadb", "DescribeAccountPrivileges", {**TDSQL_APP, **scope},
                f"read back {'/'.join(scope.values())}",
                check=lambda a: _expect_equal("Privileges", sorted(a.get("Privileges") or []), sorted(want)))


def mariadb_calls() -> list[Call]:
    return [
        Call("mariadb", "DescribeAccounts", {"InstanceId": TDSQL}, "accounts",
             check=lambda a: _expect_equal("users", [(u["UserName"], u["Host"]) for u in a.get("Users") or []][:1],
                                           [("app", "%")])),
        Call("mariadb", "DescribeDatabases", {"InstanceId": TDSQL}, "databases",
             check=lambda a: _expect_equal("databases", [d["DbName"] for d in a.get("Databases") or []],
                                           ["shop", "logs"])),
        Call("mariadb", "DescribeDatabaseObjects", {"InstanceId": TDSQL, "DbName": "shop"}, "objects",
             check=lambda a: _expect_equal("objects", ([t["Table"] for t in a.get("Tables") or []],
                                                       [v["View"] for v in a.get("Views") or []]),
                                           (["orders", "items"], ["order_totals"]))),
        Call("mariadb", "DescribeDatabaseTable", {"InstanceId": TDSQL, "DbName": "shop", "Table": "orders"},
             "columns", check=lambda a: _expect_equal("columns", [c["Col"] for c in a.get("Cols") or []],
                                                      ["id", "total", "customer"])),
        Call("mariadb", "ModifyAccountPrivileges", TDSQL_GRANT, "every level",
             keep=lambda a, c: c.__setitem__("tdsql_flow", {"FlowId": a["FlowId"]})),
        Call("mariadb", "DescribeFlow", _needs("tdsql_flow"), "poll the flow",
             again=lambda a: a.get("Status") == 2,
             check=lambda a: _expect_equal("Status", a.get("Status"), 0)),
        _tdsql_scope(["PROCESS"], DbName="*"),
        _tdsql_scope(["SELECT", "SHOW VIEW"], DbName="shop", Type="*"),
        _tdsql_scope(["INSERT"], DbName="shop", Type="table", Object="orders", ColName="*"),
        _tdsql_scope(["UPDATE"], DbName="shop", Type="table", Object="orders", ColName="total"),
        _tdsql_scope(["SELECT"], DbName="shop", Type="view", Object="order_totals"),
        _tdsql_scope(["EXECUTE"], DbName="shop", Type="func", Object="tax"),
        _tdsql_scope(["EXECUTE", "ALTER ROUTINE"], DbName="shop", Type="proc", Object="archive_orders"),
        Call("mariadb", "ModifyAccountPrivileges",
             {"InstanceId": TDSQL, "Accounts": [{"User": "tdsql", "Host": "%"}], "GlobalPrivileges": ["SELECT"]},
             "the super user", expect="InvalidParameterValue.SuperUserForbidden"),
        Call("mariadb", "ModifyAccountPrivileges",
             {"InstanceId": TDSQL, "Accounts": [{"User": "app", "Host": "%"}],
              "FunctionPrivileges": [{"Database": "shop", "FunctionName": "tax", "Privileges": ["SELECT"]}]},
             "a privilege its level does not take", expect="InvalidParameterValue.BadUserRight"),
        Call("mariadb", "ModifyAccountPrivileges",
             {"InstanceId": TDSQL, "Accounts": [{"User": "app", "Host": "%"}],
              "ViewPrivileges": [{"Database": "shop", "View": "ghost", "Privileges": ["SELECT"]}]},
             "unknown view", expect="InvalidParameter.GenericParameterError"),
        Call("mariadb", "DescribeFlow", {"FlowId": 1}, "unknown flow", expect="InvalidParameter.FlowNotFound"),
        Call("mariadb", "DescribeAccounts", {"InstanceId": "tdsql-nope0000"}, "unknown instance",
             expect="InvalidParameter.InstanceNotFound"),
        Call("mariadb", "DescribeAccountPrivileges", {**TDSQL_APP, "UserName": "nobody", "DbName": "*"},
             "unknown account", expect="ResourceNotFound.AccountDoesNotExist"),
        Call("mariadb", "DescribeAccounts", {"InstanceId": TDSQL}, "wrong secret key",
             expect="AuthFailure.SignatureFailure", key=WRONG_SECRET),
    ]


# ---- Alibaba PolarDB -------------------------------------------------------------------------

def _polardb_privileges(*want: tuple) -> Callable[[dict], Optional[str]]:
    def check(answer: dict) -> Optional[str]:
        accounts = answer.get("Accounts") or []
        got = sorted(
            (p.get("DBName"), p.get("AccountPrivilege"))
            for a in accounts for p in a.get("DatabasePrivileges") or []
        )
        return _expect_equal("DatabasePrivileges", got, sorted(want))

    return check


def polardb_calls(wrong_secret_code: str) -> list[Call]:
    app = {"DBClusterId": CLUSTER, "AccountName": "app"}
    return [
        Call("polardb", "DescribeAccounts", {"DBClusterId": CLUSTER, "PageNumber": 1, "PageSize": 30}, "integers",
             check=lambda a: _expect_equal("accounts", sorted(x["AccountName"] for x in a.get("Accounts") or []),
                                           ["admin", "app", "reporting"])),
        Call("polardb", "GrantAccountPrivilege", {**app, "DBName": "shop,logs", "AccountPrivilege": "ReadWrite,ReadOnly"},
             "comma lists"),
        Call("polardb", "DescribeAccounts", app, "read back the grant",
             check=_polardb_privileges(("shop", "ReadWrite"), ("logs", "ReadOnly"))),
        Call("polardb", "RevokeAccountPrivilege", {**app, "DBName": "logs"}, "write"),
        Call("polardb", "DescribeAccounts", app, "read back the revoke",
             check=_polardb_privileges(("shop", "ReadWrite"))),
        Call("polardb", "DescribeDatabases", {"DBClusterId": CLUSTER, "DBName": "shop"},
             "a database and the accounts that hold it",
             check=lambda a: _expect_equal(
                 "databases",
                 [(d.get("DBName"), [(x.get("AccountName"), x.get("AccountPrivilege"))
                                     for x in _fields(d, "Accounts", "Account") or []])
                  for d in _fields(a, "Databases", "Database") or []],
                 [("shop", [("app", "ReadWrite")])])),
        Call("polardb", "DescribeAccounts", {"DBClusterId": CLUSTER, "OwnerId": 1234567890},
             "documented optional OwnerId"),
        Call("polardb", "DescribeAccounts", {"DBClusterId": "pc-nope0000"}, "unknown cluster",
             expect="InvalidDBCluster.NotFound"),
        Call("polardb", "GrantAccountPrivilege",
             {"DBClusterId": CLUSTER, "AccountName": "admin", "DBName": "shop", "AccountPrivilege": "ReadOnly"},
             "Super account", expect="IncorrectAccountPrivilegeType"),
        Call("polardb", "RevokeAccountPrivilege", {**app, "DBName": "nope"}, "unknown database",
             expect="InvalidDBName.NotFound"),
        Call("polardb", "DescribeAccounts", {"DBClusterId": CLUSTER}, "wrong secret key",
             expect=wrong_secret_code, key=WRONG_SECRET),
        Call("polardb", "DescribeAccounts", {"DBClusterId": CLUSTER}, "unknown AccessKey id",
             expect="InvalidAccessKeyId.NotFound", key=UNKNOWN_ID),
    ]


# ----------------------------------------------------------------------------------------------
# The SDKs and their request styles
# ----------------------------------------------------------------------------------------------

SIM_ADDRESS, VENDOR_HOST = "sim address", "vendor host"


@dataclass
class Outcome:
    """What the SDK gave back: a parsed answer, or an error code and message."""

    answer: Optional[dict] = None
    code: Optional[str] = None
    message: str = ""
    exception: Optional[str] = None  # the SDK's exception class
    http_status: Optional[int] = None
    warnings: list = field(default_factory=list)


def _keys(which: str, tencent: bool) -> tuple[str, str]:
    key_id, secret = (TC_SECRET_ID, TC_SECRET_KEY) if tencent else (ALI_KEY_ID, ALI_KEY_SECRET)
    if which == WRONG_SECRET:
        return key_id, "not-the-secret"
    if which == UNKNOWN_ID:
        return ("AKIDunknown" if tencent else "LTAIunknown"), secret
    return key_id, secret


class TencentStyle:
    """tencentcloud-sdk-python with one HttpProfile.reqMethod and ClientProfile.signMethod."""

    sdk = "tencentcloud-sdk-python"
    CLIENTS = {
        "cdb": (cdb_client.CdbClient, cdb_models),
        "postgres": (postgres_client.PostgresClient, postgres_models),
        "mariadb": (mariadb_client.MariadbClient, mariadb_models),
    }

    def __init__(self, method: str, sign_method: str, unsigned_payload: bool = False):
        self.method, self.sign_method, self.unsigned_payload = method, sign_method, unsigned_payload
        self.name = f"{sign_method}{' unsignedPayload' if unsigned_payload else ''} {method}"

    def call(self, call: Call, params: dict, addressing: str, recorder: Recorder) -> Outcome:
        client_class, models = self.CLIENTS[call.service]
        if addressing == SIM_ADDRESS:
            # protocol "http": ApiRequest prefixes the endpoint with http:// (common/http/request.py).
            profile = HttpProfile(protocol="http", endpoint=recorder.address, reqMethod=self.method, reqTimeout=15)
        else:
            profile = HttpProfile(protocol="http", endpoint=f"{call.service}.tencentcloudapi.com",
                                  reqMethod=self.method, reqTimeout=15, proxy=f"http://{recorder.address}")
        client_profile = ClientProfile(signMethod=self.sign_method, httpProfile=profile)
        client_profile.unsignedPayload = self.unsigned_payload
        key_id, secret = _keys(call.key, tencent=True)
        client = client_class(tc_credential.Credential(key_id, secret), TC_REGION, client_profile)
        request = getattr(models, call.action + "Request")()
        request.from_json_string(json.dumps(params))
        with warnings.catch_warnings(record=True) as caught:
            # The SDK silences its own "fileds are useless" warnings; they show fields of an
            # answer that its model does not know, so keep them.
            warnings.simplefilter("always")
            try:
                response = getattr(client, call.action)(request)
                outcome = Outcome(answer=json.loads(response.to_json_string()))
            except TencentCloudSDKException as error:
                outcome = Outcome(code=error.code, message=_text(error.message), exception=type(error).__name__)
        outcome.warnings = [str(w.message) for w in caught if "useless" in str(w.message)]
        return outcome


class TeaStyle:
    """alibabacloud-polardb20170801 on alibabacloud-tea-openapi."""

    sdk = "alibabacloud-tea-openapi"

    def __init__(self, name: str, algorithm: Optional[str], generic_method: Optional[str] = None,
                 form_body: bool = False):
        # algorithm: Config.signature_algorithm (None = ACS3-HMAC-SHA256, "v2" = HMAC-SHA1 RPC).
        # generic_method: use Client.call_api with this method instead of the generated call.
        self.name, self.algorithm, self.generic_method, self.form_body = name, algorithm, generic_method, form_body

    def call(self, call: Call, params: dict, addressing: str, recorder: Recorder) -> Outcome:
        key_id, secret = _keys(call.key, tencent=False)
        config = tea_models.Config(access_key_id=key_id, access_key_secret=secret, protocol="http",
                                   region_id=ALI_REGION, signature_algorithm=self.algorithm,
                                   read_timeout=15000, connect_timeout=5000)
        if addressing == SIM_ADDRESS:
            config.endpoint = recorder.address
        else:
            config.endpoint, config.http_proxy = "polardb.aliyuncs.com", f"http://{recorder.address}"
        client = PolarDbClient(config)
        try:
            if self.generic_method is None:
                request = getattr(polardb_models, call.action + "Request")().from_map(params)
                method = _snake(call.action) + "_with_options"
                response = getattr(client, method)(request, RuntimeOptions())
                return Outcome(answer=response.body.to_map(), http_status=response.status_code)
            api = tea_models.Params(action=call.action, version=POLARDB_VERSION, protocol="HTTP", pathname="/",
                                    method=self.generic_method, auth_type="AK", style="RPC",
                                    req_body_type="formData", body_type="json")
            request = (tea_models.OpenApiRequest(body=params) if self.form_body
                       else tea_models.OpenApiRequest(query=TeaUtils.query(params)))
            response = client.call_api(api, request, RuntimeOptions())
            return Outcome(answer=response.get("body"), http_status=response.get("statusCode"))
        except AlibabaCloudException as error:
            return Outcome(code=error.code, message=_text(error.message), http_status=error.status_code,
                           exception=type(error).__name__)
        except Exception as error:  # UnretryableException and friends: not an API answer
            inner = getattr(error, "inner_exception", None) or error
            return Outcome(code=f"{type(error).__name__}({type(inner).__name__})", message=_text(str(inner)),
                           exception=type(error).__name__)


class CoreStyle:
    """aliyun-python-sdk-core's AcsClient with aliyunsdkpolardb's requests or a CommonRequest."""

    sdk = "aliyun-python-sdk-core"

    def __init__(self, name: str, common_method: Optional[str] = None, form_body: bool = False):
        # common_method: use a CommonRequest with this method instead of the generated class.
        self.name, self.common_method, self.form_body = name, common_method, form_body

    def call(self, call: Call, params: dict, addressing: str, recorder: Recorder) -> Outcome:
        key_id, secret = _keys(call.key, tencent=False)
        proxy = None if addressing == SIM_ADDRESS else {"http": f"http://{recorder.address}"}
        endpoint = recorder.address if addressing == SIM_ADDRESS else "polardb.aliyuncs.com"
        client = AcsClient(key_id, secret, ALI_REGION, proxy=proxy, timeout=15)
        if self.common_method is None:
            module = importlib.import_module(f"aliyunsdkpolardb.request.v20170801.{call.action}Request")
            request = getattr(module, call.action + "Request")()
            for name, value in params.items():
                getattr(request, "set_" + name)(value)
        else:
            request = CommonRequest()
            request.set_version(POLARDB_VERSION)
            request.set_action_name(call.action)
            request.set_method(self.common_method)
            for name, value in params.items():
                (request.add_body_params if self.form_body else request.add_query_param)(name, value)
        request.set_endpoint(endpoint)  # CommonRequest.set_domain does the same
        request.set_protocol_type("http")
        try:
            return Outcome(answer=json.loads(client.do_action_with_exception(request)), http_status=200)
        except CoreServerException as error:
            return Outcome(code=error.get_error_code(), message=_text(error.get_error_msg()),
                           http_status=error.get_http_status(), exception=type(error).__name__)
        except CoreClientException as error:
            return Outcome(code=error.get_error_code(), message=_text(error.get_error_msg()),
                           exception=type(error).__name__)


def tencent_styles() -> list:
    return [
        TencentStyle(method, sign, unsigned)
        for sign, unsigned in [("TC3-HMAC-SHA256", False), ("TC3-HMAC-SHA256", True),
                               ("HmacSHA256", False), ("HmacSHA1", False)]
        for method in ("POST", "GET")
    ]


def tea_styles() -> list:
    return [
        TeaStyle("generated client, ACS3-HMAC-SHA256", None),
        TeaStyle("generated client, ACS3-HMAC-SM3", "ACS3-HMAC-SM3"),
        TeaStyle("generated client, v2 (HMAC-SHA1 RPC)", "v2"),
        TeaStyle("call_api GET, ACS3-HMAC-SHA256", None, "GET"),
        TeaStyle("call_api POST form body, ACS3-HMAC-SHA256", None, "POST", form_body=True),
        TeaStyle("call_api GET, v2 (HMAC-SHA1 RPC)", "v2", "GET"),
        TeaStyle("call_api POST form body, v2 (HMAC-SHA1 RPC)", "v2", "POST", form_body=True),
    ]


def core_styles() -> list:
    return [
        CoreStyle("generated request (POST)"),
        CoreStyle("CommonRequest GET", "GET"),
        CoreStyle("CommonRequest POST form body", "POST", form_body=True),
    ]


def _snake(action: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)


# ----------------------------------------------------------------------------------------------
# Running the probes
# ----------------------------------------------------------------------------------------------


def run_call(style, call: Call, addressing: str, context: dict, recorder: Recorder, admin: Optional[SimAdmin]) -> dict:
    """Makes one call (again while `call.again` says so) and judges what came back."""
    row = {
        "sdk": style.sdk, "style": style.name, "addressing": addressing, "service": call.service,
        "action": call.action, "note": call.note, "key": call.key, "expect": call.expect,
    }
    try:
        params = call.params(context) if callable(call.params) else call.params
    except LookupError as why:
        row.update(verdict="SKIP", outcome="-", reason=str(why), exchanges=[], sim_log=[])
        return row
    row["params"] = params
    exchanges, sim_log = [], []
    for _ in range(20):
        if admin:
            admin.clear_log()
        recorder.take()
        outcome = style.call(call, params, addressing, recorder)
        exchanges += recorder.take()
        if admin:
            sim_log += [{k: r.get(k) for k in ("service", "action", "status", "error_code", "params")}
                        for r in admin.log()]
        if outcome.code or not call.again or not call.again(outcome.answer or {}):
            break
        time.sleep(0.05)
    row["exchanges"], row["sim_log"] = exchanges, sim_log
    row["http_method"] = ",".join(sorted({e["method"] for e in exchanges})) or "-"
    row["http_status"] = exchanges[-1].get("response", {}).get("status") if exchanges else None
    row["outcome"] = outcome.code or "ok"
    row["message"] = outcome.message[:600]
    row["exception"] = outcome.exception
    row["answer"] = outcome.answer
    row["sdk_warnings"] = outcome.warnings
    problem = None
    if row["outcome"] != call.expect:
        problem = f"expected {call.expect}, got {row['outcome']}"
    elif outcome.code is None and call.check:
        problem = call.check(outcome.answer or {})
    if outcome.code is None and call.keep and outcome.answer:
        call.keep(outcome.answer, context)
    row["verdict"] = "FAIL" if problem else "PASS"
    row["reason"] = _explain(problem, row) if problem else ""
    return row


def _explain(problem: str, row: dict) -> str:
    """Why a call failed: the sim's own verdict, or that no vendor handler ever saw it."""
    if row["outcome"] == "ok" or row["sim_log"] and row["outcome"] == row["sim_log"][-1].get("error_code"):
        detail = row["message"] if row["outcome"] != "ok" else ""
        return f"{problem}: {detail}".rstrip(": ")
    if not row["sim_log"]:
        last = (row["exchanges"] or [{}])[-1].get("response", {})
        return (f"{problem}; the sim logged no vendor call (HTTP {last.get('status')}: "
                f"{(last.get('body') or '')[:160]})")
    return f"{problem}: {row['message']}"


def run_style(style, calls: list[Call], addressing: str, recorder: Recorder, admin: Optional[SimAdmin]) -> list[dict]:
    if admin:
        admin.reset()
    context: dict = {}
    return [run_call(style, call, addressing, context, recorder, admin) for call in calls]


# ---- Canned answers: how the SDKs treat statuses, content types and error bodies --------------

def _v1_string_to_sign(method: str, pairs: list) -> str:
    """Alibaba RPC v1 (docs/architecture.md, "Signing"): sorted, RFC 3986-encoded, encoded again."""
    encode = lambda text: urllib.parse.quote(text, safe="-_.~")
    joined = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(pairs) if k != "Signature")
    return f"{method}&%2F&{encode(joined)}"


def _canned(status: int, content_type: str, body: Any) -> Callable[[dict], tuple]:
    def answer(exchange: dict) -> tuple:
        text = body(exchange) if callable(body) else body
        return status, [("Content-Type", content_type)], text.encode()

    return answer


def _signature_mismatch(separator: str) -> Callable[[dict], str]:
    """A SignatureDoesNotMatch whose message quotes the request's own v1 string to sign."""

    def body(exchange: dict) -> str:
        pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(exchange["target"]).query, keep_blank_values=True)
        sts = _v1_string_to_sign(exchange["method"], pairs)
        return json.dumps({"RequestId": "R", "HostId": "polardb.aliyuncs.com", "Code": "SignatureDoesNotMatch",
                           "Message": f"Specified signature is not matched with our calculation. server string to sign is{separator}{sts}"})

    return body


TENCENT_ERROR = json.dumps({"Response": {"Error": {"Code": "InternalError", "Message": "canned"}, "RequestId": "r"}})
ALIBABA_ERROR = json.dumps({"RequestId": "R", "HostId": "h", "Code": "Throttling.User", "Message": "canned",
                            "Recommend": "x"})


def canned_probes() -> list[tuple]:
    """(style, call, canned answer, what the probe shows) for the SDK behaviour group."""
    tc3 = TencentStyle("POST", "TC3-HMAC-SHA256")
    tea = TeaStyle("generated client, ACS3-HMAC-SHA256", None)
    core = CoreStyle("generated request (POST)")
    cdb = Call("cdb", "DescribeAccounts", {"InstanceId": CDB}, "")
    polar = Call("polardb", "DescribeAccounts", {"DBClusterId": CLUSTER}, "")
    return [
        (tc3, cdb, _canned(200, "application/json", TENCENT_ERROR), "200 application/json, error envelope"),
        (tc3, cdb, _canned(200, "application/json; charset=utf-8", TENCENT_ERROR),
         "200 application/json; charset=utf-8, error envelope"),
        (tc3, cdb, _canned(404, "text/plain", "404 page not found"), "404 text/plain"),
        (tc3, cdb, _canned(500, "application/json", TENCENT_ERROR), "500 application/json, error envelope"),
        (tea, polar, _canned(400, "application/json", ALIBABA_ERROR), "400 JSON error"),
        (tea, polar, _canned(503, "application/json", ALIBABA_ERROR), "503 JSON error"),
        (tea, polar, _canned(404, "text/plain", "404 page not found"), "404 text/plain"),
        (tea, polar, _canned(200, "text/plain", "not json"), "200 text/plain"),
        (core, polar, _canned(400, "application/json", ALIBABA_ERROR), "400 JSON error"),
        (core, polar, _canned(404, "text/plain", "404 page not found"), "404 text/plain"),
        (core, polar, _canned(400, "application/json", _signature_mismatch(":")),
         "SignatureDoesNotMatch, message '... server string to sign is:<its string>'"),
        (core, polar, _canned(400, "application/json", _signature_mismatch(": ")),
         "SignatureDoesNotMatch, message '... server string to sign is: <its string>' (a space)"),
    ]


def run_canned(recorder: Recorder) -> list[dict]:
    rows = []
    for style, call, answer, shown in canned_probes():
        recorder.take()
        recorder.canned = answer
        try:
            outcome = style.call(call, call.params, SIM_ADDRESS, recorder)
        finally:
            recorder.canned = None
        rows.append({"sdk": style.sdk, "style": style.name, "canned": shown, "outcome": outcome.code or "ok",
                     "exception": outcome.exception, "message": outcome.message[:300], "answer": outcome.answer, "exchanges": recorder.take()})
    return rows


# ----------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------


def versions() -> dict:
    from importlib import metadata

    names = ["tencentcloud-sdk-python-common", "tencentcloud-sdk-python-cdb", "tencentcloud-sdk-python-postgres",
             "tencentcloud-sdk-python-mariadb", "alibabacloud-polardb20170801", "alibabacloud-tea-openapi",
             "darabonba-core", "alibabacloud-tea-util", "aliyun-python-sdk-core", "aliyun-python-sdk-polardb",
             "requests"]
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["python"] = sys.version.split()[0]
    return found


def summary(rows: list[dict]) -> str:
    """One line per (SDK, style, addressing), then each distinct failure once, with a count."""
    lines = []
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["sdk"], row["style"], row["addressing"]), []).append(row)
    width = max(len(f"{s} | {st} | {a}") for s, st, a in groups) if groups else 0
    for (sdk, style, addressing), members in groups.items():
        passed = sum(r["verdict"] == "PASS" for r in members)
        label = f"{sdk} | {style} | {addressing}"
        lines.append(f"{label:<{width}}  {passed:>2}/{len(members)} pass")
        failures: dict = {}
        for r in members:
            if r["verdict"] != "PASS":
                # Request ids, timestamps and hashes differ from call to call: not in the key.
                key = (r["verdict"], r["outcome"], _mask(r["reason"])[:120])
                failures.setdefault(key, []).append(r)
        for (verdict, _, _), same in failures.items():
            first = same[0]
            calls = f"{len(same)} calls, e.g. " if len(same) > 1 else ""
            lines.append(f"    {verdict} {calls}{first['service']} {first['action']} ({first['note']}): "
                         f"{first['reason'][:200]}")
    return "\n".join(lines)


def _mask(text: str) -> str:
    return "".join("#" if c.isdigit() or c in "abcdefABCDEF" else c for c in text)


def markdown_table(rows: list[dict]) -> str:
    out = ["| SDK | style | addressing | service | action | case | method | expected | got | verdict | reason |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        reason = r["reason"].replace("|", "\\|").replace("\n", " ")[:260]
        out.append(f"| {r['sdk']} | {r['style']} | {r['addressing']} | {r['service']} | {r['action']} | "
                   f"{r['note']} | {r.get('http_method', '-')} | {r['expect']} | {r['outcome']} | "
                   f"{r['verdict']} | {reason} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--sim", help="a clouddb-sim binary to start on a free port")
    target.add_argument("--url", help="a running sim's base URL (its state is reset between styles)")
    parser.add_argument("--out", help="write every probe, with its exchanges, as JSON here")
    parser.add_argument("--markdown", help="write the results table as Markdown here")
    parser.add_argument("--only", default="tencent,tea,core,canned",
                        help="comma list of groups: tencent, tea, core, canned (default: all)")
    parser.add_argument("--sim-log", default=os.path.join(tempfile.gettempdir(), "clouddb-sim-probe.log"),
                        help="where the started sim's stderr goes")
    args = parser.parse_args()
    groups = set(args.only.split(","))

    # The probe must reach only loopback: no proxy from the environment may take the calls.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = ""

    sim = SimProcess(args.sim, args.sim_log) if args.sim else None
    url = sim.url if sim else args.url
    admin = SimAdmin(url)
    recorder = Recorder(url)
    rows: list[dict] = []
    canned: list[dict] = []
    try:
        plans = []
        tencent_calls = cdb_calls() + postgres_calls() + mariadb_calls()
        if "tencent" in groups:
            plans += [(style, tencent_calls) for style in tencent_styles()]
        if "tea" in groups:
            plans += [(style, polardb_calls("SignatureDoesNotMatch")) for style in tea_styles()]
        if "core" in groups:
            # aliyun-python-sdk-core turns a SignatureDoesNotMatch that quotes its own string to
            # sign into InvalidAccessKeySecret (aliyunsdkcore/client.py, _get_server_exception).
            # A CommonRequest keeps its string to sign on the request it wraps, so the SDK
            # compares with an empty one and reports the cloud's code as it is.
            plans += [(style, polardb_calls("SignatureDoesNotMatch" if style.name.startswith("CommonRequest")
                                            else "InvalidAccessKeySecret"))
                      for style in core_styles()]
        for style, calls in plans:
            for addressing in (SIM_ADDRESS, VENDOR_HOST):
                rows += run_style(style, calls, addressing, recorder, admin)
        if "canned" in groups:
            canned = run_canned(recorder)
    finally:
        recorder.stop()
        if sim:
            sim.stop()

    print(summary(rows))
    for row in canned:
        print(f"canned | {row['sdk']} | {row['canned']}: {row['exception'] or '-'} {row['outcome']} "
              f"{row['message'][:140]}")
    counts = {verdict: sum(r["verdict"] == verdict for r in rows) for verdict in ("PASS", "FAIL", "SKIP")}
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    failed = counts["FAIL"]
    if args.out:
        with open(args.out, "w") as out:
            json.dump({"versions": versions(), "sim": url if not sim else args.sim, "probes": rows,
                       "canned": canned}, out, indent=1, default=str)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(markdown_table(rows) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
