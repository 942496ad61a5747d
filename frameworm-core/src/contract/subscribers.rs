//! The hook subscribers: closures or [`Callback`] objects ordered by priority, then
//! registration order (plugins register dependencies first), each tagged with its plugin.
//! [`HookRegistry`] holds the plugins' subscribers; [`RunHooks`] is what one run fires: those
//! plus the run's own configured callbacks, which the run owns and drops at its end.
//!
//! A failing or panicking subscriber is reported with its plugin's name, `on_error` is fired on
//! the others, and the failure is returned: nothing vanishes silently. Any subscriber may ask
//! training to stop through [`HookContext::request_stop`].

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use frameworm_manifest::Hook;

use super::callback::{Callback, HookEvent, dispatch};
use super::event::{HookContext, HookFailure, HookResult};

/// Something hooks can be fired on: a [`HookRegistry`] or a run's [`RunHooks`].
pub trait FireHooks {
    /// Fires `event` on every enabled subscriber in order; on the first failure or panic, fires
    /// `on_error` on the other subscribers and returns the failure.
    fn fire(&mut self, event: &HookEvent<'_>, ctx: &mut HookContext) -> Result<(), HookFailure>;
}

type Closure = Box<dyn FnMut(&mut HookContext, &HookEvent<'_>) -> HookResult + Send>;

enum Target {
    Closure { hook: Hook, f: Closure },
    Callback(Box<dyn Callback>),
}

struct Subscriber {
    plugin: String,
    name: String,
    priority: i32,
    declared_hooks: Vec<Hook>,
    target: Target,
}

/// One row of the resolved order, for `frameworm hooks list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubscriberInfo {
    /// Position in dispatch order (1-based).
    pub order: usize,
    /// The hooks it subscribes to (a callback: those its plugin declares, else every hook).
    pub hooks: Vec<Hook>,
    /// `closure` or `callback`.
    pub target: &'static str,
    /// Its name.
    pub name: String,
    /// Its plugin.
    pub plugin: String,
    /// Its priority (lower runs first).
    pub priority: i32,
    /// Whether it runs (global switch and its plugin's switch).
    pub enabled: bool,
}

/// Every hook subscriber of a run, in dispatch order.
#[derive(Default)]
pub struct HookRegistry {
    subscribers: Vec<Subscriber>,
    disabled: bool,
    disabled_plugins: BTreeSet<String>,
}

impl HookRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn insert(&mut self, subscriber: Subscriber) {
        // Stable: after every subscriber of equal or lower priority.
        let at = self.subscribers.partition_point(|s| s.priority <= subscriber.priority);
        self.subscribers.insert(at, subscriber);
    }

