//! Durable state: export, check and restore (`store::Durable`), and the journal of changes
//! (`lambda::state` describes the records and blobs).

use std::collections::{HashMap, HashSet};
use std::sync::MutexGuard;

use super::*;
use crate::lambda::esm::EsmConfig;
use crate::lambda::state::{
    self, CodeRecord, EsmRecord, FunctionRecord, LayerRecord, LayerUseRecord, LayerVersionRecord,
    PolicyRecord, StatementRecord, VersionRecord,
};
use crate::store::{Blob, Durable, Journal, Record, ServiceState};

/// The code blobs the store holds. A blob deleted and written again before the deletion's
/// commit is safe: the store skips deletions older than a blob's latest write.
#[derive(Debug, Default)]
pub(crate) struct BlobBook {
    stored: HashSet<String>,
}

/// A state decoded and its code unpacked, ready to replace the engine's.
struct Prepared {
    functions: Vec<Function>,
    layers: Vec<(String, Layer)>,
    esms: Vec<EsmConfig>,
    code_signing: Vec<super::code_signing::CodeSigningConfig>,
    blobs: HashSet<String>,
}

fn code_record(code: &Code) -> CodeRecord {
    if code.hot_reload {
        return CodeRecord::Directory {
            path: code.dir.clone(),
        };
    }
    CodeRecord::Zip {
        blob: state::code_blob(&code::hex_of(&code.dir).unwrap_or_default()),
        sha256: code.sha256.clone(),
        size: code.size,
    }
}

fn version_record(v: &Version) -> VersionRecord {
    VersionRecord {
        config: v.config.clone(),
        code: code_record(&v.code),
        layers: v
            .config
            .layers
            .iter()
            .zip(&v.layer_dirs)
            .map(|(l, dir)| LayerUseRecord {
                arn: l.arn.clone(),
                blob: state::code_blob(&code::hex_of(dir).unwrap_or_default()),
            })
            .collect(),
        source_description: v.source_description.clone(),
    }
}

fn policy_record(p: &Policy) -> PolicyRecord {
    PolicyRecord {
        revision: p.revision.clone(),
        statements: p
            .statements()
            .iter()
            .map(|s| StatementRecord {
                sid: s.sid.clone(),
                effect: s.effect.to_string(),
                principal: s.principal.clone(),
                action: s.action.clone(),
                resource: s.resource.clone(),
                condition: s.condition.clone(),
            })
            .collect(),
    }
}

fn policy_of(r: PolicyRecord) -> Result<Policy, String> {
    let mut statements = Vec::new();
    for s in r.statements {
        if s.effect != "Allow" {
            return Err(format!("statement {}: effect {:?}", s.sid, s.effect));
        }
        statements.push(Statement {
            sid: s.sid,
            effect: "Allow",
            principal: s.principal,
            action: s.action,
            resource: s.resource,
            condition: s.condition,
        });
    }
    Ok(Policy::restored(statements, r.revision))
}

pub(super) fn function_record(f: &Function) -> FunctionRecord {
    FunctionRecord {
        name: f.name.clone(),
        arn: f.arn.clone(),
        account: f.account.clone(),
        region: f.region.clone(),
        latest: version_record(&f.latest),
        versions: f
            .versions
            .iter()
            .map(|(n, v)| (*n, version_record(v)))
            .collect(),
        last_version: f.last_version,
        aliases: f
            .aliases
            .iter()
            .map(|(k, a)| (k.clone(), a.config.clone()))
            .collect(),
        policies: f
            .policies
            .iter()
            .map(|(k, p)| (k.clone(), policy_record(p)))
            .collect(),
        reserved: f.reserved,
        invoke_configs: f.invoke_configs.clone(),
        tags: f.tags.clone(),
        urls: f.urls.clone(),
        extras: f.extras.clone(),
    }
}

