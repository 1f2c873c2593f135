# Give the standard account "app" of a PolarDB for MySQL cluster read-write access to "shop"
# and read-only access to "logs". The resource is authoritative: any other database the
# account can access is revoked.

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
}

resource "clouddb_polardb_account_grant" "app" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"

  database_privileges = {
    shop = "ReadWrite"
    logs = "ReadOnly"
  }
}
