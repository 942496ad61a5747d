// A callback whose `on_epoch_end` takes the wrong argument type.
use frameworm_core::{Callback, HookContext, HookResult};

pub struct MyCallback;

impl Callback for MyCallback {
    fn on_epoch_end(&mut self, _ctx: &mut HookContext, _metrics: &Vec<f64>) -> HookResult {
        Ok(())
    }
}

fn main() {}
