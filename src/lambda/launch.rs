//! What an execution environment's process is started with: the embedded bootstraps, the
//! program and arguments for each runtime, and the environment variables AWS sets.

use std::path::PathBuf;

use super::contain;
use super::engine::now_ms;
use super::runtime::EnvSpec;

/// The embedded bootstraps by file name. Python's is a module (its bytecode is cached like
/// any module's) behind a two-line script (a script's own code is never cached).
const BOOTSTRAPS: &[(&str, &str)] = &[
    (
        "bootstrap.py",
        "from fogbank_bootstrap import main\n\nmain()\n",
    ),
    ("fogbank_bootstrap.py", include_str!("bootstrap/python.py")),
    ("bootstrap.mjs", include_str!("bootstrap/node.mjs")),
    (super::ruby::BOOTSTRAP_FILE, super::ruby::BOOTSTRAP),
    (super::ruby::GEMS_FILE, super::ruby::GEMS),
];

/// Where the bootstraps go: a directory of the per-user cache named by their content, so
/// every fogbank run of this build shares them (and the bytecode compiled from them).
pub fn bootstraps_dir() -> Option<PathBuf> {
    let contents: Vec<&[u8]> = BOOTSTRAPS
        .iter()
        .flat_map(|(n, c)| [n.as_bytes(), c.as_bytes()])
        .collect();
    super::cache::keyed_dir("runtime", &contents)
}

/// Write the embedded bootstraps into `dir` (files already there with the same content are
/// left alone: another fogbank's runtimes may be reading them).
pub fn write_bootstraps(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, content) in BOOTSTRAPS {
        super::cache::write_if_changed(&dir.join(name), content.as_bytes())?;
    }
    Ok(())
}

/// The real executable behind an interpreter name, found once per name.
fn resolve_interpreter(name: &str, probe: &[&str]) -> Option<String> {
    super::interpreters::resolve(name, probe)
}

const PYTHON_PROBE: &[&str] = &["-c", "import sys; print(sys.executable)"];

/// The program and arguments that start `spec`'s runtime, or why it cannot be started.
pub(crate) fn command_for(spec: &EnvSpec) -> Result<(String, Vec<String>), String> {
    let rt = spec.runtime.as_str();
    if rt.starts_with("python3") {
        let program = match resolve_interpreter(rt, PYTHON_PROBE) {
            Some(p) => p,
            None => {
                let fallback = resolve_interpreter("python3", PYTHON_PROBE).ok_or_else(|| {
                    format!("neither {rt} nor python3 can be started on this host")
                })?;
                tracing::warn!(
                    runtime = rt,
                    "{rt} is not installed; running the function with {fallback}"
                );
                fallback
            }
        };
        let script = spec.runtime_dir.join("bootstrap.py");
        return Ok((program, vec![script.to_string_lossy().into_owned()]));
    }
    if rt.starts_with("nodejs") {
        let program =
            resolve_interpreter("node", &["-e", "process.stdout.write(process.execPath)"])
                .ok_or_else(|| "node cannot be started on this host".to_string())?;
        let script = spec.runtime_dir.join("bootstrap.mjs");
        return Ok((program, vec![script.to_string_lossy().into_owned()]));
    }
    if rt.starts_with("ruby") {
        return super::ruby::command(spec, |name| {
            resolve_interpreter(name, &["-e", "print RbConfig.ruby"])
        });
    }
    if rt.starts_with("java") {
        return super::java::command(spec);
    }
    if rt.starts_with("provided") || rt == "go1.x" {
        let candidates = std::iter::once(spec.code_dir.join("bootstrap"))
            .chain(spec.layer_dirs.iter().map(|l| l.join("bootstrap")));
        for c in candidates {
            if c.is_file() {
                return Ok((c.to_string_lossy().into_owned(), vec![]));
            }
        }
        return Err(
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]".into(),
        );
    }
    if rt.starts_with("dotnet") {
        return Err(format!(
            "fogbank cannot host the {rt} runtime: it runs handlers as host processes and has no \
             .NET Lambda runtime. Publish the function as a self-contained or Native AOT \
             executable named bootstrap (Amazon.Lambda.RuntimeSupport) and use provided.al2023"
        ));
    }
    Err(format!(
        "fogbank cannot host the {rt} runtime as a host process"
    ))
}

