//! TDSQL (MariaDB edition): its fixture so far; its actions come with the TDSQL resource.

pub(crate) mod fixture;
pub(crate) mod state;
