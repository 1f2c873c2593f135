//! Bad input, fuzzed: Terraform's msgpack and JSON values, every resource's import ID, and
//! any HTTP request to clouddb-sim (its request parsers and signature checks) meet inputs made
//! from valid ones and from random bytes for a bounded time (`CLOUDDB_FUZZ_SECONDS` per
//! target). None may panic or hang, a value decoded must encode back to itself, an import ID
//! must be accepted or refused with a diagnostic, and the sim must answer every request in a
//! vendor's envelope (or, for a request that is no vendor's call, the sim's own 404). Inputs
//! that once failed are kept in `tests/fuzz-regressions/`.

use std::sync::Arc;

use clouddb::cloud::tencent::sign::{sign, Tc3Request};
use clouddb::cloud::transport::{Transport, TransportConfig};
use clouddb::framework::Resource;
use clouddb::resources::clients::Clouds;
use clouddb::value::{decode_json, decode_msgpack, encode_json, encode_msgpack, Type};
use clouddb_test_support::fuzz::fuzz;
use clouddb_test_support::sim::Sim;

fn resources() -> Vec<Arc<dyn Resource>> {
    let clouds = Clouds::new(Transport::new(TransportConfig::default()));
    clouddb::resources::all(Arc::new(clouds))
}

/// Every resource's value type, and the dynamic type Terraform uses for unknown shapes.
fn value_types() -> Vec<Type> {
    let mut types: Vec<Type> = resources()
        .iter()
        .map(|r| r.schema().block.value_type())
        .collect();
    types.push(Type::Dynamic);
    types
}

#[test]
fn terraform_msgpack_values() {
    let types = value_types();
    let seeds = vec![
        vec![0xc0],
        vec![0x80],
        b"\x82\xa4user\xa3app\xa4host\xa1%".to_vec(),
        b"\x81\xabinstance_id\xa5cdb-1".to_vec(),
        b"\x92\xa6string\xa3app".to_vec(),
        b"\xd4\x00\x00".to_vec(),
        b"\x91\x93\x01\x02\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00".to_vec(),
    ];
    fuzz("msgpack_values", seeds, move |bytes| {
        for ty in &types {
            if let Ok(value) = decode_msgpack(bytes, ty) {
                let again = decode_msgpack(&encode_msgpack(&value, ty), ty)
                    .unwrap_or_else(|error| panic!("{value:?} does not decode again: {error}"));
                assert_eq!(again, value, "msgpack round trip");
            }
        }
    });
}

#[test]
fn terraform_json_values() {
    let types = value_types();
    let seeds = [
        r#"{"instance_id":"cdb-1","user":"app","host":"%"}"#,
        r#"{"database":[{"database":"shop","privileges":["SELECT"]}]}"#,
        r#"["string","x"]"#,
        r#"[["list","number"],[1,2.5,-3e2]]"#,
        r#"null"#,
        r#"{"a":{"b":{"c":[1,{"d":"\u00e9\n"}]}}}"#,
    ]
    .map(|s| s.as_bytes().to_vec())
    .to_vec();
    fuzz("json_values", seeds, move |bytes| {
        for ty in &types {
            if let Ok(value) = decode_json(bytes, ty) {
                let again = decode_json(&encode_json(&value, ty), ty)
                    .unwrap_or_else(|error| panic!("{value:?} does not decode again: {error}"));
                assert_eq!(again, value, "JSON round trip");
            }
        }
    });
}

