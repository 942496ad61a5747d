//! Devices on other machines, through the real binary on loopback: `frameworm serve` processes on
//! free ports of 127.0.0.1 (port 0, the address read from what the server prints), each stopped
//! when its test ends, every child process waited for with a bound.
//!
//! Cases: a loopback device follows the single-device loss curve; two servers train an epoch of
//! mlp-digits with the model on the first and a client that disconnects leaves them serving;
//! no token and a wrong token are refused (with the token nowhere in what either side wrote);
//! a server killed mid-run stops training with an error naming it, the last checkpoint intact,
//! and `--resume` on the remaining device finishes the run; a server that never answers is a
//! bounded time-out; Ctrl-C stops a server cleanly.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{frameworm, run_dir, step_losses, wait_bounded};

/// A token only these tests use; every file a run or a server wrote is searched for it.
const TOKEN: &str = "e2e-secret-7f3a9c1d";

/// One epoch of mlp-digits, no callbacks, at an odd global batch (slices of 17 and 16 items).
const EPOCH: [&str; 6] = ["--set", "training.epochs=1", "--set", "callbacks=[]", "--set", "data.batch_size=33"];

/// A `frameworm serve` process on a free loopback port; killed and reaped when dropped.
struct Served {
    child: Child,
    url: String,
    out: PathBuf,
}

impl Served {
    /// Starts a server for `flex` in `dir` (its output in `dir/serve-<n>.out`), with the token
    /// of `token_file` if given, and waits at most 60 s for the address it prints.
    fn start(dir: &Path, n: usize, token_file: Option<&Path>) -> Served {
        let out = dir.join(format!("serve-{n}.out"));
        let log = std::fs::File::create(&out).unwrap();
        let mut command = frameworm();
        command.args(["serve", "--listen", "127.0.0.1:0", "--device", "flex"]).env_remove("FRAMEWORM_TOKEN");
        if let Some(file) = token_file {
            command.arg("--token-file").arg(file);
        }
        let mut child = command.stdin(Stdio::null()).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap();
        let started = Instant::now();
        loop {
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            if let Some(at) = text.find(" on ws://") {
                let url = text[at + 4..].split_whitespace().next().unwrap().to_string();
                return Served { child, url, out };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("frameworm serve exited with {status}: {text}");
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("frameworm serve printed no address within 60 s: {text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `frameworm train --quiet --config CONFIG --set output_dir=OUTPUT ARGS…` with `token` in
/// `FRAMEWORM_TOKEN` (or none), bounded to `limit`: exit code and everything it printed.
fn train_bounded(config: &str, output: &Path, args: &[&str], token: Option<&str>, limit: Duration) -> (Option<i32>, String) {
    let mut command = frameworm();
    command.args(["train", "--quiet", "--config", config, "--set"]).arg(format!("output_dir={}", output.display())).args(args);
    // With RUST_BACKTRACE set the binary keeps Rust's own panic report (for whoever debugs);
    // these tests read what users see.
    command.env_remove("FRAMEWORM_TOKEN").env_remove("RUST_BACKTRACE");
    if let Some(token) = token {
        command.env("FRAMEWORM_TOKEN", token);
    }
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        }),
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        }),
    );
    let status = wait_bounded(&mut child, limit, "frameworm train");
    (status.code(), readers.0.join().unwrap() + &readers.1.join().unwrap())
}

/// A token file in `dir`.
fn token_file(dir: &Path) -> PathBuf {
    let path = dir.join("token.txt");
    std::fs::write(&path, format!("{TOKEN}\n")).unwrap();
    path
}

/// Every file under `dir` (a run folder) whose bytes contain the token.
fn files_holding_the_token(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_holding_the_token(&path));
        } else if let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes())
            && path.file_name().is_some_and(|name| name != "token.txt")
        {
            found.push(path);
        }
    }
    found
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

#[test]
fn a_loopback_device_follows_the_single_device_loss_curve_and_two_servers_train_an_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let token = token_file(dir.path());
    let mut first = Served::start(dir.path(), 1, Some(&token));
    let mut second = Served::start(dir.path(), 2, Some(&token));
    let limit = Duration::from_secs(300);

    let (code, text) = train_bounded("configs/mlp-digits.yaml", dir.path(), &[&EPOCH[..], &["--set", "name=one", "--device", "flex"]].concat(), None, limit);
    assert_eq!(code, Some(0), "{text}");
    let devices = format!("flex,{}", first.url);
    let (code, text) = train_bounded("configs/mlp-digits.yaml", dir.path(), &[&EPOCH[..], &["--set", "name=mixed", "--devices", &devices]].concat(), Some(TOKEN), limit);
    assert_eq!(code, Some(0), "{text}");
    let one = step_losses(&run_dir(dir.path(), "one-"));
    let mixed = step_losses(&run_dir(dir.path(), "mixed-"));
    assert_eq!(one.len(), mixed.len(), "step count");
    let worst = one.iter().zip(&mixed).map(|((_, a), (_, b))| relative(*b, *a)).fold(0.0, f64::max);
    assert!(worst <= 1e-4, "flex + a loopback server leave the one-device curve by {worst:e} (relative)");

    // The model on the first server, a slice on the second: both remote. The first server has
    // already served (and lost) a client above, so it also shows a disconnect leaves it up.
    let devices = format!("{},{}", first.url, second.url);
    let (code, text) = train_bounded("configs/mlp-digits.yaml", dir.path(), &[&EPOCH[..], &["--set", "name=servers", "--devices", &devices]].concat(), Some(TOKEN), limit);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("finished 1 epochs"), "{text}");
    let servers = run_dir(dir.path(), "servers-");
    assert!(servers.join("checkpoints/latest/model.bpk").exists(), "no checkpoint in {}", servers.display());
    let accuracy = common::column(&servers, "val_accuracy");
    assert!(accuracy.last().is_some_and(|a| *a > 0.5), "held-out accuracy after an epoch on two servers: {accuracy:?}");
    assert!(first.running() && second.running(), "a server stopped when its client left");

    for run in [&run_dir(dir.path(), "mixed-"), &servers] {
        assert_eq!(files_holding_the_token(run), Vec::<PathBuf>::new(), "the token was written into the run folder");
    }
    for server in [&first, &second] {
        assert!(!server.output().contains(TOKEN), "a server printed the token: {}", server.output());
    }
}

