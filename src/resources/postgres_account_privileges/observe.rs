//! Reading an account as it is: its type (DescribeAccounts) and its privileges on given objects
//! (DescribeAccountPrivileges, 50 objects a call), telling apart objects that no longer exist.

use std::future::Future;

use tokio::time::Instant;

use crate::cloud::error::CloudError;
use crate::cloud::tencent::postgres::{
    is_missing_object, AccountType, DatabaseObject, DatabasePrivilege, PostgresAccount,
    PostgresClient, MAX_DESCRIBE_OBJECTS,
};
use crate::framework::Diagnostics;
use crate::resources::kit::Current;
use crate::resources::messages::{account_read_failure, cloud_error};
use crate::resources::outcome::ReadFailure;

use super::import_id::ImportId;
use super::model::{describe, normalize_privileges, AccountPrivileges, ObjectPrivileges};

/// An object the account's state listed but the instance no longer has.
pub struct MissingObject {
    pub object: DatabaseObject,
    /// The vendor's answer that said so.
    pub answer: String,
}

/// The account as it is now: its type, and its privileges on the objects asked about.
pub struct Observed {
    pub account_type: AccountType,
    pub objects: ObjectPrivileges,
    pub missing: Vec<MissingObject>,
}

impl Observed {
    /// `account` with the observed type and the observed privileges on the objects that exist.
    pub fn applied_to(self, account: &AccountPrivileges) -> AccountPrivileges {
        AccountPrivileges {
            account_type: Some(self.account_type),
            objects: self.objects,
            ..account.clone()
        }
    }

    /// What a read of `account` records, with a warning for the objects that no longer exist.
    pub fn current(self, account: &AccountPrivileges) -> Current<AccountPrivileges> {
        let warnings = if self.missing.is_empty() {
            Diagnostics::new()
        } else {
            missing_objects_warning(account, &self.missing)
        };
        Current {
            account: self.applied_to(account),
            warnings,
        }
    }
}

/// The account's type and its privileges on `objects`, or `None` when the account is gone.
pub async fn observe<'a>(
    client: &PostgresClient,
    account: &AccountPrivileges,
    objects: impl IntoIterator<Item = &'a DatabaseObject>,
    deadline: Instant,
) -> Result<Option<Observed>, ReadFailure> {
    let finding = find_account(client, account, deadline);
    observe_as(client, account, objects, deadline, finding).await
}

/// The account's type as `finding` finds it (`None`: not found) and its privileges on
/// `objects`, both read at once: an account read costs one round trip, not two. Only `finding`
/// can say the account is missing, and a privileges read may fail because it is, so the
/// privileges' outcome counts only once the account is found; a read left waiting then is
/// dropped.
pub async fn observe_as<'a>(
    client: &PostgresClient,
    account: &AccountPrivileges,
    objects: impl IntoIterator<Item = &'a DatabaseObject>,
    deadline: Instant,
    finding: impl Future<Output = Result<Option<PostgresAccount>, ReadFailure>>,
) -> Result<Option<Observed>, ReadFailure> {
    let objects: Vec<DatabaseObject> = objects.into_iter().cloned().collect();
    let found = async {
        match finding.await {
            Ok(Some(found)) => Ok(found),
            Ok(None) => Err(None),
            Err(failure) => Err(Some(failure)),
        }
    };
    let privileges = async { Ok(read_objects(client, account, &objects, deadline).await) };
    let (found, privileges) = match tokio::try_join!(found, privileges) {
        Ok(both) => both,
        Err(None) => return Ok(None),
        Err(Some(failure)) => return Err(failure),
    };
    let ObjectsHeld { objects, missing } = privileges?;
    Ok(Some(Observed {
        account_type: found.user_type,
        objects,
        missing,
    }))
}

/// The account's privileges on the objects asked about that exist, and those that do not.
#[derive(Default)]
struct ObjectsHeld {
    objects: ObjectPrivileges,
    missing: Vec<MissingObject>,
}

/// The privileges on `objects`, 50 objects a call.
async fn read_objects(
    client: &PostgresClient,
    account: &AccountPrivileges,
    objects: &[DatabaseObject],
    deadline: Instant,
) -> Result<ObjectsHeld, Diagnostics> {
    let mut held = ObjectsHeld::default();
    for batch in objects.chunks(MAX_DESCRIBE_OBJECTS) {
        read_batch(client, account, batch, &mut held, deadline).await?;
    }
    Ok(held)
}

