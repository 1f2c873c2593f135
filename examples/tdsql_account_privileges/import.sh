#!/usr/bin/env bash
# Adopt the privileges an account already has: the ID is <instance_id>#<user>#<host>, or
# <instance_id>#<user> for the host %. The import reads every level of every object.
terraform import clouddb_tdsql_account_privileges.app 'tdsql-sim00001#app#%'
