#!/usr/bin/env bash
# Adopt the privileges an account already has on the objects of main.tf. The ID is
# <db_instance_id>#<user_name>#<object>;<object>;... with each object <object_type>:<names
# joined by dots>. Quote it: "#" and ";" mean something to the shell.
terraform import clouddb_postgres_account_privileges.app \
  'postgres-sim00001#app#database:appdb;schema:appdb.public;table:appdb.public.users;column:appdb.public.users.email'
