//! `frameworm info`: what this build is and what it can reach — its version, the backends it was
//! compiled with, the devices each finds on this machine, and the plugins per kind.

use anyhow::Result;
use frameworm_core::Registry;
use frameworm_core::device::{self, Backend};
use serde::Serialize;

use crate::table;

#[derive(Serialize)]
struct Info {
    version: &'static str,
    backends: Vec<BackendView>,
    default_device: String,
    cpu_threads: usize,
    plugins: usize,
    components: std::collections::BTreeMap<String, usize>,
}

#[derive(Serialize)]
struct BackendView {
    #[serde(flatten)]
    backend: Backend,
    devices: Option<usize>,
    note: Option<String>,
}

/// Prints the report as a table, or as JSON.
pub fn info(registry: &Registry, json: bool) -> Result<()> {
    let survey = device::survey();
    let backends = device::BACKENDS
        .iter()
        .map(|backend| {
            let found = survey.iter().find(|(b, _)| b.name == backend.name).map(|(_, count)| count.clone());
            let (devices, note) = match found {
                Some(Ok(count)) => (Some(count), None),
                Some(Err(reason)) => (Some(0), Some(reason)),
                None => (None, None),
            };
            BackendView { backend: *backend, devices, note }
        })
        .collect();
    let default_device = match device::auto() {
        Ok(device) => format!("{device:?}"),
        Err(error) => format!("none ({error})"),
    };
    let summary = registry.summary();
    let info = Info {
        version: frameworm_core::VERSION,
        backends,
        default_device,
        cpu_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        plugins: summary.plugins.len(),
        components: summary.components.iter().map(|(kind, names)| (kind.plural().to_string(), names.len())).collect(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    println!("frameworm {}", info.version);
    println!("default device (--device auto): {}", info.default_device);
    println!("CPU threads: {}\n", info.cpu_threads);
    let rows = info
        .backends
        .iter()
        .map(|view| {
            let devices = match (view.devices, &view.note) {
                (None, _) => "-".to_string(),
                (Some(count), None) => count.to_string(),
                (Some(count), Some(note)) => format!("{count} ({note})"),
            };
            vec![
                view.backend.name.to_string(),
                if view.backend.compiled { "yes".into() } else { format!("no (--features {})", view.backend.feature) },
                devices,
                view.backend.description.to_string(),
            ]
        })
        .collect();
    println!("{}", table::render(&["backend", "compiled", "devices", "what"], rows));
    let counts: Vec<String> = info.components.iter().map(|(kind, count)| format!("{count} {kind}")).collect();
    println!("\n{} plugins: {}", info.plugins, counts.join(", "));
    Ok(())
}
