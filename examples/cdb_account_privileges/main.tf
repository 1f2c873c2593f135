# Give the account app@% of a TencentDB for MySQL (CDB) instance read access to "shop", write
# access to one table and one column, and the global PROCESS privilege. The resource is
# authoritative: any other privilege the account holds is revoked.

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

resource "clouddb_cdb_account_privileges" "app" {
  instance_id       = "cdb-sim00001"
  user              = "app"
  host              = "%"
  global_privileges = ["PROCESS"]

  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }

  table {
    database   = "shop"
    table      = "orders"
    privileges = ["INSERT", "UPDATE"]
  }

  column {
    database   = "shop"
    table      = "orders"
    column     = "total"
    privileges = ["SELECT"]
  }
}
