//! The sim driven over HTTP, as the provider and users drive it.

mod admin;
mod auth;
mod backend;
mod cdb;
mod flags;
mod polardb;
mod postgres;
mod support;
mod tencent;
