//! terraform-provider-clouddb: database account privileges on Tencent Cloud and Alibaba Cloud, as Terraform resources.

pub mod cloud;
pub mod data_sources;
pub mod framework;
pub mod list_resources;
pub mod plugin;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod value;
