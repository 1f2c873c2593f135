//! The `clouddb-sim` binary: flags, the first stdout line, clean exit on SIGTERM and SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_clouddb-sim");

fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("run clouddb-sim")
}

/// Starts the binary and reads its first stdout line.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn clouddb-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    (child, first.trim_end().to_owned())
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("clouddb-sim did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn prints_where_it_listens_first_serves_and_exits_cleanly_on_sigterm_and_sigint() {
    for name in ["TERM", "INT"] {
        let (mut child, first) = spawn(&[
            "--listen",
            "127.0.0.1:0",
            "--latency-ms",
            "1",
            "--rate-limits",
            "documented",
            "--task-ms",
            "50",
        ]);
        let addr = first
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        let answer = get(&addr, "/_sim/state");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("pc-sim00001"), "{answer}");
        signal(&child, name);
        assert!(wait(&mut child).success(), "exit after SIG{name}");
    }
}

#[test]
fn loads_a_fixture_file() {
    let path =
        std::env::temp_dir().join(format!("clouddb-sim-fixture-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"alicloud": {"polardb": [{"db_cluster_id": "pc-fromfile"}]}}"#,
    )
    .expect("write");
    let (mut child, first) = spawn(&[
        "--listen=127.0.0.1:0",
        "--fixtures",
        path.to_str().expect("path"),
    ]);
    let addr = first.trim_start_matches("listening on http://").to_owned();
    assert!(get(&addr, "/_sim/state").contains("pc-fromfile"));
    signal(&child, "TERM");
    assert!(wait(&mut child).success());
    let _ = std::fs::remove_file(path);
}

#[test]
fn help_lists_every_flag() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--fixtures",
        "--latency-ms",
        "--rate-limits",
        "--task-ms",
        "--postgres",
        "--mysql",
        "--help",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn a_database_server_that_cannot_be_used_is_refused_without_its_password() {
    let refused = [
        (
            "--mysql",
            "mysql://root:hunter2@127.0.0.1:1/",
            "cannot reach the MySQL server at 127.0.0.1:1",
        ),
        (
            "--mysql",
            "postgres://root:hunter2@127.0.0.1/",
            "--mysql: not a MySQL URL",
        ),
        (
            "--postgres",
            "postgres://postgres:hunter2@127.0.0.1:1/postgres",
            "cannot reach the PostgreSQL server at 127.0.0.1:1",
        ),
        (
            "--postgres",
            "mysql://postgres:hunter2@127.0.0.1/",
            "--postgres: not a PostgreSQL URL",
        ),
    ];
    for (flag, url, says) in refused {
        let output = run(&["--listen", "127.0.0.1:0", flag, url]);
        assert!(!output.status.success(), "{flag} {url}");
        assert!(output.stdout.is_empty(), "nothing may be printed on stdout");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{flag} {url}: {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "the password is echoed: {stderr}"
        );
    }
}

/// The built-in fixture on the servers the test script started: its databases and accounts
/// are created there.
#[test]
fn the_flags_put_the_fixture_on_real_servers() {
    let server = |variable: &str| {
        std::env::var(variable)
            .unwrap_or_else(|_| panic!("{variable} is not set: scripts/test.sh starts the servers"))
    };
    let (mysql, postgres) = (
        server("CLOUDDB_TEST_MYSQL_URL"),
        server("CLOUDDB_TEST_POSTGRES_URL"),
    );
    let (mut child, first) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--mysql",
        &mysql,
        "--postgres",
        &postgres,
    ]);
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    let state = get(&addr, "/_sim/state");
    assert!(state.starts_with("HTTP/1.1 200"), "{state}");
    for instance in [
        "cdb-sim00001",
        "tdsql-sim00001",
        "pc-sim00001",
        "postgres-sim00001",
    ] {
        assert!(
            state.contains(instance),
            "{instance} missing from the state: {state}"
        );
    }
    signal(&child, "TERM");
    assert!(wait(&mut child).success());
}

#[test]
fn bad_flags_and_fixtures_are_refused_clearly() {
    let output = run(&["--rate-limits", "sometimes"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("documented"));

    let output = run(&["--task-ms", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--task-ms"));

    let output = run(&["--frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--frobnicate"));

    let path = std::env::temp_dir().join(format!("clouddb-sim-bad-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"alicloud": {"polardb": [], "rds": []}}"#).expect("write");
    let output = run(&["--fixtures", path.to_str().expect("path")]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("`rds`"));
    let _ = std::fs::remove_file(path);
}
