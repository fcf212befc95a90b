//! The special functions the CLV models need: ln Γ, ψ, ln B, the Gauss hypergeometric function
//! ₂F₁(a, b; c; z), and sums of exponentials taken in log space.
//!
//! ₂F₁ is written here because no well-kept Rust crate offers it: the BG/NBD's expected purchases
//! and the Pareto/NBD's likelihood need it for real parameters and 0 ≤ z < 1, where its power
//! series converges. The series is summed with term ratios, rescaled by powers of two so that the
//! large parameters of a frequent buyer (a, b in the hundreds) cannot overflow it. It stops when
//! the rest of the series cannot change the sum by more than one part in 10¹⁵, and gives an
//! error, never a rough number, when that takes more than [`MAX_TERMS`] terms or when
//! cancellation between terms of opposite signs has eaten the digits.

use crate::error::{Error, Result};

/// The most terms of the ₂F₁ series summed before giving up: enough for z up to about 0.9995
/// (the terms shrink like zᵏ, so 1e-15 takes ln(1e-15) / ln(z) terms).
pub const MAX_TERMS: usize = 100_000;

/// The relative size of the rest of the ₂F₁ series at which the sum stops.
const TOLERANCE: f64 = 1e-15;

/// How many times larger than the sum the largest term may be before cancellation has cost too
/// many digits (1e8: at most 8 of the 16 digits lost).
const MAX_CANCELLATION: f64 = 1e8;

/// ln Γ(x), by libm's `lgamma` (the C library's algorithm, a few units in the last place).
///
/// ```
/// use custseg::clv::special::ln_gamma;
/// assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-14);
/// ```
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ψ(x), the digamma function (the derivative of ln Γ), for x > 0; NaN otherwise. The
/// likelihoods' gradients need it, and the crates that have it bring a linear-algebra stack
/// with them. The recurrence ψ(x) = ψ(x + 1) − 1/x moves x to 10 or more, where the asymptotic
/// series ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ), cut after x⁻¹², is within 1e-15.
///
/// ```
/// use custseg::clv::special::digamma;
/// let euler_gamma = 0.5772156649015329;
/// assert!((digamma(1.0) + euler_gamma).abs() < 1e-14);
/// ```
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let (mut x, mut shift) = (x, 0.0);
    while x < 10.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    shift + x.ln() - 0.5 / x - series
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(eᵃ + eᵇ) without overflow: the larger exponent is taken out first.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let top = a.max(b);
    if top.is_infinite() {
        return top;
    }
    top + ((a - top).exp() + (b - top).exp()).ln()
}

/// ln(eᵃ − eᵇ) for b < a, with `exp_m1` so that close values keep their digits. When b ≥ a the
/// difference is zero, or rounding has made it negative: the callers use it where the exact
/// difference is never negative, so the answer is then −∞ (a zero difference).
pub fn log_sub_exp(a: f64, b: f64) -> f64 {
    if b >= a {
        return f64::NEG_INFINITY;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    a + (-(b - a).exp_m1()).ln()
}

/// ln Σ exp(vᵢ), with the largest value taken out so that nothing overflows; −∞ for no values.
///
/// ```
/// use custseg::clv::special::log_sum_exp;
/// let values = [1000.0, 1000.0];
/// assert!((log_sum_exp(&values) - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// ```
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let top = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top.is_infinite() {
        return top;
    }
    top + values.iter().map(|v| (v - top).exp()).sum::<f64>().ln()
}

/// ₂F₁(a, b; c; z) for 0 ≤ z < 1.
///
/// An error when the arguments are outside that range, when c is 0 or a negative whole number
/// (a pole), when the series needs more than [`MAX_TERMS`] terms, or when the value is too large
/// for an `f64`.
///
/// ```
/// use custseg::clv::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
/// let z = 0.5;
/// assert!((hyp2f1(1.0, 1.0, 2.0, z)? - (-(1.0f64 - z).ln() / z)).abs() < 1e-14);
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let (log_abs, sign) = ln_hyp2f1_signed(a, b, c, z)?;
    let value = sign * log_abs.exp();
    if !value.is_finite() {
        return Err(hyp2f1_error(
            a,
            b,
            c,
            z,
            "the value is too large for a 64-bit float; use `ln_hyp2f1`",
        ));
    }
    Ok(value)
}

/// ln ₂F₁(a, b; c; z) for 0 ≤ z < 1 when the value is positive (always, when a, b and c are).
///
/// Errors as [`hyp2f1`], and when the value is zero or negative.
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let (log_abs, sign) = ln_hyp2f1_signed(a, b, c, z)?;
    if sign <= 0.0 || log_abs == f64::NEG_INFINITY {
        return Err(hyp2f1_error(
            a,
            b,
            c,
            z,
            "the value is not positive, so it has no logarithm",
        ));
    }
    Ok(log_abs)
}

