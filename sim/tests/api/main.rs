//! The sim driven over HTTP, as the provider and users drive it.

mod admin;
mod auth;
mod backend;
mod cdb;
mod flags;
mod legacy;
mod mariadb;
mod polardb;
mod postgres;
mod sdk_forms;
mod support;
mod tencent;
