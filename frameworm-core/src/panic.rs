//! [`panic_message`]: the text of a caught panic, for the places that turn a panic (a hook's, a
//! loader thread's, burn's on a lost remote device, one nothing else caught) into an error.

/// The message a panic was raised with (`panic!("…")` gives a `&str` or a `String`), or
/// "no message" for any other payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn static_and_formatted_messages_and_other_payloads() {
        let caught = |f: fn()| std::panic::catch_unwind(f).unwrap_err();
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(panic_message(caught(|| panic!("static")).as_ref()), "static");
        assert_eq!(panic_message(caught(|| panic!("formatted {}", 7)).as_ref()), "formatted 7");
        assert_eq!(panic_message(caught(|| std::panic::panic_any(42u8)).as_ref()), "no message");
        std::panic::set_hook(hook);
    }
}
