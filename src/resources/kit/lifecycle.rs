//! The lifecycle every account-privileges resource shares, written once over [`AccountResource`].

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::framework::timeouts::{timeout, timeouts_block, BLOCK_NAME};
use crate::framework::{ApplyOutcome, Diagnostics, IdentitySchema, Refreshed, Resource, Schema};
use crate::framework::{MoveSource, MovedState, Unmappable};
use crate::resources::outcome::{state_after_failure, Found, Operation, Unfinished};
use crate::value::Value;

use super::account::{AccountResource, Change, Sent, Verdict};

/// How long an operation may take when its `timeouts` entry is not set, and how long a read
/// or an import may take.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long reading the real state after a failed change may take.
const READ_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// How a change under the account's lock ended.
enum Ended<A> {
    Applied,
    /// Read back and judged: the verdict, and what the read found.
    Checked(Verdict, Result<Option<A>, Diagnostics>),
    Unfinished(Unfinished),
}

/// An [`AccountResource`] served to Terraform.
pub struct Managed<R> {
    resource: R,
}

impl<R: AccountResource> Managed<R> {
    pub fn new(resource: R) -> Self {
        Managed { resource }
    }

    /// The resource value of `account`, with the `timeouts` of `template` (the plan or the
    /// state it replaces): the block is configuration only, so it is never read from the cloud.
    fn state(&self, account: &R::Account, template: &Value) -> Value {
        let mut value = self.resource.render(account);
        if let Value::Object(attrs) = &mut value {
            let timeouts = template.attr(BLOCK_NAME).cloned().unwrap_or(Value::Null);
            attrs.insert(BLOCK_NAME.into(), timeouts);
        }
        value
    }

    /// A refresh, or the first read after a move from another provider's resource.
    async fn refreshed(&self, state: &Value, after_move: bool) -> Result<Refreshed, Diagnostics> {
        let account = self.resource.parse(state)?;
        let client = self.resource.client()?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let found = if after_move {
            self.resource
                .read_moved(&client, &account, deadline)
                .await?
        } else {
            self.resource.refresh(&client, &account, deadline).await?
        };
        Ok(match found {
            Some(current) => Refreshed {
                state: self.state(&current.account, state),
                warnings: current.warnings,
            },
            None => Refreshed::clean(Value::Null),
        })
    }

