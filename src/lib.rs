//! terraform-provider-clouddb: database account privileges on Tencent Cloud and Alibaba Cloud, as Terraform resources.

pub mod value;