async fn find_account(
    client: &PostgresClient,
    account: &AccountPrivileges,
    deadline: Instant,
) -> Result<Option<PostgresAccount>, ReadFailure> {
    match client
        .find_account(&account.instance_id, &account.user_name, deadline)
        .await
    {
        Ok(found) => Ok(found),
        Err(e) => account_read_failure(
            &e,
            &format!("PostgreSQL instance {}", account.instance_id),
            &client.location(),
            || format!("Could not read account {}", account.id()),
        ),
    }
}

/// Reads one batch of objects into `held`. The vendor refuses a whole call when one of its
/// objects does not exist, so a refused batch is halved until each missing object stands alone:
/// one missing object among 50 costs about a dozen calls, not 50.
async fn read_batch(
    client: &PostgresClient,
    account: &AccountPrivileges,
    batch: &[DatabaseObject],
    held: &mut ObjectsHeld,
    deadline: Instant,
) -> Result<(), Diagnostics> {
    let mut pending = vec![batch];
    while let Some(objects) = pending.pop() {
        match describe_privileges(client, account, objects, deadline).await {
            Ok(answer) => record(objects, &answer, held),
            Err(e) if !is_missing_object(&e) => return Err(read_failed(account, &e)),
            Err(e) => match objects {
                [object] => held.missing.push(MissingObject {
                    object: object.clone(),
                    answer: e.to_string(),
                }),
                _ => {
                    let (first, second) = objects.split_at(objects.len() / 2);
                    pending.extend([second, first]);
                }
            },
        }
    }
    Ok(())
}

async fn describe_privileges(
    client: &PostgresClient,
    account: &AccountPrivileges,
    objects: &[DatabaseObject],
    deadline: Instant,
) -> Result<Vec<DatabasePrivilege>, CloudError> {
    client
        .describe_account_privileges(&account.instance_id, &account.user_name, objects, deadline)
        .await
}

fn read_failed(account: &AccountPrivileges, error: &CloudError) -> Diagnostics {
    cloud_error(
        format!("Could not read the privileges of {}", account.id()),
        error,
    )
}

/// Files the answer under the objects asked about; an object the answer leaves out holds nothing.
fn record(asked: &[DatabaseObject], answer: &[DatabasePrivilege], held: &mut ObjectsHeld) {
    for object in asked {
        let privileges = answer
            .iter()
            .filter(|answered| is_same_object(object, &answered.object))
            .flat_map(|answered| answered.privileges.iter());
        held.objects.insert(
            object.clone(),
            normalize_privileges(object.object_type, privileges),
        );
    }
}

/// The answer may fill in name fields the question left out (a database's own name as its
/// `DatabaseName`); every field that was asked about must match.
fn is_same_object(asked: &DatabaseObject, answered: &DatabaseObject) -> bool {
    let matches =
        |asked: &Option<String>, answered: &Option<String>| asked.is_none() || asked == answered;
    asked.object_type == answered.object_type
        && asked.object_name == answered.object_name
        && matches(&asked.database_name, &answered.database_name)
        && matches(&asked.schema_name, &answered.schema_name)
        && matches(&asked.table_name, &answered.table_name)
}

/// How messages name missing objects, and the words that agree with them.
struct MissingPhrase {
    subject: String,
    one: bool,
}

impl MissingPhrase {
    fn of(missing: &[MissingObject]) -> Self {
        let names: Vec<String> = missing.iter().map(|m| describe(&m.object)).collect();
        match names.as_slice() {
            [one] => MissingPhrase {
                subject: one.clone(),
                one: true,
            },
            _ => MissingPhrase {
                subject: format!("{} objects ({})", names.len(), names.join(", ")),
                one: false,
            },
        }
    }

    /// `singular` when one object is missing, else `plural`.
    fn agree(&self, singular: &'static str, plural: &'static str) -> &'static str {
        if self.one {
            singular
        } else {
            plural
        }
    }
}

/// The warning for objects dropped from the state because the instance no longer has them.
fn missing_objects_warning(account: &AccountPrivileges, missing: &[MissingObject]) -> Diagnostics {
    let phrase = MissingPhrase::of(missing);
    let them = phrase.agree("it", "them");
    let mut diags = Diagnostics::new();
    diags.warning(
        "Objects no longer exist",
        format!(
            "{} no longer {} on instance {}, so {} removed from the state of {}. While the configuration lists {them}, the plan shows {them} as new and apply stops before changing anything: remove {them} from the configuration, or create {them} again.\n\nThe API answered: {}",
            phrase.subject,
            phrase.agree("exists", "exist"),
            account.instance_id,
            phrase.agree("it was", "they were"),
            account.id(),
            missing[0].answer
        ),
    );
    diags
}