pub(super) fn layer_record(arn: &str, layer: &Layer) -> LayerRecord {
    LayerRecord {
        arn: arn.to_string(),
        last_version: layer.last_version,
        versions: layer
            .versions
            .iter()
            .map(|(n, v)| {
                let r = LayerVersionRecord {
                    description: v.description.clone(),
                    created: v.created.clone(),
                    code: code_record(&v.code),
                    runtimes: v.runtimes.clone(),
                    architectures: v.architectures.clone(),
                    license: v.license.clone(),
                    policy: v.policy.as_ref().map(policy_record),
                };
                (*n, r)
            })
            .collect(),
    }
}

pub(crate) fn esm_record(c: &EsmConfig) -> EsmRecord {
    EsmRecord {
        uuid: c.uuid.clone(),
        event_source_arn: c.event_source_arn.clone(),
        function_arn: c.function_arn.clone(),
        batch_size: c.batch_size,
        window_secs: c.window_secs,
        enabled: c.enabled,
        report_failures: c.report_failures,
        filter_criteria: c.filter_criteria.clone(),
        max_concurrency: c.max_concurrency,
        last_modified: c.last_modified,
        account: c.account.clone(),
        region: c.region.clone(),
        tags: c.tags.clone(),
    }
}

/// The blobs (zip code) a version refers to.
fn version_blobs(v: &Version, out: &mut HashSet<String>) {
    if let CodeRecord::Zip { blob, .. } = code_record(&v.code) {
        out.insert(blob);
    }
    for dir in &v.layer_dirs {
        if let Some(hex) = code::hex_of(dir) {
            out.insert(state::code_blob(&hex));
        }
    }
}

/// Unpacks the blobs a state names (once each).
struct Unpacker<'a> {
    engine: &'a LambdaEngine,
    root: PathBuf,
    blobs: &'a BTreeMap<String, Blob>,
    done: HashMap<String, Code>,
}

impl Unpacker<'_> {
    fn code(&mut self, name: &str) -> Result<Code, String> {
        if let Some(c) = self.done.get(name) {
            return Ok(c.clone());
        }
        let hex = state::blob_hex(name).ok_or_else(|| format!("bad blob name {name:?}"))?;
        let blob = self
            .blobs
            .get(name)
            .ok_or_else(|| format!("blob {name} is missing"))?;
        let bytes = blob.read().map_err(|e| format!("blob {name}: {e}"))?;
        let code = code::unpack_zip(&self.root, &bytes, u64::MAX)
            .map_err(|e| format!("blob {name}: {e}"))?;
        if code::hex_of(&code.dir).as_deref() != Some(hex) {
            return Err(format!("blob {name}: content does not match its name"));
        }
        self.engine
            .keep_zip(&code, &bytes)
            .map_err(|e| format!("blob {name}: {e}"))?;
        self.done.insert(name.to_string(), code.clone());
        Ok(code)
    }

    fn record(&mut self, r: &CodeRecord, sha256_of_dir: &str) -> Result<Code, String> {
        match r {
            CodeRecord::Zip { blob, sha256, size } => {
                let code = self.code(blob)?;
                if &code.sha256 != sha256 || code.size != *size {
                    return Err(format!("blob {blob}: CodeSha256 or size differs"));
                }
                Ok(code)
            }
            CodeRecord::Directory { path } => Ok(Code {
                dir: path.clone(),
                sha256: sha256_of_dir.to_string(),
                size: 0,
                hot_reload: true,
            }),
        }
    }

    fn version(&mut self, r: VersionRecord) -> Result<Version, String> {
        let code = self.record(&r.code, &r.config.code_sha256)?;
        if r.layers.len() != r.config.layers.len()
            || r.layers
                .iter()
                .zip(&r.config.layers)
                .any(|(a, b)| a.arn != b.arn)
        {
            return Err(format!(
                "{}: layers differ from the configuration's",
                r.config.function_arn
            ));
        }
        let mut layer_dirs = Vec::new();
        for l in &r.layers {
            layer_dirs.push(self.code(&l.blob)?.dir);
        }
        Ok(Version {
            config: r.config,
            code,
            layer_dirs,
            source_description: r.source_description,
        })
    }
}

