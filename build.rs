//! Compiles the plugin protocol with protox, so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/tfplugin6.proto",
        "proto/plugin.proto",
        "proto/health.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    // .cargo/config.toml sets this for aws-lc-sys; a build from elsewhere would not see it, and
    // every launch of the provider would spend about 20 ms seeding from CPU jitter (issue 13).
    println!("cargo:rerun-if-env-changed=AWS_LC_SYS_NO_JITTER_ENTROPY");
    if std::env::var_os("AWS_LC_SYS_NO_JITTER_ENTROPY").is_none() {
        println!(
            "cargo:warning=AWS_LC_SYS_NO_JITTER_ENTROPY is unset (build from the repository, whose \
             .cargo/config.toml sets it): aws-lc seeds from CPU jitter entropy, about 20 ms per start"
        );
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
