//! Stand-ins for the official providers that a `moved` block moves from, built on our own
//! framework: each serves only the schemas of the privilege resources users move to clouddb,
//! as those providers publish them (docs/guides/migrating_from_tencentcloud.md and
//! migrating_from_alicloud.md), so that real Terraform writes a real state of them. They call
//! no cloud: a create records what was planned, with the ID the official provider would give.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use clouddb::framework::{
    ApplyOutcome, Attribute, Block, Diagnostics, NestedBlock, Nesting, Provider, ProviderServer,
    Refreshed, Resource, Schema,
};
use clouddb::plugin::handshake::LaunchEnvironment;
use clouddb::value::{Type, Value};

/// The official provider a stand-in plays, chosen by the name Terraform launches it under
/// (`terraform-provider-<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Official {
    Tencentcloud,
    Alicloud,
}

impl Official {
    pub const ALL: [Official; 2] = [Official::Tencentcloud, Official::Alicloud];

    pub fn name(self) -> &'static str {
        match self {
            Official::Tencentcloud => "tencentcloud",
            Official::Alicloud => "alicloud",
        }
    }

    /// The `required_providers` source Terraform resolves to this provider.
    pub fn source(self) -> &'static str {
        match self {
            Official::Tencentcloud => "tencentcloudstack/tencentcloud",
            Official::Alicloud => "aliyun/alicloud",
        }
    }

    /// The provider a binary named `terraform-provider-<name>` stands in for.
    pub fn from_binary_name(file_name: &str) -> Option<Official> {
        let name = file_name.strip_prefix("terraform-provider-")?;
        Official::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// When Terraform launched this process as a stand-in (see
/// [`crate::terraform::Workspace::install_standins`]), serves it until Terraform shuts it down;
/// `None` in any other process. A test binary calls this first thing in its `main`.
pub fn serve_if_launched() -> Option<ExitCode> {
    let launched_as = std::env::args_os().next()?;
    let file_name = Path::new(&launched_as).file_name()?.to_str()?;
    let official = Official::from_binary_name(file_name)?;
    let served = LaunchEnvironment::from_lookup(|name| std::env::var(name).ok())
        .map_err(|e| e.to_string())
        .and_then(|launch| {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let provider = Arc::new(StandinProvider::new(official));
            let server = Arc::new(ProviderServer::new(provider));
            runtime
                .block_on(clouddb::plugin::run_launched(server, launch))
                .map_err(|e| e.to_string())
        });
    Some(match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stand-in terraform-provider-{}: {e}", official.name());
            ExitCode::FAILURE
        }
    })
}

pub struct StandinProvider {
    official: Official,
}

impl StandinProvider {
    pub fn new(official: Official) -> Self {
        StandinProvider { official }
    }
}

#[async_trait]
impl Provider for StandinProvider {
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new())
    }

    async fn configure(&self, _config: &Value, _terraform_version: &str) -> Diagnostics {
        Diagnostics::new()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        match self.official {
            Official::Tencentcloud => vec![
                Arc::new(StandinResource {
                    type_name: "tencentcloud_mysql_privilege",
                    block: mysql_privilege(),
                    id: mysql_privilege_id,
                }),
                Arc::new(StandinResource {
                    type_name: "tencentcloud_mariadb_account_privileges",
                    block: mariadb_account_privileges(),
                    id: mariadb_account_privileges_id,
                }),
            ],
            Official::Alicloud => vec![Arc::new(StandinResource {
                type_name: "alicloud_polardb_account_privilege",
                block: polardb_account_privilege(),
                id: polardb_account_privilege_id,
            })],
        }
    }
}

/// One resource of an official provider: its schema, and how that provider builds its ID.
struct StandinResource {
    type_name: &'static str,
    block: Block,
    id: fn(&Value) -> String,
}

#[async_trait]
impl Resource for StandinResource {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        Schema::new(0, self.block.clone())
    }

    async fn create(&self, planned: &Value) -> ApplyOutcome {
        let mut state = planned.clone();
        if let Value::Object(attrs) = &mut state {
            attrs.insert("id".into(), Value::string((self.id)(planned)));
        }
        ApplyOutcome::done(state)
    }

    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        Ok(Refreshed::clean(state.clone()))
    }

    async fn update(&self, _prior: &Value, planned: &Value) -> ApplyOutcome {
        ApplyOutcome::done(planned.clone())
    }

    async fn delete(&self, _prior: &Value) -> ApplyOutcome {
        ApplyOutcome::done(Value::Null)
    }

    async fn import(&self, _id: &str) -> Result<Value, Diagnostics> {
        Err(Diagnostics::from_error(
            "Not supported",
            "This stand-in only lets Terraform record states to move.",
        ))
    }
}

