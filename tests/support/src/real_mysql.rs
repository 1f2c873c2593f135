//! The MariaDB server the test script starts for the run (`CLOUDDB_TEST_MYSQL_URL`), and
//! statements run on it as an emulated instance's account, or as its administrator.

use mysql_async::prelude::Queryable;

const URL_VARIABLE: &str = "CLOUDDB_TEST_MYSQL_URL";

/// The server's URL. A run without one fails: these tests are never skipped.
pub fn server_url() -> String {
    std::env::var(URL_VARIABLE).unwrap_or_else(|_| {
        panic!(
            "{URL_VARIABLE} is not set: scripts/test.sh starts a MariaDB server for the tests \
             and sets it (mysql://root@127.0.0.1:PORT/)"
        )
    })
}

/// A name no other test (nor an earlier run) uses on the shared server: `<prefix>-<random>`.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}-{:08x}", fastrand::u32(..))
}

/// What the server says to a statement: `Ok` or the error it answered.
fn run(opts: mysql_async::Opts, statement: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime for a MySQL client");
    runtime.block_on(async {
        let mut connection = mysql_async::Conn::new(opts)
            .await
            .map_err(|e| e.to_string())?;
        let outcome = connection
            .query_drop(statement)
            .await
            .map_err(|e| e.to_string());
        let _ = connection.disconnect().await;
        outcome
    })
}

/// Runs `statement` as the server's administrator, which must succeed.
pub fn as_administrator(statement: &str) {
    let opts = mysql_async::Opts::from_url(&server_url()).expect("CLOUDDB_TEST_MYSQL_URL");
    if let Err(error) = run(opts, statement) {
        panic!("as administrator: {statement}: {error}");
    }
}

/// An account of an emulated instance, logging in with its password over TCP, as a client
/// of that instance would.
pub struct Login {
    opts: mysql_async::Opts,
    who: String,
}

impl Login {
    /// Account `user` of `instance` (the server's user is `<instance>__<user>`).
    pub fn new(instance: &str, user: &str, password: &str) -> Login {
        let server = mysql_async::Opts::from_url(&server_url()).expect("CLOUDDB_TEST_MYSQL_URL");
        let user = format!("{instance}__{user}");
        let opts = mysql_async::OptsBuilder::default()
            .ip_or_hostname(server.ip_or_hostname().to_owned())
            .tcp_port(server.tcp_port())
            .user(Some(user.clone()))
            .pass(Some(password.to_owned()))
            .into();
        Login { opts, who: user }
    }

    /// `statement` runs.
    pub fn can(&self, statement: &str) {
        if let Err(error) = run(self.opts.clone(), statement) {
            panic!("{} should be able to run `{statement}`: {error}", self.who);
        }
    }

    /// `statement` is refused for want of a privilege (not for any other reason).
    pub fn cannot(&self, statement: &str) {
        match run(self.opts.clone(), statement) {
            Ok(()) => panic!("{} should not be able to run `{statement}`", self.who),
            Err(error) => assert!(
                error.contains("denied"),
                "{} running `{statement}` failed otherwise than by a denied privilege: {error}",
                self.who
            ),
        }
    }
}
