//! `clouddb_postgres_account_privileges`: one TencentDB for PostgreSQL account's privileges on
//! the objects it lists, and optionally its account type, through ModifyAccountPrivileges.

mod changes;
mod claims;
mod import_id;
mod model;
mod observe;
mod validation;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::postgres::{
    AccountType, DatabaseObject, ModifyPrivilege, PostgresClient, MAX_MODIFY_ITEMS,
};
use crate::framework::timeouts::{timeout, timeouts_block};
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{
    ApplyOutcome, Attribute, Block, Diagnostics, NestedBlock, Nesting, Refreshed, Resource, Schema,
};
use crate::resources::clients::Clouds;
use crate::value::{Type, Value};

use crate::resources::messages::import_missing;
use crate::resources::outcome::{Found, Operation, ReadFailure, Unfinished};

use self::changes::{account_type_change, calls, object_changes, summarize};
use self::claims::Claims;
use self::import_id::ImportId;
use self::model::{AccountPrivileges, ObjectPrivileges, OBJECT_BLOCK};
use self::observe::{
    missing_objects_error, missing_objects_import_error, missing_objects_warning, observe,
};
use self::validation::{instance_id_rule, user_name_rule, validate_objects, ACCOUNT_TYPES};

pub use self::validation::TYPE_NAME;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long reading the real state after a failed change may take.
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(60);

pub struct PostgresAccountPrivileges {
    clouds: Arc<Clouds>,
    claims: Claims,
}

impl PostgresAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        PostgresAccountPrivileges {
            clouds,
            claims: Claims::default(),
        }
    }

    /// Leaves out of `held` the objects `wanted` lets go of that another resource of the same
    /// account has claimed, so they are not revoked.
    fn release_claimed(&self, held: &mut ObjectPrivileges, wanted: &AccountPrivileges) {
        let id = wanted.id();
        held.retain(|object, _| {
            wanted.objects.contains_key(object) || !self.claims.is_claimed(&id, object)
        });
    }

    fn client(&self) -> Result<PostgresClient, Diagnostics> {
        let tencent = self.clouds.tencent()?;
        PostgresClient::new(tencent).map_err(|e| {
            Diagnostics::from_error("Invalid Tencent Cloud configuration", e.to_string())
        })
    }

    /// Reads what the account holds on every listed object, then sends the difference (and
    /// `alterRole` when asked); fills in the account type when it was left to the cloud.
    async fn create_account_privileges(
        &self,
        wanted: &mut AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let client = self.client().map_err(Unfinished::Refused)?;
        let _lock = client
            .lock_account(&wanted.instance_id, &wanted.user_name)
            .await;
        let objects = wanted.objects.keys().collect();
        let (current_type, held) = held_on_new_objects(&client, wanted, objects, deadline).await?;
        reconcile(&client, wanted, &held, Some(&current_type), deadline).await?;
        self.claims.claim(&wanted.id(), wanted.objects.keys());
        wanted.account_type.get_or_insert(current_type);
        Ok(())
    }

    /// Sends the difference between the prior state and the plan; objects new to the resource
    /// are read first, since the state knows nothing of them.
    async fn update_account_privileges(
        &self,
        prior: &AccountPrivileges,
        wanted: &mut AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let client = self.client().map_err(Unfinished::Refused)?;
        let _lock = client
            .lock_account(&wanted.instance_id, &wanted.user_name)
            .await;
        let mut held = prior.objects.clone();
        let new_objects: Vec<&DatabaseObject> = wanted
            .objects
            .keys()
            .filter(|object| !prior.objects.contains_key(*object))
            .collect();
        if !new_objects.is_empty() {
            let (_, on_new) = held_on_new_objects(&client, wanted, new_objects, deadline).await?;
            held.extend(on_new);
        }
        self.release_claimed(&mut held, wanted);
        if wanted.account_type.is_none() {
            wanted.account_type = prior.account_type.clone();
        }
        reconcile(
            &client,
            wanted,
            &held,
            prior.account_type.as_ref(),
            deadline,
        )
        .await?;
        self.claims.claim(&wanted.id(), wanted.objects.keys());
        Ok(())
    }

    /// Revokes every privilege the account holds now on the objects in the state.
    async fn delete_account_privileges(
        &self,
        prior: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let client = self.client().map_err(Unfinished::Refused)?;
        let _lock = client
            .lock_account(&prior.instance_id, &prior.user_name)
            .await;
        let observed = match observe(&client, prior, prior.objects.keys(), deadline).await {
            Ok(Some(observed)) => observed,
            Ok(None) | Err(ReadFailure::InstanceGone(_)) => return Ok(()),
            Err(failure) => return Err(failure.into()),
        };
        let nothing = AccountPrivileges {
            account_type: None,
            objects: ObjectPrivileges::new(),
            ..prior.clone()
        };
        let mut held = observed.objects;
        self.release_claimed(&mut held, &nothing);
        reconcile(&client, &nothing, &held, None, deadline).await
    }

    /// After a failed change: the state as it really is, so Terraform records what did change
    /// (see [`super::state_after_failure`]). The account's type and its privileges on the
    /// objects of the prior state and of the plan are read; objects stay while they are wanted
    /// or still hold privileges.
    async fn state_after_failure(
        &self,
        operation: Operation,
        prior: &Value,
        template: &Value,
        wanted: &AccountPrivileges,
        diags: Diagnostics,
    ) -> ApplyOutcome {
        let deadline = Instant::now() + READ_BACK_TIMEOUT;
        let before = AccountPrivileges::from_value(prior).ok();
        let objects: BTreeSet<&DatabaseObject> = before
            .iter()
            .flat_map(|b| b.objects.keys())
            .chain(wanted.objects.keys())
            .collect();
        let observed = match self.client() {
            Ok(client) => observe(&client, wanted, objects, deadline)
                .await
                .map_err(Diagnostics::from),
            Err(client_diags) => Err(client_diags),
        };
        let found = observed.map(|observed| {
            observed.map(|observed| {
                let mut actual = observed.applied_to(wanted);
                actual.objects.retain(|object, privileges| {
                    wanted.objects.contains_key(object) || !privileges.is_empty()
                });
                Found {
                    state: actual.to_value(template),
                    holds_anything: actual.objects.values().any(|held| !held.is_empty()),
                }
            })
        });
        crate::resources::outcome::state_after_failure(operation, found, prior, diags)
    }
}

