//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): while alive, a customer buys as
//! a Poisson process with rate λ ~ Gamma(r, α); their lifetime is exponential with rate
//! μ ~ Gamma(s, β), so they can drop out at any time, not only after a purchase.
//!
//! The log-likelihood is lifetimes 0.11.3's `ParetoNBDFitter._conditional_log_likelihood`
//! (equations 18-20 of Fader, Hardie & Lee's 2005 note on the Pareto/NBD): with
//! (m, M, u) = (α, β, r + x) when α < β and (β, α, s + 1) otherwise, and w = r + s + x,
//!
//! ```text
//! A₀ = ₂F₁(w, u; w + 1; (M − m) / (M + t_x)) / (M + t_x)^w
//!      − ₂F₁(w, u; w + 1; (M − m) / (M + T)) / (M + T)^w
//! ln L = ln Γ(r + x) − ln Γ(r) + r ln α + s ln β
//!        + ln( (α + T)^−(r+x) (β + T)^−s + s A₀ / w )
//! ```
//!
//! with both sums taken in log space.

use std::fmt;

use crate::clv::optimize::{Search, check_settings, minimise, standard_errors};
use crate::clv::special::{ln_gamma, ln_hyp2f1, log_add_exp, log_sub_exp};
use crate::clv::{
    ScaledSummary, WeightedHistories, check_positive, check_prediction, check_summary,
    frequency_table, model_html, show_html, significant,
};
use crate::error::{Error, Result};

/// The parameters' names, in the order of [`ParetoNbd::params`].
const NAMES: [&str; 4] = ["r", "alpha", "s", "beta"];

/// The starting point: every parameter 1 in the fit's rescaled time, the centre of lifetimes'
/// random start (normal, mean 1, standard deviation 0.05), without the randomness.
const START: [f64; 4] = [0.0; 4];

/// The names of the starting values in errors.
const INITIAL_NAMES: [&str; 4] = [
    "ParetoNbdParams::initial_params r",
    "ParetoNbdParams::initial_params alpha",
    "ParetoNbdParams::initial_params s",
    "ParetoNbdParams::initial_params beta",
];

/// Settings of a Pareto/NBD fit.
///
/// The objective is lifetimes': the TOTAL negative log-likelihood (lifetimes divides the
/// weighted sum by the mean weight, 1 here) plus `penalizer · (r² + α² + s² + β²)`, with α and
/// β in the fit's time unit (the data's times divided by the largest `T`). The same penalizer
/// therefore weighs far less here than in the BG/NBD, whose likelihood is a mean, exactly as in
/// lifetimes. lifetimes searches the parameters themselves from a random start; this searches
/// their logarithms, which keeps them positive, from the centre of that start: same objective,
/// same optimum.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoNbdParams {
    penalizer: f64,
    max_iter: u64,
    tolerance: f64,
    initial: Option<[f64; 4]>,
}

impl Default for ParetoNbdParams {
    fn default() -> Self {
        Self::new()
    }
}

impl ParetoNbdParams {
    /// No penalty, at most 10,000 Nelder-Mead iterations per run, tolerance 1e-10, every
    /// parameter starting at 1 in the rescaled time.
    pub fn new() -> Self {
        ParetoNbdParams {
            penalizer: 0.0,
            max_iter: 10_000,
            tolerance: 1e-8,
            initial: None,
        }
    }

    /// The coefficient of the L2 penalty on the parameters (lifetimes' `penalizer_coef`).
    pub fn penalizer(mut self, penalizer: f64) -> Self {
        self.penalizer = penalizer;
        self
    }

    /// Most Nelder-Mead iterations in each of the two runs.
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// A run stops when the standard deviation of the simplex's objective values is below this
    /// times max(1, |objective|).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Where the search starts, in the data's time unit.
    pub fn initial_params(mut self, r: f64, alpha: f64, s: f64, beta: f64) -> Self {
        self.initial = Some([r, alpha, s, beta]);
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        check_settings(
            (self.penalizer, "ParetoNbdParams::penalizer"),
            (self.max_iter, "ParetoNbdParams::max_iter"),
            (self.tolerance, "ParetoNbdParams::tolerance"),
        )?;
        match self.initial {
            Some(initial) => check_positive(&INITIAL_NAMES, &initial),
            None => Ok(()),
        }
    }

