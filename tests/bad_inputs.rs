//! The bad-input corpus, one test per case: every folder `tests/bad_inputs/<group>/<case>/`
//! holds one bad input, a `case.yaml` saying how to feed it and what must happen, and an
//! `expect.txt` with the fragments the message must contain (one a line; `{case}` is the case
//! folder, `{tmp}` the case's scratch folder; a line starting with `!` must NOT appear). The
//! cases are tests of their own (`cargo test --test bad_inputs -- config/yaml-syntax`), through
//! the `libtest-mimic` harness; `corpus/floor` fails when the corpus shrinks.
//!
//! Kinds of case (`kind:` in case.yaml):
//! - `manifest`: the case's `plugins/*/plugin.yaml` files become a small workspace, checked by
//!   the one validator (`frameworm_manifest::{discover, validate}`, as build.rs does);
//! - `ui`: a compile error pinned by a trybuild test in `frameworm-core/tests/ui/` (compiled by
//!   `frameworm-core/tests/compile_fail.rs`; here its pinned stderr is checked for the fragments);
//! - `cli`: the real `frameworm` binary with `args:`;
//! - `child`: the same command line run in a child process of this test binary with the
//!   built-in plugins plus an observer plugin (`hook:` picks what it does: `panic@N`, `fail@N`,
//!   `stop@N` at step N; it always reports `on_error`).
//!
//! Every case pins `where:`, the fragment that says where the fault is (a file, a line, a key),
//! which must be among what the message shows. Every `cli`/`child` case also pins its exit
//! status (`exit:`) and the stream the message goes to (`stream:`; the fragments must be there),
//! and checks: no panic text, no `*.tmp*` file left under its scratch folder, no run folder left
//! by a run refused before training (unless `run_folder:` says why one is expected), no file
//! where `--out` pointed or `absent:` names, and, with `unchanged:`, that a folder it was handed
//! is byte for byte as before. A case that cannot run as root (`needs_non_root:`) is an ignored
//! test there, its reason in its name.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::{Arc, Mutex};

use frameworm_core::{Hook, HookEvent, PluginInfo, PluginOrigin, Registrar, RegistryError};
use libtest_mimic::{Arguments, Trial};
use serde::Deserialize;

/// The corpus must not shrink below this (its size when each case became a test of its own).
const MIN_CASES: usize = 137;

