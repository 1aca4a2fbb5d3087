//! Compiles proto/ with protox (pure Rust, no system protoc) and generates the tonic server and
//! client code for the parts of Pulumi's protocol tap speaks; and bakes in the plugin server the
//! package names (`pluginDownloadURL`: src/metadata.json's, or TAP_PLUGIN_DOWNLOAD_URL's when a
//! release is built for another server), so the schema, the SDKs made from it and the children
//! Construct registers all name the same plugin.
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

    println!("cargo:rerun-if-changed=src/metadata.json");
    println!("cargo:rerun-if-env-changed=TAP_PLUGIN_DOWNLOAD_URL");
    let metadata: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("src/metadata.json")?)?;
    let committed = metadata.get("pluginDownloadURL").and_then(|u| u.as_str()).unwrap_or_default().to_string();
    let url = std::env::var("TAP_PLUGIN_DOWNLOAD_URL").unwrap_or(committed);
    if url.chars().any(char::is_whitespace) {
        return Err(format!("TAP_PLUGIN_DOWNLOAD_URL {url:?} has whitespace in it").into());
    }
    println!("cargo:rustc-env=TAP_PLUGIN_DOWNLOAD_URL={url}");
    Ok(())
}
