//! The workspace's layers (ARCHITECTURE.md): domain crates ← db ← service
//! ← api ← the binary, and the client beside the api over the domain
//! crates alone. A crate that reaches past its layer (the API naming a db
//! type, a domain crate importing the service) fails here, before it
//! becomes a habit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
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

/// The top-level modules of the crate at `src` and, for each, the
/// top-level modules of the same crate it names (`crate::x`, also inside
/// `use crate::{x, y::z}` groups). A module's files are `x.rs` or `x/…`.
fn module_imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.to_path_buf()];
    let mut sources: Vec<(String, String)> = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read_dir") {
                files.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("under src");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name");
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        // Comments are skipped: a doc link to another module is no import.
        // So are unit tests (from `#[cfg(test)]` on): a test may use a
        // module above the one it tests.
        let source = std::fs::read_to_string(&path).expect("source");
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        let text: String = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        sources.push((module, text));
    }
    for (module, _) in &sources {
        modules.entry(module.clone()).or_default();
    }
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    for (module, text) in sources {
        let mut named = BTreeSet::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    named.insert(item.trim().split("::").next().unwrap_or("").to_string());
                }
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                named.insert(rest[..end].to_string());
            }
        }
        named.retain(|n| known.contains(n) && *n != module);
        modules.entry(module).or_default().extend(named);
    }
    modules
}

/// A cycle among `graph`'s nodes, if there is one, as the path around it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_imports_its_own_modules_in_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for krate in ["db", "service", "api", "client"] {
        let src = root.join("crates").join(krate).join("src");
        let graph = module_imports(&src);
        assert!(
            !graph.is_empty(),
            "{krate}: modules found in {}",
            src.display()
        );
        checked += 1;
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "mstream-{krate} imports its modules in a circle: {}; move what both need into a module of its own",
                cycle.join(" → ")
            );
        }
    }
    assert_eq!(checked, 4);
}