    /// Fits the model to one summary row per customer: `frequency` (repeat purchases), `recency`
    /// (first to last purchase) and `age` (`T`), times in any one unit.
    pub fn fit(&self, frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<ParetoNbd> {
        self.check()?;
        let data = ScaledSummary::new(frequency, recency, age)?;
        let histories = WeightedHistories::new(&data);
        let objective = |log_params: &[f64]| self.objective(&histories, log_params);
        let optimum = minimise(&objective, &self.start(data.scale), &self.search())?;
        let params = to_data_units(&optimum.log_params, data.scale);
        let total = |p: &[f64]| self.objective(&histories, &to_fit_units(p, data.scale));
        let mut model = ParetoNbd::from_params(params[0], params[1], params[2], params[3])?;
        model.log_likelihood = model.log_likelihood_of(frequency, recency, age)?;
        model.standard_errors = standard_errors(&total, &params).and_then(|e| e.try_into().ok());
        model.n = data.len();
        model.iterations = optimum.iterations;
        Ok(model)
    }

    /// lifetimes' objective on rescaled data: total negative log-likelihood plus the penalty.
    /// A point where ₂F₁ cannot be summed counts as infinitely unlikely, so the search moves away.
    fn objective(&self, data: &WeightedHistories, log_params: &[f64]) -> f64 {
        let params = exp_params(log_params);
        let [r, alpha, s, beta] = params;
        let shared = -ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let table = frequency_table(data.max_frequency, |x| ln_gamma(r + x));
        // A history whose ₂F₁ cannot be summed makes the point infinitely bad (NaN → +∞).
        let total = data.weighted_sum(|i| {
            let x = data.frequency[i];
            let gamma = table
                .as_ref()
                .map_or_else(|| ln_gamma(r + x), |t| t[x as usize]);
            gamma + ln_a2(&params, x, data.recency[i], data.age[i]).unwrap_or(f64::NAN)
        }) + data.customers * shared;
        if total.is_nan() {
            return f64::INFINITY;
        }
        -total + self.penalizer * params.iter().map(|p| p * p).sum::<f64>()
    }

    fn start(&self, scale: f64) -> Vec<f64> {
        match self.initial {
            Some(initial) => to_fit_units(&initial, scale),
            None => START.to_vec(),
        }
    }

    fn search(&self) -> Search<'static> {
        Search {
            model: "Pareto/NBD",
            names: &NAMES,
            centre: &[0.0; 4],
            may_vanish: &[],
            penalizer_setting: "ParetoNbdParams::penalizer",
            max_iter_setting: "ParetoNbdParams::max_iter",
            max_iter: self.max_iter,
            tolerance: self.tolerance,
        }
    }
}

/// exp of each log-parameter (missing ones count as 0, so as 1).
fn exp_params(log_params: &[f64]) -> [f64; 4] {
    std::array::from_fn(|i| log_params.get(i).copied().unwrap_or(0.0).exp())
}

/// Log-parameters in the fit's time unit to parameters in the data's: α and β are times.
fn to_data_units(log_params: &[f64], scale: f64) -> [f64; 4] {
    let mut params = exp_params(log_params);
    params[1] /= scale;
    params[3] /= scale;
    params
}

/// Parameters in the data's time unit to log-parameters in the fit's.
fn to_fit_units(params: &[f64], scale: f64) -> Vec<f64> {
    params
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            if i == 1 || i == 3 {
                (p * scale).ln()
            } else {
                p.ln()
            }
        })
        .collect()
}

/// Σ ln L over the customers; an error when ₂F₁ cannot be summed for one of them.
fn log_likelihood_sum(
    params: &[f64; 4],
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
) -> Result<f64> {
    let [r, alpha, s, beta] = *params;
    let shared = -ln_gamma(r) + r * alpha.ln() + s * beta.ln();
    let mut total = 0.0;
    for ((&x, &t_x), &t) in frequency.iter().zip(recency).zip(age) {
        total += shared + ln_gamma(r + x) + ln_a2(params, x, t_x, t)?;
    }
    Ok(total)
}

/// One customer's ln L.
fn customer_log_likelihood(params: &[f64; 4], x: f64, t_x: f64, t: f64) -> Result<f64> {
    let [r, alpha, s, beta] = *params;
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
    Ok(a1 + ln_a2(params, x, t_x, t)?)
}

/// lifetimes' A₂: ln((α + T)^−(r+x) (β + T)^−s + s A₀ / (r + s + x)).
fn ln_a2(params: &[f64; 4], x: f64, t_x: f64, t: f64) -> Result<f64> {
    let [r, alpha, s, beta] = *params;
    let alive_to_the_end = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
    let died_before = s.ln() + ln_a0(params, x, t_x, t)? - (r + s + x).ln();
    Ok(log_add_exp(alive_to_the_end, died_before))
}

