#!/usr/bin/env bash
# Adopt the privileges an account already has: the ID is <instance_id>#<user>#<host>.
terraform import clouddb_cdb_account_privileges.app 'cdb-sim00001#app#%'
