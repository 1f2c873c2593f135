# The quickstart: grant a PolarDB account access to two databases, a CDB for MySQL account
# access to a database and a table, a PostgreSQL account read access to a table, and a TDSQL
# account access to a database, a view and a procedure.
# scripts/quickstart.sh runs it against clouddb-sim;
# credentials and endpoints come from the environment (ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY,
# CLOUDDB_ALICLOUD_ENDPOINT, TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY,
# CLOUDDB_TENCENTCLOUD_ENDPOINT).

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
  }
  tencentcloud {
    region = "ap-guangzhou"
  }
}

resource "clouddb_polardb_account_grant" "app" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"

  database_privileges = {
    shop = "ReadWrite"
    logs = "ReadOnly"
  }
}

# Read access to "shop" and write access to one table for the CDB for MySQL account app@%.
resource "clouddb_cdb_account_privileges" "app" {
  instance_id = "cdb-sim00001"
  user        = "app"

  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["INSERT", "UPDATE"]
  }
}

# The PostgreSQL account "app" may connect to "appdb", use schema "public" and read "users".
resource "clouddb_postgres_account_privileges" "app" {
  db_instance_id = "postgres-sim00001"
  user_name      = "app"

  object {
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT"]
  }

  object {
    object_type   = "schema"
    database_name = "appdb"
    object_name   = "public"
    privileges    = ["USAGE"]
  }

  object {
    object_type   = "table"
    database_name = "appdb"
    schema_name   = "public"
    object_name   = "users"
    privileges    = ["SELECT"]
  }
}

# Read access to "shop", its view "order_totals" and its procedure "archive_orders" for the
# TDSQL for MySQL account app@%.
resource "clouddb_tdsql_account_privileges" "app" {
  instance_id = "tdsql-sim00001"
  user        = "app"

  database {
    database   = "shop"
    privileges = ["SELECT"]
  }

  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }

  procedure {
    database   = "shop"
    procedure  = "archive_orders"
    privileges = ["EXECUTE"]
  }
}

output "app_grant_id" {
  value = clouddb_polardb_account_grant.app.id
}

output "cdb_app_privileges_id" {
  value = clouddb_cdb_account_privileges.app.id
}

output "tdsql_app_privileges_id" {
  value = clouddb_tdsql_account_privileges.app.id
}
