//! Compiles proto/ with protox (pure Rust, no system protoc) and generates the tonic server and
//! client code for the parts of Pulumi's protocol tap speaks.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/pulumi/provider.proto",
        "proto/pulumi/resource.proto",
        "proto/pulumi/engine.proto",
        "proto/pulumi/errors.proto",
        "proto/google/rpc/status.proto",
    ];
    let descriptors = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure().build_server(true).build_client(true).compile_fds(descriptors)?;
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=schema.json");
    Ok(())
}
