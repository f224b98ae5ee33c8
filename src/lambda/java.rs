//! Java functions (`java8.al2`, `java11`, `java17`, `java21`, `java25`) on the host's JVM.
//!
//! - The JVM: the function's `FOGBANK_JAVA_HOME` if it set one, else the installed JVMs found
//!   through `JAVA_HOME`, the `java` on the PATH and the usual install dirs (`/usr/lib/jvm/*`,
//!   ...): the runtime's major version if installed, else the nearest newer one (with a
//!   warning). None at all is an init error saying what to install.
//! - fogbank's own runtime client (`bootstrap/java/*.java`, JDK classes only) is compiled with
//!   a host `javac` once per JVM version and kept in the per-user cache
//!   (`<cache>/java/client-<jvm version>-<hash of the sources>`), built in a temporary
//!   directory and renamed into place so that two servers compiling at once are both safe.
//!   It targets Java 8 bytecode (`--release 8`): string concatenation without
//!   `invokedynamic`, which is measurably faster at JVM start. It is kept as a jar with, on
//!   JDK 13 and later, a dynamic class-data sharing archive made by one training run
//!   (`Train.java`), which takes about a third off the client's share of a cold start.
//! - The customer classpath is AWS's: the code directory (a fat jar's zip is unpacked there),
//!   its `lib/*.jar`, then the layers' `java/lib/*.jar` (merged by name as layers merge into
//!   `/opt`, in lexical order).
//! - JVM flags as AWS's launcher passes them (tiered compilation stopped at level 1 on java17
//!   and later, the serial GC, a heap of 85% of MemorySize), each left out when the function's
//!   `JAVA_TOOL_OPTIONS` (or `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`) names it, since command-line
//!   flags would override those.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

use super::runtime::{EnvSpec, lock};

const MAIN_CLASS: &str = "fogbank.lambda.Main";
/// The client's classes, in a jar (class-data sharing archives only classes from jars); every
/// complete build has it.
const MARKER: &str = "client.jar";
/// The JVM's dynamic class-data sharing archive of the client (JDK 13 and later), made by one
/// training run right after the build; cold starts map its classes instead of loading them.
const ARCHIVE: &str = "client.jsa";

/// The runtime client's sources, embedded.
pub const CLIENT_SOURCES: &[(&str, &str)] = &[
    ("Api.java", include_str!("bootstrap/java/Api.java")),
    ("Ctx.java", include_str!("bootstrap/java/Ctx.java")),
    ("Fault.java", include_str!("bootstrap/java/Fault.java")),
    (
        "Handlers.java",
        include_str!("bootstrap/java/Handlers.java"),
    ),
    ("Json.java", include_str!("bootstrap/java/Json.java")),
    ("Main.java", include_str!("bootstrap/java/Main.java")),
    ("Mapper.java", include_str!("bootstrap/java/Mapper.java")),
    ("Train.java", include_str!("bootstrap/java/Train.java")),
];

/// An installed JVM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jvm {
    pub home: PathBuf,
    pub major: u32,
    /// `JAVA_VERSION` of its `release` file, e.g. `17.0.15` or `1.8.0_392`.
    pub version: String,
}

impl Jvm {
    pub fn java(&self) -> PathBuf {
        self.home.join("bin/java")
    }

    fn javac(&self) -> Option<PathBuf> {
        Some(self.home.join("bin/javac")).filter(|p| p.is_file())
    }
}

