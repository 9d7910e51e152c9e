//! `cargo xtask layers`: each crate's modules keep to the layers its crate
//! documentation lists, so that the layout shows the architecture.
//!
//! A crate root's docs hold a `# Layers` section of numbered lines, lowest
//! first: ``//! 2. `run`: the run model``. Every module the root declares
//! (test-only ones apart) must be in one layer; no module may name (`crate::x`,
//! in a `use` or a path) a module of a higher layer; and no two modules may
//! name each other, directly or around a cycle, even within a layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use syn::visit::Visit;

use crate::workspace;

/// The crate roots whose layers are checked.
const ROOTS: [&str; 3] =
    ["ei-api-ext/src/lib.rs", "ei-cli/src/main.rs", "ei-fake-studio/src/lib.rs"];

pub fn run() -> Result<()> {
    let root = workspace::root();
    let mut problems = Vec::new();
    for crate_root in ROOTS {
        problems.extend(check(&root.join(crate_root)).with_context(|| format!("in {crate_root}"))?);
    }
    if !problems.is_empty() {
        bail!("the modules break their crates' layers:\n  {}", problems.join("\n  "));
    }
    eprintln!("xtask layers: every module keeps to its crate's layers, with no cycle");
    Ok(())
}

/// What is wrong with the layering of the crate whose root is `root`.
fn check(root: &Path) -> Result<Vec<String>> {
    let source = std::fs::read_to_string(root)?;
    let layers = declared_layers(&source)?;
    let file = syn::parse_file(&source)?;
    let modules = declared_modules(&file);
    let mut problems = Vec::new();
    for module in &modules {
        if !layers.contains_key(module.as_str()) {
            problems.push(format!("{}: `{module}` is in no layer", root.display()));
        }
    }
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &modules {
        let mut named = BTreeSet::new();
        for path in module_files(root, module) {
            let text = std::fs::read_to_string(&path)?;
            let parsed = syn::parse_file(&text).with_context(|| format!("{}", path.display()))?;
            let mut visitor = CrateModules::default();
            visitor.visit_file(&parsed);
            named.extend(
                visitor.named.into_iter().filter(|name| name != module && modules.contains(name)),
            );
        }
        for other in &named {
            let (Some(own), Some(theirs)) =
                (layers.get(module.as_str()), layers.get(other.as_str()))
            else {
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{}: `{module}` (layer {own}) uses `{other}` (layer {theirs})",
                    root.display()
                ));
            }
        }
        uses.insert(module.clone(), named);
    }
    problems.extend(cycles(&uses).into_iter().map(|cycle| {
        format!("{}: modules use each other in a circle: {}", root.display(), cycle.join(" -> "))
    }));
    Ok(problems)
}

/// The `# Layers` section of a crate root's docs: module name to layer.
fn declared_layers(source: &str) -> Result<BTreeMap<String, u32>> {
    let docs = source.lines().map_while(|line| line.strip_prefix("//!")).map(str::trim);
    let mut in_section = false;
    let mut layers = BTreeMap::new();
    for line in docs {
        if line.starts_with('#') {
            in_section = line == "# Layers";
            continue;
        }
        let Some((number, rest)) = line.split_once(". ").filter(|_| in_section) else { continue };
        let Ok(number) = number.parse::<u32>() else { continue };
        let names = rest.split(':').next().unwrap_or_default();
        for name in names.split(',').map(|name| name.trim().trim_matches('`')) {
            if !name.is_empty() {
                layers.insert(name.to_owned(), number);
            }
        }
    }
    if layers.is_empty() {
        bail!("the crate root's docs have no `# Layers` section of numbered lines");
    }
    Ok(layers)
}

/// The modules the root declares in files of their own, test-only ones apart.
fn declared_modules(file: &syn::File) -> BTreeSet<String> {
    let test_only = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|attr| {
            attr.path().is_ident("cfg")
                && attr.parse_args::<syn::Ident>().is_ok_and(|ident| ident == "test")
        })
    };
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.content.is_none() && !test_only(&module.attrs) => {
                Some(module.ident.to_string())
            }
            _ => None,
        })
        .collect()
}