/// ln |₂F₁(a, b; c; z)| and the sign of ₂F₁ (1 or −1; 0 for a zero value).
///
/// Each term is the one before times (a + k)(b + k) z / ((c + k)(k + 1)); the sum stops when the
/// terms are past every factor's sign change, shrinking, and the rest of the series (bounded by a
/// geometric series in the larger of z and the last ratio) is below 1e-15 of the sum.
pub fn ln_hyp2f1_signed(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64)> {
    check_hyp2f1_arguments(a, b, c, z)?;
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok((0.0, 1.0));
    }
    // Past this index no factor (a + k), (b + k), (c + k) changes sign again, so the ratios only
    // drift towards z and the tail bound below holds.
    let tail_start = [0.0, -a, -b, -c].into_iter().fold(0.0, f64::max).ceil();
    let mut series = Series::new();
    for k in 0..MAX_TERMS {
        let k = k as f64;
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        if ratio == 0.0 {
            // a or b is a non-positive whole number: the series is a polynomial and has ended.
            return series.finish(a, b, c, z);
        }
        series.push(ratio);
        let shrinking = ratio.abs() < 1.0 && k + 1.0 > tail_start;
        if shrinking && series.rest_is_negligible(z.max(ratio.abs())) {
            return series.finish(a, b, c, z);
        }
    }
    Err(hyp2f1_error(
        a,
        b,
        c,
        z,
        &format!(
            "the series did not converge in {MAX_TERMS} terms (z is too close to 1 for the \
             series; the model's parameters are probably extreme)"
        ),
    ))
}

/// Rejects arguments outside the series' domain.
fn check_hyp2f1_arguments(a: f64, b: f64, c: f64, z: f64) -> Result<()> {
    if !(a.is_finite() && b.is_finite() && c.is_finite() && z.is_finite()) {
        return Err(hyp2f1_error(a, b, c, z, "the arguments must be finite"));
    }
    if !(0.0..1.0).contains(&z) {
        return Err(hyp2f1_error(
            a,
            b,
            c,
            z,
            "z must be in [0, 1), where the series converges",
        ));
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(hyp2f1_error(
            a,
            b,
            c,
            z,
            "c is 0 or a negative whole number, where ₂F₁ has a pole",
        ));
    }
    Ok(())
}

fn hyp2f1_error(a: f64, b: f64, c: f64, z: f64, why: &str) -> Error {
    Error::param(
        "hyp2f1",
        format!("2F1(a = {a}, b = {b}; c = {c}; z = {z}): {why}"),
    )
}

/// Powers of two by which the partial sums are rescaled: 2^500 leaves room for a ratio of up to
/// 1e150 before the next term could overflow.
const RESCALE_BITS: i32 = 500;
/// 2^500, built from its bits so that it is exact.
const RESCALE: f64 = f64::from_bits((1023 + 500) << 52);
/// 2^−500.
const RESCALE_INVERSE: f64 = f64::from_bits((1023 - 500) << 52);

/// The partial sums of the series, all divided by 2^`exponent` so that a frequent buyer's huge
/// terms do not overflow. The terms are a running product of ratios, so each carries about k
/// rounding errors after k terms, as in any summation by ratios; rescaling by a power of two
/// adds none.
struct Series {
    term: f64,
    sum: f64,
    largest: f64,
    exponent: i32,
}

impl Series {
    /// The series holding its first term, 1.
    fn new() -> Series {
        Series {
            term: 1.0,
            sum: 1.0,
            largest: 1.0,
            exponent: 0,
        }
    }

    /// Adds the next term, the last one times `ratio`.
    fn push(&mut self, ratio: f64) {
        self.term *= ratio;
        self.sum += self.term;
        self.largest = self.largest.max(self.term.abs());
        if self.term.abs() > RESCALE {
            self.term *= RESCALE_INVERSE;
            self.sum *= RESCALE_INVERSE;
            self.largest *= RESCALE_INVERSE;
            self.exponent += RESCALE_BITS;
        }
    }

    /// Whether the terms after this one, shrinking at least as fast as `ratio_bound` < 1 each,
    /// add less than [`TOLERANCE`] of the sum.
    fn rest_is_negligible(&self, ratio_bound: f64) -> bool {
        self.term.abs() * ratio_bound / (1.0 - ratio_bound) <= TOLERANCE * self.sum.abs()
    }

    /// The logarithm and sign, or an error when terms of opposite signs cancelled so much that
    /// the sum has fewer than 8 correct digits.
    fn finish(&self, a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64)> {
        if self.largest > MAX_CANCELLATION * self.sum.abs() {
            return Err(hyp2f1_error(
                a,
                b,
                c,
                z,
                "terms of opposite signs cancel: the series cannot give this value accurately",
            ));
        }
        let log_abs = self.sum.abs().ln() + f64::from(self.exponent) * std::f64::consts::LN_2;
        Ok((log_abs, self.sum.signum()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs().max(1e-300)
    }

    #[test]
    fn gamma_and_beta_by_hand() {
        // Γ(10) = 9! = 362880; Γ(1/2) = √π.
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-14));
        assert!(close(ln_gamma(0.5), 0.5 * std::f64::consts::PI.ln(), 1e-14));
        // B(2.5, 3.5) = Γ(2.5) Γ(3.5) / Γ(6): ln = -3.30183526996205... (mpmath).
        assert!(close(ln_beta(2.5, 3.5), -3.301835269962053, 1e-13));
    }