fn key_is(record: &Record, expected: &str) -> Result<(), String> {
    if record.key == expected {
        Ok(())
    } else {
        Err(format!(
            "{} {}: key differs from the record's {expected}",
            record.kind, record.key
        ))
    }
}

impl LambdaEngine {
    pub(super) fn journal(&self) -> Option<&Journal> {
        self.journal.get()
    }

    /// Record a function as it is now (the caller holds its lock).
    pub(super) fn journal_function(&self, f: &Function) {
        if let Some(j) = self.journal()
            && !f.deleted
        {
            j.put(state::FUNCTION, &f.arn, &function_record(f));
        }
    }

    /// Record a layer as it is now (the caller holds its map entry).
    pub(crate) fn journal_layer(&self, arn: &str, layer: &Layer) {
        if let Some(j) = self.journal() {
            j.put(state::LAYER, arn, &layer_record(arn, layer));
        }
    }

    /// Record a mapping as it is now (the caller holds its config lock).
    pub(crate) fn journal_esm(&self, c: &EsmConfig) {
        if let Some(j) = self.journal() {
            j.put(state::ESM, &c.uuid, &esm_record(c));
        }
    }

    pub(crate) fn journal_esm_deleted(&self, uuid: &str) {
        if let Some(j) = self.journal() {
            j.delete(state::ESM, uuid);
        }
    }