/// Sends `items` in ⌈items / 50⌉ ModifyAccountPrivileges calls, in order. A failure says which
/// call failed and what the calls before it changed.
async fn modify(
    client: &PostgresClient,
    account: &AccountPrivileges,
    items: &[ModifyPrivilege],
    deadline: Instant,
) -> Result<(), Unfinished> {
    let mut applied = 0;
    for (number, call) in calls(items).enumerate() {
        client
            .modify_account_privileges(&account.instance_id, &account.user_name, call, deadline)
            .await
            .map_err(|error| {
                let diags = call_failed(account, &error, items, number, applied);
                if applied == 0 {
                    Unfinished::of_change(&error, diags)
                } else {
                    Unfinished::Failed(diags)
                }
            })?;
        applied += call.len();
    }
    Ok(())
}

/// Call `number` (from 0) failed after the calls before it applied `items[..applied]`.
fn call_failed(
    account: &AccountPrivileges,
    error: &CloudError,
    items: &[ModifyPrivilege],
    number: usize,
    applied: usize,
) -> Diagnostics {
    let before = if applied == 0 {
        "Nothing had been changed before it.".to_owned()
    } else {
        format!(
            "The {number} call(s) before it applied {applied} of the {} changes: {}.",
            items.len(),
            summarize(&items[..applied])
        )
    };
    Diagnostics::from_error(
        format!("Could not change the privileges of {}", account.id()),
        format!(
            "{error}\n\nThe {} changes go out in {} ModifyAccountPrivileges call(s) of at most {MAX_MODIFY_ITEMS}; call {} failed. {before}",
            items.len(),
            items.len().div_ceil(MAX_MODIFY_ITEMS),
            number + 1
        ),
    )
}

