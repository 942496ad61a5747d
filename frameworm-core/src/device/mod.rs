//! Compute devices: the burn backends this build carries and the `--device` grammar
//! (`backends`), lists of devices for data parallelism (`list`), burn-remote — devices served to
//! other machines and reached over the network (`remote`, `token`) — and their one error.

mod backends;
mod error;
mod list;
mod remote;
mod token;

pub use backends::{BACKENDS, Backend, auto, compiled, cpu, on_cpu, parse, survey};
pub use error::DeviceError;
pub use list::{DeviceList, parse_list};
pub use remote::{CONNECT_TIMEOUT, ServeError, ServeOptions, Server, answers, connect, is_remote_spec};
pub use token::{Token, TokenError};