    /// With a journal, the blob book, held from a blob's write until the records that refer to
    /// it are journaled and the engine holds them (so a collection never sees it unreferenced).
    pub(crate) fn hold_blobs(&self) -> Option<MutexGuard<'_, BlobBook>> {
        self.journal().map(|_| lock(&self.blob_book))
    }

    /// Write `code`'s zip to the store unless it is there (the caller holds the book).
    pub(crate) fn store_code(
        &self,
        book: &mut Option<MutexGuard<'_, BlobBook>>,
        code: &Code,
    ) -> LambdaResult<()> {
        let (Some(j), Some(book)) = (self.journal(), book.as_mut()) else {
            return Ok(());
        };
        let (Some(hex), Some(zip)) = (code::hex_of(&code.dir), self.zip_path(code)) else {
            return Ok(());
        };
        let name = state::code_blob(&hex);
        if book.stored.contains(&name) {
            return Ok(());
        }
        j.put_blob_file(&name, &zip)
            .map_err(|e| LambdaError::new(500, "ServiceException", format!("storing code: {e}")))?;
        book.stored.insert(name);
        Ok(())
    }

    /// Delete the stored blobs nothing refers to any more (after a deletion or replacement,
    /// with no function lock held).
    pub(crate) fn collect_blobs(&self) {
        let Some(mut book) = self.hold_blobs() else {
            return;
        };
        let mut used = HashSet::new();
        let functions: Vec<_> = self.functions.iter().map(|e| e.value().clone()).collect();
        for f in functions {
            let f = lock(&f);
            version_blobs(&f.latest, &mut used);
            for v in f.versions.values() {
                version_blobs(v, &mut used);
            }
        }
        for layer in self.layers.iter() {
            for v in layer.versions.values() {
                if let Some(hex) = code::hex_of(&v.code.dir) {
                    used.insert(state::code_blob(&hex));
                }
            }
        }
        let unused: Vec<String> = book.stored.difference(&used).cloned().collect();
        if let Some(j) = self.journal() {
            for name in unused {
                j.delete_blob(&name);
                book.stored.remove(&name);
            }
        }
    }

    /// `reset`'s part: everything stored for Lambda goes.
    pub(super) fn journal_reset(&self, book: &mut Option<MutexGuard<'_, BlobBook>>) {
        if let (Some(j), Some(book)) = (self.journal(), book.as_mut()) {
            j.clear_service("lambda");
            for name in std::mem::take(&mut book.stored) {
                j.delete_blob(&name);
            }
        }
    }

    fn prepare(&self, st: &ServiceState) -> Result<Prepared, String> {
        let mut unpack = Unpacker {
            engine: self,
            root: self.code_root(),
            blobs: &st.blobs,
            done: HashMap::new(),
        };
        let mut out = Prepared {
            functions: Vec::new(),
            layers: Vec::new(),
            esms: Vec::new(),
            code_signing: Vec::new(),
            blobs: st.blobs.keys().cloned().collect(),
        };
        let mut seen = HashSet::new();
        for r in &st.records {
            if !seen.insert((r.kind.as_str(), r.key.as_str())) {
                return Err(format!("{} {}: twice", r.kind, r.key));
            }
            match r.kind.as_str() {
                state::FUNCTION => {
                    let f: FunctionRecord = r.decode()?;
                    key_is(r, &f.arn)?;
                    out.functions.push(self.function_of(f, &mut unpack)?);
                }
                state::LAYER => {
                    let l: LayerRecord = r.decode()?;
                    key_is(r, &l.arn)?;
                    let mut layer = Layer {
                        last_version: l.last_version,
                        versions: BTreeMap::new(),
                    };
                    for (n, v) in l.versions {
                        if n == 0 || n > l.last_version {
                            return Err(format!("{} {}: version {n}", r.kind, r.key));
                        }
                        let CodeRecord::Zip { .. } = &v.code else {
                            return Err(format!("{} {}: layer code must be a zip", r.kind, r.key));
                        };
                        let lv = LayerVersion {
                            arn: l.arn.clone(),
                            version: n,
                            description: v.description,
                            created: v.created,
                            code: unpack.record(&v.code, "")?,
                            runtimes: v.runtimes,
                            architectures: v.architectures,
                            license: v.license,
                            policy: v.policy.map(policy_of).transpose()?,
                        };
                        layer.versions.insert(n, lv);
                    }
                    out.layers.push((l.arn, layer));
                }
                state::ESM => {
                    let e: EsmRecord = r.decode()?;
                    key_is(r, &e.uuid)?;
                    out.esms.push(crate::lambda::esm::config_of(e)?);
                }
                super::code_signing::KIND => {
                    let c: super::code_signing::CodeSigningConfig = r.decode()?;
                    key_is(r, &c.code_signing_config_arn)?;
                    out.code_signing.push(c);
                }
                other => return Err(format!("unknown record kind {other} ({})", r.key)),
            }
        }
        Ok(out)
    }

    fn function_of(&self, r: FunctionRecord, unpack: &mut Unpacker) -> Result<Function, String> {
        let arn = r.arn.clone();
        if arn != function_arn(&r.region, &r.account, &r.name) {
            return Err(format!(
                "{} {arn}: name, account or region differ",
                state::FUNCTION
            ));
        }
        let mut versions = BTreeMap::new();
        for (n, v) in r.versions {
            if n == 0 || n > r.last_version {
                return Err(format!("{} {arn}: version {n}", state::FUNCTION));
            }
            versions.insert(n, Arc::new(unpack.version(v)?));
        }
        let mut policies = BTreeMap::new();
        for (q, p) in r.policies {
            policies.insert(q, policy_of(p)?);
        }
        Ok(Function {
            name: r.name,
            arn: r.arn,
            account: r.account,
            region: r.region,
            latest: Arc::new(unpack.version(r.latest)?),
            versions,
            last_version: r.last_version,
            aliases: r
                .aliases
                .into_iter()
                .map(|(k, config)| (k, Alias { config }))
                .collect(),
            policies,
            reserved: r.reserved,
            invoke_configs: r.invoke_configs,
            tags: r.tags,
            urls: r.urls,
            deleted: false,
            in_progress: None,
            recent: Default::default(),
            extras: r.extras,
        })
    }
}

