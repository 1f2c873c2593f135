# The quickstart: grant a PolarDB account access to two databases.
# scripts/quickstart.sh runs it against clouddb-sim; credentials and endpoint come from the
# environment (ALICLOUD_ACCESS_KEY, ALICLOUD_SECRET_KEY, CLOUDDB_ALICLOUD_ENDPOINT).

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
}

resource "clouddb_polardb_account_grant" "app" {
  db_cluster_id = "pc-sim00001"
  account_name  = "app"

  database_privileges = {
    shop = "ReadWrite"
    logs = "ReadOnly"
  }
}

output "app_grant_id" {
  value = clouddb_polardb_account_grant.app.id
}
