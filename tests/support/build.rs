//! Compiles the plugin protocol's client side from the repository's proto/ files, so the tests
//! talk to the provider as Terraform does, without reaching into the provider's private code.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "../../proto/tfplugin6.proto",
        "../../proto/plugin.proto",
        "../../proto/health.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["../../proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .compile_fds(descriptors)?;
    Ok(())
}