/// Text that means a panic reached the user.
const PANIC_TEXT: [&str; 3] = ["panicked at", "RUST_BACKTRACE", "internal error"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// What the case feeds and what should happen.
    #[allow(dead_code)]
    about: String,
    kind: CaseKind,
    /// The fragment naming where the fault is (file, line or key); required unless the case
    /// pins a success (`exit: 0`: an input that must be accepted).
    #[serde(rename = "where", default)]
    location: Option<String>,
    /// `cli`/`child`: the command line (placeholders `{case}`, `{tmp}`).
    #[serde(default)]
    args: Vec<String>,
    /// Preparation in the scratch folder.
    #[serde(default)]
    setup: Vec<Step>,
    /// `cli`/`child`: the exit status (1: an error, 2: a command-line usage error).
    #[serde(default)]
    exit: Option<i32>,
    /// `cli`/`child`: the stream that carries the message.
    #[serde(default)]
    stream: Option<Stream>,
    /// `child`: what the observer plugin does.
    #[serde(default)]
    hook: Option<String>,
    /// Permissions do not bite root: such a case is an ignored test (with this reason) as root.
    #[serde(default)]
    needs_non_root: Option<String>,
    /// A folder (scratch-relative) that must be byte for byte the same after the run.
    #[serde(default)]
    unchanged: Option<String>,
    /// Why a failed `train` may leave a run folder (e.g. a run that failed mid-training).
    #[serde(default)]
    run_folder: Option<String>,
    /// `cli`: the largest file the process may write, in KiB (`ulimit -f`: a full disk).
    #[serde(default)]
    max_file_kib: Option<u64>,
    /// `manifest`: a file generated at run time (too big to commit).
    #[serde(default)]
    generate: Option<Generate>,
    /// `ui`: the trybuild case.
    #[serde(default)]
    ui: Option<String>,
    /// Scratch-relative paths that must exist after the run (e.g. the last good checkpoint).
    #[serde(default)]
    exists: Vec<String>,
    /// Scratch-relative paths that must not exist after the run (an output it refused to write).
    #[serde(default)]
    absent: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum CaseKind {
    Manifest,
    Ui,
    Cli,
    Child,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    /// Case-relative path of the plugin.yaml to write.
    file: String,
    /// Its size in bytes.
    bytes: usize,
}

/// One preparation step; exactly one of the action keys is set. Paths are scratch-relative.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// Copy a trained run (`mlp` or `vae`) to `to` (default `run`).
    fixture: Option<String>,
    /// Copy a file or folder of the case folder to `to`.
    copy: Option<String>,
    to: Option<String>,
    mkdir: Option<String>,
    /// Write `text` (repeated `repeat` times) to this file.
    write: Option<String>,
    text: Option<String>,
    repeat: Option<usize>,
    /// Cut this file to `keep` bytes (default: half).
    truncate: Option<String>,
    keep: Option<u64>,
    /// Replace this file with an empty folder.
    replace_with_dir: Option<String>,
    /// Set this path's permission bits to `mode` (octal text, e.g. "555").
    chmod: Option<String>,
    mode: Option<String>,
    /// Rewrite this burnpack file with its f32 tensors stored as `dtype` (`f64` or `bf16`).
    retype: Option<String>,
    dtype: Option<String>,
}

struct Case {
    name: String,
    dir: PathBuf,
    /// The case folder relative to the repository root (what `{case}` becomes).
    relative: String,
    spec: Spec,
    expect: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every case folder, read and checked for the pins each kind needs; an unreadable or
/// incomplete case is an error naming its file.
fn corpus() -> Result<Vec<Case>, String> {
    let base = root().join("tests/bad_inputs");
    let mut cases = Vec::new();
    let folders = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        found.sort();
        found
    };
    for group in folders(&base) {
        for dir in folders(&group) {
            let relative = dir.strip_prefix(root()).unwrap().display().to_string();
            let name = dir.strip_prefix(&base).unwrap().display().to_string();
            let spec_text = fs::read_to_string(dir.join("case.yaml")).map_err(|e| format!("{relative}/case.yaml: {e}"))?;
            let spec: Spec = serde_yaml::from_str(&spec_text).map_err(|e| format!("{relative}/case.yaml: {e}"))?;
            let expect_text = fs::read_to_string(dir.join("expect.txt")).map_err(|e| format!("{relative}/expect.txt: {e}"))?;
            let expect: Vec<String> = expect_text
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect();
            if expect.is_empty() {
                return Err(format!("{relative}/expect.txt names no fragment"));
            }
            let runs = matches!(spec.kind, CaseKind::Cli | CaseKind::Child);
            if runs && (spec.exit.is_none() || spec.stream.is_none()) {
                return Err(format!("{relative}/case.yaml: a `{:?}` case pins `exit:` and `stream:`", spec.kind));
            }
            let succeeds = spec.exit == Some(0);
            if !succeeds && spec.location.as_deref().is_none_or(|l| l.trim().is_empty()) {
                return Err(format!("{relative}/case.yaml: a case that fails pins `where:`, the fragment that says where"));
            }
            cases.push(Case { name, dir, relative, spec, expect });
        }
    }
    Ok(cases)
}