#[test]
fn import_ids() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let resources = resources();
    let seeds = [
        "cdb-sim00001#app#%",
        "tdsql-sim00001#app#10.0.0.%",
        "postgres-sim00001#app",
        "pc-sim00001:app",
        "cdb-1#a#b#c",
        "#",
        "::",
    ]
    .map(|s| s.as_bytes().to_vec())
    .to_vec();
    fuzz("import_ids", seeds, move |bytes| {
        let id = String::from_utf8_lossy(bytes);
        for resource in &resources {
            // Unconfigured, the provider reaches no cloud: an ID it accepts stops at the
            // missing configuration, one it refuses at its own diagnostic.
            let outcome = runtime.block_on(resource.import(&id));
            let diagnostics =
                outcome.expect_err("no import succeeds without a configured provider");
            assert!(diagnostics.has_errors(), "{}: {id:?}", resource.type_name());
            for diagnostic in diagnostics.iter() {
                assert!(
                    !diagnostic.summary.is_empty(),
                    "{}: {id:?}",
                    resource.type_name()
                );
            }
        }
    });
}

/// An input is `path?query`, `Authorization`, `X-TC-Action`, `x-acs-action` and body,
/// separated by NUL bytes; the seeds are well-formed calls of each vendor style. An
/// `Authorization` of `sign:<service>` is replaced by a valid TC3 signature of the (mutated)
/// body, so that mutations reach each service's parameter checks behind the signature.
fn request_seeds() -> Vec<Vec<u8>> {
    let join = |parts: [&[u8]; 5]| parts.join(&0u8);
    vec![
        join([
            b"/",
            b"sign:cdb",
            b"ModifyAccountPrivileges",
            b"",
            br#"{"InstanceId":"cdb-sim00001","Accounts":[{"User":"app","Host":"%"}],"GlobalPrivileges":["SELECT"],"DatabasePrivileges":[{"Database":"shop","Privileges":["SELECT"]}]}"#,
        ]),
        join([
            b"/",
            b"sign:mariadb",
            b"ModifyAccountPrivileges",
            b"",
            br#"{"InstanceId":"tdsql-sim00001","Accounts":[{"User":"app","Host":"%"}],"TablePrivileges":[{"Database":"shop","Table":"orders","Privileges":["SELECT"]}]}"#,
        ]),
        join([
            b"/",
            b"sign:postgres",
            b"ModifyAccountPrivileges",
            b"",
            br#"{"DBInstanceId":"postgres-sim00001","UserName":"app","ModifyPrivilegeSet":[{"ModifyType":"grantObject","DatabasePrivilege":{"Object":{"ObjectType":"table","ObjectName":"users","DatabaseName":"appdb","SchemaName":"public"},"PrivilegeSet":["SELECT"]}}]}"#,
        ]),
        join([
            b"/?Action=DescribeAccounts&Version=2017-08-01&DBClusterId=pc-sim00001&AccessKeyId=LTAIsim&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=1&Timestamp=2026-01-01T00:00:00Z&Signature=x",
            b"",
            b"",
            b"DescribeAccounts",
            b"",
        ]),
        join([
            b"/v2/index.php?Action=ModifyCdbInstanceAccountPrivileges&cdbInstanceId=cdb-sim00001&user=app&host=%25&globalPriv.0=SELECT&SecretId=AKIDsim&Nonce=1&Timestamp=1&Region=ap-guangzhou&Signature=x",
            b"",
            b"",
            b"",
            b"",
        ]),
        join([b"/_sim/state", b"", b"", b"", b""]),
    ]
}

/// The API version each Tencent service's calls carry.
fn tencent_version(service: &str) -> &'static str {
    match service {
        "cdb" => "2017-03-20",
        _ => "2017-03-12",
    }
}