fn strings() -> Type {
    Type::Set(Box::new(Type::String))
}

fn text(value: &Value, name: &str) -> String {
    value
        .attr(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A block of scope names (required strings) and its `privileges` set.
fn scope_block(name: &str, nesting: Nesting, names: &[&str]) -> NestedBlock {
    let block = names
        .iter()
        .fold(Block::new(), |block, n| {
            block.attribute(Attribute::required(n, Type::String))
        })
        .attribute(Attribute::required("privileges", strings()));
    NestedBlock::new(name, nesting, block)
}

fn mysql_privilege() -> Block {
    Block::new()
        .attribute(Attribute::computed("id", Type::String))
        .attribute(Attribute::required("mysql_id", Type::String).requires_replace())
        .attribute(Attribute::required("account_name", Type::String).requires_replace())
        .attribute(
            Attribute::optional_computed("account_host", Type::String)
                .default(Value::string("%"))
                .requires_replace(),
        )
        .attribute(Attribute::required("global", strings()))
        .block(scope_block("database", Nesting::Set, &["database_name"]))
        .block(scope_block(
            "table",
            Nesting::Set,
            &["database_name", "table_name"],
        ))
        .block(scope_block(
            "column",
            Nesting::Set,
            &["database_name", "table_name", "column_name"],
        ))
}

/// `{"MysqlId":…,"AccountName":…,"AccountHost":…}`, the official provider's JSON ID.
fn mysql_privilege_id(planned: &Value) -> String {
    serde_json::json!({
        "MysqlId": text(planned, "mysql_id"),
        "AccountName": text(planned, "account_name"),
        "AccountHost": text(planned, "account_host"),
    })
    .to_string()
}

fn mariadb_account_privileges() -> Block {
    let account = Block::new()
        .attribute(Attribute::required("user", Type::String))
        .attribute(Attribute::required("host", Type::String));
    Block::new()
        .attribute(Attribute::computed("id", Type::String))
        .attribute(Attribute::required("instance_id", Type::String).requires_replace())
        .attribute(Attribute::optional("global_privileges", strings()))
        .block(NestedBlock::new("accounts", Nesting::List, account).max_items(1))
        .block(scope_block(
            "database_privileges",
            Nesting::List,
            &["database"],
        ))
        .block(scope_block(
            "table_privileges",
            Nesting::List,
            &["database", "table"],
        ))
        .block(scope_block(
            "column_privileges",
            Nesting::List,
            &["database", "table", "column"],
        ))
        .block(scope_block(
            "view_privileges",
            Nesting::List,
            &["database", "view"],
        ))
        .block(scope_block(
            "function_privileges",
            Nesting::List,
            &["database", "function_name"],
        ))
        .block(scope_block(
            "procedure_privileges",
            Nesting::List,
            &["database", "procedure"],
        ))
}

/// `<instance_id>#<user>#<host>`.
fn mariadb_account_privileges_id(planned: &Value) -> String {
    let account = planned
        .attr("accounts")
        .and_then(Value::elements)
        .and_then(|accounts| accounts.first().cloned())
        .unwrap_or(Value::Null);
    format!(
        "{}#{}#{}",
        text(planned, "instance_id"),
        text(&account, "user"),
        text(&account, "host")
    )
}

fn polardb_account_privilege() -> Block {
    Block::new()
        .attribute(Attribute::computed("id", Type::String))
        .attribute(Attribute::required("db_cluster_id", Type::String).requires_replace())
        .attribute(Attribute::required("account_name", Type::String).requires_replace())
        .attribute(
            Attribute::optional_computed("account_privilege", Type::String)
                .default(Value::string("ReadOnly"))
                .requires_replace(),
        )
        .attribute(Attribute::required("db_names", strings()))
}

/// `<cluster>:<account>:<privilege>`.
fn polardb_account_privilege_id(planned: &Value) -> String {
    format!(
        "{}:{}:{}",
        text(planned, "db_cluster_id"),
        text(planned, "account_name"),
        text(planned, "account_privilege")
    )
}
