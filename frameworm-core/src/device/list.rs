//! [`parse_list`]: a `--devices` list (`flex,flex`, `cuda:0,cuda:1`, `flex,ws://gpu1:4000`) as
//! the device that holds the model, the devices of data parallelism, and the names messages use.

use std::time::Duration;

use burn::tensor::Device;

use super::backends::{BACKENDS, parse};
use super::error::DeviceError;
use super::remote::{connect, is_remote_spec};
use super::token::Token;

/// The devices of one run.
#[derive(Debug, Clone)]
pub struct DeviceList {
    /// The first device, which holds the model (`TrainOptions::device`).
    pub device: Device,
    /// The others, each computing a slice of every batch (`TrainOptions::data_parallel`).
    pub data_parallel: Vec<Device>,
    /// Every entry as given, first one first: how messages name the devices (never a token).
    pub names: Vec<String>,
}

/// Parses a list of devices and connects its remote ones (`ws://HOST:PORT`, presenting `token`,
/// waiting at most `connect_timeout` for each). An empty list or an empty entry is an error,
/// so a run always has a device to hold its model.
pub fn parse_list<S: AsRef<str>>(specs: &[S], token: Option<&Token>, connect_timeout: Duration) -> Result<DeviceList, DeviceError> {
    let names: Vec<String> = specs.iter().map(|spec| spec.as_ref().trim().to_string()).collect();
    if names.len() > 1
        && let Some(empty) = names.iter().position(String::is_empty)
    {
        return Err(DeviceError::EmptyEntry { list: names.join(","), position: empty + 1 });
    }
    let mut devices = Vec::with_capacity(names.len());
    for name in &names {
        let device = if is_remote_spec(name) { connect(name, token, connect_timeout)? } else { parse(name)? };
        devices.push(device);
    }
    if devices.is_empty() {
        return Err(DeviceError::Unknown { spec: String::new(), names: BACKENDS.map(|b| b.name).join(", ") });
    }
    let device = devices.remove(0);
    Ok(DeviceList { device, data_parallel: devices, names })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn empty_lists_and_entries_are_refused_naming_the_position() {
        assert!(matches!(parse_list::<&str>(&[], None, WAIT), Err(DeviceError::Unknown { .. })));
        let error = parse_list(&["flex", " ", "flex"], None, WAIT).unwrap_err();
        assert_eq!(error, DeviceError::EmptyEntry { list: "flex,,flex".into(), position: 2 });
    }

    #[cfg(feature = "flex")]
    #[test]
    fn a_local_list_keeps_its_names_in_order() {
        let list = parse_list(&["flex", " FLEX "], None, WAIT).unwrap();
        assert_eq!(list.names, ["flex", "FLEX"]);
        assert_eq!(list.data_parallel.len(), 1);
    }
}