fn main() -> ExitCode {
    if let Ok(args) = std::env::var("BAD_INPUTS_CHILD_ARGS") {
        return child_process(&args);
    }
    let arguments = Arguments::from_args();
    let cases = match corpus() {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("the bad-input corpus cannot be read: {error}");
            return ExitCode::FAILURE;
        }
    };
    // One folder per process: test runs of other checkouts may share the target folder.
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bad_inputs-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    let fixtures = Arc::new(Fixtures::new(&scratch.join("fixtures")));
    let count = cases.len();
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        *per_group.entry(case.name.split('/').next().unwrap().to_string()).or_default() += 1;
    }
    let groups: Vec<String> = per_group.iter().map(|(g, n)| format!("{g} {n}")).collect();
    let mut trials = vec![Trial::test("corpus/floor", move || {
        println!("{count} cases ({})", groups.join(", "));
        if count < MIN_CASES {
            return Err(format!("the corpus has {count} cases; it must keep at least {MIN_CASES}").into());
        }
        Ok(())
    })];
    let as_root = is_root();
    for case in cases {
        let skip = case.spec.needs_non_root.clone().filter(|_| as_root);
        let name = match &skip {
            Some(reason) => format!("{} (ignored as root: {reason})", case.name),
            None => case.name.clone(),
        };
        let (scratch, fixtures) = (scratch.clone(), Arc::clone(&fixtures));
        let trial = Trial::test(name, move || {
            let tmp = scratch.join(case.name.replace('/', "--"));
            fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
            let message = run_case(&case, &tmp, &fixtures).map_err(|why| format!("{why}\n(scratch folder kept: {})", tmp.display()))?;
            // BAD_INPUTS_SHOW=1 (with --nocapture): what each case printed, for reviewing the messages.
            if std::env::var_os("BAD_INPUTS_SHOW").is_some() {
                println!("{}:\n  {}", case.name, message.trim_end().replace('\n', "\n  "));
            }
            restore_permissions(&tmp);
            let _ = fs::remove_dir_all(&tmp);
            Ok(())
        });
        trials.push(trial.with_ignored_flag(skip.is_some()));
    }
    let conclusion = libtest_mimic::run(&arguments, trials);
    if !conclusion.has_failed() {
        restore_permissions(&scratch);
        let _ = fs::remove_dir_all(&scratch);
    }
    conclusion.exit_code()
}

