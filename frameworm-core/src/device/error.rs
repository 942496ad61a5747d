//! [`DeviceError`]: why a device (local or remote) cannot be used, the one error of the device
//! module.

use thiserror::Error;

/// Why a `--device` value cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DeviceError {
    /// Not a device this grammar knows.
    #[error("unknown device `{spec}`; use auto, cpu, {names} (with `:N` for cuda, wgpu and tch:cuda)")]
    Unknown {
        /// What was given.
        spec: String,
        /// Every backend name.
        names: String,
    },
    /// An empty entry in a list of devices (`flex,,flex`).
    #[error("device list `{list}`: entry {position} is empty; name a device in each entry (e.g. `flex,flex`)")]
    EmptyEntry {
        /// The list as given, comma-joined.
        list: String,
        /// The empty entry's position, from 1.
        position: usize,
    },
    /// A known backend this build was compiled without.
    #[error(
        "device `{spec}` needs the `{feature}` backend, which this build does not carry (compiled: {compiled}); \
         rebuild with `cargo build --release --features {feature}`"
    )]
    NotCompiled {
        /// What was given.
        spec: String,
        /// The cargo feature that would add it.
        feature: &'static str,
        /// The backends this build has.
        compiled: String,
    },
    /// A burn-remote address in a build without the `remote` feature.
    #[error("device `{spec}`: this build has no remote devices; rebuild with `cargo build --release --features remote` (on by default)")]
    RemoteNotCompiled {
        /// What was given.
        spec: String,
    },
    /// A burn-remote address where only a local device can be used (`--device` of
    /// `evaluate`, `sample`, `export`).
    #[error("device `{spec}`: a remote device trains only (`train --devices {spec}` or `training.devices`); pick a local device here")]
    RemoteHere {
        /// What was given.
        spec: String,
    },
    /// A remote address that is not `ws://HOST:PORT`.
    #[error("device `{spec}`: {reason}; write a remote device as `ws://HOST:PORT`, the address `frameworm serve` prints")]
    BadRemote {
        /// What was given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server refused this client's credential.
    #[error("device `{spec}`: the server refused this client: {}", if *token_given {
        format!("the token presented (from --token-file or {}) is not the server's", super::token::Token::ENV)
    } else {
        format!("it presented no token; set {} or pass --token-file FILE with the server's token", super::token::Token::ENV)
    })]
    RemoteRefused {
        /// The address.
        spec: String,
        /// Whether this client presented a token at all.
        token_given: bool,
    },
    /// The server could not be reached or the session could not be opened.
    #[error("device `{spec}`: cannot connect: {reason}")]
    RemoteUnreachable {
        /// The address.
        spec: String,
        /// burn-remote's reason.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("device `{spec}`: no answer within {seconds} s while connecting; check the address and that `frameworm serve` runs there (--connect-timeout sets the wait)")]
    RemoteTimeout {
        /// The address.
        spec: String,
        /// The wait.
        seconds: u64,
    },
    /// A malformed index.
    #[error("device `{spec}`: `{index}` is not a device index (expected a number, as in `cuda:0`)")]
    BadIndex {
        /// What was given.
        spec: String,
        /// The part after the colon.
        index: String,
    },
    /// No backend at all (a build with `--no-default-features` and no backend feature).
    #[error("this build carries no backend; rebuild with `--features flex` (or another backend)")]
    NoBackend,
}
