//! Java figures for `fogbank bench`: warm invoke latency of a no-op Java handler and its cold
//! start, beside the bare `java -version` of the same JVM measured in the same run. Skipped (with
//! a note) on a host without a JDK: the handler is compiled here with `javac`.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use serde_json::json;

use super::{Conn, io_err};
use crate::lambda::java;

/// The figures of one Java runtime.
pub struct JavaFigures {
    pub runtime: String,
    pub jvm: String,
    pub java_version_ms: f64,
    pub cold_ms: f64,
    pub warm_p50_us: f64,
    pub warm_p99_us: f64,
}

const NOOP: &str = "package bench;
public class Noop {
    public static Object handle(java.util.Map<String, Object> event) { return null; }
}
";

/// The no-op handler compiled and zipped (class at the root, as a jar's zip is unpacked).
fn handler_zip(javac: &Path, dir: &Path) -> io::Result<Vec<u8>> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let src = dir.join("Noop.java");
    std::fs::write(&src, NOOP)?;
    let out = std::process::Command::new(javac)
        .args(["--release", "8", "-Xlint:-options", "-nowarn", "-d"])
        .arg(dir.join("classes"))
        .arg(&src)
        .output()?;
    if !out.status.success() {
        return Err(io_err(String::from_utf8_lossy(&out.stderr)));
    }
    let class = std::fs::read(dir.join("classes/bench/Noop.class"))?;
    let mut buf = io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file("bench/Noop.class", zip::write::SimpleFileOptions::default())
            .map_err(io_err)?;
        w.write_all(&class)?;
        w.finish().map_err(io_err)?;
    }
    Ok(buf.into_inner())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Spawn-to-exit of the bare `java -version` (median of 5).
fn java_version_ms(java: &Path) -> f64 {
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        if std::process::Command::new(java)
            .arg("-version")
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            runs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    median(runs)
}

/// Measure the Java runtime this host serves best, or `None` without a JDK.
pub async fn measure(addr: std::net::SocketAddr) -> io::Result<Option<JavaFigures>> {
    // The newest AWS Java runtime the first JVM found (JAVA_HOME, PATH, ...) can serve, run on
    // that JVM, compiled with its javac.
    let Some(jvm) = java::installed().first().cloned() else {
        return Ok(None);
    };
    let javac = jvm.home.join("bin/javac");
    if !javac.is_file() {
        return Ok(None);
    }
    let runtime = [25, 21, 17, 11]
        .into_iter()
        .find(|r| *r <= jvm.major)
        .map(|r| format!("java{r}"))
        .unwrap_or_else(|| "java8.al2".to_string());
    let dir = std::env::temp_dir().join(format!("fogbank-bench-java-{}", std::process::id()));
    let zip = handler_zip(&javac, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let zip = base64::engine::general_purpose::STANDARD.encode(zip?);

    let mut c = Conn::open(addr).await?;
    let name = format!("bench-{runtime}");
    let create = json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Role": "arn:aws:iam::000000000000:role/bench",
        "Handler": "bench.Noop::handle",
        "Code": {"ZipFile": zip},
        "Environment": {"Variables": {"FOGBANK_JAVA_HOME": jvm.home.to_string_lossy()}},
    });
    super::lambda::create_function_from(&mut c, &runtime, &create).await?;
    let invoke_path = format!("/2015-03-31/functions/{name}/invocations");
    let config_path = format!("/2015-03-31/functions/{name}/configuration");
    let mut colds = Vec::new();
    for i in 0..5 {
        // A configuration change retires the warm environment: the next invoke is cold.
        let env = json!({"Environment": {"Variables": {
            "ROUND": i.to_string(),
            "FOGBANK_JAVA_HOME": jvm.home.to_string_lossy(),
        }}});
        super::lambda::change_configuration(&mut c, &runtime, &config_path, &env).await?;
        let t = Instant::now();
        let (status, body) = c
            .rest("POST", &invoke_path, Bytes::from_static(b"{}"))
            .await?;
        if status != 200 || body.as_ref() != b"null" {
            return Err(io_err(format!(
                "Invoke {runtime}: {status} {}",
                String::from_utf8_lossy(&body)
            )));
        }
        colds.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut warm = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let t = Instant::now();
        c.rest("POST", &invoke_path, Bytes::from_static(b"{}"))
            .await?;
        warm.push(t.elapsed());
    }
    // The first warm invokes run interpreted code; the figure is the steady state.
    let mut warm = warm.split_off(200);
    warm.sort();
    let pct = |p: f64| {
        warm.get(((warm.len().saturating_sub(1)) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(Duration::ZERO)
            .as_secs_f64()
            * 1e6
    };
    Ok(Some(JavaFigures {
        runtime,
        jvm: jvm.version.clone(),
        java_version_ms: java_version_ms(&jvm.java()),
        cold_ms: median(colds),
        warm_p50_us: pct(0.5),
        warm_p99_us: pct(0.99),
    }))
}

/// The table rows.
pub fn print(figures: &Option<JavaFigures>) {
    let Some(f) = figures else {
        println!(
            "{:<44} {:>14} {:>18}",
            "java: no JDK on this host", "-", "-"
        );
        return;
    };
    super::lambda::RuntimeRows {
        runtime: &f.runtime,
        warm_note: "no-op, after 200",
        p50_us: f.warm_p50_us,
        p99_us: f.warm_p99_us,
        cold_ms: f.cold_ms,
        cold_goal_ms: f.java_version_ms + 150.0,
        bare_label: format!("  bare `java -version` ms (Java {})", f.jvm),
        bare_ms: f.java_version_ms,
    }
    .print();
}