/// Runs one case; `Ok` carries the message it produced, `Err` says which pin failed.
fn run_case(case: &Case, tmp: &Path, fixtures: &Fixtures) -> Result<String, String> {
    let fill = |text: &str| text.replace("{case}", &case.relative).replace("{tmp}", &tmp.display().to_string());
    let expect: Vec<String> = case.expect.iter().map(|e| fill(e)).collect();
    let location = case.spec.location.as_deref().map(fill);
    let check = |text: &str| -> Result<(), String> {
        check_text(text, &expect)?;
        match &location {
            Some(location) if !text.contains(location.as_str()) => Err(format!("the message does not say where (`where: {location}`):\n{text}")),
            _ => Ok(()),
        }
    };
    match case.spec.kind {
        CaseKind::Manifest => {
            let message = manifest_case(case, tmp)?;
            check(&message)?;
            Ok(message)
        }
        CaseKind::Ui => {
            let ui = case.spec.ui.as_deref().ok_or("a `ui` case needs `ui:`")?;
            let source = root().join(ui);
            let stderr = source.with_extension("stderr");
            if !source.is_file() {
                return Err(format!("{ui} does not exist"));
            }
            let text = fs::read_to_string(&stderr).map_err(|e| format!("{}: {e}", stderr.display()))?;
            check(&text)?;
            Ok(text)
        }
        CaseKind::Cli | CaseKind::Child => {
            for step in &case.spec.setup {
                setup(step, case, tmp, fixtures).map_err(|e| format!("setup: {e}"))?;
            }
            let before = case.spec.unchanged.as_ref().map(|dir| snapshot(&tmp.join(dir)));
            let args: Vec<String> = with_defaults(case.spec.args.iter().map(|a| fill(a)).collect(), tmp);
            let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).map(|out| root().join(out));
            let out_existed = out.as_ref().is_some_and(|out| out.exists());
            let output = if case.spec.kind == CaseKind::Cli {
                run_binary(&args, case.spec.max_file_kib)
            } else {
                run_child(&args, case.spec.hook.as_deref().unwrap_or(""))
            };
            let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            let shown = || format!("exit {:?}\n--- stdout:\n{stdout}--- stderr:\n{stderr}", output.status.code());
            let code = output.status.code();
            // `corpus()` made sure both are pinned.
            let (wanted_exit, stream) = (case.spec.exit.unwrap(), case.spec.stream.unwrap());
            if code != Some(wanted_exit) {
                return Err(format!("exit status {code:?}, wanted {wanted_exit}; {}", shown()));
            }
            for panic in PANIC_TEXT {
                if stdout.contains(panic) || stderr.contains(panic) {
                    return Err(format!("panic text `{panic}`; {}", shown()));
                }
            }
            let message = match stream {
                Stream::Stdout => &stdout,
                Stream::Stderr => &stderr,
            };
            check(message).map_err(|e| format!("on {stream:?}: {e}; {}", shown()))?;
            if let Some(left) = temporaries(tmp).first() {
                return Err(format!("a temporary file was left behind: {}", left.display()));
            }
            let failed = code != Some(0);
            let refused_train = args.first().is_some_and(|a| a == "train") && failed && !args.iter().any(|a| a == "--resume");
            if refused_train && case.spec.run_folder.is_none() {
                let runs = tmp.join("runs");
                let left: Vec<_> = fs::read_dir(&runs).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
                if !left.is_empty() {
                    return Err(format!("a refused run left a run folder: {left:?}"));
                }
            }
            // A failed command leaves nothing where its output was to go.
            if let Some(out) = out.filter(|out| failed && !out_existed && out.exists()) {
                return Err(format!("the failed command left its output behind: {}", out.display()));
            }
            for path in &case.spec.absent {
                if let Some(found) = expand(tmp, path).first() {
                    return Err(format!("{} should not exist after the run", found.display()));
                }
            }
            if let (Some(dir), Some(before)) = (&case.spec.unchanged, before)
                && snapshot(&tmp.join(dir)) != before
            {
                return Err(format!("{dir} changed although the run failed"));
            }
            for path in &case.spec.exists {
                if expand(tmp, path).is_empty() {
                    return Err(format!("{path} should exist after the run"));
                }
            }
            Ok(message.to_string())
        }
    }
}

/// `train` runs write under the scratch folder and quietly, unless the case says otherwise.
fn with_defaults(mut args: Vec<String>, tmp: &Path) -> Vec<String> {
    if args.first().is_some_and(|a| a == "train") {
        if !args.iter().any(|a| a.starts_with("output_dir=")) {
            args.push("--set".into());
            args.push(format!("output_dir={}", tmp.join("runs").display()));
        }
        if !args.iter().any(|a| a == "--quiet") {
            args.push("--quiet".into());
        }
    }
    args
}

fn check_text(text: &str, expect: &[String]) -> Result<(), String> {
    for fragment in expect {
        match fragment.strip_prefix('!') {
            Some(absent) if text.contains(absent) => return Err(format!("the message contains `{absent}`:\n{text}")),
            Some(_) => {}
            None if !text.contains(fragment.as_str()) => return Err(format!("the message lacks `{fragment}`:\n{text}")),
            None => {}
        }
    }
    Ok(())
}

fn run_binary(args: &[String], max_file_kib: Option<u64>) -> Output {
    let mut command = match max_file_kib {
        // A full disk, honestly: the kernel refuses writes past the limit (EFBIG) once SIGXFSZ
        // is ignored, as it stays across exec.
        Some(kib) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"", kib))
                .arg(env!("CARGO_BIN_EXE_frameworm"))
                .args(args)
                .current_dir(root());
            command
        }
        None => {
            let mut command = common::frameworm();
            command.args(args);
            command
        }
    };
    command.env_remove("RUST_BACKTRACE").output().expect("the binary runs")
}