/// Makes the account hold `wanted`, given what it is known to hold on each object (`held`)
/// and its current type.
async fn reconcile(
    client: &PostgresClient,
    wanted: &AccountPrivileges,
    held: &ObjectPrivileges,
    current_type: Option<&AccountType>,
    deadline: Instant,
) -> Result<(), Unfinished> {
    let mut items = object_changes(held, &wanted.objects, wanted.revoke_cascade);
    items.extend(account_type_change(
        &wanted.user_name,
        current_type,
        wanted.account_type.as_ref(),
    ));
    modify(client, wanted, &items, deadline).await
}

/// What the account holds on `objects` before they are first managed, so that privileges
/// nobody asked for are revoked as well. Refuses objects that do not exist.
async fn held_on_new_objects(
    client: &PostgresClient,
    account: &AccountPrivileges,
    objects: Vec<&DatabaseObject>,
    deadline: Instant,
) -> Result<(AccountType, ObjectPrivileges), Unfinished> {
    let Some(observed) = observe(client, account, objects, deadline).await? else {
        return Err(Unfinished::Refused(account_not_found(account)));
    };
    if !observed.missing.is_empty() {
        return Err(Unfinished::Refused(missing_objects_error(
            account,
            &observed.missing,
        )));
    }
    Ok((observed.account_type, observed.objects))
}

fn no_such_account(account: &AccountPrivileges) -> String {
    format!(
        "PostgreSQL instance {} has no account {:?}.",
        account.instance_id, account.user_name
    )
}

fn account_not_found(account: &AccountPrivileges) -> Diagnostics {
    Diagnostics::from_error(
        "Account not found",
        format!(
            "{} Create the account first; this resource manages the privileges of an existing account.",
            no_such_account(account)
        ),
    )
}

#[async_trait]
impl Resource for PostgresAccountPrivileges {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let object = Block::new()
            .description("One database object and the privileges the account holds on it.")
            .attribute(
                Attribute::required("object_type", Type::String).description(
                    "`database`, `schema`, `table`, `view`, `matview`, `sequence`, `function`, `procedure`, `type` or `column`.",
                ),
            )
            .attribute(Attribute::optional("database_name", Type::String).description(
                "The object's database; required for every type but `database`, whose name is `object_name`.",
            ))
            .attribute(Attribute::optional("schema_name", Type::String).description(
                "The object's schema; required for every type but `database` and `schema`.",
            ))
            .attribute(Attribute::optional("table_name", Type::String).description(
                "The column's table; only for `column`.",
            ))
            .attribute(Attribute::required("object_name", Type::String).description(
                "The object's own name (the database, schema, table, column, ...). Functions and procedures include their argument types: `f(integer,text)`.",
            ))
            .attribute(
                Attribute::required("privileges", Type::Set(Box::new(Type::String))).description(
                    "Privileges, in upper case, that apply to the object type (e.g. `SELECT` on a table). An empty set revokes everything on the object.",
                ),
            );
        Schema::new(
            0,
            Block::new()
                .description("The privileges of one TencentDB for PostgreSQL account on the objects listed, and optionally its account type. Authoritative for the listed objects: privileges on them that are not listed are revoked, and an object removed from the configuration loses every privilege.")
                .attribute(Attribute::computed("id", Type::String).description("`<db_instance_id>#<user_name>`."))
                .attribute(
                    Attribute::required("db_instance_id", Type::String)
                        .description("ID of the PostgreSQL instance, e.g. `postgres-abcd1234`.")
                        .requires_replace()
                        .validator(NameRule { rule: instance_id_rule }),
                )
                .attribute(
                    Attribute::required("user_name", Type::String)
                        .description("Name of an existing account of the instance.")
                        .requires_replace()
                        .validator(NameRule { rule: user_name_rule }),
                )
                .attribute(
                    Attribute::optional_computed("account_type", Type::String)
                        .description("`normal` or `tencentDBSuper`. When set, the account is made that type; when left out, the current type is shown and never changed.")
                        .validator(OneOf { allowed: ACCOUNT_TYPES }),
                )
                .attribute(
                    Attribute::optional("revoke_cascade", Type::Bool)
                        .default(Value::Bool(false))
                        .description("Revoke with CASCADE (`IsCascade`): also revoke what others were granted through this account's grant options. Default false."),
                )
                .block(NestedBlock::new(OBJECT_BLOCK, Nesting::Set, object))
                .block(timeouts_block(&["create", "update", "delete"])),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_objects(config, diags);
    }

