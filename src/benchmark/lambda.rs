//! Lambda figures for `fogbank bench`: warm invoke latency of no-op python, node and ruby
//! handlers, and cold starts next to the bare interpreter's own start-up.

use std::io;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use serde_json::json;

use super::{Conn, io_err};

/// One runtime's figures.
pub struct LambdaFigures {
    pub runtime: &'static str,
    pub interpreter_ms: f64,
    pub cold_ms: f64,
    pub warm_p50_us: f64,
    pub warm_p99_us: f64,
}

/// One runtime's rows of the table: warm p50 (goal: 1 ms), warm p99, the cold start against
/// its goal, and the bare start it is compared with.
pub(super) struct RuntimeRows<'a> {
    pub runtime: &'a str,
    /// How the warm invokes were taken, e.g. "no-op handler".
    pub warm_note: &'a str,
    pub p50_us: f64,
    pub p99_us: f64,
    pub cold_ms: f64,
    pub cold_goal_ms: f64,
    pub bare_label: String,
    pub bare_ms: f64,
}

impl RuntimeRows<'_> {
    pub(super) fn print(&self) {
        let row = |label: String, value: f64, target: String| {
            println!("{label:<44} {value:>14.1} {target:>18}");
        };
        row(
            format!("{} warm invoke p50 µs ({})", self.runtime, self.warm_note),
            self.p50_us,
            format!("<= 1000 {}", super::verdict(self.p50_us <= 1000.0)),
        );
        row(
            format!("{} warm invoke p99 µs", self.runtime),
            self.p99_us,
            "-".into(),
        );
        row(
            format!("{} cold start ms (median of 5)", self.runtime),
            self.cold_ms,
            format!(
                "<= {:.0} {}",
                self.cold_goal_ms,
                super::verdict(self.cold_ms <= self.cold_goal_ms)
            ),
        );
        row(self.bare_label.clone(), self.bare_ms, "-".into());
    }
}