#[test]
fn sim_requests() {
    let sim = Sim::start();
    let url = sim.url();
    let host = url.trim_start_matches("http://").to_owned();
    let http = reqwest::Client::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    fuzz("sim_requests", request_seeds(), move |bytes| {
        let mut parts = bytes.splitn(5, |b| *b == 0);
        let mut next = || parts.next().unwrap_or_default();
        let (target, authorization, tc_action, acs_action, body) =
            (next(), next(), next(), next(), next().to_vec());
        let target = String::from_utf8_lossy(target);
        let Ok(url) = reqwest::Url::parse(&format!("{url}/{}", target.trim_start_matches('/')))
        else {
            return;
        };
        if url.host_str() != Some("127.0.0.1") {
            return;
        }
        let admin = url.path().starts_with("/_sim/");
        let method = if body.is_empty() {
            reqwest::Method::GET
        } else {
            reqwest::Method::POST
        };
        let mut request = http
            .request(method, url)
            .header("content-type", "application/json");
        let signed;
        let service = authorization
            .strip_prefix(b"sign:")
            .map(String::from_utf8_lossy);
        let authorization = match &service {
            Some(service) => {
                let now = time::OffsetDateTime::now_utc();
                let tc3 = Tc3Request {
                    method: if body.is_empty() { "GET" } else { "POST" },
                    host: &host,
                    canonical_query: "",
                    content_type: "application/json",
                    payload: &body,
                    service,
                    time: now,
                };
                signed = sign(&tc3, "AKIDsim", "sim-secret");
                request = request
                    .header("x-tc-version", tencent_version(service))
                    .header("x-tc-timestamp", now.unix_timestamp().to_string())
                    .header("x-tc-region", "ap-guangzhou");
                signed.as_bytes()
            }
            None => authorization,
        };
        for (name, value) in [
            ("authorization", authorization),
            ("x-tc-action", tc_action),
            ("x-acs-action", acs_action),
        ] {
            match reqwest::header::HeaderValue::from_bytes(value) {
                Ok(value) if !value.is_empty() => request = request.header(name, value),
                Ok(_) => {}
                Err(_) => return,
            }
        }
        if !tc_action.is_empty() && service.is_none() {
            request = request.header("x-tc-version", "2017-03-20").header(
                "x-tc-timestamp",
                time::OffsetDateTime::now_utc().unix_timestamp().to_string(),
            );
        }
        let answer = runtime.block_on(async {
            let response = request.body(body).send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        });
        let (status, text) = answer.expect("the sim answers every request");
        assert!(!status.is_server_error(), "{status}: {text}");
        if !admin {
            let envelope: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {status} {text}"));
            // A request that is no vendor's call gets the sim's own 404 saying what it serves.
            let not_a_call =
                status == reqwest::StatusCode::NOT_FOUND && envelope["error"].is_string();
            assert!(
                envelope["Response"]["RequestId"].is_string()
                    || envelope["RequestId"].is_string()
                    || envelope.get("code").is_some()
                    || not_a_call,
                "not a vendor envelope: {status} {text}"
            );
        }
    });
    // The re-signed seeds got past the signature check to each service's own checks.
    let reached: std::collections::BTreeSet<String> = sim
        .requests()
        .iter()
        .filter(|call| {
            call["error_code"]
                .as_str()
                .is_none_or(|code| !code.starts_with("AuthFailure"))
        })
        .filter_map(|call| call["service"].as_str().map(str::to_owned))
        .collect();
    for service in ["cdb", "mariadb", "postgres"] {
        assert!(
            reached.contains(service),
            "no fuzzed {service} call passed the signature check: {reached:?}"
        );
    }
}

/// The fuzzer itself: a crash planted behind one byte is found, fails the run, and is kept.
#[test]
fn the_fuzzer_finds_a_planted_crash_and_keeps_it() {
    let target = "planted_crash";
    let outcome = std::panic::catch_unwind(|| {
        fuzz(target, vec![b"harmless".to_vec()], |bytes| {
            assert!(!bytes.contains(&b'#'), "planted crash");
        })
    });
    let message = *outcome
        .expect_err("the planted crash must be found")
        .downcast::<String>()
        .expect("a message");
    assert!(
        message.contains("fuzz target planted_crash panicked"),
        "{message}"
    );
    let kept = message.rsplit(' ').next().expect("the kept file");
    let input = std::fs::read(kept).expect("the input is kept");
    assert!(input.contains(&b'#'), "{input:?}");
    std::fs::remove_dir_all(std::path::Path::new(kept).parent().expect("its folder"))
        .expect("clean up");
}
