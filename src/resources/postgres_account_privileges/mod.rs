//! `clouddb_postgres_account_privileges`: one TencentDB for PostgreSQL account's privileges on
//! the objects it lists, and optionally its account type, through ModifyAccountPrivileges.

mod changes;
mod claims;
mod import_id;
mod model;
mod observe;
mod validation;

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::postgres::{
    AccountType, DatabaseObject, ModifyPrivilege, PostgresAccount, PostgresClient, MAX_MODIFY_ITEMS,
};
use crate::framework::validators::{NameRule, OneOf};
use crate::framework::{Attribute, Block, Diagnostics, IdentityAttribute, NestedBlock, Nesting};
use crate::resources::clients::Clouds;
use crate::resources::kit::{
    AccountResource, Change, ConfiguredOnce, Current, Sent, Verdict, WalkListings,
};
use crate::resources::messages::import_missing;
use crate::resources::outcome::{Operation, ReadFailure, Unfinished};
use crate::value::{Type, Value};

use self::changes::{account_type_change, calls, object_changes, summarize};
use self::claims::Claims;
use self::import_id::ImportId;
use self::model::{AccountPrivileges, ObjectPrivileges, OBJECT_BLOCK};
use self::observe::{missing_objects_error, missing_objects_import_error, observe, observe_as};
use self::validation::{
    configured_objects, instance_id_rule, user_name_rule, validate_objects, ACCOUNT_TYPES,
};

pub use self::import_id::object_entry_rule;
pub use self::validation::TYPE_NAME;

pub struct PostgresAccountPrivileges {
    clouds: Arc<Clouds>,
    claims: Claims,
    /// The objects of each account this walk has seen a configuration for: two resources
    /// listing one object would each set its privileges, undoing each other.
    configured_objects: ConfiguredOnce,
    /// Every account of an instance, listed once per walk for the refreshes of its resources.
    instance_accounts: WalkListings<String, Vec<PostgresAccount>>,
}

impl PostgresAccountPrivileges {
    pub fn new(clouds: Arc<Clouds>) -> Self {
        PostgresAccountPrivileges {
            clouds,
            claims: Claims::default(),
            configured_objects: ConfiguredOnce::default(),
            instance_accounts: WalkListings::default(),
        }
    }

