//! The sim driven over HTTP, as the provider and users drive it.

mod admin;
mod auth;
mod backend;
mod polardb;
mod support;
mod tencent;
