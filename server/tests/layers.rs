//! The layers of the code, checked from its source: which module may use which. A reader can
//! then trust the floor plan in `shared/design.md`: the rules below never reach up into the
//! pages, the database never into the use cases, and HTTP reaches the database only through
//! the use cases.
//!
//! Each rule names a folder and the paths its code (tests excluded) must not mention, in `use`
//! lines or written out inline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Rule {
    folder: &'static str,
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        folder: "app/src/model",
        forbidden: &["crate::domain", "crate::view", "crate::api", "crate::ui"],
        why: "the wire types stand on nothing else of the crate",
    },
    Rule {
        folder: "app/src/domain",
        forbidden: &["crate::view", "crate::api", "crate::ui"],
        why: "the rules import only the model",
    },
    Rule {
        folder: "app/src/view",
        forbidden: &["crate::api", "crate::ui"],
        why: "what a page shows is plain data over the model and the rules",
    },
    Rule { folder: "app/src/api", forbidden: &["crate::ui"], why: "server functions never reach into the pages" },
    Rule {
        folder: "server/src/store",
        forbidden: &["app::api", "app::ui", "crate::service", "crate::http", "crate::worker", "crate::sms"],
        why: "the store reads and writes rows; it knows no use case, route or page",
    },
    Rule {
        folder: "server/src/service",
        forbidden: &["app::ui", "crate::http", "crate::worker"],
        why: "use cases implement the pages' port and know no route or page markup",
    },
    Rule { folder: "server/src/http", forbidden: &["crate::store"], why: "HTTP reaches the database only through the use cases" },
    Rule {
        folder: "server/src/opendental",
        forbidden: &["crate::service", "crate::store", "crate::http", "crate::worker"],
        why: "the Open Dental client speaks Open Dental's API; the sync and write-back that use it are use cases",
    },
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the server crate sits in the workspace").to_path_buf()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's code without its unit tests (by convention the last item, `#[cfg(test)] mod tests`)
/// and without comments, so a doc comment naming a path is no violation.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    code.lines()
        .map(|l| match l.trim_start().starts_with("//") {
            true => "",
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path mentioned in the code, `use` trees expanded one level (`use crate::{a, b}` counts
/// as `crate::a` and `crate::b`).
fn mentions(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    for root in ["crate::", "app::", "super::"] {
        let mut from = 0;
        while let Some(i) = flat[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            // Only where a path starts, not inside a longer name such as `myapp::`.
            if at > 0 && flat[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &flat[at + root.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for part in group[..end].split(',') {
                    let name: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() {
                        out.push(format!("{root}{name}"));
                    }
                }
            } else {
                let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                out.push(format!("{root}{}", path.trim_end_matches(':')));
            }
        }
    }
    out
}

fn forbids(path: &str, forbidden: &str) -> bool {
    path == forbidden || path.starts_with(&format!("{forbidden}::"))
}

#[test]
fn each_layer_uses_only_the_layers_beneath_it() {
    let root = workspace();
    let mut broken = Vec::new();
    for rule in RULES {
        for file in rust_files(&root.join(rule.folder)) {
            let code = code_of(&file);
            for path in mentions(&code) {
                if let Some(bad) = rule.forbidden.iter().find(|f| forbids(&path, f)) {
                    let shown = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
                    broken.push(format!("{shown} mentions {path} ({bad} is off limits: {})", rule.why));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layer rules broken:\n{}", broken.join("\n"));
}

/// The rules' files import each other without a circle, so each can be read after the ones it
/// stands on.
#[test]
fn the_rules_form_no_circle() {
    let dir = workspace().join("app/src/domain");
    let files = rust_files(&dir);
    let name_of = |p: &Path| p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
    let names: BTreeSet<String> = files.iter().map(|p| name_of(p)).filter(|n| n != "mod").collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = name_of(file);
        if from == "mod" {
            continue;
        }
        for path in mentions(&code_of(file)) {
            let target = path.strip_prefix("super::").or_else(|| path.strip_prefix("crate::domain::"));
            let Some(target) = target.map(|t| t.split("::").next().unwrap_or_default().to_string()) else { continue };
            if target != from && names.contains(&target) {
                edges.entry(from.clone()).or_default().insert(target);
            }
        }
    }
    // Depth-first search for a path that comes back to where it started.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        trail: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = trail.iter().position(|n| n == node) {
            let mut circle = trail[i..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        trail.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, trail, done) {
                return Some(c);
            }
        }
        trail.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in &names {
        if let Some(circle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            panic!("domain files import each other in a circle: {}", circle.join(" -> "));
        }
    }
}

/// Every source file says what it is for in its first lines.
#[test]
fn every_source_file_has_a_module_doc() {
    let root = workspace();
    let mut missing = Vec::new();
    for folder in ["app/src", "server/src", "frontend/src"] {
        for file in rust_files(&root.join(folder)) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if !text.trim_start().starts_with("//!") {
                missing.push(file.strip_prefix(&root).unwrap_or(&file).display().to_string());
            }
        }
    }
    assert!(missing.is_empty(), "files without a `//!` module doc:\n{}", missing.join("\n"));
}

#[test]
fn mentions_reads_paths_and_use_groups() {
    let code = "use crate::model::{A, B};\nuse app::{api::x, view};\nfn f() { crate::api::port::caller(); myapp::y(); }";
    let found = mentions(code);
    assert!(found.contains(&"crate::model".to_string()));
    assert!(found.contains(&"app::api".to_string()) && found.contains(&"app::view".to_string()));
    assert!(found.contains(&"crate::api::port::caller".to_string()));
    assert!(!found.iter().any(|p| p.contains('y')), "myapp:: is not app::");
}