/// Runs `args` through [`child_process`] in a fresh copy of this test binary.
fn run_child(args: &[String], hook: &str) -> Output {
    Command::new(std::env::current_exe().unwrap())
        .env("BAD_INPUTS_CHILD_ARGS", serde_json::to_string(args).unwrap())
        .env("BAD_INPUTS_HOOK", hook)
        .env_remove("RUST_BACKTRACE")
        .current_dir(root())
        .output()
        .expect("the test binary runs")
}

/// The child side of `child` cases (`main` with `BAD_INPUTS_CHILD_ARGS` set): the frameworm
/// command line with the built-in plugins plus the observer plugin, with the binary's exit codes.
fn child_process(args: &str) -> ExitCode {
    let args: Vec<String> = serde_json::from_str(args).expect("BAD_INPUTS_CHILD_ARGS is a JSON list");
    frameworm_cli::run_with_args(std::iter::once("frameworm".to_string()).chain(args), with_observer)
}

static OBSERVER: PluginInfo = PluginInfo {
    name: "bad-inputs-observer",
    version: "0.1.0",
    author: "",
    description: "test plugin of tests/bad_inputs.rs: reports on_error, misbehaves on request",
    manifest: "tests/bad_inputs.rs",
    package: "frameworm",
    origin: PluginOrigin::Workspace,
    dependencies: &[],
    hooks: &Hook::ALL,
    provides: &[],
};

fn with_observer(registrar: &mut Registrar) -> Result<(), RegistryError> {
    frameworm::register_plugins(registrar)?;
    let mut plugin = registrar.plugin(&OBSERVER)?.expect("the observer is enabled");
    plugin.on(Hook::Error, "report", 0, |_, event| {
        if let HookEvent::Error(message) = event {
            eprintln!("observer: on_error fired: {message}");
        }
        Ok(())
    })?;
    let behaviour = std::env::var("BAD_INPUTS_HOOK").unwrap_or_default();
    let Some((what, step)) = behaviour.split_once('@') else { return Ok(()) };
    let at: u64 = step.parse().expect("`hook: what@STEP`");
    let what = what.to_string();
    plugin.on(Hook::BatchEnd, "misbehave", 0, move |ctx, _| {
        let step = ctx.step + 1;
        if step != at {
            return Ok(());
        }
        match what.as_str() {
            "panic" => panic!("deliberate panic at step {step}"),
            "fail" => Err(format!("deliberate failure at step {step}")),
            "stop" => {
                ctx.request_stop(format!("asked to stop at step {step}"));
                Ok(())
            }
            other => panic!("unknown observer behaviour `{other}`"),
        }
    })
}

fn manifest_case(case: &Case, tmp: &Path) -> Result<String, String> {
    let workspace = tmp.join("workspace");
    fs::create_dir_all(workspace.join("plugins")).map_err(|e| format!("mkdir: {e}"))?;
    if case.dir.join("plugins").is_dir() {
        common::copy_tree(&case.dir.join("plugins"), &workspace.join("plugins")).map_err(|e| format!("copy: {e}"))?;
    }
    if let Some(generate) = &case.spec.generate {
        let path = workspace.join(&generate.file);
        let head = "name: big\nversion: 0.1.0\ndescription: \"";
        let tail = "\"\n";
        let filler = "x".repeat(generate.bytes.saturating_sub(head.len() + tail.len()));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, format!("{head}{filler}{tail}")).unwrap();
    }
    let mut members = Vec::new();
    let mut deps = Vec::new();
    let mut dirs = frameworm_manifest::discover::plugin_dirs(&workspace.join("plugins"));
    dirs.sort();
    for dir in dirs {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        let relative = dir.strip_prefix(&workspace).unwrap().display().to_string();
        let package = format!("plugin-{folder}");
        fs::write(dir.join("Cargo.toml"), format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")).unwrap();
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(dir.join("src/lib.rs"), "").unwrap();
        members.push(format!("\"{relative}\""));
        deps.push(format!("{package} = {{ path = \"{relative}\" }}"));
    }
    fs::write(
        workspace.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\n\n[package]\nname = \"frameworm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{}\n",
            members.join(", "),
            deps.join("\n")
        ),
    )
    .unwrap();
    fs::create_dir_all(workspace.join("src")).unwrap();
    fs::write(workspace.join("src/main.rs"), "fn main() {}\n").unwrap();
    let version = frameworm_manifest::FRAMEWORK_VERSION.parse().unwrap();
    let result = frameworm_manifest::discover(&workspace, &[]).and_then(|found| frameworm_manifest::validate(found, &version));
    match result {
        Ok(found) => Err(format!("the validator accepted it: {:?}", found.iter().map(|p| p.manifest.name.to_string()).collect::<Vec<_>>())),
        Err(errors) => Ok(errors.to_string()),
    }
}

