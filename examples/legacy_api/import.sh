#!/usr/bin/env bash
# Imports read through API 3.0, as in the default mode: the ID is <instance_id>#<user>#<host>.
terraform import clouddb_tdsql_account_privileges.app 'tdsql-sim00001#app#%'