    /// Subscribes a closure to one hook (the seed's `@HookRegistry.on('on_epoch_end')`).
    pub fn on(
        &mut self,
        hook: Hook,
        plugin: &str,
        name: &str,
        priority: i32,
        f: impl FnMut(&mut HookContext, &HookEvent<'_>) -> HookResult + Send + 'static,
    ) {
        self.insert(Subscriber {
            plugin: plugin.to_string(),
            name: name.to_string(),
            priority,
            declared_hooks: vec![hook],
            target: Target::Closure { hook, f: Box::new(f) },
        });
    }

    /// Subscribes a callback object to every hook (the seed's `CallbackHook.register()`);
    /// `declared_hooks` is only shown by `hooks list` (empty: all).
    pub fn add_callback(
        &mut self,
        plugin: &str,
        name: &str,
        priority: i32,
        declared_hooks: Vec<Hook>,
        callback: Box<dyn Callback>,
    ) {
        self.insert(Subscriber {
            plugin: plugin.to_string(),
            name: name.to_string(),
            priority,
            declared_hooks,
            target: Target::Callback(callback),
        });
    }

    /// Turns every hook on again.
    pub fn enable(&mut self) {
        self.disabled = false;
    }

    /// Turns every hook off (nothing fires).
    pub fn disable(&mut self) {
        self.disabled = true;
    }

    /// Whether hooks fire at all.
    pub fn is_enabled(&self) -> bool {
        !self.disabled
    }

    /// Turns one plugin's subscribers off or on.
    pub fn set_plugin_enabled(&mut self, plugin: &str, enabled: bool) {
        if enabled {
            self.disabled_plugins.remove(plugin);
        } else {
            self.disabled_plugins.insert(plugin.to_string());
        }
    }

    /// The resolved dispatch order.
    pub fn list(&self) -> Vec<SubscriberInfo> {
        self.subscribers
            .iter()
            .enumerate()
            .map(|(index, s)| SubscriberInfo {
                order: index + 1,
                hooks: if s.declared_hooks.is_empty() { Hook::ALL.to_vec() } else { s.declared_hooks.clone() },
                target: match s.target {
                    Target::Closure { .. } => "closure",
                    Target::Callback(_) => "callback",
                },
                name: s.name.clone(),
                plugin: s.plugin.clone(),
                priority: s.priority,
                enabled: !self.disabled && !self.disabled_plugins.contains(&s.plugin),
            })
            .collect()
    }

    /// The subscribers of one hook, in the order they run (the seed's `list_hooks()`).
    pub fn list_hooks(&self) -> BTreeMap<Hook, Vec<String>> {
        let mut by_hook: BTreeMap<Hook, Vec<String>> = BTreeMap::new();
        for info in self.list().into_iter().filter(|i| i.enabled) {
            for hook in info.hooks {
                by_hook.entry(hook).or_default().push(format!("{}::{}", info.plugin, info.name));
            }
        }
        by_hook
    }

    /// Number of subscribers.
    pub fn len(&self) -> usize {
        self.subscribers.len()
    }

    /// Whether there is no subscriber.
    pub fn is_empty(&self) -> bool {
        self.subscribers.is_empty()
    }

    /// Callback states to store in a checkpoint, keyed `plugin::name` (unique per subscriber).
    pub fn save_states(&self) -> BTreeMap<String, serde_json::Value> {
        self.subscribers
            .iter()
            .filter_map(|s| match &s.target {
                Target::Callback(callback) => callback.save_state().map(|state| (format!("{}::{}", s.plugin, s.name), state)),
                Target::Closure { .. } => None,
            })
            .collect()
    }

    /// Restores callback states saved by [`HookRegistry::save_states`]; keys with no matching
    /// callback are returned so the caller can warn.
    pub fn load_states(&mut self, mut states: BTreeMap<String, serde_json::Value>) -> Result<Vec<String>, String> {
        self.take_states(&mut states)?;
        Ok(states.into_keys().collect())
    }

    /// Restores the states in `states` that belong to these subscribers, removing them.
    fn take_states(&mut self, states: &mut BTreeMap<String, serde_json::Value>) -> Result<(), String> {
        for s in &mut self.subscribers {
            if let Target::Callback(callback) = &mut s.target
                && let Some(state) = states.remove(&format!("{}::{}", s.plugin, s.name))
            {
                callback
                    .load_state(state)
                    .map_err(|error| format!("callback `{}` (plugin `{}`) cannot restore its state: {error}", s.name, s.plugin))?;
            }
        }
        Ok(())
    }
}

impl FireHooks for HookRegistry {
    fn fire(&mut self, event: &HookEvent<'_>, ctx: &mut HookContext) -> Result<(), HookFailure> {
        if self.disabled {
            return Ok(());
        }
        let mut order: Vec<&mut Subscriber> = self.subscribers.iter_mut().collect();
        fire_in_order(&mut order, &self.disabled_plugins, event, ctx)
    }
}

/// The subscribers one run fires: the plugins' (from the registry, borrowed for the run) and
/// the run's own callbacks from the config's `callbacks:` list (owned, gone with the run). At
/// equal priority the plugins' run first, as if the run's were registered after them.
pub struct RunHooks<'r> {
    plugins: &'r mut HookRegistry,
    own: HookRegistry,
}

impl<'r> RunHooks<'r> {
    /// The plugins' subscribers and none of the run's own yet.
    pub fn new(plugins: &'r mut HookRegistry) -> Self {
        RunHooks { plugins, own: HookRegistry::new() }
    }

