//! Local compute devices: which burn backends this build carries (cargo features of the root
//! package, forwarded to this crate) and the `--device` grammar that picks one of them at run
//! time.
//!
//! burn 0.22 dispatches every tensor operation through [`Device`], so one binary can hold
//! several backends; [`BACKENDS`] is the one table that drives parsing, `frameworm info` and
//! the README's backend list.

use burn::tensor::Device;

use super::error::DeviceError;

/// A burn backend Frameworm knows how to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Backend {
    /// The `--device` name (and, with `:N`, the device index where the backend has several).
    pub name: &'static str,
    /// The cargo feature of the `frameworm` package that compiles it in.
    pub feature: &'static str,
    /// Whether this build carries it.
    pub compiled: bool,
    /// Whether it runs on the CPU.
    pub cpu: bool,
    /// One line for people.
    pub description: &'static str,
}

/// Every backend, in the order `--device auto` prefers among the compiled ones (accelerators
/// first, then the CPU backends fastest first, as measured by the throughput bench).
pub const BACKENDS: [Backend; 6] = [
    Backend {
        name: "cuda",
        feature: "cuda",
        compiled: cfg!(feature = "cuda"),
        cpu: false,
        description: "NVIDIA GPUs through CubeCL (`cuda:N`, default 0)",
    },
    Backend {
        name: "wgpu",
        feature: "wgpu",
        compiled: cfg!(feature = "wgpu"),
        cpu: false,
        description: "any Vulkan/Metal/DX12 GPU through wgpu (`wgpu`: wgpu's pick, `wgpu:N`: N-th discrete GPU)",
    },
    Backend {
        name: "tch",
        feature: "tch",
        compiled: cfg!(feature = "tch"),
        cpu: true,
        description: "libtorch CPU (`tch:cuda:N` for libtorch on a GPU); needs scripts/setup-libtorch.sh",
    },
    Backend {
        name: "flex",
        feature: "flex",
        compiled: cfg!(feature = "flex"),
        cpu: true,
        description: "burn's pure-Rust CPU backend: the embedded default",
    },
    Backend {
        name: "llvm",
        feature: "cpu",
        compiled: cfg!(feature = "cpu"),
        cpu: true,
        description: "burn's `cpu` backend: CubeCL kernels compiled with LLVM (MLIR) for the host",
    },
    Backend {
        name: "ndarray",
        feature: "ndarray",
        compiled: cfg!(feature = "ndarray"),
        cpu: true,
        description: "burn's ndarray CPU backend (deprecated upstream; slow convolutions)",
    },
];

/// Whether `device` computes on the host CPU (flex, ndarray, libtorch CPU, llvm) rather than
/// a GPU. burn's `Device` does not say so directly; its debug name does (`Flex(Cpu)`,
/// `LibTorch(Cuda(0))`, …), and a name naming no GPU runtime counts as the CPU.
pub fn on_cpu(device: &Device) -> bool {
    let name = format!("{device:?}").to_ascii_lowercase();
    !["cuda", "wgpu", "vulkan", "metal", "rocm", "hip", "webgpu"].iter().any(|gpu| name.contains(gpu))
}

/// The backends this build carries, in preference order.
pub fn compiled() -> impl Iterator<Item = &'static Backend> {
    BACKENDS.iter().filter(|b| b.compiled)
}

fn compiled_names() -> String {
    let names: Vec<&str> = compiled().map(|b| b.name).collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

fn backend(name: &str) -> Option<&'static Backend> {
    BACKENDS.iter().find(|b| b.name == name)
}

/// The device `--device auto` picks: the first compiled backend of [`BACKENDS`].
pub fn auto() -> Result<Device, DeviceError> {
    let first = compiled().next().ok_or(DeviceError::NoBackend)?;
    open(first, None)
}

/// The device `--device cpu` picks: the first compiled CPU backend of [`BACKENDS`].
pub fn cpu() -> Result<Device, DeviceError> {
    let first = compiled().find(|b| b.cpu).ok_or(DeviceError::NoBackend)?;
    open(first, None)
}

/// Parses a local `--device` value: `auto`, `cpu`, a backend name (`flex`, `tch`, `llvm`,
/// `ndarray`, `cuda`, `wgpu`), `cuda:N`, `wgpu:N`, or `tch:cuda:N`. Names are case-insensitive.
/// Remote devices (`ws://…`) connect through [`parse_list`](super::parse_list).
pub fn parse(spec: &str) -> Result<Device, DeviceError> {
    let lower = spec.trim().to_ascii_lowercase();
    if super::remote::is_remote_spec(&lower) {
        return Err(DeviceError::RemoteHere { spec: spec.to_string() });
    }
    match lower.as_str() {
        "auto" | "" => return auto(),
        "cpu" => return cpu(),
        _ => {}
    }
    let (name, rest) = match lower.split_once(':') {
        Some((name, rest)) => (name, Some(rest)),
        None => (lower.as_str(), None),
    };
    let unknown = || DeviceError::Unknown { spec: spec.to_string(), names: BACKENDS.map(|b| b.name).join(", ") };
    let backend = backend(name).ok_or_else(unknown)?;
    if !backend.compiled {
        return Err(DeviceError::NotCompiled { spec: spec.to_string(), feature: backend.feature, compiled: compiled_names() });
    }
    let index = |text: &str| text.parse::<usize>().map_err(|_| DeviceError::BadIndex { spec: spec.to_string(), index: text.to_string() });
    match (backend.name, rest) {
        (_, None) => open(backend, None),
        ("cuda" | "wgpu", Some(rest)) => open(backend, Some(index(rest)?)),
        ("tch", Some(rest)) => match rest.split_once(':') {
            Some(("cuda", n)) => tch_cuda(index(n)?),
            None if rest == "cpu" => open(backend, None),
            _ => Err(unknown()),
        },
        _ => Err(unknown()),
    }
}