/// lifetimes' `_log_A_0`: ln A₀, the two ₂F₁ terms subtracted in log space. −∞ when t_x = T
/// (A₀ = 0: no time in which the customer could have died unseen).
fn ln_a0(params: &[f64; 4], x: f64, t_x: f64, t: f64) -> Result<f64> {
    let [r, alpha, s, beta] = *params;
    let (smaller, larger, second) = if alpha < beta {
        (alpha, beta, r + x)
    } else {
        (beta, alpha, s + 1.0)
    };
    let gap = larger - smaller;
    let w = r + s + x;
    let term = |time: f64| -> Result<f64> {
        Ok(ln_hyp2f1(w, second, w + 1.0, gap / (larger + time))? - w * (larger + time).ln())
    };
    Ok(log_sub_exp(term(t_x)?, term(t)?))
}

/// A fitted (or given) Pareto/NBD model, times in the data's unit.
///
/// ```
/// use custseg::clv::ParetoNbd;
///
/// // The CDNOW estimates, in weeks.
/// let model = ParetoNbd::from_params(0.553, 10.578, 0.606, 11.668)?;
/// let alive = model.probability_alive(2.0, 30.43, 38.86)?;
/// assert!((alive - 0.8692).abs() < 1e-4);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoNbd {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Scale of the gamma distribution of purchase rates, in the data's time unit.
    pub alpha: f64,
    /// Shape of the gamma distribution of drop-out rates.
    pub s: f64,
    /// Scale of the gamma distribution of drop-out rates, in the data's time unit.
    pub beta: f64,
    /// Total log-likelihood of the data at these parameters (no penalty), with times in the
    /// data's unit; NaN for a model made by [`ParetoNbd::from_params`].
    pub log_likelihood: f64,
    /// Standard errors of r, α, s, β from the inverse Hessian of the total objective (lifetimes
    /// gives none for this model); `None` when it is not positive definite or the model was not
    /// fitted.
    pub standard_errors: Option<[f64; 4]>,
    /// Customers fitted.
    pub n: usize,
    /// Nelder-Mead iterations of the fit.
    pub iterations: u64,
}

impl ParetoNbd {
    /// A model with the given parameters (times in the unit the predictions will use); all must
    /// be finite and above 0.
    pub fn from_params(r: f64, alpha: f64, s: f64, beta: f64) -> Result<ParetoNbd> {
        check_positive(&NAMES, &[r, alpha, s, beta])?;
        Ok(ParetoNbd {
            r,
            alpha,
            s,
            beta,
            log_likelihood: f64::NAN,
            standard_errors: None,
            n: 0,
            iterations: 0,
        })
    }