    #[test]
    fn digamma_against_scipy() {
        // scipy.special.digamma (Cephes), and ψ(1/2) = −γ − 2 ln 2.
        let cases = [
            (1e-3, -1000.5755719318103),
            (0.1, -10.423754940411076),
            (0.5, -1.9635100260214235),
            (2.5, 0.7031566406452432),
            (9.99, 2.250700372831201),
            (10.0, 2.251752589066721),
            (37.25, 3.604169073005627),
            (1e6, 13.81551005796419),
        ];
        for (x, want) in cases {
            assert!(
                close(digamma(x), want, 4e-15),
                "ψ({x}) = {} vs {want}",
                digamma(x)
            );
        }
        let euler_gamma = 0.5772156649015329;
        assert!(close(digamma(0.5), -euler_gamma - 2.0 * 2f64.ln(), 1e-15));
        // The recurrence the series relies on, across the switch at 10.
        for x in [0.3, 4.7, 9.5, 12.0] {
            assert!(
                (digamma(x + 1.0) - digamma(x) - 1.0 / x).abs() < 1e-14,
                "{x}"
            );
        }
        assert!(digamma(0.0).is_nan() && digamma(-1.5).is_nan());
    }

    #[test]
    fn log_space_sums() {
        assert!(close(log_add_exp(0.0, 0.0), 2f64.ln(), 1e-15));
        assert_eq!(log_add_exp(f64::NEG_INFINITY, 3.0), 3.0);
        assert!(log_sub_exp(2f64.ln(), 0.0).abs() < 1e-15, "ln(2 - 1) = 0");
        assert_eq!(log_sub_exp(1.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert!(close(
            log_sum_exp(&[-1000.0, -1000.0, -1000.0]),
            -1000.0 + 3f64.ln(),
            1e-15
        ));
    }

    #[test]
    fn hyp2f1_closed_forms() {
        for z in [0.0f64, 1e-8, 0.1, 0.5, 0.9, 0.99] {
            // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z (→ 1 at z = 0).
            let want: f64 = if z == 0.0 { 1.0 } else { -(-z).ln_1p() / z };
            assert!(
                close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want, 1e-13),
                "z = {z}"
            );
            // ₂F₁(a, b; b; z) = (1 − z)^−a.
            for a in [0.3, 2.5, 17.0] {
                let want = (1.0 - z).powf(-a);
                assert!(
                    close(hyp2f1(a, 3.7, 3.7, z).unwrap(), want, 1e-11),
                    "a = {a}, z = {z}"
                );
            }
        }
        // A polynomial: ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b + 1)z²/(c(c + 1)).
        let (b, c, z) = (1.5, 2.5, 0.4);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(close(hyp2f1(-2.0, b, c, z).unwrap(), want, 1e-14));
    }

    #[test]
    fn hyp2f1_against_mpmath() {
        // Values from mpmath.hyp2f1 at 30 digits.
        let cases = [
            (50.5, 30.2, 80.1, 0.7, 19.76777790342872),
            (3.2, 1.6, 4.2, 0.95, 3.019949870205335),
            (200.0, 150.0, 120.0, 0.3, 87.27195238740671),
            // The BG/NBD's conditional expectation for x = 2 at the CDNOW parameters.
            (
                2.2426,
                4.4259,
                4.2188,
                39.0 / (4.4136 + 38.86 + 39.0),
                1.520458814742188,
            ),
        ];
        for (a, b, c, z, want) in cases {
            let got = ln_hyp2f1(a, b, c, z).unwrap();
            assert!(
                close(got, want, 1e-12),
                "2F1({a}, {b}; {c}; {z}): {got} vs {want}"
            );
        }
        // Terms of both signs: ₂F₁(−0.7, 1.3; 2.2; 0.6) = 0.731026856121395...
        let got = hyp2f1(-0.7, 1.3, 2.2, 0.6).unwrap();
        assert!(close(got, 0.7310268561213953, 1e-13), "{got}");
    }

    #[test]
    fn hyp2f1_refuses_rather_than_guesses() {
        assert!(
            hyp2f1(1.0, 1.0, 2.0, 1.0).is_err(),
            "z = 1 is outside the series"
        );
        assert!(hyp2f1(1.0, 1.0, 2.0, -0.5).is_err());
        assert!(hyp2f1(1.0, 1.0, -3.0, 0.5).is_err(), "pole at c = -3");
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
        // z this close to 1 needs millions of terms.
        let err = hyp2f1(1.0, 1.5, 2.0, 0.9999999).unwrap_err().to_string();
        assert!(err.contains("did not converge"), "{err}");
    }
}