/// Opens `backend`'s device number `index` (`None`: the backend's default device).
#[allow(unused_variables, deprecated)]
fn open(backend: &Backend, index: Option<usize>) -> Result<Device, DeviceError> {
    match backend.name {
        #[cfg(feature = "cuda")]
        "cuda" => Ok(Device::cuda(index.unwrap_or(0))),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(match index {
            Some(index) => burn::tensor::DeviceKind::DiscreteGpu(index),
            None => burn::tensor::DeviceKind::DefaultDevice,
        })),
        #[cfg(feature = "tch")]
        "tch" => Ok(Device::libtorch()),
        #[cfg(feature = "flex")]
        "flex" => Ok(Device::flex()),
        #[cfg(feature = "cpu")]
        "llvm" => Ok(Device::cpu()),
        #[cfg(feature = "ndarray")]
        "ndarray" => Ok(Device::ndarray()),
        _ => Err(DeviceError::NotCompiled { spec: backend.name.to_string(), feature: backend.feature, compiled: compiled_names() }),
    }
}

#[allow(unused_variables, deprecated)]
fn tch_cuda(index: usize) -> Result<Device, DeviceError> {
    #[cfg(feature = "tch")]
    return Ok(Device::libtorch_cuda(index));
    #[allow(unreachable_code)]
    Err(DeviceError::NotCompiled { spec: format!("tch:cuda:{index}"), feature: "tch", compiled: compiled_names() })
}

/// How many devices of each compiled backend this machine offers (`frameworm info`). GPU
/// backends are asked through burn's enumeration, which may fail without drivers: that
/// counts as none, with the reason.
pub fn survey() -> Vec<(&'static Backend, Result<usize, String>)> {
    compiled()
        .map(|backend| {
            let count = if backend.cpu {
                Ok(1)
            } else {
                std::panic::catch_unwind(|| enumerate(backend.name))
                    .unwrap_or_else(|_| Err("the backend could not reach a device (no driver?)".into()))
            };
            (backend, count)
        })
        .collect()
}

#[allow(unused_variables)]
fn enumerate(name: &str) -> Result<usize, String> {
    match name {
        #[cfg(feature = "cuda")]
        "cuda" => Ok(Device::enumerate(burn::tensor::DeviceType::Cuda).len()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::enumerate(burn::tensor::DeviceType::Wgpu).len()),
        _ => Err(format!("cannot enumerate `{name}` devices")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The workspace's tests build the default feature set (flex); `-p frameworm-core` alone
    // builds without a backend, where only the backend-independent tests run.
    #[cfg(feature = "flex")]
    #[test]
    fn flex_runs_on_the_cpu_and_prefetching_follows() {
        use crate::config::DataConfig;
        let flex = parse("flex").unwrap();
        assert!(on_cpu(&flex) && on_cpu(&flex.clone().autodiff()));
        let auto = DataConfig::default();
        assert_eq!((auto.prefetch_depth(true), auto.prefetch_depth(false)), (0, 2));
        let set = DataConfig { prefetch: Some(3), ..DataConfig::default() };
        assert_eq!((set.prefetch_depth(true), set.prefetch_depth(false)), (3, 3));
        let workers = DataConfig { prefetch: Some(3), num_workers: 2, ..DataConfig::default() };
        assert_eq!(workers.prefetch_depth(false), 0);
    }

    #[cfg(feature = "flex")]
    #[test]
    fn the_default_build_carries_flex_and_auto_picks_a_device() {
        assert!(compiled().any(|b| b.name == "flex"), "tests run with the default feature set");
        assert!(parse("auto").is_ok() && parse("cpu").is_ok() && parse("FLEX").is_ok());
    }

    #[test]
    fn backends_not_compiled_in_name_the_feature_to_add() {
        for backend in BACKENDS.iter().filter(|b| !b.compiled) {
            let spec = if backend.cpu { backend.name.to_string() } else { format!("{}:1", backend.name) };
            let error = parse(&spec).unwrap_err();
            assert_eq!(error, DeviceError::NotCompiled { spec: spec.clone(), feature: backend.feature, compiled: compiled_names() });
            assert!(error.to_string().contains(&format!("--features {}", backend.feature)), "{error}");
        }
    }

    #[test]
    fn unknown_names_and_bad_indices_are_errors_that_list_the_grammar() {
        let error = parse("gpu").unwrap_err();
        assert!(matches!(error, DeviceError::Unknown { .. }));
        assert!(error.to_string().contains("cuda, wgpu, tch, flex, llvm, ndarray"), "{error}");
        if cfg!(feature = "flex") {
            assert!(matches!(parse("flex:0"), Err(DeviceError::Unknown { .. })), "flex has one device");
        }
        if BACKENDS[0].compiled {
            assert!(matches!(parse("cuda:x"), Err(DeviceError::BadIndex { .. })));
        }
    }

    #[cfg(feature = "flex")]
    #[test]
    fn the_survey_lists_every_compiled_backend_once() {
        let survey = survey();
        assert_eq!(survey.len(), compiled().count());
        assert!(survey.iter().any(|(b, count)| b.name == "flex" && *count == Ok(1)));
    }
}