    /// Adds one of the run's callbacks (`declared_hooks` as for [`HookRegistry::add_callback`]).
    pub fn add_callback(&mut self, plugin: &str, name: &str, priority: i32, declared_hooks: Vec<Hook>, callback: Box<dyn Callback>) {
        self.own.add_callback(plugin, name, priority, declared_hooks, callback);
    }

    /// Callback states of both sets, keyed `plugin::name`.
    pub fn save_states(&self) -> BTreeMap<String, serde_json::Value> {
        let mut states = self.plugins.save_states();
        states.extend(self.own.save_states());
        states
    }

    /// Restores states saved by [`RunHooks::save_states`]; returns the keys nothing took.
    pub fn load_states(&mut self, mut states: BTreeMap<String, serde_json::Value>) -> Result<Vec<String>, String> {
        self.plugins.take_states(&mut states)?;
        self.own.take_states(&mut states)?;
        Ok(states.into_keys().collect())
    }
}

impl FireHooks for RunHooks<'_> {
    fn fire(&mut self, event: &HookEvent<'_>, ctx: &mut HookContext) -> Result<(), HookFailure> {
        if self.plugins.disabled {
            return Ok(());
        }
        let mut order = Vec::with_capacity(self.plugins.subscribers.len() + self.own.subscribers.len());
        let mut own = self.own.subscribers.iter_mut().peekable();
        for plugin in self.plugins.subscribers.iter_mut() {
            while let Some(next) = own.next_if(|s| s.priority < plugin.priority) {
                order.push(next);
            }
            order.push(plugin);
        }
        order.extend(own);
        fire_in_order(&mut order, &self.plugins.disabled_plugins, event, ctx)
    }
}

/// Fires `event` on `order` (skipping disabled plugins); on the first failure fires `on_error`
/// on the others and returns the failure.
fn fire_in_order(order: &mut [&mut Subscriber], disabled_plugins: &BTreeSet<String>, event: &HookEvent<'_>, ctx: &mut HookContext) -> Result<(), HookFailure> {
    let hook = event.hook();
    let mut failure = None;
    for (index, subscriber) in order.iter_mut().enumerate() {
        if disabled_plugins.contains(&subscriber.plugin) {
            continue;
        }
        if let Some(error) = call(subscriber, event, ctx) {
            failure = Some((index, error));
            break;
        }
    }
    let Some((failed_index, failure)) = failure else { return Ok(()) };
    if hook != Hook::Error {
        let message = failure.to_string();
        let error_event = HookEvent::Error(&message);
        for (index, subscriber) in order.iter_mut().enumerate() {
            if index != failed_index && !disabled_plugins.contains(&subscriber.plugin) {
                // A failure inside on_error is not reported again: the first failure wins.
                let _ = call(subscriber, &error_event, ctx);
            }
        }
    }
    Err(failure)
}