    /// Refuses an object of `config` that another resource of the same account in this walk
    /// lists too.
    fn refuse_objects_twice(&self, config: &Value, diags: &mut Diagnostics) {
        let name = |attribute: &str| config.attr(attribute).and_then(Value::as_str);
        let (Some(instance), Some(user)) = (name("db_instance_id"), name("user_name")) else {
            return;
        };
        for object in configured_objects(config) {
            if !self
                .configured_objects
                .first_time(format!("{instance}#{user}#{object}"))
            {
                diags.error(
                    "Object managed twice",
                    format!("Another {TYPE_NAME} of the account {instance}#{user} in this configuration lists the {object}. Each resource sets every privilege of the objects it lists, so two would undo each other: list the object in one of them only."),
                );
            }
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

    /// Reads what the account holds on every listed object, then sends the difference (and
    /// `alterRole` when asked); fills in the account type when it was left to the cloud.
    async fn create_account_privileges(
        &self,
        client: &PostgresClient,
        wanted: &mut AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let objects = wanted.objects.keys().collect();
        let (current_type, held) = held_on_new_objects(client, wanted, objects, deadline).await?;
        reconcile(client, wanted, &held, Some(&current_type), deadline).await?;
        self.claims.claim(&wanted.id(), wanted.objects.keys());
        wanted.account_type.get_or_insert(current_type);
        Ok(())
    }

    /// Sends the difference between the prior state and the plan; objects new to the resource
    /// are read first, since the state knows nothing of them.
    async fn update_account_privileges(
        &self,
        client: &PostgresClient,
        prior: &AccountPrivileges,
        wanted: &mut AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let mut held = prior.objects.clone();
        let new_objects: Vec<&DatabaseObject> = wanted
            .objects
            .keys()
            .filter(|object| !prior.objects.contains_key(*object))
            .collect();
        if !new_objects.is_empty() {
            let (_, on_new) = held_on_new_objects(client, wanted, new_objects, deadline).await?;
            held.extend(on_new);
        }
        self.release_claimed(&mut held, wanted);
        if wanted.account_type.is_none() {
            wanted.account_type = prior.account_type.clone();
        }
        reconcile(client, wanted, &held, prior.account_type.as_ref(), deadline).await?;
        self.claims.claim(&wanted.id(), wanted.objects.keys());
        Ok(())
    }

    /// Revokes every privilege the account holds now on the objects in the state.
    async fn delete_account_privileges(
        &self,
        client: &PostgresClient,
        prior: &AccountPrivileges,
        nothing: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<(), Unfinished> {
        let observed = match observe(client, prior, prior.objects.keys(), deadline).await {
            Ok(Some(observed)) => observed,
            Ok(None) | Err(ReadFailure::InstanceGone(_)) => return Ok(()),
            Err(failure) => return Err(failure.into()),
        };
        let mut held = observed.objects;
        self.release_claimed(&mut held, nothing);
        reconcile(client, nothing, &held, None, deadline).await
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
            "{error}\n\nThe {} changes go out in {} ModifyAccountPrivileges call(s) of at most {MAX_MODIFY_ITEMS}; call {} failed. {before} The failed call may still have taken effect: the state records what the account holds, as read after the failure.",
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
impl AccountResource for PostgresAccountPrivileges {
    type Account = AccountPrivileges;
    type Client = PostgresClient;
    type ImportId = ImportId;
    /// Nothing is read back: ModifyAccountPrivileges answers once it has applied its changes.
    type Sent = Infallible;

    const TYPE_NAME: &'static str = TYPE_NAME;
    const IDENTITY: &'static [IdentityAttribute] = &[
        IdentityAttribute {
            name: "db_instance_id",
            description: "ID of the PostgreSQL instance.",
            required_for_import: true,
        },
        IdentityAttribute {
            name: "user_name",
            description: "Name of the account.",
            required_for_import: true,
        },
    ];

    fn block(&self) -> Block {
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
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_objects(config, diags);
        self.refuse_objects_twice(config, diags);
    }

    fn begin_walk(&self) {
        self.claims.clear();
        self.configured_objects.clear();
        self.instance_accounts.clear();
    }

    fn parse(&self, value: &Value) -> Result<AccountPrivileges, Diagnostics> {
        AccountPrivileges::from_value(value)
    }

    fn render(&self, account: &AccountPrivileges) -> Value {
        account.to_value()
    }

    fn holds_anything(&self, account: &AccountPrivileges) -> bool {
        account.objects.values().any(|held| !held.is_empty())
    }

    fn emptied(&self, prior: &AccountPrivileges) -> AccountPrivileges {
        AccountPrivileges {
            account_type: None,
            objects: ObjectPrivileges::new(),
            ..prior.clone()
        }
    }

    fn client(&self) -> Result<PostgresClient, Diagnostics> {
        let tencent = self.clouds.tencent()?;
        PostgresClient::new(tencent).map_err(|e| {
            Diagnostics::from_error("Invalid Tencent Cloud configuration", e.to_string())
        })
    }

    async fn lock(
        &self,
        client: &PostgresClient,
        account: &AccountPrivileges,
    ) -> OwnedMutexGuard<()> {
        client
            .lock_account(&account.instance_id, &account.user_name)
            .await
    }

    async fn read(
        &self,
        client: &PostgresClient,
        account: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<Option<Current<AccountPrivileges>>, ReadFailure> {
        let observed = observe(client, account, account.objects.keys(), deadline).await?;
        Ok(observed.map(|observed| observed.current(account)))
    }

    /// From the walk's listing of every account of the instance (one DescribeAccounts page per
    /// 100 accounts for all its resources) with the account's own privileges, read at once. An
    /// account the listing lacks, or a listing that failed, is read on its own.
    async fn refresh(
        &self,
        client: &PostgresClient,
        account: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<Option<Current<AccountPrivileges>>, ReadFailure> {
        let listed = async {
            let listing = self
                .instance_accounts
                .get(&account.instance_id, || {
                    client.describe_accounts(&account.instance_id, deadline)
                })
                .await;
            Ok(listing.and_then(|accounts| {
                accounts
                    .iter()
                    .find(|a| a.user_name == account.user_name)
                    .cloned()
            }))
        };
        match observe_as(client, account, account.objects.keys(), deadline, listed).await? {
            Some(observed) => Ok(Some(observed.current(account))),
            None => self.read(client, account, deadline).await,
        }
    }

    /// The account's type and its privileges on the objects of the prior state and of the
    /// plan; objects stay while they are wanted or still hold privileges.
    async fn read_after_failure(
        &self,
        client: &PostgresClient,
        prior: Option<&AccountPrivileges>,
        wanted: &AccountPrivileges,
        deadline: Instant,
    ) -> Result<Option<AccountPrivileges>, ReadFailure> {
        let objects: BTreeSet<&DatabaseObject> = prior
            .iter()
            .flat_map(|before| before.objects.keys())
            .chain(wanted.objects.keys())
            .collect();
        let observed = observe(client, wanted, objects, deadline).await?;
        Ok(observed.map(|observed| {
            let mut actual = observed.applied_to(wanted);
            actual.objects.retain(|object, privileges| {
                wanted.objects.contains_key(object) || !privileges.is_empty()
            });
            actual
        }))
    }

    async fn change(
        &self,
        client: &PostgresClient,
        change: Change<'_, AccountPrivileges>,
    ) -> Result<Sent<Infallible>, Unfinished> {
        let deadline = change.deadline;
        match change.prior {
            None => {
                self.create_account_privileges(client, change.wanted, deadline)
                    .await?
            }
            Some(prior) if change.operation == Operation::Delete => {
                self.delete_account_privileges(client, prior, change.wanted, deadline)
                    .await?
            }
            Some(prior) => {
                self.update_account_privileges(client, prior, change.wanted, deadline)
                    .await?
            }
        }
        Ok(Sent::Confirmed)
    }

    fn verify(
        &self,
        _wanted: &AccountPrivileges,
        sent: &Infallible,
        _read_back: Result<Option<&AccountPrivileges>, &Diagnostics>,
    ) -> Verdict {
        match *sent {}
    }

    fn parse_import_id(&self, id: &str) -> Result<ImportId, Diagnostics> {
        ImportId::parse(id)
    }

    async fn import(
        &self,
        client: &PostgresClient,
        id: &ImportId,
        deadline: Instant,
    ) -> Result<AccountPrivileges, Diagnostics> {
        let account = AccountPrivileges::new(&id.instance_id, &id.user_name);
        let Some(observed) = observe(client, &account, &id.objects, deadline).await? else {
            return Err(import_missing(no_such_account(&account)));
        };
        if !observed.missing.is_empty() {
            return Err(missing_objects_import_error(
                &account,
                &observed.missing,
                id,
            ));
        }
        Ok(observed.applied_to(&account))
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