    fn begin_walk(&self) {
        self.claims.clear();
    }

    async fn create(&self, planned: &Value) -> ApplyOutcome {
        let mut wanted = match AccountPrivileges::from_value(planned) {
            Ok(account) => account,
            Err(diags) => return ApplyOutcome::failed(Value::Null, diags),
        };
        let deadline = Instant::now() + timeout(planned, "create", DEFAULT_TIMEOUT);
        match self.create_account_privileges(&mut wanted, deadline).await {
            Ok(()) => ApplyOutcome::done(wanted.to_value(planned)),
            // Nothing was sent, so nothing is left behind.
            Err(Unfinished::Refused(diags) | Unfinished::Unreadable(diags)) => {
                ApplyOutcome::failed(Value::Null, diags)
            }
            Err(Unfinished::Failed(diags)) => {
                self.state_after_failure(Operation::Create, &Value::Null, planned, &wanted, diags)
                    .await
            }
        }
    }

    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        let account = AccountPrivileges::from_value(state)?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let client = self.client()?;
        let Some(observed) = observe(&client, &account, account.objects.keys(), deadline).await?
        else {
            return Ok(Refreshed::clean(Value::Null));
        };
        let warnings = if observed.missing.is_empty() {
            Diagnostics::new()
        } else {
            missing_objects_warning(&account, &observed.missing)
        };
        Ok(Refreshed {
            state: observed.applied_to(&account).to_value(state),
            warnings,
        })
    }

    async fn update(&self, prior: &Value, planned: &Value) -> ApplyOutcome {
        let (before, mut wanted) = match (
            AccountPrivileges::from_value(prior),
            AccountPrivileges::from_value(planned),
        ) {
            (Ok(before), Ok(wanted)) => (before, wanted),
            (Err(diags), _) | (_, Err(diags)) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let deadline = Instant::now() + timeout(planned, "update", DEFAULT_TIMEOUT);
        match self
            .update_account_privileges(&before, &mut wanted, deadline)
            .await
        {
            Ok(()) => ApplyOutcome::done(wanted.to_value(planned)),
            Err(Unfinished::Unreadable(diags)) => ApplyOutcome::failed(prior.clone(), diags),
            Err(Unfinished::Refused(diags) | Unfinished::Failed(diags)) => {
                self.state_after_failure(Operation::Update, prior, planned, &wanted, diags)
                    .await
            }
        }
    }

    async fn delete(&self, prior: &Value) -> ApplyOutcome {
        let account = match AccountPrivileges::from_value(prior) {
            Ok(account) => account,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let deadline = Instant::now() + timeout(prior, "delete", DEFAULT_TIMEOUT);
        match self.delete_account_privileges(&account, deadline).await {
            Ok(()) => ApplyOutcome::done(Value::Null),
            Err(Unfinished::Unreadable(diags)) => ApplyOutcome::failed(prior.clone(), diags),
            Err(Unfinished::Refused(diags) | Unfinished::Failed(diags)) => {
                let nothing = AccountPrivileges {
                    objects: ObjectPrivileges::new(),
                    ..account
                };
                self.state_after_failure(Operation::Delete, prior, prior, &nothing, diags)
                    .await
            }
        }
    }

    async fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let id = ImportId::parse(id)?;
        let account = AccountPrivileges::new(&id.instance_id, &id.user_name);
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let client = self.client()?;
        let Some(observed) = observe(&client, &account, &id.objects, deadline).await? else {
            return Err(import_missing(no_such_account(&account)));
        };
        if !observed.missing.is_empty() {
            return Err(missing_objects_import_error(
                &account,
                &observed.missing,
                &id,
            ));
        }
        Ok(observed.applied_to(&account).to_value(&Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::tencent::postgres::ObjectType;

    #[test]
    fn the_schema_offers_every_object_type_but_the_account() {
        assert!(!validation::OBJECT_TYPES.contains(&"account"));
        assert_eq!(validation::OBJECT_TYPES.len() + 1, ObjectType::ALL.len());
    }
}
