//! Best-metric tracking: whether an epoch's value of the monitored metric beats the best so
//! far (non-finite values never do), which moves the `best` checkpoint link.

use crate::contract::{Best, Metrics};
use crate::session::Monitor;

/// The new best if `metrics` (of 0-based `epoch`) improves on `best` for `monitor`.
pub fn improvement(best: Option<&Best>, monitor: &Monitor, epoch: usize, metrics: &Metrics) -> Option<Best> {
    let value = *metrics.get(&monitor.name)?;
    if !value.is_finite() {
        return None;
    }
    let better = best.is_none_or(|best| if monitor.higher_is_better { value > best.value } else { value < best.value });
    better.then(|| Best { metric: monitor.name.clone(), value, epoch: epoch + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn improves_in_the_monitored_direction_only_with_finite_values() {
        let lower = Monitor { name: "val_loss".into(), higher_is_better: false };
        let at = |value: f64| Metrics::from([("val_loss".to_string(), value)]);
        let first = improvement(None, &lower, 0, &at(2.0)).unwrap();
        assert_eq!((first.value, first.epoch), (2.0, 1));
        assert!(improvement(Some(&first), &lower, 1, &at(3.0)).is_none());
        assert!(improvement(Some(&first), &lower, 1, &at(f64::NAN)).is_none());
        assert_eq!(improvement(Some(&first), &lower, 2, &at(1.0)).unwrap().epoch, 3);
        let higher = Monitor { name: "val_loss".into(), higher_is_better: true };
        assert!(improvement(Some(&first), &higher, 1, &at(3.0)).is_some());
        assert!(improvement(None, &lower, 0, &Metrics::new()).is_none());
    }
}