#[test]
fn a_client_without_the_token_or_with_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let token = token_file(dir.path());
    let mut server = Served::start(dir.path(), 1, Some(&token));
    let devices = format!("flex,{}", server.url);
    let args = [&EPOCH[..], &["--devices", &devices]].concat();
    for (token, fragment) in [(None, "it presented no token"), (Some("not-the-token"), "is not the server's")] {
        let started = Instant::now();
        let (code, text) = train_bounded("configs/mlp-digits.yaml", dir.path(), &args, token, Duration::from_secs(60));
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains(&format!("device `{}`: the server refused this client", server.url)) && text.contains(fragment), "{text}");
        assert!(!text.contains("panicked") && !text.contains("internal error"), "{text}");
        assert!(started.elapsed() < Duration::from_secs(30), "a refusal took {:?}", started.elapsed());
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().path().is_dir()), "a refused run wrote a run folder");
    assert!(server.running(), "a refused client took the server down");
    assert!(!server.output().contains(TOKEN) && !server.output().contains("not-the-token"), "the server printed a token: {}", server.output());
}

#[test]
fn a_server_killed_mid_run_names_the_device_keeps_the_checkpoint_and_resume_finishes_on_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let token = token_file(dir.path());
    let mut server = Served::start(dir.path(), 1, Some(&token));
    let devices = format!("flex,{}", server.url);
    // Long enough that the kill lands mid-run: many epochs of small batches.
    let args = ["--set", "training.epochs=40", "--set", "callbacks=[]", "--set", "data.batch_size=16", "--set", "name=killed", "--devices", &devices];
    let mut command = frameworm();
    command.args(["train", "--quiet", "--config", "configs/mlp-digits.yaml", "--set"]).arg(format!("output_dir={}", dir.path().display())).args(args);
    command.env("FRAMEWORM_TOKEN", TOKEN).env_remove("RUST_BACKTRACE");
    let log = dir.path().join("train.out");
    let file = std::fs::File::create(&log).unwrap();
    let mut child = command.stdin(Stdio::null()).stdout(file.try_clone().unwrap()).stderr(file).spawn().unwrap();

    // Kill the server once the run has written its first checkpoint.
    let started = Instant::now();
    let latest = loop {
        let found = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).find(|p| p.file_name().unwrap().to_string_lossy().starts_with("killed-"));
        if let Some(run) = found
            && run.join("checkpoints/latest").exists()
        {
            break run.join("checkpoints/latest");
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint: {}", std::fs::read_to_string(&log).unwrap());
        assert!(started.elapsed() < Duration::from_secs(120), "no checkpoint within 120 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let status = wait_bounded(&mut child, Duration::from_secs(90), "frameworm train after its server was killed");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("device `{}` (2 of 2) stopped answering", server.url)), "{text}");
    assert!(text.contains("the last checkpoint is intact") && text.contains("--resume"), "{text}");
    assert!(!text.contains("internal error") && !text.contains("panicked"), "{text}");

    let run = latest.parent().unwrap().parent().unwrap().to_path_buf();
    let checkpoint = std::fs::canonicalize(&latest).unwrap();
    let evaluate = frameworm().args(["evaluate", "--metrics", "accuracy", "--checkpoint"]).arg(&checkpoint).output().unwrap();
    assert!(evaluate.status.success(), "the last checkpoint does not evaluate: {}", String::from_utf8_lossy(&evaluate.stderr));

    let resume = run.display().to_string();
    let (code, text) = train_bounded(
        "configs/mlp-digits.yaml",
        dir.path(),
        &["--set", "training.epochs=40", "--set", "callbacks=[]", "--set", "data.batch_size=16", "--set", "name=killed", "--devices", "flex", "--resume", &resume],
        None,
        Duration::from_secs(300),
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("resumed from") && text.contains("finished 40 epochs"), "{text}");
    // The same global batch: 1438 training digits in batches of 16 is 90 steps an epoch.
    let steps = step_losses(&run);
    assert_eq!(steps.last().unwrap().0, 40 * 90, "steps of the finished run");
}

#[test]
fn a_server_that_never_answers_is_a_bounded_time_out() {
    // Accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}", silent.local_addr().unwrap());
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().take(16) {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let devices = format!("flex,{url}");
    let started = Instant::now();
    let (code, text) = train_bounded("configs/mlp-digits.yaml", dir.path(), &[&EPOCH[..], &["--devices", &devices, "--connect-timeout", "3"]].concat(), Some(TOKEN), Duration::from_secs(60));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&format!("device `{url}`")) && (text.contains("no answer within 3 s") || text.contains("cannot connect")), "{text}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    drop(keep);
}

#[test]
fn ctrl_c_stops_a_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Served::start(dir.path(), 1, None);
    assert!(server.output().contains("no token: any process on this machine may use it"), "{}", server.output());
    let interrupted = std::process::Command::new("kill").args(["-INT", &server.child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = wait_bounded(&mut server.child, Duration::from_secs(30), "frameworm serve after Ctrl-C");
    assert!(status.success(), "{status}: {}", server.output());
    assert!(server.output().contains("server stopped"), "{}", server.output());
}
