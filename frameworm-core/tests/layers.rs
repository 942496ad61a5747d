//! The layering of `frameworm-core`, enforced: every `crate::…` path in every module's code
//! (comments aside) must point at a module of a lower layer, or at one of the same layer the
//! table allows; inside a folder module, files use their siblings only (never items of their
//! parent `mod.rs`, which declares them) and siblings form no cycle. ARCHITECTURE.md states the
//! same table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level modules and their layer. Layer 5 is the crate's edge (re-exports, tools).
const LAYERS: &[(&str, u8)] = &[
    ("config", 0),
    ("fsio", 0),
    ("device", 0),
    ("images", 0),
    ("panic", 0),
    ("contract", 1),
    ("registry", 2),
    ("data", 2),
    ("session", 3),
    ("engine", 4),
    ("lib", 5),
    ("prelude", 5),
    ("fuzzing", 5),
    ("testing", 5),
];

/// Uses within one layer that are allowed, as (user, used).
const SAME_LAYER: &[(&str, &str)] = &[("images", "fsio"), ("config", "fsio"), ("device", "config"), ("device", "fsio"), ("device", "panic")];

/// Code without comments and string contents: `//` to the end of a line (outside string
/// literals) is dropped, and the characters between a string's quotes become spaces.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if in_string {
                if c == '\\' {
                    out.push_str("  ");
                    i += 2;
                    continue;
                }
                if c == '"' {
                    in_string = false;
                    out.push(c);
                } else {
                    out.push(' ');
                }
            } else if c == '\'' && chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'\'') {
                out.push_str("' '");
                i += 3;
                continue;
            } else if c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            } else {
                in_string = c == '"';
                out.push(c);
            }
            i += 1;
        }
        out.push('\n');
    }
    out
}

fn ident_at(text: &str, at: usize) -> String {
    text[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The first segments after every `prefix` (`crate::` or `super::`), groups expanded:
/// `crate::{a, b::c}` gives `a` and `b`.
fn targets(code: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(offset) = code[rest..].find(prefix) {
        let start = rest + offset;
        let after = start + prefix.len();
        rest = after;
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
            continue;
        }
        if code[after..].starts_with('{') {
            let mut depth = 0;
            let mut segment_start = true;
            for (i, c) in code[after..].char_indices() {
                match c {
                    '{' => {
                        depth += 1;
                        segment_start = true;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => segment_start = true,
                    c if c.is_whitespace() => {}
                    _ => {
                        if segment_start && depth == 1 {
                            let name = ident_at(code, after + i);
                            if !name.is_empty() {
                                found.push(name);
                            }
                        }
                        segment_start = false;
                    }
                }
            }
        } else {
            let name = ident_at(code, after);
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// (top module, file stem within it or `mod`) of a path relative to `src/`.
fn place(path: &str) -> (String, String) {
    match path.split_once('/') {
        Some((folder, file)) => (folder.to_string(), file.trim_end_matches(".rs").to_string()),
        None => (path.trim_end_matches(".rs").to_string(), "mod".to_string()),
    }
}

/// Every violation of the layering in `files` (paths relative to `src/`, and their text).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    let mut siblings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, _) in files {
        let (top, file) = place(path);
        siblings.entry(top).or_default().insert(file);
    }
    let mut edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (path, text) in files {
        let (top, file) = place(path);
        let Some(&own) = layer.get(top.as_str()) else {
            problems.push(format!("{path}: module `{top}` is in no layer; add it to LAYERS and ARCHITECTURE.md"));
            continue;
        };
        let code = strip_comments(text);
        for target in targets(&code, "crate::") {
            if target == top || own == 5 {
                continue;
            }
            match layer.get(target.as_str()) {
                None => problems.push(format!("{path}: `crate::{target}` is not a module of the layer table (name the module, not a root re-export)")),
                Some(&used) if used < own => {}
                Some(&used) if used == own && SAME_LAYER.contains(&(top.as_str(), target.as_str())) => {}
                Some(&used) => problems.push(format!("{path}: `{top}` (layer {own}) uses `crate::{target}` (layer {used}); a layer uses only those below it")),
            }
        }
        if file == "mod" {
            continue;
        }
        // Inside `mod tests`, `super::` is the file itself: only the code above it counts here.
        let main_code = code.split("mod tests {").next().unwrap_or(&code);
        let known = &siblings[&top];
        let mut used = targets(main_code, "super::");
        used.extend(targets(&code, &format!("crate::{top}::")));
        for name in used {
            if known.contains(&name) && name != "mod" {
                edges.entry(top.clone()).or_default().entry(file.clone()).or_default().insert(name);
            } else {
                problems.push(format!("{path}: uses `{name}` of its parent `{top}/mod.rs`, which declares it: move `{name}` to a file of its own"));
            }
        }
    }
    for (top, graph) in &edges {
        if let Some(cycle) = find_cycle(graph) {
            problems.push(format!("{top}/: files import each other in a cycle: {}", cycle.join(" → ")));
        }
    }
    problems
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &BTreeMap<String, BTreeSet<String>>, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((relative, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&root, &root, &mut files);
    files
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let files = source_files();
    assert!(files.len() > 40, "found only {} files under src/", files.len());
    let problems = violations(&files);
    assert!(problems.is_empty(), "layering violations:\n{}", problems.join("\n"));
}

#[test]
fn a_back_edge_fails_the_check() {
    let mut files = source_files();
    let model = files.iter_mut().find(|(path, _)| path == "contract/model.rs").expect("contract/model.rs exists");
    model.1.push_str("\nuse crate::engine::TrainOptions;\n");
    let problems = violations(&files);
    assert_eq!(problems, ["contract/model.rs: `contract` (layer 1) uses `crate::engine` (layer 4); a layer uses only those below it"]);
}

#[test]
fn a_root_re_export_a_parent_item_and_a_sibling_cycle_fail_the_check() {
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let files = vec![
        file("config/mod.rs", "use crate::Registry; // through the root\nmod a;\nmod b;\n"),
        file("config/a.rs", "use super::b::B;\npub struct A;\n"),
        file("config/b.rs", "use super::{a::A, Config};\n// use crate::engine::X; in a comment is fine\n"),
        file("fsio.rs", "let url = \"crate::engine\"; use crate::{config, contract::Batch};\n"),
    ];
    let problems = violations(&files);
    assert_eq!(
        problems,
        [
            "config/mod.rs: `crate::Registry` is not a module of the layer table (name the module, not a root re-export)",
            "config/b.rs: uses `Config` of its parent `config/mod.rs`, which declares it: move `Config` to a file of its own",
            "fsio.rs: `fsio` (layer 0) uses `crate::config` (layer 0); a layer uses only those below it",
            "fsio.rs: `fsio` (layer 0) uses `crate::contract` (layer 1); a layer uses only those below it",
            "config/: files import each other in a cycle: a → b → a",
        ],
        "{problems:#?}"
    );
}
