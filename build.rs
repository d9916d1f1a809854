//! Generates `include/rdrive.h` from the C ABI in `src/ffi/` with cbindgen
//! (rewriting it only when its bytes change) and gives the shared library
//! its SONAME.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let major: u32 = version_part("CARGO_PKG_VERSION_MAJOR");
    let minor: u32 = version_part("CARGO_PKG_VERSION_MINOR");
    let patch: u32 = version_part("CARGO_PKG_VERSION_PATCH");
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");

    // Pre-1.0 policy: every minor release may break the ABI, so the SONAME
    // carries major.minor.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librdrive.so.{major}.{minor}");
    }

    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let macros = format!(
        "\n/** Version of this header: major part. */\n#define RDRIVE_VERSION_MAJOR {major}\n\
         /** Version of this header: minor part. */\n#define RDRIVE_VERSION_MINOR {minor}\n\
         /** Version of this header: patch part. */\n#define RDRIVE_VERSION_PATCH {patch}\n\
         /** Version of this header as one number: MAJOR*1000000 + MINOR*1000 + PATCH.\n \
         * Compare with rdrive_version_number() to detect a header/library mismatch. */\n\
         #define RDRIVE_VERSION_NUMBER {}\n\
         /** Version of this header as a string. */\n#define RDRIVE_VERSION_STRING \"{version}\"\n",
        major * 1_000_000 + minor * 1000 + patch
    );
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .with_after_include(macros)
        .generate()
        .expect("cbindgen could not generate the header");
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let bytes = polish(&String::from_utf8(raw).expect("cbindgen writes UTF-8")).into_bytes();
    let header = dir.join("include").join("rdrive.h");
    if std::fs::read(&header).ok().as_deref() != Some(bytes.as_slice()) {
        std::fs::create_dir_all(dir.join("include")).expect("create include/");
        std::fs::write(&header, &bytes).expect("write include/rdrive.h");
    }
}

/// Touches cbindgen does not provide: negative status codes get parentheses
/// (so `x-RDRIVE_ERR_IO` parses), open flags an unsigned hex form, and the
/// stream callback returns `intptr_t` as the C API contract spells it
/// (cbindgen writes `ptrdiff_t`, the same type on every supported target).
fn polish(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 256);
    for line in header.lines() {
        let parts: Vec<&str> = line.splitn(3, ' ').collect();
        match parts.as_slice() {
            ["#define", name, value] if name.starts_with("RDRIVE_") && value.starts_with('-') => {
                out.push_str(&format!("#define {name} ({value})"));
            }
            ["#define", name, value] if name.starts_with("RDRIVE_OPEN_") => {
                let n: u32 = value.parse().expect("numeric flag");
                out.push_str(&format!("#define {name} 0x{n:x}u"));
            }
            _ => out.push_str(&line.replace("typedef ptrdiff_t (*", "typedef intptr_t (*")),
        }
        out.push('\n');
    }
    out
}

fn version_part(var: &str) -> u32 {
    env::var(var)
        .expect("set by cargo")
        .parse()
        .expect("numeric version part")
}
