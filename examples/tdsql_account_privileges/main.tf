# Give the account app@% of a TDSQL for MySQL instance privileges at every level TDSQL has:
# global, a database, a table, a column, a view, a function and a procedure. The resource is
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

resource "clouddb_tdsql_account_privileges" "app" {
  instance_id       = "tdsql-sim00001"
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

  view {
    database   = "shop"
    view       = "order_totals"
    privileges = ["SELECT"]
  }

  function {
    database   = "shop"
    function   = "tax"
    privileges = ["EXECUTE"]
  }

  procedure {
    database   = "shop"
    procedure  = "archive_orders"
    privileges = ["EXECUTE"]
  }
}