fn join_paths(parts: impl IntoIterator<Item = PathBuf>, tail: Option<String>) -> String {
    let mut v: Vec<String> = parts
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(t) = tail.filter(|t| !t.is_empty()) {
        v.push(t);
    }
    v.join(":")
}

pub(crate) fn environment(
    spec: &EnvSpec,
    api: &str,
    log_stream: &str,
    tmp: &std::path::Path,
    marker: &str,
) -> Vec<(String, String)> {
    let task = spec.code_dir.to_string_lossy().into_owned();
    let layers = &spec.layer_dirs;
    let host_path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let mut env: Vec<(String, String)> = vec![
        ("AWS_ENDPOINT_URL".into(), spec.endpoint_url.clone()),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("HOME".into(), tmp.to_string_lossy().into_owned()),
        ("TMPDIR".into(), tmp.to_string_lossy().into_owned()),
    ];
    env.extend(spec.variables.iter().map(|(k, v)| (k.clone(), v.clone())));
    let python_path = join_paths(
        std::iter::once(spec.code_dir.clone()).chain(layers.iter().map(|l| l.join("python"))),
        spec.variables.get("PYTHONPATH").cloned(),
    );
    let node_path = join_paths(
        layers.iter().flat_map(|l| {
            [
                l.join("nodejs/node_modules"),
                l.join("nodejs/node20/node_modules"),
            ]
        }),
        spec.variables.get("NODE_PATH").cloned(),
    );
    let path = join_paths(
        layers.iter().map(|l| l.join("bin")),
        Some(spec.variables.get("PATH").cloned().unwrap_or(host_path)),
    );
    let ld = join_paths(
        layers.iter().map(|l| l.join("lib")),
        spec.variables.get("LD_LIBRARY_PATH").cloned(),
    );
    let exec_env = if spec.runtime.starts_with("provided") {
        None
    } else {
        Some(format!("AWS_Lambda_{}", spec.runtime))
    };
    let reserved: Vec<(&str, String)> = vec![
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("_HANDLER", spec.handler.clone()),
        ("LAMBDA_TASK_ROOT", task.clone()),
        (
            "LAMBDA_RUNTIME_DIR",
            spec.runtime_dir.to_string_lossy().into_owned(),
        ),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", spec.version.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_TIMEOUT", spec.timeout_secs.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", spec.log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_REGION", spec.region.clone()),
        ("AWS_DEFAULT_REGION", spec.region.clone()),
        // A 12-digit access key puts the handler's own SDK calls in the function's account.
        ("AWS_ACCESS_KEY_ID", spec.account.clone()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_SESSION_TOKEN", "test".into()),
        ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR".into()),
        ("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000".into()),
        ("TZ", ":UTC".into()),
        ("PYTHONPATH", python_path),
        ("PYTHONUNBUFFERED", "1".into()),
        (
            // One bytecode cache shared by every environment of every fogbank run (the
            // per-user cache; else this server's scratch dir): not the code directory, and not
            // a fresh one per environment or per server (that recompiles the standard library
            // at the first cold start).
            "PYTHONPYCACHEPREFIX",
            super::cache::pycache()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_else(|| {
                    spec.tmp_root
                        .parent()
                        .unwrap_or(&spec.tmp_root)
                        .join("pycache")
                })
                .to_string_lossy()
                .into_owned(),
        ),
        ("NODE_PATH", node_path),
        ("PATH", path),
        ("LD_LIBRARY_PATH", ld),
    ];
    env.extend(reserved.into_iter().map(|(k, v)| (k.to_string(), v)));
    if let Some(d) = super::cache::node_compile_cache()
        && spec.runtime.starts_with("nodejs")
        && !spec.variables.contains_key("NODE_COMPILE_CACHE")
    {
        env.push((
            "NODE_COMPILE_CACHE".into(),
            d.to_string_lossy().into_owned(),
        ));
    }
    if spec.runtime.starts_with("ruby") {
        env.extend(super::ruby::environment(spec));
    }
    if let Some(e) = exec_env {
        env.push(("AWS_EXECUTION_ENV".into(), e));
    }
    env.extend(spec.log_format.variables());
    env.push((contain::MARKER_VAR.into(), marker.to_string()));
    env
}

pub(crate) fn log_stream_name(version: &str) -> String {
    let days = now_ms() / 86_400_000;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}/{m:02}/{d:02}/[{version}]{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