/// Runs one subscriber for one event, turning errors and panics into a [`HookFailure`].
fn call(subscriber: &mut Subscriber, event: &HookEvent<'_>, ctx: &mut HookContext) -> Option<HookFailure> {
    ctx.plugin.clone_from(&subscriber.plugin);
    let result = catch_unwind(AssertUnwindSafe(|| match &mut subscriber.target {
        Target::Closure { hook, f } => {
            if *hook == event.hook() { f(ctx, event) } else { Ok(()) }
        }
        Target::Callback(callback) => dispatch(callback.as_mut(), event, ctx),
    }));
    let (what, message) = match result {
        Ok(Ok(())) => return None,
        Ok(Err(message)) => ("failed", message),
        Err(panic) => (
            "panicked",
            crate::panic::panic_message(panic.as_ref()),
        ),
    };
    Some(HookFailure {
        hook: event.hook(),
        subscriber: subscriber.name.clone(),
        plugin: subscriber.plugin.clone(),
        what,
        message,
    })
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{Metrics, StopRequest};
    use crate::contract::scalar::Scalar;
    use std::sync::{Arc, Mutex};

    type Log = Arc<Mutex<Vec<String>>>;

    fn recorder(log: &Log, label: &str) -> impl FnMut(&mut HookContext, &HookEvent<'_>) -> HookResult + Send + 'static {
        let log = log.clone();
        let label = label.to_string();
        move |_, event| {
            log.lock().unwrap().push(format!("{label}:{}", event.hook()));
            Ok(())
        }
    }

    /// A registry whose closures record `label:hook` in one log: (hook, plugin, name, priority, label).
    fn recording(subscriptions: &[(Hook, &str, &str, i32, &str)]) -> (Log, HookRegistry) {
        let log = Log::default();
        let mut hooks = HookRegistry::new();
        for &(hook, plugin, name, priority, label) in subscriptions {
            hooks.on(hook, plugin, name, priority, recorder(&log, label));
        }
        (log, hooks)
    }

    struct Recorder(Log, &'static str);
    impl Callback for Recorder {
        fn on_epoch_end(&mut self, _: &mut HookContext, metrics: &Metrics) -> HookResult {
            self.0.lock().unwrap().push(format!("{}:epoch_end:{}", self.1, metrics["loss"]));
            Ok(())
        }
        fn on_error(&mut self, _: &mut HookContext, error: &str) -> HookResult {
            self.0.lock().unwrap().push(format!("{}:error:{error}", self.1));
            Ok(())
        }
    }

    #[test]
    fn priority_then_registration_order() {
        let (log, mut hooks) = recording(&[
            (Hook::EpochBegin, "p", "late", 10, "late"),
            (Hook::EpochBegin, "p", "first-zero", 0, "a"),
            (Hook::EpochBegin, "q", "second-zero", 0, "b"),
            (Hook::EpochBegin, "q", "early", -5, "early"),
            (Hook::EpochEnd, "q", "other-hook", -100, "other"),
        ]);
        hooks.fire(&HookEvent::EpochBegin, &mut HookContext::default()).unwrap();
        assert_eq!(*log.lock().unwrap(), ["early:on_epoch_begin", "a:on_epoch_begin", "b:on_epoch_begin", "late:on_epoch_begin"]);
        let order: Vec<_> = hooks.list().into_iter().map(|i| i.name).collect();
        assert_eq!(order, ["other-hook", "early", "first-zero", "second-zero", "late"]);
    }

    #[test]
    fn global_and_per_plugin_switches() {
        let (log, mut hooks) = recording(&[(Hook::TrainBegin, "p", "a", 0, "p"), (Hook::TrainBegin, "q", "b", 0, "q")]);
        let mut ctx = HookContext::default();
        hooks.disable();
        hooks.fire(&HookEvent::TrainBegin, &mut ctx).unwrap();
        assert!(log.lock().unwrap().is_empty());
        hooks.enable();
        hooks.set_plugin_enabled("p", false);
        hooks.fire(&HookEvent::TrainBegin, &mut ctx).unwrap();
        assert_eq!(*log.lock().unwrap(), ["q:on_train_begin"]);
        assert_eq!(hooks.list_hooks()[&Hook::TrainBegin], ["q::b"]);
        hooks.set_plugin_enabled("p", true);
        hooks.fire(&HookEvent::TrainBegin, &mut ctx).unwrap();
        assert_eq!(log.lock().unwrap().len(), 3);
    }

    #[test]
    fn stop_request_names_the_plugin_and_first_wins() {
        let mut hooks = HookRegistry::new();
        hooks.on(Hook::BatchEnd, "stopper", "s", 0, |ctx, _| {
            ctx.request_stop("enough");
            Ok(())
        });
        hooks.on(Hook::BatchEnd, "later", "t", 1, |ctx, _| {
            ctx.request_stop("me too");
            Ok(())
        });
        let mut ctx = HookContext::default();
        let loss = Scalar::from_value(1.0);
        hooks.fire(&HookEvent::BatchEnd(&loss), &mut ctx).unwrap();
        assert_eq!(ctx.stop_requested(), Some(&StopRequest { plugin: "stopper".into(), reason: "enough".into() }));
    }

    #[test]
    fn failures_and_panics_name_the_plugin_and_fire_on_error() {
        let log: Log = Log::default();
        let mut hooks = HookRegistry::new();
        hooks.add_callback("watcher", "rec", 0, vec![], Box::new(Recorder(log.clone(), "rec")));
        hooks.on(Hook::EpochEnd, "broken", "boom", 1, |_, _| panic!("kaboom"));
        hooks.on(Hook::EpochEnd, "never", "after", 2, recorder(&log, "after"));
        let metrics = Metrics::from([("loss".to_string(), 0.5)]);
        let failure = hooks.fire(&HookEvent::EpochEnd(&metrics), &mut HookContext::default()).unwrap_err();
        assert_eq!(failure.plugin, "broken");
        assert_eq!(failure.what, "panicked");
        assert_eq!(failure.to_string(), "hook `on_epoch_end` of `boom` (plugin `broken`) panicked: kaboom");
        let log = log.lock().unwrap();
        assert_eq!(log[0], "rec:epoch_end:0.5");
        assert_eq!(log[1], "rec:error:hook `on_epoch_end` of `boom` (plugin `broken`) panicked: kaboom");
        assert_eq!(log.len(), 2, "subscribers after the failure do not run: {log:?}");

        let mut hooks = HookRegistry::new();
        hooks.on(Hook::TrainEnd, "p", "err", 0, |_, _| Err("disk full".into()));
        let failure = hooks.fire(&HookEvent::TrainEnd, &mut HookContext::default()).unwrap_err();
        assert_eq!(failure.to_string(), "hook `on_train_end` of `err` (plugin `p`) failed: disk full");
    }

    #[test]
    fn callback_state_round_trips_by_unique_key() {
        struct Counter(u32);
        impl Callback for Counter {
            fn on_batch_end(&mut self, _: &mut HookContext, _: &Scalar) -> HookResult {
                self.0 += 1;
                Ok(())
            }
            fn save_state(&self) -> Option<serde_json::Value> {
                Some(serde_json::json!(self.0))
            }
            fn load_state(&mut self, state: serde_json::Value) -> HookResult {
                self.0 = state.as_u64().ok_or("not a number")? as u32;
                Ok(())
            }
        }
        let mut hooks = HookRegistry::new();
        hooks.add_callback("p", "counter", 0, vec![], Box::new(Counter(0)));
        let loss = Scalar::from_value(0.0);
        for _ in 0..3 {
            hooks.fire(&HookEvent::BatchEnd(&loss), &mut HookContext::default()).unwrap();
        }
        let states = hooks.save_states();
        assert_eq!(states["p::counter"], serde_json::json!(3));
        let mut restored = HookRegistry::new();
        restored.add_callback("p", "counter", 0, vec![], Box::new(Counter(0)));
        let mut with_stale = states.clone();
        with_stale.insert("gone::cb".into(), serde_json::json!(1));
        assert_eq!(restored.load_states(with_stale).unwrap(), ["gone::cb"]);
        assert_eq!(restored.save_states(), states);
    }

    #[test]
    fn a_runs_callbacks_merge_by_priority_and_leave_the_registry_as_it_was() {
        let (log, mut plugins) = recording(&[
            (Hook::EpochEnd, "p", "early", -1, "p-early"),
            (Hook::EpochEnd, "p", "zero", 0, "p-zero"),
            (Hook::EpochEnd, "p", "late", 5, "p-late"),
        ]);
        let metrics = Metrics::from([("loss".to_string(), 1.0)]);
        for _ in 0..2 {
            let mut run = RunHooks::new(&mut plugins);
            run.add_callback("c", "own-zero", 0, vec![], Box::new(Recorder(log.clone(), "own-zero")));
            run.add_callback("c", "own-first", -9, vec![], Box::new(Recorder(log.clone(), "own-first")));
            run.fire(&HookEvent::EpochEnd(&metrics), &mut HookContext::default()).unwrap();
        }
        let expected = ["own-first:epoch_end:1", "p-early:on_epoch_end", "p-zero:on_epoch_end", "own-zero:epoch_end:1", "p-late:on_epoch_end"];
        let log = log.lock().unwrap();
        assert_eq!(log[..5], expected, "{log:?}");
        assert_eq!(log[5..], expected, "a second run subscribes its callbacks once, not twice: {log:?}");
        assert_eq!(plugins.len(), 3, "the run's callbacks are not left in the registry");
    }
}
