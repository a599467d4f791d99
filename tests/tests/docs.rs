//! Checks that documentation keeps up with the code it lists.

use std::collections::BTreeSet;
use std::path::Path;

/// The workspace root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
}

/// `fuzz/README.md`'s table has a row for every file of `fuzz/fuzz_targets/`
/// (and no row for a target that is gone), and `fuzz/Cargo.toml` a `[[bin]]`
/// for each.
#[test]
fn fuzz_readme_lists_every_target() {
    let fuzz = root().join("fuzz");
    let targets: BTreeSet<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(targets.len() >= 10, "fuzz targets found: {targets:?}");

    let readme = std::fs::read_to_string(fuzz.join("README.md")).expect("fuzz/README.md");
    // Rows of the targets table: "| `name` | input | checks |".
    let rows: BTreeSet<String> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |"))
        .map(|(name, _)| name.to_string())
        .collect();
    let missing: Vec<_> = targets.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&targets).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "fuzz/README.md's table: no row for {missing:?}; rows for targets that do not exist: {stale:?}"
    );

    let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in &targets {
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{target}.rs\"")),
            "fuzz/Cargo.toml has no [[bin]] for {target}"
        );
    }
}
