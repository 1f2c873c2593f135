# Let the account "app" of a TencentDB for PostgreSQL instance connect to "appdb", use its
# "public" schema, read and write the "users" table and read its "email" column. The resource
# is authoritative for these objects: any other privilege the account holds on them is revoked.
# Objects that are not listed are left alone.

terraform {
  required_providers {
    clouddb = {
      source = "clouddb/clouddb"
    }
  }
}

provider "clouddb" {
  tencentcloud {
    region = "ap-guangzhou"
    # secret_id and secret_key come from TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY.
  }
}

resource "clouddb_postgres_account_privileges" "app" {
  db_instance_id = "postgres-sim00001"
  user_name      = "app"
  # Left out, the account keeps its type and the state shows it; set it to change the type.
  # account_type = "normal"

  object {
    object_type = "database"
    object_name = "appdb"
    privileges  = ["CONNECT", "TEMPORARY"]
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
    privileges    = ["SELECT", "INSERT", "UPDATE"]
  }

  object {
    object_type   = "column"
    database_name = "appdb"
    schema_name   = "public"
    table_name    = "users"
    object_name   = "email"
    privileges    = ["SELECT"]
  }
}
