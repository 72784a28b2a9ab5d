//! Build-time facts: the git commit (for `mstream_build_info`), and whether
//! the tests are built for PostgreSQL (so its tests are ignored, visibly,
//! rather than passing without running).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(mstream_pg_tests)");
    println!("cargo::rerun-if-env-changed=MSTREAM_TEST_DATABASE_URL");
    if std::env::var("MSTREAM_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        println!("cargo::rustc-cfg=mstream_pg_tests");
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=MSTREAM_GIT_COMMIT={commit}");
    // A new commit moves HEAD's branch (or HEAD itself when detached); only
    // those files are watched, so commits on other branches rebuild nothing.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["rev-parse", "--symbolic-full-name", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
            println!("cargo::rerun-if-changed={path}");
        }
    }
}
