#!/usr/bin/env bash
# Adopt the privileges an account already has: the ID is <db_cluster_id>#<account_name>.
terraform import clouddb_polardb_account_grant.app 'pc-sim00001#app'