/// The error when objects about to be managed do not exist: nothing was changed.
pub fn missing_objects_error(
    account: &AccountPrivileges,
    missing: &[MissingObject],
) -> Diagnostics {
    let phrase = MissingPhrase::of(missing);
    let them = phrase.agree("it", "them");
    Diagnostics::from_error(
        "Objects do not exist",
        format!(
            "{} {} not exist on instance {}, so nothing was changed. Create {them} first, or remove {them} from the configuration.\n\nThe API answered: {}",
            phrase.subject,
            phrase.agree("does", "do"),
            account.instance_id,
            missing[0].answer
        ),
    )
}

/// The error when an import ID names objects that do not exist.
pub fn missing_objects_import_error(
    account: &AccountPrivileges,
    missing: &[MissingObject],
    id: &ImportId,
) -> Diagnostics {
    let phrase = MissingPhrase::of(missing);
    Diagnostics::from_error(
        "Cannot import objects that do not exist",
        format!(
            "{} {} not exist on instance {} (import ID {id}).\n\nThe API answered: {}",
            phrase.subject,
            phrase.agree("does", "do"),
            account.instance_id,
            missing[0].answer
        ),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::cloud::tencent::postgres::ObjectType;

    fn object(object_type: ObjectType, database: Option<&str>, name: &str) -> DatabaseObject {
        DatabaseObject {
            database_name: database.map(str::to_owned),
            schema_name: None,
            table_name: None,
            object_type,
            object_name: name.to_owned(),
        }
    }

    #[test]
    fn an_answer_may_fill_in_what_was_not_asked() {
        let asked = object(ObjectType::Database, None, "appdb");
        assert!(is_same_object(
            &asked,
            &object(ObjectType::Database, Some("appdb"), "appdb")
        ));
        assert!(!is_same_object(
            &asked,
            &object(ObjectType::Schema, None, "appdb")
        ));
        let schema = object(ObjectType::Schema, Some("appdb"), "public");
        assert!(!is_same_object(
            &schema,
            &object(ObjectType::Schema, Some("other"), "public")
        ));
    }

    #[test]
    fn answers_are_filed_under_the_objects_asked_about() {
        let database = object(ObjectType::Database, None, "appdb");
        let schema = object(ObjectType::Schema, Some("appdb"), "public");
        let answer = vec![DatabasePrivilege {
            object: database.clone(),
            privileges: vec!["connect".into(), "TEMP".into()],
        }];
        let mut held = ObjectsHeld::default();
        record(&[database.clone(), schema.clone()], &answer, &mut held);
        assert_eq!(
            held.objects.get(&database),
            Some(&["CONNECT".to_owned(), "TEMPORARY".to_owned()].into())
        );
        assert_eq!(held.objects.get(&schema), Some(&BTreeSet::new()));
    }

    #[test]
    fn the_missing_objects_warning_names_each_object_and_what_to_do() {
        let account = AccountPrivileges::new("postgres-abc", "app");
        let missing = vec![MissingObject {
            object: DatabaseObject {
                database_name: Some("appdb".into()),
                schema_name: Some("public".into()),
                table_name: None,
                object_type: ObjectType::Table,
                object_name: "orders".into(),
            },
            answer: "DescribeAccountPrivileges failed: X: no table orders (RequestId: R)".into(),
        }];
        let text = missing_objects_warning(&account, &missing).to_string();
        assert!(
            text.starts_with("Warning: Objects no longer exist"),
            "{text}"
        );
        assert!(
            text.contains("table appdb.public.orders no longer exists on instance postgres-abc, so it was removed from the state of postgres-abc#app."),
            "{text}"
        );
        assert!(text.contains("remove it from the configuration"), "{text}");
        assert!(text.contains("The API answered: DescribeAccountPrivileges failed: X: no table orders (RequestId: R)"), "{text}");

        let mut two = missing;
        two.push(MissingObject {
            object: DatabaseObject {
                database_name: None,
                schema_name: None,
                table_name: None,
                object_type: ObjectType::Database,
                object_name: "olddb".into(),
            },
            answer: String::new(),
        });
        let text = missing_objects_warning(&account, &two).to_string();
        assert!(
            text.contains("2 objects (table appdb.public.orders, database olddb) no longer exist on instance postgres-abc, so they were removed"),
            "{text}"
        );
        assert!(
            text.contains("remove them from the configuration"),
            "{text}"
        );
    }
}
