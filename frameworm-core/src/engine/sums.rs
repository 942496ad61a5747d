//! Item-weighted running means of named scalars (an epoch's training metrics, a validation
//! pass): the sums checkpoints store, so a resumed epoch reports what an uninterrupted one does.

use std::collections::BTreeMap;

use crate::contract::Metrics;

/// Per name: the item-weighted sum and the item count.
pub type Sums = BTreeMap<String, (f64, f64)>;

/// Adds `value`, measured on `items` items, to `name`'s sum.
pub fn add(sums: &mut Sums, name: &str, value: f64, items: f64) {
    let entry = sums.entry(name.to_string()).or_insert((0.0, 0.0));
    entry.0 += value * items;
    entry.1 += items;
}

/// The item-weighted mean of every name.
pub fn means(sums: &Sums) -> Metrics {
    sums.iter().map(|(name, (sum, items))| (name.clone(), sum / items.max(1.0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_weigh_by_items() {
        let mut sums = Sums::new();
        add(&mut sums, "loss", 1.0, 3.0);
        add(&mut sums, "loss", 3.0, 1.0);
        assert_eq!(means(&sums)["loss"], 1.5);
    }
}
