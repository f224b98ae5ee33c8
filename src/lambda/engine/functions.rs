//! Functions: create, read, list, delete, update code and configuration, publish versions.

use super::*;

/// A LoggingConfig as AWS answers it: the given members over the current ones (or the
/// defaults: Text, `/aws/lambda/<name>`); JSON gets INFO application and system levels unless
/// set, Text has no levels.
fn logging_config(given: Option<Value>, current: Option<&Value>, name: &str) -> Value {
    let mut out = current
        .cloned()
        .unwrap_or_else(|| json!({"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}")}));
    if let (Some(Value::Object(g)), Value::Object(o)) = (given, &mut out) {
        for (k, v) in g {
            o.insert(k, v);
        }
        let json = o.get("LogFormat").and_then(Value::as_str) == Some("JSON");
        for level in ["ApplicationLogLevel", "SystemLogLevel"] {
            if json {
                o.entry(level).or_insert_with(|| json!("INFO"));
            } else {
                o.remove(level);
            }
        }
    }
    out
}

pub(super) fn check_range(
    v: Option<i64>,
    field: &str,
    min: i64,
    max: i64,
) -> LambdaResult<Option<u32>> {
    match v {
        None => Ok(None),
        Some(n) if n < min => Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}"
        ))),
        Some(n) if n > max => Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{n}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(Some(n as u32)),
    }
}

pub(super) fn check_role(role: &str) -> LambdaResult<()> {
    let ok = role.starts_with("arn:")
        && role.split(':').nth(2) == Some("iam")
        && role
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("role/") && r.len() > 5);
    if ok {
        Ok(())
    } else {
        Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
        )))
    }
}

/// Runtimes AWS no longer accepts for CreateFunction or UpdateFunctionConfiguration (past
/// their "block function create/update" dates). fogbank still runs functions restored with them.
pub(super) const DEPRECATED_RUNTIMES: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
];

/// The runtimes AWS lists (in its order) when it refuses an unknown one.
const VALID_RUNTIMES: &str = "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java17, nodejs16.x, java25, dotnet8, python3.10, java11, python3.11, dotnet6, java21, nodejs18.x, provided.al2, ruby3.3, ruby3.4, java8.al2, ruby3.2, python3.8, python3.9]";

pub(super) fn check_runtime(rt: &str) -> LambdaResult<()> {
    if DEPRECATED_RUNTIMES.contains(&rt) {
        return Err(LambdaError::invalid(format!(
            "The runtime parameter of {rt} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
        )));
    }
    if RUNTIMES.contains(&rt) {
        Ok(())
    } else {
        Err(LambdaError::invalid(format!(
            "Value {rt} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: {VALID_RUNTIMES} or be a valid ARN"
        )))
    }
}

/// The model's checks of `Architectures`: at most one, `x86_64` or `arm64`.
pub(super) fn check_architectures(archs: &[String]) -> LambdaResult<()> {
    let shown = || format!("[{}]", archs.join(", "));
    if archs.len() > 1 {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
            shown()
        )));
    }
    if archs.iter().any(|a| a != "x86_64" && a != "arm64") {
        return Err(LambdaError::validation(format!(
            "1 validation error detected: Value '{}' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
            shown()
        )));
    }
    Ok(())
}

pub(super) const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

pub(super) fn check_environment(env: &Option<Environment>) -> LambdaResult<()> {
    let Some(env) = env else { return Ok(()) };
    let reserved: Vec<&str> = env
        .variables
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_VARIABLES.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            reserved.join(", ")
        )));
    }
    let size: usize = env.variables.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > 4096 {
        // AWS quotes the variables as JSON (in the order sent; fogbank's map is sorted)
        let measured = serde_json::to_string(&env.variables).unwrap_or_default();
        return Err(LambdaError::invalid(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}"
        )));
    }
    Ok(())
}