/// The Java major version a runtime name asks for (`java8.al2` -> 8, `java21` -> 21).
pub fn wanted_major(runtime: &str) -> Option<u32> {
    let digits: String = runtime
        .strip_prefix("java")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The major version of a `JAVA_VERSION` string (`1.8.0_392` -> 8, `17.0.15` -> 17).
pub fn parse_major(version: &str) -> Option<u32> {
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// The JVM installed at `home`: a `bin/java` and a `release` file naming its version.
pub fn probe(home: &Path) -> Option<Jvm> {
    if !home.join("bin/java").is_file() {
        return None;
    }
    let release = [home.join("release"), home.join("../release")]
        .into_iter()
        .find_map(|p| std::fs::read_to_string(p).ok())?;
    let version = release.lines().find_map(|l| {
        l.strip_prefix("JAVA_VERSION=")
            .map(|v| v.trim().trim_matches('"').to_string())
    })?;
    let major = parse_major(&version)?;
    let home = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    Some(Jvm {
        home,
        major,
        version,
    })
}

fn candidate_homes() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(h) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        out.push(PathBuf::from(h));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let java = dir.join("java");
            if let Ok(real) = java.canonicalize()
                && let Some(home) = real.parent().and_then(Path::parent)
            {
                out.push(home.to_path_buf());
            }
        }
    }
    for root in [
        "/usr/lib/jvm",
        "/usr/java",
        "/usr/local/lib/jvm",
        "/opt/java",
        "/Library/Java/JavaVirtualMachines",
    ] {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        let mut homes: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        homes.sort();
        for h in homes {
            out.push(h.join("Contents/Home"));
            out.push(h);
        }
    }
    if let Ok(entries) = std::fs::read_dir("/opt") {
        let mut homes: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("jdk"))
            })
            .collect();
        homes.sort();
        out.extend(homes);
    }
    out
}

/// Every JVM on this host, in order of preference (JAVA_HOME, PATH, install dirs), found once.
pub fn installed() -> &'static [Jvm] {
    static FOUND: OnceLock<Vec<Jvm>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut seen = HashSet::new();
        candidate_homes()
            .iter()
            .filter_map(|h| probe(h))
            .filter(|j| seen.insert(j.home.clone()))
            .collect()
    })
}

/// What to install, for a message.
fn install_hint(major: u32) -> String {
    format!(
        "install a JDK {major} or newer (e.g. `apt-get install openjdk-{major}-jdk-headless`, or \
         Temurin/Corretto {major}) or point JAVA_HOME at one"
    )
}

/// The JVM for `runtime` among `jvms`: the same major version, else the nearest newer one
/// (`true`: a fallback), else why there is none.
pub fn choose(jvms: &[Jvm], runtime: &str) -> Result<(Jvm, bool), String> {
    let wanted = wanted_major(runtime)
        .ok_or_else(|| format!("fogbank does not know the Java version of {runtime}"))?;
    if let Some(j) = jvms.iter().find(|j| j.major == wanted) {
        return Ok((j.clone(), false));
    }
    if let Some(j) = jvms
        .iter()
        .filter(|j| j.major > wanted)
        .min_by_key(|j| j.major)
    {
        return Ok((j.clone(), true));
    }
    if jvms.is_empty() {
        return Err(format!(
            "fogbank found no Java runtime on this host for {runtime}: {}",
            install_hint(wanted)
        ));
    }
    let found: Vec<String> = jvms
        .iter()
        .map(|j| format!("{} at {}", j.version, j.home.display()))
        .collect();
    Err(format!(
        "fogbank found no Java {wanted} or newer for {runtime} (found {}): {}",
        found.join(", "),
        install_hint(wanted)
    ))
}

fn select(spec: &EnvSpec) -> Result<Jvm, String> {
    if let Some(home) = spec
        .variables
        .get("FOGBANK_JAVA_HOME")
        .filter(|h| !h.is_empty())
    {
        return probe(Path::new(home)).ok_or_else(|| {
            format!(
                "FOGBANK_JAVA_HOME={home} holds no Java runtime (no bin/java and release file): {}",
                install_hint(wanted_major(&spec.runtime).unwrap_or(8))
            )
        });
    }
    let (jvm, fallback) = choose(installed(), &spec.runtime)?;
    if fallback {
        static WARNED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
        if lock(WARNED.get_or_init(Default::default)).insert(spec.runtime.clone()) {
            tracing::warn!(
                runtime = %spec.runtime,
                "{} is not installed; running {} functions with Java {} at {}",
                spec.runtime,
                spec.runtime,
                jvm.version,
                jvm.home.display()
            );
        }
    }
    Ok(jvm)
}