/// Trained runs the checkpoint cases start from, made once per test run.
struct Fixtures {
    dir: PathBuf,
    /// Held while a fixture trains: cases running in parallel wait for it rather than train it twice.
    made: Mutex<BTreeMap<String, PathBuf>>,
}

impl Fixtures {
    fn new(dir: &Path) -> Fixtures {
        Fixtures { dir: dir.to_path_buf(), made: Default::default() }
    }

    /// The run folder of fixture `name`, trained on first use.
    fn get(&self, name: &str) -> Result<PathBuf, String> {
        let mut made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(path) = made.get(name) {
            return Ok(path.clone());
        }
        let (config, extra): (&str, &[&str]) = match name {
            // 1437 training digits in batches of 512: 3 steps per epoch, one epoch.
            "mlp" => ("configs/mlp-digits.yaml", &["--set", "training.epochs=1", "--set", "data.batch_size=512", "--set", "callbacks=[]"]),
            "vae" => ("configs/vae-digits.yaml", &["--set", "training.epochs=1", "--set", "data.batch_size=512", "--set", "callbacks=[]", "--set", "metrics=[]"]),
            other => return Err(format!("no fixture `{other}`")),
        };
        let output_dir = self.dir.join(name);
        let output = common::train(config, &output_dir, extra);
        if !output.status.success() {
            return Err(format!("training fixture `{name}` failed:\n{}", common::text(&output)));
        }
        let run = fs::read_dir(&output_dir).unwrap().flatten().map(|e| e.path()).next().ok_or("no run folder")?;
        made.insert(name.to_string(), run.clone());
        Ok(run)
    }
}

fn setup(step: &Step, case: &Case, tmp: &Path, fixtures: &Fixtures) -> Result<(), String> {
    let to = |default: &str| tmp.join(step.to.as_deref().unwrap_or(default));
    fn err<'a>(what: &'a str, path: &'a Path) -> impl FnOnce(std::io::Error) -> String + 'a {
        move |e| format!("{what} {}: {e}", path.display())
    }
    if let Some(name) = &step.fixture {
        let run = fixtures.get(name)?;
        let target = to("run");
        common::copy_tree(&run, &target).map_err(err("copy to", &target))?;
    } else if let Some(source) = &step.copy {
        let from = case.dir.join(source);
        let target = to(source);
        common::copy_tree(&from, &target).map_err(err("copy to", &target))?;
    } else if let Some(dir) = &step.mkdir {
        fs::create_dir_all(tmp.join(dir)).map_err(err("mkdir", &tmp.join(dir)))?;
    } else if let Some(file) = &step.write {
        let path = tmp.join(file);
        fs::create_dir_all(path.parent().unwrap()).map_err(err("mkdir", &path))?;
        let text = step.text.clone().unwrap_or_default().repeat(step.repeat.unwrap_or(1));
        fs::write(&path, text).map_err(err("write", &path))?;
    } else if let Some(file) = &step.truncate {
        let path = tmp.join(file);
        let bytes = fs::read(&path).map_err(err("read", &path))?;
        let keep = step.keep.map_or(bytes.len() / 2, |k| k as usize).min(bytes.len());
        fs::write(&path, &bytes[..keep]).map_err(err("write", &path))?;
    } else if let Some(file) = &step.replace_with_dir {
        let path = tmp.join(file);
        fs::remove_file(&path).map_err(err("remove", &path))?;
        fs::create_dir(&path).map_err(err("mkdir", &path))?;
    } else if let Some(target) = &step.chmod {
        use std::os::unix::fs::PermissionsExt;
        let mode = u32::from_str_radix(step.mode.as_deref().ok_or("chmod needs `mode`")?, 8).map_err(|e| e.to_string())?;
        let path = tmp.join(target);
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(err("chmod", &path))?;
    } else if let Some(file) = &step.retype {
        retype(&tmp.join(file), step.dtype.as_deref().unwrap_or("f64"))?;
    } else {
        return Err(format!("empty step {step:?}"));
    }
    Ok(())
}

