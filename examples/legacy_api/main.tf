# Legacy mode: write the privileges of a CDB for MySQL account and of a TDSQL for MySQL
# account through the legacy API v2 (/v2/index.php), as private-cloud and older endpoints
# require. Reads still use API 3.0 on the same endpoint.

terraform {
  required_providers {
    clouddb = {
      source = "clouddb/clouddb"
    }
  }
}

provider "clouddb" {
  tencentcloud {
    region     = "ap-guangzhou"
    legacy_api = true
    # secret_id and secret_key come from TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY,
    # the endpoint from CLOUDDB_TENCENTCLOUD_ENDPOINT.
  }
}

# One ModifyCdbInstanceAccountPrivileges call per change: it replaces the whole account.
resource "clouddb_cdb_account_privileges" "app" {
  instance_id = "cdb-sim00001"
  user        = "app"

  database {
    database   = "shop"
    privileges = ["SELECT", "SHOW VIEW"]
  }
}

# One ModifyTdsqlUserPrivileges call per scope that changes.
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
}
