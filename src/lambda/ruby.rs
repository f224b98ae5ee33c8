//! The Ruby runtimes (`ruby3.2`, `ruby3.3`, `ruby3.4`, `ruby4.0`): the host's `ruby` running
//! fogbank's own runtime client (`bootstrap/ruby.rb`, standard library only), with the gem and
//! library paths AWS's Ruby runtimes set.

use std::path::{Path, PathBuf};

use super::runtime::EnvSpec;

/// The runtime client, written beside the other bootstraps.
pub const BOOTSTRAP: &str = include_str!("bootstrap/ruby.rb");
/// Its file name in the runtime directory.
pub const BOOTSTRAP_FILE: &str = "bootstrap.rb";
/// What the runtime client loads (through an autoload of `Gem`) when rubygems is first needed.
pub const GEMS_FILE: &str = "fogbank_gems.rb";
pub const GEMS: &str = "# fogbank: rubygems, loaded on first need (see bootstrap.rb).\n\
    fogbank_builtin_require 'rubygems'\n\
    FogbankRuntime.extend_gem_path if defined?(FogbankRuntime)\n";

/// The interpreter version a runtime name asks for: `ruby3.3` -> `3.3`.
fn wanted_version(runtime: &str) -> &str {
    runtime.strip_prefix("ruby").unwrap_or("")
}

/// The program and arguments that start a Ruby runtime: `ruby3.3` if the host has that exact
/// interpreter, else `ruby` (with a warning, as for python).
pub fn command(
    spec: &EnvSpec,
    resolve: impl Fn(&str) -> Option<String>,
) -> Result<(String, Vec<String>), String> {
    let rt = spec.runtime.as_str();
    let program = match resolve(rt) {
        Some(p) => p,
        None => {
            let fallback = resolve("ruby").ok_or_else(|| {
                format!(
                    "neither {rt} nor ruby can be started on this host: install Ruby (e.g. apt-get install ruby)"
                )
            })?;
            tracing::warn!(
                runtime = rt,
                "{rt} is not installed; running the function with {fallback}"
            );
            fallback
        }
    };
    let script = spec.runtime_dir.join(BOOTSTRAP_FILE);
    // rubygems is loaded on first need (see bootstrap.rb): it is most of ruby's start-up.
    Ok((
        program,
        vec![
            "--disable-gems".to_string(),
            script.to_string_lossy().into_owned(),
        ],
    ))
}

/// Every directory under `dir` (sorted), the one named `first` (if any) ahead of the rest.
fn version_dirs(dir: &Path, first: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.sort_by_key(|d| d.file_name().and_then(|n| n.to_str()) != Some(first));
    dirs
}

fn join(parts: Vec<PathBuf>, tail: Option<&String>) -> String {
    let mut v: Vec<String> = parts
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(t) = tail.filter(|t| !t.is_empty()) {
        v.push(t.clone());
    }
    v.join(":")
}

/// `GEM_PATH` and `RUBYLIB` as AWS sets them: gems vendored in the code
/// (`vendor/bundle/ruby/<x.y.0>`, where `bundle config set path vendor/bundle` puts them) then
/// each layer's `ruby/gems/<x.y.0>`; the task root then each layer's `ruby/lib`. Every version
/// directory present is listed (the runtime's own first), since the host's Ruby may differ
/// from the one the gems were installed for. The runtime client adds the host's default gem
/// directories after these (AWS's runtime has its own gem directories there). Without any of
/// these, `GEM_PATH` stays unset and rubygems uses the host's own gem directories.
pub fn environment(spec: &EnvSpec) -> Vec<(String, String)> {
    let version = format!("{}.0", wanted_version(&spec.runtime));
    let mut gems = version_dirs(&spec.code_dir.join("vendor/bundle/ruby"), &version);
    for layer in &spec.layer_dirs {
        gems.extend(version_dirs(&layer.join("ruby/gems"), &version));
    }
    let mut lib = vec![spec.code_dir.clone()];
    lib.extend(spec.layer_dirs.iter().map(|l| l.join("ruby/lib")));
    let mut env = vec![("RUBYLIB".into(), join(lib, spec.variables.get("RUBYLIB")))];
    // Unset, rubygems uses the host's gem directories; set (even empty), only those listed.
    let gem_path = join(gems, spec.variables.get("GEM_PATH"));
    if !gem_path.is_empty() {
        env.push(("GEM_PATH".into(), gem_path));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtimes_version_comes_first() {
        let root = std::env::temp_dir().join(format!("fogbank-ruby-{}", uuid::Uuid::new_v4()));
        for v in ["3.1.0", "3.3.0", "3.4.0"] {
            std::fs::create_dir_all(root.join(v)).expect("mkdir");
        }
        let names: Vec<String> = version_dirs(&root, "3.4.0")
            .iter()
            .filter_map(|d| d.file_name()?.to_str().map(str::to_string))
            .collect();
        assert_eq!(names, ["3.4.0", "3.1.0", "3.3.0"]);
        assert!(version_dirs(&root.join("missing"), "3.4.0").is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn runtime_names_give_versions() {
        assert_eq!(wanted_version("ruby3.3"), "3.3");
        assert_eq!(wanted_version("ruby4.0"), "4.0");
    }
}
