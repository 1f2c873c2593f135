//! The PostgreSQL server the test script starts for the run (`CLOUDDB_TEST_POSTGRES_URL`), and
//! statements run on it as an emulated instance's account, or as its administrator.

use std::str::FromStr;

use tokio_postgres::{Config, NoTls};

const URL_VARIABLE: &str = "CLOUDDB_TEST_POSTGRES_URL";

/// The server's URL. A run without one fails: these tests are never skipped.
pub fn server_url() -> String {
    std::env::var(URL_VARIABLE).unwrap_or_else(|_| {
        panic!(
            "{URL_VARIABLE} is not set: scripts/test.sh starts a PostgreSQL server for the tests \
             and sets it (postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres)"
        )
    })
}

fn server_config() -> Config {
    Config::from_str(&server_url()).expect("CLOUDDB_TEST_POSTGRES_URL")
}

/// What the server says to `statement` in `database`: `Ok` or the message it answered (the
/// server's own words, such as `permission denied for table users`).
fn run(mut config: Config, database: &str, statement: &str) -> Result<(), String> {
    config.dbname(database);
    let message = |error: tokio_postgres::Error| {
        error
            .as_db_error()
            .map(|db| db.message().to_owned())
            .unwrap_or_else(|| error.to_string())
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime for a PostgreSQL client");
    runtime.block_on(async {
        let (client, connection) = config.connect(NoTls).await.map_err(message)?;
        let connection = tokio::spawn(connection);
        let outcome = client.batch_execute(statement).await.map_err(message);
        drop(client);
        let _ = connection.await;
        outcome
    })
}

/// Runs `statement` in `database` (the server's name) as the administrator; it must succeed.
pub fn as_administrator(database: &str, statement: &str) {
    if let Err(error) = run(server_config(), database, statement) {
        panic!("as administrator in {database}: {statement}: {error}");
    }
}

/// What the server answers the administrator's `statement` in `database`, which must fail.
pub fn refused_to_administrator(database: &str, statement: &str) -> String {
    match run(server_config(), database, statement) {
        Ok(()) => panic!("as administrator in {database}: `{statement}` should fail"),
        Err(error) => error,
    }
}

/// An account of an emulated instance, logging in with its password to one of the instance's
/// databases over TCP, as a client of that instance would.
pub struct Login {
    config: Config,
    role: String,
    database: String,
}

impl Login {
    /// Account `user` of `instance` (the server's role is `<instance>__<user>`) in `database`
    /// (the server's `<instance>__<database>`).
    pub fn new(instance: &str, user: &str, password: &str, database: &str) -> Login {
        let role = format!("{instance}__{user}");
        let mut config = server_config();
        config.user(&role).password(password);
        Login {
            config,
            role,
            database: format!("{instance}__{database}"),
        }
    }

    /// `statement` runs.
    pub fn can(&self, statement: &str) {
        if let Err(error) = run(self.config.clone(), &self.database, statement) {
            panic!("{} should be able to run `{statement}`: {error}", self.role);
        }
    }

    /// `statement` (or the login itself) is refused for want of a privilege.
    pub fn cannot(&self, statement: &str) {
        match run(self.config.clone(), &self.database, statement) {
            Ok(()) => panic!("{} should not be able to run `{statement}`", self.role),
            Err(error) => assert!(
                error.contains("permission denied"),
                "{} running `{statement}` failed otherwise than by a denied privilege: {error}",
                self.role
            ),
        }
    }
}