fn sources_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, text) in CLIENT_SOURCES {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        h.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The directory holding the compiled client for `jvm` (under `root`).
pub fn client_dir(root: &Path, jvm: &Jvm) -> PathBuf {
    let version: String = jvm
        .version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    root.join(format!("client-{version}-{}", sources_hash()))
}

/// A `javac` able to build the client for `jvm`: its own, else another JDK's (9 or newer, for
/// `--release`).
fn javac_for(jvm: &Jvm) -> Option<(PathBuf, u32)> {
    if let Some(j) = jvm.javac() {
        return Some((j, jvm.major));
    }
    installed()
        .iter()
        .filter(|j| j.major >= 9)
        .find_map(|j| j.javac().map(|p| (p, j.major)))
}

/// Compile the client for `jvm` into `root` unless it is there already; its classes directory.
pub fn client_classes(root: &Path, jvm: &Jvm) -> Result<PathBuf, String> {
    let dir = client_dir(root, jvm);
    if dir.join(MARKER).is_file() {
        return Ok(dir);
    }
    static COMPILING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = lock(&COMPILING);
    if dir.join(MARKER).is_file() {
        return Ok(dir);
    }
    let (javac, javac_major) = javac_for(jvm).ok_or_else(|| {
        format!(
            "fogbank builds its Java runtime client once with javac, and the Java {} at {} has \
             none: {}",
            jvm.version,
            jvm.home.display(),
            install_hint(jvm.major)
        )
    })?;
    std::fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let tmp = root.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = compile(&javac, javac_major, jvm.major, &tmp).and_then(|()| {
        match std::fs::rename(tmp.join("out"), &dir) {
            Ok(()) => Ok(()),
            // Another server finished the same build first.
            Err(_) if dir.join(MARKER).is_file() => Ok(()),
            Err(e) => Err(format!("{}: {e}", dir.display())),
        }
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result?;
    train(jvm, &dir);
    Ok(dir)
}

/// One training run of the client (it serves itself an invocation) that leaves the JVM's
/// dynamic CDS archive beside the jar. Best effort: without it cold starts are only slower.
fn train(jvm: &Jvm, dir: &Path) {
    if jvm.major < 13 || dir.join(ARCHIVE).is_file() {
        return;
    }
    let tmp = dir.join(format!("{ARCHIVE}.tmp-{}", uuid::Uuid::new_v4().simple()));
    let ran = std::process::Command::new(jvm.java())
        .arg("-XX:+UseSerialGC")
        .arg("-Xshare:auto")
        .arg(format!("-XX:ArchiveClassesAtExit={}", tmp.display()))
        .arg("-cp")
        .arg(dir.join(MARKER))
        .arg("fogbank.lambda.Train")
        .env_remove("JAVA_TOOL_OPTIONS")
        .env_remove("_JAVA_OPTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if ran.is_ok() && tmp.is_file() && std::fs::rename(&tmp, dir.join(ARCHIVE)).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&tmp);
}

fn compile(javac: &Path, javac_major: u32, target: u32, tmp: &Path) -> Result<(), String> {
    let src = tmp.join("src");
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for (name, text) in CLIENT_SOURCES {
        let f = src.join(name);
        std::fs::write(&f, text).map_err(|e| e.to_string())?;
        files.push(f);
    }
    // Java 8 bytecode where this javac can still produce it, else the JVM's own level.
    let releases: Vec<u32> = if javac_major < 9 {
        vec![0]
    } else {
        let mut r = vec![8, target.max(8)];
        r.dedup();
        r
    };
    let mut last = String::new();
    for release in releases {
        let mut cmd = std::process::Command::new(javac);
        cmd.args([
            "-J-XX:TieredStopAtLevel=1",
            "-J-XX:+UseSerialGC",
            "-encoding",
            "UTF-8",
            "-nowarn",
            "-Xlint:-options",
        ]);
        if release == 0 {
            cmd.args(["-source", "1.8", "-target", "1.8"]);
        } else {
            cmd.args(["--release", &release.to_string()]);
        }
        cmd.arg("-d")
            .arg(tmp.join("classes"))
            .args(&files)
            .env_remove("JAVA_TOOL_OPTIONS")
            .env_remove("_JAVA_OPTIONS")
            .stdin(Stdio::null());
        match cmd.output() {
            Ok(o) if o.status.success() => return jar(&tmp.join("classes"), &tmp.join("out")),
            Ok(o) => last = String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!(
        "could not build fogbank's Java runtime client with {}: {last}",
        javac.display()
    ))
}

/// `classes` packed into `out/client.jar`.
fn jar(classes: &Path, out: &Path) -> Result<(), String> {
    use std::io::Write;
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(root, &p, files)?;
            } else if let Ok(rel) = p.strip_prefix(root) {
                files.push((rel.to_string_lossy().into_owned(), p.clone()));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(classes, classes, &mut files).map_err(|e| e.to_string())?;
    files.sort();
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let f = std::fs::File::create(out.join(MARKER)).map_err(|e| e.to_string())?;
    let mut w = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    for (name, path) in files {
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        w.start_file(name, opts).map_err(|e| e.to_string())?;
        w.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())?;
    Ok(())
}

/// `dir`'s `*.jar` files by name.
fn jars(dir: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".jar") {
                out.insert(name, e.path());
            }
        }
    }
    out
}

/// The customer classpath, as AWS's runtime builds it from `/var/task` and `/opt/java/lib`.
pub fn classpath(code_dir: &Path, layer_dirs: &[PathBuf]) -> String {
    let mut parts = vec![code_dir.to_path_buf()];
    parts.extend(jars(&code_dir.join("lib")).into_values());
    let mut opt = BTreeMap::new();
    for layer in layer_dirs {
        opt.extend(jars(&layer.join("java/lib")));
    }
    parts.extend(opt.into_values());
    std::env::join_paths(parts)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The JVM flags AWS's launcher passes, minus those the function's own options name.
pub fn flags(runtime: &str, memory_mb: u32, variables: &BTreeMap<String, String>) -> Vec<String> {
    let user: String = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"]
        .iter()
        .filter_map(|k| variables.get(*k))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let names = |keys: &[&str]| keys.iter().any(|k| user.contains(k));
    let mut out = Vec::new();
    if wanted_major(runtime).unwrap_or(0) >= 17
        && !names(&["TieredStopAtLevel", "TieredCompilation"])
    {
        out.push("-XX:+TieredCompilation".to_string());
        out.push("-XX:TieredStopAtLevel=1".to_string());
    }
    if !user
        .split_whitespace()
        .any(|o| o.starts_with("-XX:+Use") && o.ends_with("GC"))
    {
        out.push("-XX:+UseSerialGC".to_string());
    }
    if !names(&["-Xshare"]) {
        out.push("-Xshare:auto".to_string());
    }
    if !names(&["-Xmx", "MaxHeapSize", "MaxRAM"]) {
        out.push(format!(
            "-XX:MaxHeapSize={}k",
            u64::from(memory_mb) * 1024 * 85 / 100
        ));
    }
    if !names(&["file.encoding"]) {
        out.push("-Dfile.encoding=UTF-8".to_string());
    }
    out
}

/// The program and arguments that start a Java function's environment.
pub fn command(spec: &EnvSpec) -> Result<(String, Vec<String>), String> {
    let jvm = select(spec)?;
    let root = super::cache::subdir("java").unwrap_or_else(|| spec.runtime_dir.join("java"));
    let client = client_classes(&root, &jvm)?;
    let mut args = flags(&spec.runtime, spec.memory_mb, &spec.variables);
    let archive = client.join(ARCHIVE);
    let user_share = ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"]
        .iter()
        .filter_map(|k| spec.variables.get(*k))
        .any(|o| o.contains("SharedArchiveFile") || o.contains("Xshare:off"));
    if archive.is_file() && !user_share {
        args.push(format!("-XX:SharedArchiveFile={}", archive.display()));
        // An archive this JVM cannot use is skipped; say nothing about it in the function's log.
        args.push("-Xlog:cds=off".into());
        args.push("-Xlog:cds+dynamic=off".into());
    }
    args.push("-cp".into());
    args.push(client.join(MARKER).to_string_lossy().into_owned());
    args.push(MAIN_CLASS.into());
    args.push(classpath(&spec.code_dir, &spec.layer_dirs));
    Ok((jvm.java().to_string_lossy().into_owned(), args))
}

/// What to run instead when a Java function cannot start: a process that says why on stderr
/// and exits, and the init error the invoke answers with.
pub fn unavailable(message: String) -> (String, Vec<String>, (String, bytes::Bytes)) {
    let error_type = "Runtime.InvalidEntrypoint".to_string();
    let body = serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string();
    (
        "/bin/sh".to_string(),
        vec![
            "-c".into(),
            "printf '%s\\n' \"$1\" >&2; exit 1".into(),
            "fogbank-java".into(),
            message,
        ],
        (error_type, bytes::Bytes::from(body)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jvm(major: u32) -> Jvm {
        Jvm {
            home: PathBuf::from(format!("/jvm/{major}")),
            major,
            version: format!("{major}.0.1"),
        }
    }

    #[test]
    fn runtime_names_and_versions() {
        assert_eq!(wanted_major("java8.al2"), Some(8));
        assert_eq!(wanted_major("java8"), Some(8));
        assert_eq!(wanted_major("java21"), Some(21));
        assert_eq!(wanted_major("python3.12"), None);
        assert_eq!(parse_major("1.8.0_392"), Some(8));
        assert_eq!(parse_major("17.0.15"), Some(17));
        assert_eq!(parse_major("25"), Some(25));
        assert_eq!(parse_major("21-ea"), Some(21));
    }

    #[test]
    fn the_same_major_else_the_nearest_newer() {
        let all = [jvm(25), jvm(17), jvm(21)];
        assert_eq!(choose(&all, "java17"), Ok((jvm(17), false)));
        assert_eq!(choose(&all, "java11"), Ok((jvm(17), true)));
        assert_eq!(choose(&all, "java8.al2"), Ok((jvm(17), true)));
        assert_eq!(choose(&all, "java25"), Ok((jvm(25), false)));
        let older = choose(&[jvm(17)], "java21").unwrap_err();
        assert!(
            older.contains("no Java 21 or newer") && older.contains("17.0.1"),
            "{older}"
        );
        assert!(older.contains("openjdk-21-jdk-headless"), "{older}");
    }

    #[test]
    fn no_jvm_says_what_to_install() {
        let e = choose(&[], "java21").unwrap_err();
        assert!(e.contains("found no Java runtime"), "{e}");
        assert!(e.contains("install a JDK 21"), "{e}");
    }

    #[test]
    fn flags_yield_to_the_functions_own_options() {
        let none = BTreeMap::new();
        let f = flags("java21", 512, &none);
        assert!(f.contains(&"-XX:TieredStopAtLevel=1".to_string()));
        assert!(f.contains(&"-XX:+UseSerialGC".to_string()));
        assert!(f.contains(&"-XX:MaxHeapSize=445644k".to_string()));
        assert!(!flags("java11", 512, &none).contains(&"-XX:TieredStopAtLevel=1".to_string()));
        let mut user = BTreeMap::new();
        user.insert(
            "JAVA_TOOL_OPTIONS".to_string(),
            "-XX:TieredStopAtLevel=4 -XX:+UseParallelGC -Xmx64m".to_string(),
        );
        let f = flags("java21", 512, &user);
        assert!(
            !f.iter()
                .any(|o| o.contains("Tiered") || o.contains("GC") || o.contains("Heap"))
        );
    }

    #[test]
    fn classpath_is_task_root_lib_then_layers() {
        let root = std::env::temp_dir().join(format!("fogbank-java-cp-{}", uuid::Uuid::new_v4()));
        let code = root.join("code");
        let (l1, l2) = (root.join("l1"), root.join("l2"));
        for d in [code.join("lib"), l1.join("java/lib"), l2.join("java/lib")] {
            std::fs::create_dir_all(&d).unwrap();
        }
        for f in [
            code.join("lib/b.jar"),
            code.join("lib/a.jar"),
            code.join("lib/notes.txt"),
            l1.join("java/lib/z.jar"),
            l1.join("java/lib/shared.jar"),
            l2.join("java/lib/shared.jar"),
        ] {
            std::fs::write(&f, b"").unwrap();
        }
        let cp = classpath(&code, &[l1.clone(), l2.clone()]);
        let want = [
            code.clone(),
            code.join("lib/a.jar"),
            code.join("lib/b.jar"),
            l2.join("java/lib/shared.jar"),
            l1.join("java/lib/z.jar"),
        ];
        let want: Vec<String> = want
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        assert_eq!(cp, want.join(":"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