/// Rewrites burnpack file `path` with every f32 tensor converted to `dtype`: a checkpoint saved
/// at another precision than the one the model computes in.
fn retype(path: &Path, dtype: &str) -> Result<(), String> {
    use burn::store::burn_pack::{Bytes, DType, Reader, Tensor, Writer};
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reader = Reader::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| format!("{e:?}"))?;
    let metadata = reader.metadata().clone();
    let mut tensors = Vec::new();
    for tensor in reader.into_tensors().map_err(|e| format!("{e:?}"))? {
        let (name, found, shape, id, data) = tensor.into_parts().map_err(|e| format!("{e:?}"))?;
        if found != DType::F32 {
            tensors.push(Tensor::new(name, found, shape, id, data));
            continue;
        }
        let values = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let (new, out): (DType, Vec<u8>) = match dtype {
            "f64" => (DType::F64, values.flat_map(|v| f64::from(v).to_le_bytes()).collect()),
            // bf16 is the upper half of an f32.
            "bf16" => (DType::BF16, values.flat_map(|v| ((v.to_bits() >> 16) as u16).to_le_bytes()).collect()),
            other => return Err(format!("unknown dtype {other}")),
        };
        tensors.push(Tensor::new(name, new, shape, id, Bytes::from_bytes_vec(out)));
    }
    let mut writer = Writer::new(tensors);
    for (key, value) in &metadata {
        writer = writer.with_metadata(key, value);
    }
    let bytes = writer.into_bytes().map_err(|e| format!("{e:?}"))?;
    fs::write(path, &bytes[..]).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every file under `dir` with its bytes (links as their targets), for before/after checks.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = fs::symlink_metadata(&path) else { continue };
        // `train.lock` holds the pid of the last `train` that locked the folder (a refused
        // resume locks it too, to read the checkpoint safely): not run data.
        if path.file_name().is_some_and(|name| name == "train.lock") {
            continue;
        }
        if meta.file_type().is_symlink() {
            all.insert(path.clone(), fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes());
        } else if meta.is_dir() {
            all.insert(path.clone(), Vec::new());
            stack.extend(fs::read_dir(&path).unwrap().flatten().map(|e| e.path()));
        } else {
            all.insert(path.clone(), fs::read(&path).unwrap_or_default());
        }
    }
    all
}

/// Files or folders whose name marks a temporary write (`.tmp-…`, `config.tmp-…`).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.contains(".tmp") || name.starts_with(".old-") {
                found.push(entry.path());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    found
}

/// The paths matching scratch-relative `pattern`, whose segments may be `*`.
fn expand(tmp: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut found = vec![tmp.to_path_buf()];
    for segment in pattern.split('/') {
        found = found
            .into_iter()
            .flat_map(|dir| {
                if segment == "*" {
                    fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>()).unwrap_or_default()
                } else {
                    vec![dir.join(segment)]
                }
            })
            .filter(|p| p.exists())
            .collect();
    }
    found
}

fn restore_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(0o755));
            stack.extend(fs::read_dir(&path).into_iter().flatten().flatten().map(|e| e.path()));
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