impl LambdaEngine {
    pub fn create_function(
        &self,
        ctx: &RequestContext,
        input: CreateFunctionInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let raw = input
            .function_name
            .clone()
            .ok_or_else(|| LambdaError::validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"))?;
        let (account, region, name, qualifier) = parse_function_name(ctx, &raw)?;
        check_tags(&input.tags)?;
        if qualifier.is_some() {
            return Err(LambdaError::invalid(
                "Unsupported function name: a qualifier is not allowed when creating a function",
            ));
        }
        let role = input.role.clone().ok_or_else(|| {
            LambdaError::validation("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null")
        })?;
        check_role(&role)?;
        check_architectures(&input.architectures)?;
        let package = input.package_type.clone().unwrap_or_else(|| "Zip".into());
        if package != "Zip" {
            return Err(LambdaError::invalid(
                "fogbank runs functions as host processes: only PackageType Zip is supported",
            ));
        }
        let runtime = input
            .runtime
            .clone()
            .ok_or_else(|| LambdaError::invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."))?;
        check_runtime(&runtime)?;
        let handler = input
            .handler
            .clone()
            .ok_or_else(|| LambdaError::invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages."))?;
        let timeout = check_range(input.timeout, "timeout", 1, 900)?.unwrap_or(3);
        let memory = check_range(input.memory_size, "memorySize", 128, 10240)?.unwrap_or(128);
        check_environment(&input.environment)?;
        if let Some(csc) = &input.code_signing_config_arn {
            self.code_signing_exists(csc)?;
        }
        let arn = function_arn(&region, &account, &name);
        if self.functions.contains_key(&arn) {
            return Err(LambdaError::conflict(format!(
                "Function already exist: {name}"
            )));
        }
        let (layer_dirs, layer_refs) = self.layer_dirs(&region, &input.layers)?;
        let mut book = self.hold_blobs();
        let c = input.code.clone().unwrap_or_default();
        let code = self.load_code(
            c.zip_file.as_deref(),
            (
                c.s3_bucket.as_deref(),
                c.s3_key.as_deref(),
                c.s3_object_version.as_deref(),
            ),
            c.image_uri.as_deref(),
            &layer_dirs,
        )?;
        self.store_code(&mut book, &code)?;
        let architectures = if input.architectures.is_empty() {
            vec!["x86_64".to_string()]
        } else {
            input.architectures.clone()
        };
        let config = FunctionConfiguration {
            function_name: name.clone(),
            function_arn: arn.clone(),
            runtime: Some(runtime),
            role,
            handler: Some(handler),
            code_size: code.size,
            description: input.description.clone().unwrap_or_default(),
            timeout,
            memory_size: memory,
            last_modified: last_modified(now_ms()),
            code_sha256: code.sha256.clone(),
            version: "$LATEST".into(),
            environment: input.environment.clone().map(|e| EnvironmentResponse {
                variables: e.variables,
            }),
            tracing_config: input
                .tracing_config
                .clone()
                .unwrap_or_else(|| json!({"Mode": "PassThrough"})),
            revision_id: revision(),
            layers: layer_refs,
            dead_letter_config: input.dead_letter_config.clone(),
            state: "Active".into(),
            state_reason: None,
            state_reason_code: None,
            last_update_status: "Successful".into(),
            last_update_status_reason: None,
            last_update_status_reason_code: None,
            package_type: package,
            architectures,
            ephemeral_storage: input
                .ephemeral_storage
                .clone()
                .unwrap_or_else(|| json!({"Size": 512})),
            snap_start: json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
            logging_config: logging_config(input.logging_config.clone(), None, &name),
            runtime_version_config: json!({"RuntimeVersionArn": format!("arn:aws:lambda:{region}::runtime:fogbank")}),
        };
        let latest = Arc::new(Version {
            config,
            code,
            layer_dirs,
            source_description: String::new(),
        });
        let mut function = Function {
            name,
            arn: arn.clone(),
            account,
            region,
            latest: latest.clone(),
            versions: BTreeMap::new(),
            last_version: 0,
            aliases: BTreeMap::new(),
            policies: BTreeMap::new(),
            reserved: None,
            invoke_configs: BTreeMap::new(),
            tags: input.tags.clone(),
            urls: BTreeMap::new(),
            deleted: false,
            in_progress: None,
            recent: Default::default(),
            extras: crate::lambda::state::FunctionExtras {
                code_signing_config_arn: input.code_signing_config_arn.clone(),
                ..Default::default()
            },
        };
        let out = if input.publish {
            // AWS answers the new version under the unqualified ARN (Version "1")
            let mut published = Self::publish(&mut function, None)?.config.clone();
            published.function_arn = function.arn.clone();
            published
        } else {
            latest.config.clone()
        };
        let out = Self::pending_answer(&mut function, out);
        match self.functions.entry(arn) {
            dashmap::Entry::Occupied(_) => Err(LambdaError::conflict(format!(
                "Function already exist: {}",
                function.name
            ))),
            dashmap::Entry::Vacant(v) => {
                self.journal_function(&function);
                v.insert(Arc::new(Mutex::new(function)));
                Ok(out)
            }
        }
    }

    pub(super) fn publish(
        f: &mut Function,
        description: Option<String>,
    ) -> LambdaResult<Arc<Version>> {
        if let Some((_, last)) = f.versions.iter().next_back()
            && last.code.sha256 == f.latest.code.sha256
            && !f.latest.code.hot_reload
            && last.source_description == f.latest.config.description
            && Self::same_config(&last.config, &f.latest.config)
        {
            return Ok(last.clone());
        }
        f.last_version += 1;
        let n = f.last_version;
        let mut v = (*f.latest).clone();
        v.source_description = v.config.description.clone();
        v.config.version = n.to_string();
        v.config.function_arn = format!("{}:{n}", f.arn);
        v.config.revision_id = revision();
        if let Some(d) = description {
            v.config.description = d;
        }
        let v = Arc::new(v);
        f.versions.insert(n, v.clone());
        let mut latest = (*f.latest).clone();
        latest.config.revision_id = revision();
        f.latest = Arc::new(latest);
        Ok(v)
    }

    pub(super) fn same_config(a: &FunctionConfiguration, b: &FunctionConfiguration) -> bool {
        a.runtime == b.runtime
            && a.handler == b.handler
            && a.timeout == b.timeout
            && a.memory_size == b.memory_size
            && a.environment == b.environment
            && a.role == b.role
            && a.layers == b.layers
            && a.dead_letter_config == b.dead_letter_config
            && a.tracing_config == b.tracing_config
            && a.ephemeral_storage == b.ephemeral_storage
            && a.logging_config == b.logging_config
            && a.architectures == b.architectures
    }

    pub(super) fn version_of(
        f: &Function,
        qualifier: Option<&str>,
    ) -> LambdaResult<(Arc<Version>, String)> {
        match qualifier {
            None | Some("$LATEST") => Ok((f.latest.clone(), "$LATEST".into())),
            Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => {
                let n: u64 = q.parse().unwrap_or(u64::MAX);
                f.versions
                    .get(&n)
                    .map(|v| (v.clone(), n.to_string()))
                    .ok_or_else(|| LambdaError::function_not_found(&format!("{}:{q}", f.arn)))
            }
            Some(alias) => {
                let a = f.aliases.get(alias).ok_or_else(|| {
                    LambdaError::function_not_found(&format!("{}:{alias}", f.arn))
                })?;
                let mut target = a.config.function_version.clone();
                if let Some(rc) = &a.config.routing_config {
                    let roll: f64 =
                        (uuid::Uuid::new_v4().as_u128() % 1_000_000) as f64 / 1_000_000.0;
                    let mut acc = 0.0;
                    for (v, w) in &rc.additional_version_weights {
                        acc += w;
                        if roll < acc {
                            target = v.clone();
                            break;
                        }
                    }
                }
                Self::version_of(f, Some(&target))
            }
        }
    }

    /// The version a read names (an alias reads its primary version, without routing) and its
    /// configuration with the ARN as named: `name:$LATEST` and `name:alias` stay qualified.
    pub(super) fn read_version(
        f: &Function,
        qualifier: Option<&str>,
    ) -> LambdaResult<(Arc<Version>, FunctionConfiguration)> {
        let target = qualifier.map(|q| {
            f.aliases
                .get(q)
                .map_or(q, |a| a.config.function_version.as_str())
        });
        let (v, _) = Self::version_of(f, target)?;
        let mut config = v.config.clone();
        if let Some(q) = qualifier {
            config.function_arn = format!("{}:{q}", f.arn);
        }
        Ok((v, config))
    }

    pub fn get_function(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<GetFunctionResponse> {
        let (f, q) = self.resolve(ctx, name, qualifier, true)?;
        let mut f = lock(&f);
        Self::settle(&mut f);
        let (v, config) = Self::read_version(&f, q.as_deref())?;
        let location = self
            .code_location(&ctx.host, &f.account, &v.config.function_name, &v.code)
            .unwrap_or_else(|| format!("file://{}", v.code.dir.display()));
        Ok(GetFunctionResponse {
            configuration: config,
            code: FunctionCodeLocation {
                repository_type: "S3".into(),
                location,
            },
            tags: (!f.tags.is_empty()).then(|| f.tags.clone()),
            concurrency: f.reserved.map(|r| Concurrency {
                reserved_concurrent_executions: r,
            }),
        })
    }

    pub fn get_function_configuration(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<FunctionConfiguration> {
        let (f, q) = self.resolve(ctx, name, qualifier, true)?;
        let mut f = lock(&f);
        Self::settle(&mut f);
        Ok(Self::read_version(&f, q.as_deref())?.1)
    }

    pub fn list_functions(
        &self,
        ctx: &RequestContext,
        marker: Option<&str>,
        max_items: Option<&str>,
        function_version: Option<&str>,
    ) -> LambdaResult<ListFunctionsResponse> {
        let all_versions = match function_version {
            None => false,
            Some("ALL") => true,
            Some(v) => {
                return Err(LambdaError::validation(format!(
                    "1 validation error detected: Value '{v}' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"
                )));
            }
        };
        let mut all: Vec<FunctionConfiguration> = Vec::new();
        for entry in self.functions.iter() {
            let f = lock(entry.value());
            if f.account != ctx.account || f.region != ctx.region {
                continue;
            }
            let mut latest = f.latest.config.clone();
            if all_versions {
                // listed beside its versions, $LATEST is named by its qualified ARN
                latest.function_arn = format!("{}:$LATEST", f.arn);
            }
            all.push(latest);
            if all_versions {
                all.extend(f.versions.values().map(|v| v.config.clone()));
            }
        }
        all.sort_by(|a, b| a.function_arn.cmp(&b.function_arn));
        let (functions, next_marker) = page(all, marker, max_items, (50, 10_000))?;
        Ok(ListFunctionsResponse {
            next_marker,
            functions,
        })
    }

    pub fn delete_function(
        &self,
        ctx: &RequestContext,
        name: &str,
        qualifier: Option<String>,
    ) -> LambdaResult<()> {
        let (arn, q) = Self::named(ctx, name, qualifier)?;
        if q.as_deref() == Some("$LATEST") {
            // refused before the function is looked up, as AWS does
            return Err(LambdaError::invalid(
                "$LATEST version cannot be deleted without deleting the function.",
            ));
        }
        let f = self
            .lookup(&arn)
            .ok_or_else(|| LambdaError::function_not_found(&arn))?;
        let key = lock(&f).arn.clone();
        match q.as_deref() {
            None => {
                if let dashmap::Entry::Occupied(e) = self.functions.entry(key.clone()) {
                    let mut f = lock(e.get());
                    f.deleted = true;
                    f.recent.clear();
                    if let Some(j) = self.journal() {
                        j.delete(crate::lambda::state::FUNCTION, &key);
                    }
                    drop(f);
                    e.remove();
                }
                let prefix = format!("{key}:");
                self.pools.retain(|k, pool| {
                    let keep = !k.starts_with(&prefix);
                    if !keep {
                        pool.close();
                    }
                    keep
                });
                self.collect_blobs();
                Ok(())
            }
            Some(q) => {
                let n: u64 = q.parse().map_err(|_| {
                    LambdaError::invalid(format!(
                        "Deletion of aliases is not supported by DeleteFunction ({q})"
                    ))
                })?;
                let mut f = lock(&f);
                if let Some(a) = f.aliases.values().find(|a| a.config.function_version == q) {
                    return Err(LambdaError::conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        a.config.alias_arn
                    )));
                }
                f.versions
                    .remove(&n)
                    .ok_or_else(|| LambdaError::function_not_found(&format!("{key}:{q}")))?;
                f.policies.remove(q);
                self.journal_function(&f);
                drop(f);
                if let Some((_, pool)) = self.pools.remove(&format!("{key}:{q}")) {
                    pool.close();
                }
                self.collect_blobs();
                Ok(())
            }
        }
    }

    pub(super) fn check_revision(expected: Option<&str>, actual: &str) -> LambdaResult<()> {
        check_revision(expected, actual, "GetFunction/GetAlias")
    }

    /// Replace $LATEST and drop its environments (they run the old code or configuration).
    pub(super) fn replace_latest(&self, f: &mut Function, v: Version) {
        f.latest = Arc::new(v);
        if let Some((_, pool)) = self.pools.remove(&format!("{}:$LATEST", f.arn)) {
            pool.close();
        }
    }

    /// The function named without a qualifier (updates refuse `name:qualifier`).
    pub(super) fn unqualified_function(
        &self,
        ctx: &RequestContext,
        name: &str,
    ) -> LambdaResult<Arc<Mutex<Function>>> {
        match self.function(ctx, name)? {
            (f, None) => Ok(f),
            (_, Some(_)) => Err(LambdaError::invalid(
                "Unsupported function name: cannot update a qualified function",
            )),
        }
    }

    pub fn update_function_code(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: UpdateCodeInput,
    ) -> LambdaResult<FunctionConfiguration> {
        check_architectures(&input.architectures)?;
        let f = self.unqualified_function(ctx, name)?;
        let layer_dirs = lock(&f).latest.layer_dirs.clone();
        let code = self.load_code(
            input.zip_file.as_deref(),
            (
                input.s3_bucket.as_deref(),
                input.s3_key.as_deref(),
                input.s3_object_version.as_deref(),
            ),
            input.image_uri.as_deref(),
            &layer_dirs,
        )?;
        let mut book = self.hold_blobs();
        self.store_code(&mut book, &code)?;
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        Self::check_not_in_progress(&mut f)?;
        let mut v = (*f.latest).clone();
        v.config.code_sha256 = code.sha256.clone();
        v.config.code_size = code.size;
        v.config.last_modified = last_modified(now_ms());
        v.config.revision_id = revision();
        if !input.architectures.is_empty() {
            v.config.architectures = input.architectures.clone();
        }
        v.code = code;
        self.replace_latest(&mut f, v);
        let out = if input.publish {
            Self::publish(&mut f, None)?.config.clone()
        } else {
            let settled = f.latest.config.clone();
            Self::in_progress_answer(&mut f, settled)
        };
        self.journal_function(&f);
        drop(f);
        drop(book);
        self.collect_blobs();
        Ok(out)
    }

    pub fn update_function_configuration(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: UpdateConfigInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let f = self.unqualified_function(ctx, name)?;
        let timeout = check_range(input.timeout, "timeout", 1, 900)?;
        let memory = check_range(input.memory_size, "memorySize", 128, 10240)?;
        if let Some(r) = &input.role {
            check_role(r)?;
        }
        if let Some(r) = &input.runtime {
            check_runtime(r)?;
        }
        check_environment(&input.environment)?;
        let layers = match &input.layers {
            Some(l) => Some(self.layer_dirs(&ctx.region, l)?),
            None => None,
        };
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        if let Some((dirs, _)) = &layers {
            code::check_combined(&f.latest.code, dirs)?;
        }
        Self::check_not_in_progress(&mut f)?;
        let mut v = (*f.latest).clone();
        let c = &mut v.config;
        if let Some(r) = input.role {
            c.role = r;
        }
        if let Some(h) = input.handler {
            c.handler = Some(h);
        }
        if let Some(d) = input.description {
            c.description = d;
        }
        if let Some(t) = timeout {
            c.timeout = t;
        }
        if let Some(m) = memory {
            c.memory_size = m;
        }
        if let Some(e) = input.environment {
            c.environment = Some(EnvironmentResponse {
                variables: e.variables,
            });
        }
        if let Some(r) = input.runtime {
            c.runtime = Some(r);
        }
        if let Some(d) = input.dead_letter_config {
            c.dead_letter_config = d.target_arn.as_ref().map(|_| d.clone());
        }
        if let Some(e) = input.ephemeral_storage {
            c.ephemeral_storage = e;
        }
        if let Some(t) = input.tracing_config {
            c.tracing_config = t;
        }
        if let Some(l) = input.logging_config {
            c.logging_config = logging_config(Some(l), Some(&c.logging_config), &c.function_name);
        }
        if let Some((dirs, refs)) = layers {
            c.layers = refs;
            v.layer_dirs = dirs;
        }
        v.config.last_modified = last_modified(now_ms());
        v.config.revision_id = revision();
        self.replace_latest(&mut f, v);
        self.journal_function(&f);
        let settled = f.latest.config.clone();
        Ok(Self::in_progress_answer(&mut f, settled))
    }

    pub fn publish_version(
        &self,
        ctx: &RequestContext,
        name: &str,
        input: PublishVersionInput,
    ) -> LambdaResult<FunctionConfiguration> {
        let (f, _) = self.function(ctx, name)?;
        let mut f = lock(&f);
        Self::check_revision(input.revision_id.as_deref(), &f.latest.config.revision_id)?;
        Self::check_not_in_progress(&mut f)?;
        if let Some(sha) = &input.code_sha256
            && sha != &f.latest.config.code_sha256
        {
            return Err(LambdaError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                f.latest.config.code_sha256
            )));
        }
        let out = Self::publish(&mut f, input.description)?.config.clone();
        self.journal_function(&f);
        Ok(out)
    }

    pub fn list_versions(
        &self,
        ctx: &RequestContext,
        name: &str,
        marker: Option<&str>,
        max_items: Option<&str>,
    ) -> LambdaResult<ListVersionsByFunctionResponse> {
        let (f, _) = self.qualified(ctx, name, None)?;
        let f = lock(&f);
        // $LATEST is listed by its qualified ARN, as AWS lists it
        let mut versions = vec![Self::read_version(&f, Some("$LATEST"))?.1];
        versions.extend(f.versions.values().map(|v| v.config.clone()));
        let (versions, next_marker) = page(versions, marker, max_items, (50, 10_000))?;
        Ok(ListVersionsByFunctionResponse {
            next_marker,
            versions,
        })
    }
}