    /// r, α, s, β.
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// The total log-likelihood of a summary under this model.
    pub fn log_likelihood_of(
        &self,
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
    ) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        log_likelihood_sum(&self.params(), frequency, recency, age)
    }

    /// Expected repeat purchases in a period of length `t` of a customer drawn at random
    /// (equation 27 of the note; lifetimes' `expected_number_of_purchases_up_to_time`):
    /// r β / (α (s − 1)) · [1 − (β / (β + t))^(s − 1)].
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        check_prediction(t, 0.0, 0.0, 0.0)?;
        let [r, alpha, s, beta] = self.params();
        finite(r * beta / alpha * growth(s, beta, t), "expected_purchases")
    }

    /// Expected repeat purchases in the next `t` of a customer with `frequency` repeat purchases,
    /// the last at `recency`, seen for `age` (equation 41 of the note; lifetimes'
    /// `conditional_expected_number_of_purchases_up_to_time`, also its `predict`).
    pub fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        check_prediction(t, frequency, recency, age)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let [r, alpha, s, beta] = self.params();
        let x = frequency;
        let likelihood = customer_log_likelihood(&self.params(), x, recency, age)?;
        let alive_to_the_end = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln()
            - (r + x) * (alpha + age).ln()
            - s * (beta + age).ln();
        let rate = (r + x).ln() + (beta + age).ln() - (alpha + age).ln();
        let ahead = growth(s, beta + age, t).ln();
        finite(
            (alive_to_the_end + rate + ahead - likelihood).exp(),
            "conditional_expected_purchases",
        )
    }

    /// Expected repeat purchases in the next `t` of a customer with `frequency` repeat purchases
    /// seen for `age`, if they are alive now (it does not depend on recency): (r + x)(β + T) /
    /// (α + T) times the expected lifetime within t of a customer alive at T, the factor that
    /// [`ParetoNbd::conditional_expected_purchases`] multiplies by P(alive).
    pub fn expected_purchases_if_alive(&self, t: f64, frequency: f64, age: f64) -> Result<f64> {
        check_prediction(t, frequency, 0.0, age)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let [r, alpha, s, beta] = self.params();
        let rate = (r + frequency).ln() + (beta + age).ln() - (alpha + age).ln();
        finite(
            (rate + growth(s, beta + age, t).ln()).exp(),
            "expected_purchases_if_alive",
        )
    }

    /// Probability that a customer with `frequency` repeat purchases, the last at `recency`, seen
    /// for `age`, is still alive (equations 36 and 37 of the note).
    pub fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_prediction(0.0, frequency, recency, age)?;
        let [r, alpha, s, beta] = self.params();
        let x = frequency;
        let log_a0 = ln_a0(&self.params(), x, recency, age)?;
        let odds = s.ln() - (r + s + x).ln()
            + (r + x) * (alpha + age).ln()
            + s * (beta + age).ln()
            + log_a0;
        Ok(1.0 / (1.0 + odds.exp()))
    }

    /// The model as an HTML table: parameters, standard errors, customers, log-likelihood.
    pub fn html(&self) -> String {
        let errors = self
            .standard_errors
            .map(|e| e.map(Some))
            .unwrap_or([None; 4]);
        let rows: Vec<(&str, f64, Option<f64>)> = NAMES
            .iter()
            .zip(self.params())
            .zip(errors)
            .map(|((&name, value), error)| (name, value, error))
            .collect();
        let facts = [
            ("customers", self.n.to_string()),
            ("log-likelihood", significant(self.log_likelihood)),
            ("iterations", self.iterations.to_string()),
        ];
        model_html("Pareto/NBD", &rows, &facts)
    }

    /// Shows the model in an evcxr notebook.
    pub fn evcxr_display(&self) {
        show_html(&self.html());
    }
}

impl fmt::Display for ParetoNbd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pareto/NBD: r = {}, alpha = {}, s = {}, beta = {} ({} customers, log-likelihood {})",
            significant(self.r),
            significant(self.alpha),
            significant(self.s),
            significant(self.beta),
            self.n,
            significant(self.log_likelihood)
        )
    }
}

/// (1 − (base / (base + t))^(s − 1)) / (s − 1), by `exp_m1` so that s near 1 keeps its digits,
/// and its limit ln((base + t) / base) at s = 1 (lifetimes divides by zero there).
fn growth(s: f64, base: f64, t: f64) -> f64 {
    let log_ratio = (base / (base + t)).ln();
    if (s - 1.0).abs() < 1e-12 {
        -log_ratio
    } else {
        -((s - 1.0) * log_ratio).exp_m1() / (s - 1.0)
    }
}