    /// Create, update and delete: makes the account hold what `planned` declares (nothing, for
    /// a delete) and returns the state that results, which records what the account holds
    /// whenever that is not what was asked.
    async fn apply(&self, operation: Operation, prior: &Value, planned: &Value) -> ApplyOutcome {
        let parsed = match operation {
            Operation::Create => self.resource.parse(planned).map(|wanted| (None, wanted)),
            Operation::Update => self.resource.parse(prior).and_then(|before| {
                let wanted = self.resource.parse(planned)?;
                Ok((Some(before), wanted))
            }),
            Operation::Delete => self.resource.parse(prior).map(|before| {
                let nothing = self.resource.emptied(&before);
                (Some(before), nothing)
            }),
        };
        let (before, mut wanted) = match parsed {
            Ok(parsed) => parsed,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        // A delete's timeouts are in the state; create's and update's in the plan, which is
        // also what the state after a failed create or update records.
        let template = match operation {
            Operation::Delete => prior,
            Operation::Create | Operation::Update => planned,
        };
        let succeeded = |wanted: &R::Account| match operation {
            Operation::Delete => Value::Null,
            Operation::Create | Operation::Update => self.state(wanted, template),
        };
        if let (Operation::Update, Some(before)) = (operation, &before) {
            if self.resource.unchanged(before, &wanted) {
                return ApplyOutcome::done(succeeded(&wanted));
            }
        }
        let client = match self.resource.client() {
            Ok(client) => client,
            Err(diags) => return ApplyOutcome::failed(prior.clone(), diags),
        };
        let limit = timeout(template, operation.name(), DEFAULT_TIMEOUT);
        let deadline = Instant::now() + limit;
        let ended = {
            let _lock = self.resource.lock(&client, &wanted).await;
            let change = Change {
                operation,
                prior: before.as_ref(),
                wanted: &mut wanted,
                limit,
                deadline,
            };
            match self.resource.change(&client, change).await {
                Ok(Sent::Confirmed) => Ended::Applied,
                Ok(Sent::ToVerify(sent)) => {
                    let held = self
                        .resource
                        .read(&client, &wanted, deadline)
                        .await
                        .map(|held| held.map(|current| current.account))
                        .map_err(Diagnostics::from);
                    let verdict =
                        self.resource
                            .verify(&wanted, &sent, held.as_ref().map(Option::as_ref));
                    Ended::Checked(verdict, held)
                }
                Err(unfinished) => Ended::Unfinished(unfinished),
            }
        };
        let diags = match ended {
            Ended::Applied | Ended::Checked(Verdict::Applied, _) => {
                return ApplyOutcome::done(succeeded(&wanted))
            }
            Ended::Checked(Verdict::Unconfirmed(warnings), _) => {
                return ApplyOutcome {
                    state: succeeded(&wanted),
                    diagnostics: warnings,
                }
            }
            // What the read back found is the state.
            Ended::Checked(Verdict::NotApplied(diags), held) => {
                let found = held.map(|held| held.map(|held| self.found(&held, template)));
                return state_after_failure(operation, found, prior, diags);
            }
            Ended::Unfinished(unfinished) => match (unfinished, operation) {
                (Unfinished::AccountGone(_) | Unfinished::InstanceGone(_), Operation::Delete) => {
                    return ApplyOutcome::done(Value::Null)
                }
                (
                    Unfinished::Refused(diags)
                    | Unfinished::AccountGone(diags)
                    | Unfinished::InstanceGone(diags),
                    Operation::Create,
                ) => return ApplyOutcome::failed(Value::Null, diags),
                (Unfinished::Unreadable(diags) | Unfinished::InstanceGone(diags), _) => {
                    return ApplyOutcome::failed(prior.clone(), diags)
                }
                // A read now would show the account as it was before the change: an update
                // or a delete keeps the prior state, and a create records what it asked for,
                // so that Terraform taints it rather than forgets privileges still to come.
                (Unfinished::Undetermined(diags), Operation::Create) => {
                    return ApplyOutcome::failed(succeeded(&wanted), diags)
                }
                (Unfinished::Undetermined(diags), _) => {
                    return ApplyOutcome::failed(prior.clone(), diags)
                }
                (
                    Unfinished::Refused(diags)
                    | Unfinished::AccountGone(diags)
                    | Unfinished::Failed(diags),
                    _,
                ) => diags,
            },
        };
        let found = self
            .resource
            .read_after_failure(
                &client,
                before.as_ref(),
                &wanted,
                Instant::now() + READ_AFTER_FAILURE,
            )
            .await
            .map_err(Diagnostics::from)
            .map(|held| held.map(|held| self.found(&held, template)));
        state_after_failure(operation, found, prior, diags)
    }

    fn found(&self, held: &R::Account, template: &Value) -> Found {
        Found {
            state: self.state(held, template),
            holds_anything: self.resource.holds_anything(held),
        }
    }
}

#[async_trait]
impl<R: AccountResource> Resource for Managed<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: R::IDENTITY.to_vec(),
        })
    }

    fn schema(&self) -> Schema {
        let block = self
            .resource
            .block()
            .block(timeouts_block(&["create", "update", "delete"]));
        Schema::new(0, block)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        self.resource.validate(config, diags);
    }

    fn begin_walk(&self) {
        self.resource.begin_walk();
    }

    fn upgrade_state(&self, state: Value) -> Value {
        self.resource.upgrade_state(state)
    }

    fn move_sources(&self) -> &'static [MoveSource] {
        R::MOVES_FROM
    }

    fn move_state(&self, source: &MovedState) -> Result<Value, Unmappable> {
        let account = self.resource.moved_account(source)?;
        Ok(self.state(&account, &Value::Null))
    }

    async fn create(&self, planned: &Value) -> ApplyOutcome {
        self.apply(Operation::Create, &Value::Null, planned).await
    }

    /// Every change may be sent before the create is stopped (and a task or flow goes on
    /// without us), so an abandoned create records what it asked for.
    fn abandoned_create(&self, planned: &Value) -> Value {
        match self.resource.parse(planned) {
            Ok(wanted) => self.state(&wanted, planned),
            Err(_) => Value::Null,
        }
    }

    async fn read(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        self.refreshed(state, false).await
    }

    async fn read_moved(&self, state: &Value) -> Result<Refreshed, Diagnostics> {
        self.refreshed(state, true).await
    }

    async fn update(&self, prior: &Value, planned: &Value) -> ApplyOutcome {
        self.apply(Operation::Update, prior, planned).await
    }

    async fn delete(&self, prior: &Value) -> ApplyOutcome {
        self.apply(Operation::Delete, prior, &Value::Null).await
    }

    async fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let id = self.resource.parse_import_id(id)?;
        let client = self.resource.client()?;
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        let account = self.resource.import(&client, &id, deadline).await?;
        Ok(self.state(&account, &Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

    use super::*;
    use crate::framework::{Attribute, Attributes, Block, IdentityAttribute};
    use crate::resources::kit::Current;
    use crate::resources::outcome::ReadFailure;
    use crate::value::Type;

    /// How the scripted cloud answers a change.
    #[derive(Clone, Copy, Debug)]
    enum Answer {
        Confirmed,
        /// Success, to be read back; the cloud carries the change out only if `true`.
        ToVerify(bool),
        Refused,
        AccountGone,
        InstanceGone,
        Unreadable,
        Failed,
        Undetermined,
    }

    /// One account holding one privilege (or none), on a cloud whose answers are scripted.
    struct Scripted {
        answer: Answer,
        /// What the account holds; `None`: there is no account.
        cloud: Mutex<Option<String>>,
        /// Whether reads fail.
        unreadable: bool,
        lock: Arc<AsyncMutex<()>>,
    }

    impl Scripted {
        fn new(answer: Answer, held: &str) -> Managed<Scripted> {
            Managed::new(Scripted {
                answer,
                cloud: Mutex::new(Some(held.to_owned())),
                unreadable: false,
                lock: Arc::default(),
            })
        }
    }

    fn value(privilege: &str, timeout: Option<&str>) -> Value {
        let timeouts = timeout.map_or(Value::Null, |t| {
            Value::object([("create", Value::string(t)), ("update", Value::string(t))])
        });
        Value::object([
            ("privilege", Value::string(privilege)),
            ("timeouts", timeouts),
        ])
    }

    fn diags(summary: &str) -> Diagnostics {
        Diagnostics::from_error(summary, "")
    }

    #[async_trait]
    impl AccountResource for Scripted {
        type Account = String;
        type Client = ();
        type ImportId = String;
        type Sent = ();

        const TYPE_NAME: &'static str = "clouddb_scripted";
        const IDENTITY: &'static [IdentityAttribute] = &[];

        fn block(&self) -> Block {
            Block::new().attribute(Attribute::required("privilege", Type::String))
        }

        fn parse(&self, value: &Value) -> Result<String, Diagnostics> {
            Attributes::of(value).string("privilege")
        }

        fn render(&self, privilege: &String) -> Value {
            Value::object([("privilege", Value::string(privilege))])
        }

        fn holds_anything(&self, privilege: &String) -> bool {
            !privilege.is_empty()
        }

        fn emptied(&self, _prior: &String) -> String {
            String::new()
        }

        fn client(&self) -> Result<(), Diagnostics> {
            Ok(())
        }

        async fn lock(&self, _client: &(), _account: &String) -> OwnedMutexGuard<()> {
            self.lock.clone().lock_owned().await
        }

        async fn read(
            &self,
            _client: &(),
            _account: &String,
            _deadline: Instant,
        ) -> Result<Option<Current<String>>, ReadFailure> {
            if self.unreadable {
                return Err(ReadFailure::Failed(diags("read failed")));
            }
            Ok(self.cloud.lock().unwrap().clone().map(Current::clean))
        }

        async fn change(
            &self,
            _client: &(),
            change: Change<'_, String>,
        ) -> Result<Sent<()>, Unfinished> {
            let mut cloud = self.cloud.lock().unwrap();
            let carry_out = || Some(change.wanted.clone());
            match self.answer {
                Answer::Confirmed => *cloud = carry_out(),
                Answer::ToVerify(true) => *cloud = carry_out(),
                Answer::ToVerify(false) => {}
                Answer::Refused => return Err(Unfinished::Refused(diags("refused"))),
                Answer::AccountGone => return Err(Unfinished::AccountGone(diags("no account"))),
                Answer::InstanceGone => return Err(Unfinished::InstanceGone(diags("no instance"))),
                Answer::Unreadable => return Err(Unfinished::Unreadable(diags("unreachable"))),
                Answer::Failed => {
                    *cloud = Some("half".into());
                    return Err(Unfinished::Failed(diags("failed")));
                }
                Answer::Undetermined => return Err(Unfinished::Undetermined(diags("running"))),
            }
            Ok(match self.answer {
                Answer::ToVerify(_) => Sent::ToVerify(()),
                _ => Sent::Confirmed,
            })
        }

        fn verify(
            &self,
            wanted: &String,
            _sent: &(),
            read_back: Result<Option<&String>, &Diagnostics>,
        ) -> Verdict {
            match read_back {
                Ok(Some(held)) if held == wanted => Verdict::Applied,
                Ok(_) => Verdict::NotApplied(diags("not applied")),
                Err(_) => {
                    let mut warning = Diagnostics::new();
                    warning.warning("unconfirmed", "");
                    Verdict::Unconfirmed(warning)
                }
            }
        }

        fn parse_import_id(&self, id: &str) -> Result<String, Diagnostics> {
            Ok(id.to_owned())
        }

        async fn import(
            &self,
            _client: &(),
            _id: &String,
            _deadline: Instant,
        ) -> Result<String, Diagnostics> {
            Ok(self.cloud.lock().unwrap().clone().unwrap_or_default())
        }
    }

    #[tokio::test]
    async fn states_carry_the_timeouts_of_the_configuration_never_of_the_cloud() {
        let resource = Scripted::new(Answer::Confirmed, "old");
        let planned = value("new", Some("5m"));
        let created = resource.create(&planned).await;
        assert_eq!(created.state, planned);
        assert!(created.diagnostics.is_empty());

        let read = resource.read(&planned).await.expect("read");
        assert_eq!(read.state, planned);
        let imported = resource.import("any").await.expect("import");
        assert_eq!(imported, value("new", None));
        assert!(resource
            .schema()
            .block
            .blocks
            .iter()
            .any(|b| b.name == "timeouts"));
    }

    /// What each way a change can end leaves in the state, per operation: `Null`, `prior`,
    /// `wanted` (what was asked), or `read` (what a read afterwards finds).
    #[tokio::test]
    async fn every_unfinished_change_leaves_a_truthful_state() {
        use Answer::*;
        let prior = value("old", None);
        let planned = value("new", None);
        let read = value("half", None);
        let cases = [
            (Refused, Value::Null, read.clone(), read.clone()),
            (AccountGone, Value::Null, read.clone(), Value::Null),
            (InstanceGone, Value::Null, prior.clone(), Value::Null),
            (Unreadable, Value::Null, prior.clone(), prior.clone()),
            (Failed, read.clone(), read.clone(), read.clone()),
            (Undetermined, planned.clone(), prior.clone(), prior.clone()),
        ];
        for (answer, on_create, on_update, on_delete) in cases {
            let create = Scripted::new(answer, "half").create(&planned).await;
            assert_eq!(create.state, on_create, "create, {answer:?}");
            let update = Scripted::new(answer, "half").update(&prior, &planned).await;
            assert_eq!(update.state, on_update, "update, {answer:?}");
            let delete = Scripted::new(answer, "half").delete(&prior).await;
            assert_eq!(delete.state, on_delete, "delete, {answer:?}");
            let errors = [&create, &update]
                .iter()
                .all(|outcome| outcome.diagnostics.has_errors());
            assert!(errors, "{answer:?}");
        }
    }

    #[tokio::test]
    async fn a_change_the_cloud_did_not_carry_out_is_read_back_and_recorded() {
        let prior = value("old", None);
        let planned = value("new", None);
        let applied = Scripted::new(Answer::ToVerify(true), "old")
            .update(&prior, &planned)
            .await;
        assert_eq!(applied.state, planned);
        assert!(applied.diagnostics.is_empty());

        let ignored = Scripted::new(Answer::ToVerify(false), "old")
            .update(&prior, &planned)
            .await;
        assert_eq!(ignored.state, prior);
        assert!(ignored.diagnostics.to_string().contains("not applied"));

        let mut unconfirmed = Scripted::new(Answer::ToVerify(true), "old");
        unconfirmed.resource.unreadable = true;
        let outcome = unconfirmed.update(&prior, &planned).await;
        assert_eq!(outcome.state, planned);
        assert!(!outcome.diagnostics.has_errors());
        assert!(outcome.diagnostics.to_string().contains("unconfirmed"));
    }
}