/// CreateFunction with `create` as the body; an error unless it answers 201.
pub(super) async fn create_function_from(
    c: &mut Conn,
    runtime: &str,
    create: &serde_json::Value,
) -> io::Result<()> {
    let (status, body) = c
        .rest(
            "POST",
            "/2015-03-31/functions",
            Bytes::from(create.to_string()),
        )
        .await?;
    if status != 201 {
        return Err(io_err(format!(
            "CreateFunction {runtime}: {status} {}",
            String::from_utf8_lossy(&body)
        )));
    }
    // One read, as AWS's `function_active_v2` waiter does: the function is Pending until then
    // and refuses updates.
    let name = create["FunctionName"].as_str().unwrap_or_default();
    let path = format!("/2015-03-31/functions/{name}/configuration");
    let (status, body) = c.rest("GET", &path, Bytes::new()).await?;
    if status != 200 {
        return Err(io_err(format!(
            "GetFunctionConfiguration {runtime}: {status} {}",
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(())
}

/// UpdateFunctionConfiguration with `change`, then one read of the configuration (as AWS's
/// `function_updated_v2` waiter does): an update is refused while the one before it is in
/// progress, so without the read the next change would fail and the next invoke be warm.
pub(super) async fn change_configuration(
    c: &mut Conn,
    runtime: &str,
    config_path: &str,
    change: &serde_json::Value,
) -> io::Result<()> {
    let (status, body) = c
        .rest("PUT", config_path, Bytes::from(change.to_string()))
        .await?;
    let (read, _) = c.rest("GET", config_path, Bytes::new()).await?;
    if status != 200 || read != 200 {
        return Err(io_err(format!(
            "UpdateFunctionConfiguration {runtime}: {status} {}",
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(())
}

impl Conn {
    pub(super) async fn rest(
        &mut self,
        method: &str,
        path: &str,
        body: Bytes,
    ) -> io::Result<(u16, Bytes)> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("content-type", "application/json")
            .body(Full::new(body))
            .map_err(io_err)?;
        self.sender.ready().await.map_err(io_err)?;
        let res = self.sender.send_request(req).await.map_err(io_err)?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(io_err)?.to_bytes();
        Ok((status, body))
    }
}

fn zip_with(name: &str, source: &str) -> io::Result<Vec<u8>> {
    use std::io::Write;
    let mut buf = io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .map_err(io_err)?;
        w.write_all(source.as_bytes())?;
        w.finish().map_err(io_err)?;
    }
    Ok(buf.into_inner())
}

pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Spawn-to-exit time of the bare interpreter (median of 5), resolved to its real executable
/// as fogbank runs it (a version manager's shim would add its own start-up).
pub(super) fn interpreter_ms(program: &str, args: &[&str]) -> f64 {
    let probe: &[&str] = match program {
        "node" => &["-e", "process.stdout.write(process.execPath)"],
        "ruby" => &["-e", "print RbConfig.ruby"],
        _ => &["-c", "import sys; print(sys.executable)"],
    };
    let real = std::process::Command::new(program)
        .args(probe)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| program.to_string());
    let program = real.as_str();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        if std::process::Command::new(program)
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
        {
            runs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    median(runs)
}

/// Create the function `name` with one file of code.
pub(super) async fn create_function(
    c: &mut Conn,
    name: &str,
    runtime: &str,
    file: &str,
    source: &str,
) -> io::Result<()> {
    let zip = base64::engine::general_purpose::STANDARD.encode(zip_with(file, source)?);
    let create = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Role": "arn:aws:iam::000000000000:role/bench",
        "Handler": if runtime.starts_with("nodejs") { "index.handler" } else { "app.handler" },
        "Code": {"ZipFile": zip},
    });
    create_function_from(c, runtime, &create).await
}

/// Invoke `name` once; the wall-clock milliseconds.
pub(super) async fn invoke_ms(c: &mut Conn, name: &str) -> io::Result<f64> {
    let t = Instant::now();
    let (status, body) = c
        .rest(
            "POST",
            &format!("/2015-03-31/functions/{name}/invocations"),
            Bytes::from_static(b"{}"),
        )
        .await?;
    if status != 200 {
        return Err(io_err(format!(
            "Invoke {name}: {status} {}",
            String::from_utf8_lossy(&body)
        )));
    }
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

/// A bare interpreter's command: the program and its arguments.
pub(super) type Interpreter = (&'static str, &'static [&'static str]);

/// The runtimes measured: (runtime, file, no-op handler source, bare interpreter command).
pub(super) const RUNTIMES: &[(&str, &str, &str, Interpreter)] = &[
    (
        "python3.12",
        "app.py",
        "def handler(event, context):\n    return None\n",
        ("python3", &["-c", "pass"]),
    ),
    (
        "nodejs20.x",
        "index.js",
        "exports.handler = async () => null;\n",
        ("node", &["-e", "0"]),
    ),
    (
        "ruby3.3",
        "app.rb",
        "def handler(event:, context:)\n  nil\nend\n",
        ("ruby", &["-e", "0"]),
    ),
];

/// Whether this host can run `program` (a runtime whose interpreter is missing is skipped).
pub(super) fn available(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

async fn one(
    c: &mut Conn,
    runtime: &'static str,
    file: &str,
    source: &str,
    interp: (&str, &[&str]),
    warm_invokes: usize,
) -> io::Result<LambdaFigures> {
    let name = format!("bench-{}", runtime.replace('.', "-"));
    create_function(c, &name, runtime, file, source).await?;
    let invoke_path = format!("/2015-03-31/functions/{name}/invocations");
    let config_path = format!("/2015-03-31/functions/{name}/configuration");
    let mut colds = Vec::new();
    for i in 0..5 {
        // A configuration change retires the warm environments: the next invoke is cold.
        let env = json!({"Environment": {"Variables": {"ROUND": i.to_string()}}});
        change_configuration(c, runtime, &config_path, &env).await?;
        let t = Instant::now();
        let (status, body) = c
            .rest("POST", &invoke_path, Bytes::from_static(b"{}"))
            .await?;
        if status != 200 {
            return Err(io_err(format!(
                "Invoke {runtime}: {status} {}",
                String::from_utf8_lossy(&body)
            )));
        }
        colds.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut warm = Vec::with_capacity(warm_invokes);
    for _ in 0..warm_invokes {
        let t = Instant::now();
        c.rest("POST", &invoke_path, Bytes::from_static(b"{}"))
            .await?;
        warm.push(t.elapsed());
    }
    warm.sort();
    let pct = |p: f64| {
        warm.get(((warm.len().saturating_sub(1)) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(Duration::ZERO)
            .as_secs_f64()
            * 1e6
    };
    Ok(LambdaFigures {
        runtime,
        interpreter_ms: interpreter_ms(interp.0, interp.1),
        cold_ms: median(colds),
        warm_p50_us: pct(0.5),
        warm_p99_us: pct(0.99),
    })
}

/// Measure python and node, and ruby when this host has it.
pub async fn measure(addr: std::net::SocketAddr) -> io::Result<Vec<LambdaFigures>> {
    let mut c = Conn::open(addr).await?;
    let mut out = Vec::new();
    for &(runtime, file, source, interp) in RUNTIMES {
        if runtime.starts_with("ruby") && !available(interp.0) {
            println!("(ruby is not installed: no ruby figures)");
            continue;
        }
        out.push(one(&mut c, runtime, file, source, interp, 300).await?);
    }
    Ok(out)
}
