//! One MySQL-family account of one instance and everything it holds (or should hold), to and
//! from the resource's Terraform value.

use crate::cloud::tencent::cdb::Account;
use crate::framework::{Attributes, Diagnostics};
use crate::value::Value;

use super::levels::Family;
use super::privileges::Privileges;
use super::shape::Shapes;

#[derive(Debug, Clone, PartialEq)]
pub struct AccountGrants {
    pub family: &'static Family,
    pub instance_id: String,
    pub account: Account,
    pub privileges: Privileges,
    /// How the configuration writes each level, which the state keeps.
    pub shapes: Shapes,
}

impl AccountGrants {
    /// An account holding nothing, e.g. the target of an import.
    pub fn new(family: &'static Family, instance_id: String, account: Account) -> Self {
        AccountGrants {
            family,
            instance_id,
            account,
            privileges: Privileges::none(family),
            shapes: Shapes::default(),
        }
    }

    /// `<instance_id>#<user>#<host>`.
    pub fn id(&self) -> String {
        format!(
            "{}#{}#{}",
            self.instance_id, self.account.user, self.account.host
        )
    }

    pub fn from_value(family: &'static Family, value: &Value) -> Result<Self, Diagnostics> {
        let attrs = Attributes::of(value);
        Ok(AccountGrants {
            family,
            instance_id: attrs.string("instance_id")?,
            account: Account {
                user: attrs.string("user")?,
                host: attrs.string("host")?,
            },
            privileges: Privileges::from_value(family, value),
            shapes: Shapes::of(family, value),
        })
    }

    /// The resource value, but `timeouts`, which the kit carries.
    pub fn to_value(&self) -> Value {
        let mut fields = vec![
            ("id", Value::string(self.id())),
            ("instance_id", Value::string(&self.instance_id)),
            ("user", Value::string(&self.account.user)),
            ("host", Value::string(&self.account.host)),
        ];
        fields.extend(self.privileges.to_values(self.family, &self.shapes));
        Value::object(fields)
    }

    pub fn holding(&self, privileges: Privileges) -> Self {
        AccountGrants {
            privileges,
            ..self.clone()
        }
    }

    /// The same account holding nothing: what a delete leaves.
    pub fn emptied(&self) -> Self {
        self.holding(Privileges::none(self.family))
    }
}
