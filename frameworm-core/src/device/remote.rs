//! burn-remote: serving a local device to other machines ([`Server`], behind `frameworm
//! serve`), reaching a served one ([`connect`], a `ws://HOST:PORT` entry of `--devices`), and
//! asking a device whether it still answers ([`answers`], how the engine tells a lost server
//! from a bug).
//!
//! Everything goes through burn's own `burn-remote` (the `remote`, `remote-server` and
//! `remote-websocket` features of burn): its WebSocket transport and its `TokenAuthorizer`.
//! WebSocket is unencrypted: the token keeps stray clients out on a trusted network, not
//! someone reading its traffic. A server binds loopback unless told otherwise and refuses any
//! other address without a token.

use std::net::SocketAddr;
use std::time::Duration;

use burn::tensor::{Device, Tensor};
use thiserror::Error;

use super::error::DeviceError;
use crate::panic::panic_message;
use super::token::Token;

/// How long connecting to a remote device may take by default (burn-remote itself gives up on
/// a refused port after about 16 s of retries; a server that accepts and never answers would
/// otherwise hang the run).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether a device entry names a remote device (`ws://…`, `wss://…`).
pub fn is_remote_spec(spec: &str) -> bool {
    let lower = spec.trim().to_ascii_lowercase();
    lower.starts_with("ws://") || lower.starts_with("wss://")
}

/// `spec` checked as `ws://HOST:PORT`.
fn check_address(spec: &str) -> Result<(), DeviceError> {
    let bad = |reason: &str| DeviceError::BadRemote { spec: spec.to_string(), reason: reason.to_string() };
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("wss://") {
        return Err(bad("burn-remote's WebSocket transport has no TLS (`wss://`); use `ws://` on a trusted network"));
    }
    let rest = &spec["ws://".len()..];
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let Some((host, port)) = rest.rsplit_once(':') else { return Err(bad("no port")) };
    if host.is_empty() || host.contains('/') {
        return Err(bad("no host"));
    }
    if port.parse::<u16>().map_or(true, |port| port == 0) {
        return Err(bad(&format!("`{port}` is not a port number")));
    }
    Ok(())
}

/// Connects the device `frameworm serve` serves at `spec` (`ws://HOST:PORT`), presenting
/// `token`; gives up after `timeout`. The token is never part of an error.
pub fn connect(spec: &str, token: Option<&Token>, timeout: Duration) -> Result<Device, DeviceError> {
    check_address(spec)?;
    #[cfg(feature = "remote")]
    {
        use burn::remote::{ConnectError, RemoteHost};
        let mut host = RemoteHost::websocket(spec);
        if let Some(token) = token {
            host = host.with_credential(token.secret());
        }
        let attempt = within(timeout, move || Device::remote_options(&host).init());
        match attempt {
            None => Err(DeviceError::RemoteTimeout { spec: spec.to_string(), seconds: timeout.as_secs() }),
            Some(Ok(Ok(device))) => Ok(device),
            Some(Ok(Err(ConnectError::Unauthorized))) => Err(DeviceError::RemoteRefused { spec: spec.to_string(), token_given: token.is_some() }),
            Some(Ok(Err(error))) => Err(DeviceError::RemoteUnreachable { spec: spec.to_string(), reason: error.to_string() }),
            Some(Err(panic)) => Err(DeviceError::RemoteUnreachable { spec: spec.to_string(), reason: panic }),
        }
    }
    #[cfg(not(feature = "remote"))]
    {
        let _ = (token, timeout);
        Err(DeviceError::RemoteNotCompiled { spec: spec.to_string() })
    }
}

/// Whether `device` still computes and returns a result within `timeout`: `Err` says why not.
/// The engine asks each device after a step failed, to name the one that was lost.
pub fn answers(device: &Device, timeout: Duration) -> Result<(), String> {
    let device = device.clone();
    let read = within(timeout, move || Tensor::<1>::ones([1], &device).add_scalar(1.0).try_into_scalar::<f32>());
    match read {
        None => Err(format!("no answer within {} s", timeout.as_secs())),
        Some(Ok(Ok(value))) if value == 2.0 => Ok(()),
        Some(Ok(Ok(value))) => Err(format!("it computed 1 + 1 = {value}")),
        Some(Ok(Err(error))) => Err(one_line(&error.to_string())),
        Some(Err(panic)) => Err(one_line(&panic)),
    }
}

/// burn's multi-line error reports (`… \nCaused by:\n  …`) as one line.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ").replace(" Caused by: ", ": ")
}

/// `work` on a thread of its own: its result, its panic's message, or `None` after `timeout`
/// (the thread is left to finish or block on its own; a blocked network read ends with the
/// process).
fn within<T: Send + 'static>(timeout: Duration, work: impl FnOnce() -> T + Send + 'static) -> Option<Result<T, String>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("frameworm-remote".into()).spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| panic_message(payload.as_ref()));
        let _ = sender.send(result);
    });
    if let Err(error) = spawned {
        return Some(Err(format!("cannot start a thread: {error}")));
    }
    receiver.recv_timeout(timeout).ok()
}

