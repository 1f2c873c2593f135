# Look up what accounts hold now, before writing or changing their grants. Each data source is
# named like the resource that manages the same account and reads it the way an import would;
# the arguments name the account, everything else is what it holds. Run it after the
# quickstart to see the quickstart's grants.

terraform {
  required_providers {
    clouddb = {
      source = "clouddb/clouddb"
    }
  }
}

provider "clouddb" {
  alicloud {
    region = "cn-hangzhou"
    # access_key and secret_key come from ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY.
  }
  tencentcloud {
    region = "ap-guangzhou"
    # secret_id and secret_key come from TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY.
  }
}

data "clouddb_polardb_account_grant" "app" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"
}

data "clouddb_cdb_account_privileges" "app" {
  instance_id = "cdb-sim00001"
  user        = "app"
  # host defaults to "%", as on the resource.
}

data "clouddb_postgres_account_privileges" "app" {
  db_instance_id = "postgres-sim00001"
  user_name      = "app"
  # PostgreSQL answers only for the objects it is asked about.
  objects = ["database:appdb", "schema:appdb.public", "table:appdb.public.users"]
}

data "clouddb_tdsql_account_privileges" "app" {
  instance_id = "tdsql-sim00001"
  user        = "app"
}

output "polardb_app_databases" {
  value = data.clouddb_polardb_account_grant.app.database_privileges
}

output "cdb_app" {
  value = {
    host      = data.clouddb_cdb_account_privileges.app.host
    databases = data.clouddb_cdb_account_privileges.app.database
    tables    = data.clouddb_cdb_account_privileges.app.table
  }
}

output "postgres_app_objects" {
  value = data.clouddb_postgres_account_privileges.app.object
}

output "tdsql_app_views" {
  value = data.clouddb_tdsql_account_privileges.app.view
}

# Every account of an instance or cluster, e.g. to grant to each with for_each.
data "clouddb_polardb_accounts" "cluster" {
  db_cluster_id = "pc-sim00001"
}

data "clouddb_cdb_accounts" "instance" {
  instance_id = "cdb-sim00001"
}

data "clouddb_postgres_accounts" "instance" {
  db_instance_id = "postgres-sim00001"
}

data "clouddb_tdsql_accounts" "instance" {
  instance_id = "tdsql-sim00001"
}

output "standard_polardb_accounts" {
  value = [for a in data.clouddb_polardb_accounts.cluster.accounts : a.account_name if a.account_type == "Normal"]
}

output "account_names" {
  value = {
    cdb      = [for a in data.clouddb_cdb_accounts.instance.accounts : "${a.user}@${a.host}"]
    postgres = [for a in data.clouddb_postgres_accounts.instance.accounts : a.user_name]
    tdsql    = [for a in data.clouddb_tdsql_accounts.instance.accounts : "${a.user}@${a.host}"]
  }
}