/// `value`, or an error naming the prediction when it is not a finite number.
fn finite(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::param(
            what,
            format!("the Pareto/NBD prediction is {value}: the model's parameters are extreme"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::toy;

    fn cdnow() -> ParetoNbd {
        ParetoNbd::from_params(0.553, 10.578, 0.606, 11.668).unwrap()
    }

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs()
    }

    #[test]
    fn purchases_if_alive() {
        // (The product with P(alive) is checked for both models in value.rs.) If alive, a customer buys at rate (r + x) / (α + T) while their remaining lifetime,
        // exponential at rate μ ~ Gamma(s, β + T), lasts: (r + x)/(α + T) · (β + T)/(s − 1) ·
        // [1 − ((β + T)/(β + T + t))^(s − 1)].
        let m = cdnow();
        let [r, alpha, s, beta] = m.params();
        let (x, age, t) = (2.0, 38.86, 39.0);
        let want = (r + x) / (alpha + age) * (beta + age) / (s - 1.0)
            * (1.0 - ((beta + age) / (beta + age + t)).powf(s - 1.0));
        let got = m.expected_purchases_if_alive(t, x, age).unwrap();
        assert!(close(got, want, 1e-12), "{got} vs {want}");
    }

    #[test]
    fn likelihood_against_direct_integration() {
        // mpmath values; each also checked against the double integral of the individual
        // likelihood over the gamma mixing distributions.
        let m = cdnow();
        let cases = [
            (m.params(), 2.0, 30.43, 38.86, -9.554320153001087),
            (m.params(), 0.0, 0.0, 38.86, -0.5210333943186243),
            // α < β, the other branch of A₀.
            (
                [0.553, 5.0, 0.606, 9.0],
                2.0,
                30.43,
                38.86,
                -9.77385474537771,
            ),
            (
                [0.553, 9.0, 0.606, 5.0],
                1.0,
                10.0,
                20.0,
                -5.160673716929029,
            ),
        ];
        for (params, x, t_x, t, want) in cases {
            let got = customer_log_likelihood(&params, x, t_x, t).unwrap();
            assert!(
                close(got, want, 1e-12),
                "{params:?} {x} {t_x} {t}: {got} vs {want}"
            );
        }
        // A last purchase at the very end: A₀ = 0, only the alive-to-the-end term is left.
        let p = m.params();
        let got = customer_log_likelihood(&p, 3.0, 20.0, 20.0).unwrap();
        let want = ln_gamma(p[0] + 3.0) - ln_gamma(p[0]) + p[0] * p[1].ln() + p[2] * p[3].ln()
            - (p[0] + 3.0) * (p[1] + 20.0).ln()
            - p[2] * (p[3] + 20.0).ln();
        assert!(close(got, want, 1e-13), "{got} vs {want}");
    }

    #[test]
    fn predictions_at_the_published_cdnow_parameters() {
        // lifetimes 0.11.3 and mpmath agree on all of these.
        let m = cdnow();
        let got = m
            .conditional_expected_purchases(39.0, 2.0, 30.43, 38.86)
            .unwrap();
        assert!(close(got, 1.4551144758963508, 1e-10), "{got}");
        let got = m
            .conditional_expected_purchases(39.0, 0.0, 0.0, 38.86)
            .unwrap();
        assert!(close(got, 0.10707549340342023, 1e-10), "{got}");
        let got = m.probability_alive(2.0, 30.43, 38.86).unwrap();
        assert!(close(got, 0.8691649224383227, 1e-12), "{got}");
        let got = m.probability_alive(0.0, 0.0, 38.86).unwrap();
        assert!(close(got, 0.29527100172271076, 1e-12), "{got}");
        let unconditional = [
            (1.0, 0.05097973675379237),
            (3.0, 0.14606036814988105),
            (32.0, 1.0558700759315415),
            (78.0, 1.909336052600056),
        ];
        for (t, want) in unconditional {
            let got = m.expected_purchases(t).unwrap();
            assert!(close(got, want, 1e-12), "E[X({t})] = {got} vs {want}");
        }
        assert_eq!(m.expected_purchases(0.0).unwrap(), 0.0);
        assert_eq!(m.probability_alive(2.0, 38.86, 38.86).unwrap(), 1.0);
    }

    #[test]
    fn growth_is_continuous_at_s_equal_1() {
        let at_one = growth(1.0, 10.0, 5.0);
        assert!(close(at_one, 1.5f64.ln(), 1e-15));
        assert!(close(growth(1.0 + 1e-9, 10.0, 5.0), at_one, 1e-8));
        // s = 2: (1 − base / (base + t)) / 1 = t / (base + t).
        assert!(close(growth(2.0, 10.0, 5.0), 5.0 / 15.0, 1e-14));
    }

    #[test]
    fn fit_finds_the_optimum() {
        // A careful Nelder-Mead with restarts in Python on the same likelihood (which matches
        // lifetimes' to 1e-12) ends at these parameters and log-likelihood; lifetimes' own
        // ParetoNBDFitter (tolerance 1e-4) stops earlier on this flat ridge, at s = 1.37,
        // β = 70.1, log-likelihood 0.0003 lower.
        let m = ParetoNbdParams::new()
            .fit(&toy::FREQUENCY, &toy::RECENCY, &toy::AGE)
            .unwrap();
        assert!(
            (m.log_likelihood + 304.8533533084043).abs() < 1e-5,
            "{}",
            m.log_likelihood
        );
        let want = [
            0.39065723161774435,
            6.231209465047278,
            1.6338278643774944,
            85.79234061016554,
        ];
        let tolerance = [1e-3, 1e-3, 5e-3, 5e-3];
        for ((got, want), tolerance) in m.params().iter().zip(want).zip(tolerance) {
            assert!(close(*got, want, tolerance), "{got} vs {want}");
        }
        assert_eq!(m.n, 60);
        assert!(m.html().contains("Pareto/NBD"));
    }
}