/// What a server serves and where.
#[derive(Debug)]
pub struct ServeOptions {
    /// The address to listen on (port 0: a free port, reported by [`Server::url`]).
    pub listen: SocketAddr,
    /// The local device to serve.
    pub device: Device,
    /// The token clients must present; required for a non-loopback address.
    pub token: Option<Token>,
}

/// Why a server cannot start or stopped.
#[derive(Debug, Error)]
pub enum ServeError {
    /// A non-loopback address without a token.
    #[error(
        "refusing to listen on {address} without a token: any machine that reaches it could run work on this device; set {} or pass --token-file FILE (or listen on 127.0.0.1)",
        Token::ENV
    )]
    NoToken {
        /// The address asked for.
        address: SocketAddr,
    },
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// burn-remote refused or stopped serving.
    #[error("the server stopped: {0}")]
    Serve(String),
    /// A build without the `remote` feature.
    #[error("this build cannot serve devices; rebuild with `cargo build --release --features remote` (on by default)")]
    NotCompiled,
}

/// A bound, not yet serving, burn-remote server.
#[derive(Debug)]
pub struct Server {
    listener: std::net::TcpListener,
    address: SocketAddr,
    device: Device,
    token: Option<Token>,
}

impl Server {
    /// Binds `options.listen`, refusing a non-loopback address without a token.
    pub fn bind(options: ServeOptions) -> Result<Server, ServeError> {
        if !cfg!(feature = "remote") {
            return Err(ServeError::NotCompiled);
        }
        let ServeOptions { listen, device, token } = options;
        if !listen.ip().is_loopback() && token.is_none() {
            return Err(ServeError::NoToken { address: listen });
        }
        let listener = std::net::TcpListener::bind(listen).map_err(|source| ServeError::Bind { address: listen, source })?;
        let address = listener.local_addr().map_err(|source| ServeError::Bind { address: listen, source })?;
        Ok(Server { listener, address, device, token })
    }

    /// The address clients use (`ws://HOST:PORT`); an unspecified host (`0.0.0.0`) stays as
    /// given, to be replaced by one of this machine's addresses.
    pub fn url(&self) -> String {
        format!("ws://{}", self.address)
    }

    /// Whether clients must present a token.
    pub fn requires_token(&self) -> bool {
        self.token.is_some()
    }

    /// Serves until the process receives Ctrl-C or SIGTERM (burn-remote's own handlers); a
    /// client that disconnects ends only its session.
    pub fn serve(self) -> Result<(), ServeError> {
        #[cfg(feature = "remote")]
        {
            use burn::server::{RemoteServer, TokenAuthorizer, WebSocketTransport};
            let mut server = RemoteServer::new([self.device]);
            if let Some(token) = &self.token {
                let authorizer = TokenAuthorizer::new(token.secret()).map_err(|error| ServeError::Serve(error.to_string()))?;
                server = server.with_authorizer(authorizer);
            }
            server.serve(WebSocketTransport::from_listener(self.listener)).map_err(|error| ServeError::Serve(error.to_string()))
        }
        #[cfg(not(feature = "remote"))]
        {
            let _ = (self.listener, self.device);
            Err(ServeError::NotCompiled)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_addresses_are_checked_before_any_connection() {
        assert!(is_remote_spec("WS://a:1") && is_remote_spec(" wss://a:1") && !is_remote_spec("flex"));
        for (spec, fragment) in [("ws://host", "no port"), ("ws://:4000", "no host"), ("ws://h:99999", "not a port"), ("wss://h:1", "no TLS")] {
            let error = connect(spec, None, Duration::from_secs(1)).unwrap_err();
            assert!(matches!(error, DeviceError::BadRemote { .. }) && error.to_string().contains(fragment), "{spec}: {error}");
        }
    }

    #[test]
    fn a_non_loopback_address_needs_a_token() {
        if !cfg!(feature = "flex") {
            return;
        }
        let device = Device::default();
        let error = Server::bind(ServeOptions { listen: "0.0.0.0:0".parse().unwrap(), device, token: None }).unwrap_err();
        assert!(matches!(error, ServeError::NoToken { .. }), "{error}");
        assert!(error.to_string().contains("FRAMEWORM_TOKEN"), "{error}");
    }

    #[test]
    fn multi_line_reports_become_one_line() {
        assert_eq!(one_line("An error happened\nCaused by:\n  Failed to read tensor\n"), "An error happened: Failed to read tensor");
    }

    #[cfg(feature = "flex")]
    #[test]
    fn a_local_device_answers() {
        assert_eq!(answers(&Device::flex(), Duration::from_secs(10)), Ok(()));
    }
}