/// The files of top-level module `module`: `module.rs` or `module/mod.rs`,
/// and everything under `module/`.
fn module_files(root: &Path, module: &str) -> Vec<PathBuf> {
    let dir = root.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    let single = dir.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let mut pending = vec![dir.join(module)];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The top-level modules a file names through `crate::`.
#[derive(Default)]
struct CrateModules {
    named: BTreeSet<String>,
}

impl CrateModules {
    fn use_tree(&mut self, tree: &syn::UseTree, after_crate: bool) {
        match tree {
            syn::UseTree::Path(path) if path.ident == "crate" && !after_crate => {
                self.use_tree(&path.tree, true)
            }
            syn::UseTree::Path(path) if after_crate => {
                self.named.insert(path.ident.to_string());
            }
            syn::UseTree::Name(name) if after_crate => {
                self.named.insert(name.ident.to_string());
            }
            syn::UseTree::Rename(rename) if after_crate => {
                self.named.insert(rename.ident.to_string());
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(tree, after_crate);
                }
            }
            _ => {}
        }
    }
}

impl<'ast> Visit<'ast> for CrateModules {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&item.tree, false);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments = path.segments.iter();
        if segments.next().is_some_and(|first| first.ident == "crate") {
            if let Some(second) = segments.next() {
                self.named.insert(second.ident.to_string());
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // Paths inside macro calls (`format!`, `tracing::info!`) are tokens,
        // not parsed paths: look for `crate :: name` among them.
        let tokens: Vec<proc_macro2::TokenTree> = mac.tokens.clone().into_iter().collect();
        scan_tokens(&tokens, &mut self.named);
        syn::visit::visit_macro(self, mac);
    }
}

fn scan_tokens(tokens: &[proc_macro2::TokenTree], named: &mut BTreeSet<String>) {
    use proc_macro2::TokenTree;
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ident == "crate" => {
                let colons = tokens.get(index + 1..index + 3);
                let is_path = colons.is_some_and(|pair| {
                    pair.iter().all(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ':'))
                });
                if let (true, Some(TokenTree::Ident(next))) = (is_path, tokens.get(index + 3)) {
                    named.insert(next.to_string());
                }
            }
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                scan_tokens(&inner, named);
            }
            _ => {}
        }
    }
}

/// Every cycle among `uses` (module to the modules it names), each once.
fn cycles(uses: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut seen_cycles = BTreeSet::new();
    for start in uses.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((module, path)) = stack.pop() {
            for next in uses.get(&module).into_iter().flatten() {
                if next == start {
                    let mut members = path.clone();
                    members.sort();
                    if seen_cycles.insert(members) {
                        let mut cycle = path.clone();
                        cycle.push(start.clone());
                        found.push(cycle);
                    }
                } else if !path.contains(next) && next > start {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layers_section_is_read_from_the_crate_docs() {
        let source = "//! A crate.\n//!\n//! # Layers\n//!\n//! 1. `ids`, `error`: the bottom\n\
                      //! 2. `run`: above\n//!\n//! # Other\n//! 3. `not`: a list elsewhere\n";
        let layers = declared_layers(source).unwrap();
        let expected: BTreeMap<String, u32> =
            [("ids", 1), ("error", 1), ("run", 2)].map(|(k, v)| (k.to_owned(), v)).into();
        assert_eq!(layers, expected);
    }

    #[test]
    fn crate_paths_are_found_in_uses_paths_and_macros() {
        let file: syn::File = syn::parse_quote! {
            use crate::{a, b::c as d};
            use crate::e::*;
            fn f() -> crate::g::T { tracing::info!("{}", crate::h::NAME); }
        };
        let mut visitor = CrateModules::default();
        visitor.visit_file(&file);
        let expected: BTreeSet<String> = ["a", "b", "e", "g", "h"].map(str::to_owned).into();
        assert_eq!(visitor.named, expected);
    }

    #[test]
    fn a_cycle_is_found_once_whatever_its_length() {
        let uses: BTreeMap<String, BTreeSet<String>> =
            [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
                .collect();
        assert_eq!(cycles(&uses), vec![vec!["a", "b", "c", "a"]]);
    }
}
