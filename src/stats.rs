//! Quantiles with numpy's (and so pandas') default linear interpolation, shared by RFM scoring,
//! feature scaling, charts and the report.

/// The `q` quantile (0 to 1) of an ascending slice, as `numpy.quantile(x, q)` computes it, bit for
/// bit: virtual index `(n - 1) * q`, interpolated with numpy's `_lerp`. The slice must not be empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virtual_index = (n - 1) as f64 * q;
    let below = virtual_index.floor();
    let t = virtual_index - below;
    let below = (below as usize).min(n - 1);
    let above = (below + 1).min(n - 1);
    lerp(sorted[below], sorted[above], t)
}

/// The `q` quantile of values in any order (sorts a copy). The slice must not be empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, q)
}

/// numpy's `_lerp`: the form it uses depends on which end `t` is closer to.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_interpolation() {
        let v = [0.0, 1.0, 2.0, 3.0, 100.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.0);
        assert_eq!(quantile_sorted(&v, 0.875), 3.0 + 97.0 * 0.5);
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert_eq!(quantile_sorted(&v, 1.0), 100.0);
    }
}
