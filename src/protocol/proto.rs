//! Code generated from proto/ at build time.

// Generated: the messages of RPCs this provider does not serve go unused.
#![allow(clippy::all, missing_docs, dead_code)]

pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

pub mod plugin {
    tonic::include_proto!("plugin");
}

pub mod health {
    tonic::include_proto!("grpc.health.v1");
}
