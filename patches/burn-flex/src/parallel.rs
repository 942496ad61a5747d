//! Element-wise work split over rayon's threads.
//!
//! burn-flex's element-wise kernels (unary, binary, scalar and broadcast ops) were loops on the
//! calling thread, so on a multi-core CPU every such op left the other cores idle. Slices of
//! [`PARALLEL_MIN_ELEMENTS`] or more are cut into chunks of about [`CHUNK_ELEMENTS`] that rayon's
//! threads take in turn; smaller ones stay on the calling thread, where a hand-off would cost
//! more than it saves. Each element is still computed by the same scalar or SIMD code, so the
//! results are the same to the bit whichever way the work is split.

/// Elements from which a kernel splits its work over threads: 1 MiB of f32 per operand, about
/// 0.1 ms of memory-bound work on one core against rayon's hand-off of some microseconds. A
/// lower bound (64 Ki) cost the MLP's small steps (Adam on 65 Ki-element weights) 25 % of their
/// speed in thread wake-ups.
pub(crate) const PARALLEL_MIN_ELEMENTS: usize = 256 * 1024;

/// Elements in one chunk of split work (128 KiB of f32, in L2).
pub(crate) const CHUNK_ELEMENTS: usize = 32 * 1024;

/// Calls `work(first_index, chunk)` for consecutive chunks of `values` covering it, each chunk a
/// multiple of `unit` elements (the last one possibly shorter); on rayon's threads when `values`
/// holds [`PARALLEL_MIN_ELEMENTS`] or more, else once for the whole slice on this thread.
pub(crate) fn for_each_chunk<T, F>(values: &mut [T], unit: usize, work: F)
where
    T: Send,
    F: Fn(usize, &mut [T]) + Send + Sync,
{
    let unit = unit.max(1);
    #[cfg(feature = "rayon")]
    if values.len() >= PARALLEL_MIN_ELEMENTS && values.len() / unit >= 2 {
        use rayon::prelude::*;
        let chunk = CHUNK_ELEMENTS.div_ceil(unit) * unit;
        values
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, part)| work(i * chunk, part));
        return;
    }
    let _ = unit;
    work(0, values);
}

/// `op(lhs[i], rhs[i])` for every `i`, into a new vector (each element written once, no
/// zeroing first); over rayon's threads for long slices, as [`for_each_chunk`].
pub(crate) fn map2_to_vec<A, B, Out, F>(lhs: &[A], rhs: &[B], op: F) -> alloc::vec::Vec<Out>
where
    A: Copy + Sync,
    B: Copy + Sync,
    Out: Send,
    F: Fn(A, B) -> Out + Send + Sync,
{
    let n = lhs.len();
    assert_eq!(n, rhs.len(), "map2_to_vec: operands of different lengths");
    let mut out = alloc::vec::Vec::with_capacity(n);
    for_each_chunk(&mut out.spare_capacity_mut()[..n], 1, |first, part| {
        let (l, r) = (&lhs[first..first + part.len()], &rhs[first..first + part.len()]);
        for (o, (&a, &b)) in part.iter_mut().zip(l.iter().zip(r)) {
            o.write(op(a, b));
        }
    });
    // SAFETY: the chunks cover all `n` slots and each was written above.
    unsafe { out.set_len(n) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn chunks_cover_the_slice_once_in_whole_units() {
        for (len, unit) in [(10, 1), (PARALLEL_MIN_ELEMENTS * 3 + 7, 1), (PARALLEL_MIN_ELEMENTS * 2, 784), (5000, 7)] {
            let mut values: Vec<usize> = vec![0; len];
            for_each_chunk(&mut values, unit, |first, chunk| {
                assert!(first % unit == 0, "chunk starts inside a unit");
                for (i, v) in chunk.iter_mut().enumerate() {
                    *v += first + i + 1;
                }
            });
            assert!(values.iter().enumerate().all(|(i, &v)| v == i + 1), "len {len} unit {unit}");
        }
    }

    #[test]
    fn map2_writes_every_element() {
        for n in [0, 3, PARALLEL_MIN_ELEMENTS + 5] {
            let a: Vec<u32> = (0..n as u32).collect();
            let b: Vec<u32> = (0..n as u32).map(|v| v * 3).collect();
            let got = map2_to_vec(&a, &b, |x, y| x + y);
            assert_eq!(got, (0..n as u32).map(|v| v * 4).collect::<Vec<_>>());
        }
    }
}
