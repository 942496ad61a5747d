//! `frameworm serve`: a burn-remote server for one local device. It prints the address clients
//! put in `--devices` (never the token) and serves until Ctrl-C or SIGTERM.

use std::io::Write;

use anyhow::{Context, Result};
use frameworm_core::device::{ServeOptions, Server, Token};

use crate::args::ServeArgs;

/// Binds, prints where clients connect, and serves.
pub fn serve(args: &ServeArgs) -> Result<()> {
    let token = Token::resolve(args.token_file.as_deref())?;
    let device = args.device.open()?;
    let server = Server::bind(ServeOptions { listen: args.listen, device: device.clone(), token })?;
    let url = server.url();
    let mut out = std::io::stdout().lock();
    writeln!(out, "serving {} ({device:?}) on {url}", args.device.spec)?;
    if args.listen.ip().is_unspecified() {
        writeln!(out, "(every address of this machine: clients use ws://<its address>:{})", args.listen.port())?;
    }
    if server.requires_token() {
        writeln!(out, "clients must present the token: {} or --token-file on their side", Token::ENV)?;
    } else {
        writeln!(out, "no token: any process on this machine may use it (set {} or --token-file to require one)", Token::ENV)?;
    }
    writeln!(out, "train on it with: frameworm train --config CONFIG --devices flex,{url}")?;
    writeln!(out, "Ctrl-C stops the server")?;
    out.flush()?;
    drop(out);
    server.serve().context("frameworm serve")?;
    println!("server stopped");
    Ok(())
}