impl Durable for LambdaEngine {
    fn service(&self) -> &'static str {
        "lambda"
    }

    fn export(&self) -> ServiceState {
        let mut records = Vec::new();
        let mut blobs = BTreeMap::new();
        let mut add_blob = |code: &Code| {
            if let (Some(hex), Some(zip)) = (code::hex_of(&code.dir), self.zip_path(code)) {
                blobs.insert(state::code_blob(&hex), Blob::File(zip));
            }
        };
        let functions: Vec<_> = self.functions.iter().map(|e| e.value().clone()).collect();
        let mut fs = Vec::new();
        for f in functions {
            let f = lock(&f);
            for v in std::iter::once(&f.latest).chain(f.versions.values()) {
                add_blob(&v.code);
                for dir in &v.layer_dirs {
                    add_blob(&Code {
                        dir: dir.clone(),
                        sha256: String::new(),
                        size: 0,
                        hot_reload: false,
                    });
                }
            }
            fs.push(function_record(&f));
        }
        let mut layers = Vec::new();
        for l in self.layers.iter() {
            for v in l.versions.values() {
                add_blob(&v.code);
            }
            layers.push(layer_record(l.key(), l.value()));
        }
        let mut esms: Vec<EsmRecord> = self
            .esms
            .iter()
            .map(|e| esm_record(&lock(&e.config)))
            .collect();
        fs.sort_by(|a, b| a.arn.cmp(&b.arn));
        layers.sort_by(|a, b| a.arn.cmp(&b.arn));
        esms.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        let push = |records: &mut Vec<Record>, kind: &str, key: &str, v: &dyn erased::Ser| {
            if let Ok(r) = v.record(kind, key) {
                records.push(r);
            }
        };
        for l in &layers {
            push(&mut records, state::LAYER, &l.arn, l);
        }
        for f in &fs {
            push(&mut records, state::FUNCTION, &f.arn, f);
        }
        for e in &esms {
            push(&mut records, state::ESM, &e.uuid, e);
        }
        let mut cscs: Vec<_> = self
            .code_signing
            .iter()
            .map(|c| c.value().clone())
            .collect();
        cscs.sort_by(|a, b| a.code_signing_config_arn.cmp(&b.code_signing_config_arn));
        for c in &cscs {
            let kind = super::code_signing::KIND;
            push(&mut records, kind, &c.code_signing_config_arn, c);
        }
        ServiceState { records, blobs }
    }

    fn check(&self, st: &ServiceState) -> Result<(), String> {
        self.prepare(st).map(|_| ())
    }

    fn restore(&self, st: ServiceState) -> Result<(), String> {
        let p = self.prepare(&st)?;
        let mut book = lock(&self.blob_book);
        self.shutdown();
        self.esms.clear();
        self.functions.clear();
        self.layers.clear();
        self.code_signing.clear();
        for c in p.code_signing {
            self.code_signing
                .insert(c.code_signing_config_arn.clone(), c);
        }
        for f in p.functions {
            self.functions
                .insert(f.arn.clone(), Arc::new(Mutex::new(f)));
        }
        for (arn, l) in p.layers {
            self.layers.insert(arn, l);
        }
        for c in p.esms {
            self.start_esm(c);
        }
        book.stored = p
            .blobs
            .into_iter()
            .filter(|b| state::blob_hex(b).is_some())
            .collect();
        Ok(())
    }

    fn attach_journal(&self, journal: Journal) {
        let _ = self.journal.set(journal);
    }
}

/// Records from the typed values of several kinds.
mod erased {
    use crate::store::Record;

    pub trait Ser {
        fn record(&self, kind: &str, key: &str) -> Result<Record, String>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn record(&self, kind: &str, key: &str) -> Result<Record, String> {
            Record::new(kind, key, self)
        }
    }
}
