//! The workspace's layers (ARCHITECTURE.md): domain crates ← db ← service
//! ← api ← the binary, and the client beside the api over the domain
//! crates alone. A crate that reaches past its layer (the API naming a db
//! type, a domain crate importing the service) fails here, before it
//! becomes a habit.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const DOMAIN: &[&str] = &[
    "mstream-kernel",
    "mstream-content",
    "mstream-genres",
    "mstream-artists",
    "mstream-reviews",
    "mstream-subscriptions",
];

/// The workspace crates each crate may depend on (normal dependencies).
fn allowed(package: &str) -> BTreeSet<&'static str> {
    let mut allowed: BTreeSet<&'static str> = BTreeSet::new();
    match package {
        "mstream-kernel" => {}
        name if DOMAIN.contains(&name) => {
            allowed.insert("mstream-kernel");
        }
        "mstream-db" | "mstream-client" => allowed.extend(DOMAIN),
        "mstream-service" => {
            allowed.extend(DOMAIN);
            allowed.insert("mstream-db");
        }
        "mstream-api" => {
            allowed.extend(DOMAIN);
            allowed.insert("mstream-service");
        }
        "mstream" => {
            allowed.extend(DOMAIN);
            allowed.extend(["mstream-db", "mstream-service", "mstream-api"]);
        }
        other => panic!("{other}: a new workspace crate needs its layer declared here"),
    }
    allowed
}

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let mut seen = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name");
        let internal: BTreeSet<&str> = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .filter_map(|d| d["name"].as_str())
            .filter(|d| d.starts_with("mstream"))
            .collect();
        let allowed = allowed(name);
        let reaching: Vec<&&str> = internal.difference(&allowed).collect();
        assert!(
            reaching.is_empty(),
            "{name} depends on {reaching:?}, outside the layers below it"
        );
        seen.insert(name.to_string(), internal.len());
    }
    assert!(
        seen.len() >= 11 && seen.contains_key("mstream-api"),
        "the workspace's crates were all checked: {seen:?}"
    );
}
