//! The BG/NBD model (Fader, Hardie & Lee 2005): while alive, a customer buys as a Poisson
//! process with rate λ ~ Gamma(r, α); after each repeat purchase they drop out with probability
//! p ~ Beta(a, b).
//!
//! The log-likelihood is lifetimes 0.11.3's `BetaGeoFitter._negative_log_likelihood` (the paper's
//! equation 6 in log space): for a customer with `x` repeat purchases, the last at `t_x`, seen
//! for `T`,
//!
//! ```text
//! A₁ = ln Γ(r + x) − ln Γ(r) + r ln α
//! A₂ = ln Γ(a + b) + ln Γ(b + x) − ln Γ(b) − ln Γ(a + b + x)
//! A₃ = −(r + x) ln(α + T)
//! A₄ = ln a − ln(b + max(x, 1) − 1) − (r + x) ln(α + t_x)
//! ln L = A₁ + A₂ + ln(e^A₃ + 1{x > 0} e^A₄)
//! ```

use std::fmt;

use crate::clv::optimize::{Search, check_settings, minimise_smooth, penalised_mean};
use crate::clv::special::{digamma, ln_gamma, ln_hyp2f1_signed, log_add_exp};
use crate::clv::{
    ScaledSummary, WeightedHistories, check_positive, check_prediction, check_summary,
    frequency_table, model_html, show_html, significant,
};
use crate::error::{Error, Result};

/// The parameters' names, in the order of [`BetaGeo::params`].
const NAMES: [&str; 4] = ["r", "alpha", "a", "b"];

/// lifetimes' starting point: every log-parameter 0.1 (in the fit's rescaled time).
const START: [f64; 4] = [0.1; 4];

/// Settings of a BG/NBD fit.
///
/// The objective is lifetimes': the mean negative log-likelihood per customer plus
/// `penalizer · (r² + α² + a² + b²)`, with α in the fit's time unit (the data's times divided by
/// the largest `T`, as lifetimes rescales them), so a penalizer has the same effect as
/// lifetimes' `penalizer_coef` on the same data.
///
/// ```
/// use custseg::clv::BetaGeoParams;
///
/// let frequency = [2.0, 0.0, 5.0, 1.0, 0.0, 3.0, 0.0, 1.0];
/// let recency = [30.4, 0.0, 35.1, 3.0, 0.0, 20.7, 0.0, 33.0];
/// let age = [38.9, 38.9, 36.0, 35.0, 34.1, 33.3, 32.0, 37.5];
/// match BetaGeoParams::new().penalizer(0.01).fit(&frequency, &recency, &age) {
///     Ok(model) => assert!(model.probability_alive(0.0, 0.0, 38.9)? == 1.0),
///     Err(e) => println!("{e}"), // eight customers may be too few for an optimum
/// }
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BetaGeoParams {
    penalizer: f64,
    max_iter: u64,
    tolerance: f64,
    initial: Option<[f64; 4]>,
}

impl Default for BetaGeoParams {
    fn default() -> Self {
        Self::new()
    }
}

impl BetaGeoParams {
    /// No penalty, at most 10,000 iterations, tolerance 1e-8, lifetimes' starting point.
    pub fn new() -> Self {
        BetaGeoParams {
            penalizer: 0.0,
            max_iter: 10_000,
            tolerance: 1e-8,
            initial: None,
        }
    }

    /// The coefficient of the L2 penalty on the parameters (lifetimes' `penalizer_coef`); 0.001
    /// to 0.1 steadies fits on data with few repeat buyers.
    pub fn penalizer(mut self, penalizer: f64) -> Self {
        self.penalizer = penalizer;
        self
    }

    /// Most BFGS iterations (and Nelder-Mead iterations per run, when the fit falls back to
    /// it).
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The fit stops when the norm of the objective's gradient (in the log-parameters) is below
    /// this; in the Nelder-Mead fallback, when the standard deviation of the simplex's objective
    /// values is below this times max(1, |objective|).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Where the search starts, in the data's time unit (lifetimes' default otherwise).
    pub fn initial_params(mut self, r: f64, alpha: f64, a: f64, b: f64) -> Self {
        self.initial = Some([r, alpha, a, b]);
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        check_settings(
            (self.penalizer, "BetaGeoParams::penalizer"),
            (self.max_iter, "BetaGeoParams::max_iter"),
            (self.tolerance, "BetaGeoParams::tolerance"),
        )?;
        match self.initial {
            Some(initial) => check_positive(&INITIAL_NAMES, &initial),
            None => Ok(()),
        }
    }

    /// Fits the model to one summary row per customer: `frequency` (repeat purchases), `recency`
    /// (first to last purchase) and `age` (`T`: first purchase to the end of the data), times in
    /// any one unit.
    ///
    /// A fit may end with `a` near 0: the model's limit where nobody drops out (every P(alive) is
    /// 1), which data with few signs of drop-out reach; b then has no standard error. Data
    /// without a single repeat purchase are an error.
    pub fn fit(&self, frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<BetaGeo> {
        self.check()?;
        let data = ScaledSummary::new(frequency, recency, age)?;
        if frequency.iter().all(|&x| x == 0.0) {
            // Nothing tells purchase rates from drop-out: the likelihood rises as r falls to 0
            // and is flat in a and b.
            return Err(Error::param(
                "frequency",
                "no customer has a repeat purchase: the BG/NBD model learns purchase rates and \
                 drop-out from repeat purchases; observe the customers for longer",
            ));
        }
        let histories = WeightedHistories::new(&data);
        let objective = |log_params: &[f64]| self.objective(&histories, log_params);
        let optimum = minimise_smooth(&objective, &self.start(data.scale), &self.search())?;
        let params = to_data_units(&optimum.log_params, data.scale);
        let mut model = BetaGeo::from_params(params[0], params[1], params[2], params[3])?;
        // Rescaling time by `scale` moves each customer's ln L by −x ln(scale) (α and the times
        // scale together; see `times_terms`), so the data's ln L is the fit's plus ln(scale) Σ x.
        let fit_units = log_likelihood_and_gradient(&exp_params(&optimum.log_params), &histories);
        let purchases = histories.weighted_sum(|i| histories.frequency[i]);
        model.log_likelihood = fit_units[0] + data.scale.ln() * purchases;
        // From the Hessian of the total objective (mean × customers): with no penalty, the
        // observed information.
        model.standard_errors = optimum
            .standard_errors(&params, data.len() as f64)
            .and_then(|e| e.try_into().ok());
        model.n = data.len();
        model.iterations = optimum.iterations;
        Ok(model)
    }

    /// lifetimes' objective on rescaled data (mean negative log-likelihood plus the penalty) and
    /// its gradient in the log-parameters, from one pass over the histories.
    fn objective(&self, data: &WeightedHistories, log_params: &[f64]) -> (f64, Vec<f64>) {
        let params = exp_params(log_params);
        let sums = log_likelihood_and_gradient(&params, data);
        penalised_mean(&sums, &params, data.customers, self.penalizer)
    }

    fn start(&self, scale: f64) -> Vec<f64> {
        match self.initial {
            Some(initial) => to_fit_units(&initial, scale),
            None => START.to_vec(),
        }
    }

    fn search(&self) -> Search<'static> {
        Search {
            model: "BG/NBD",
            names: &NAMES,
            centre: &[0.0; 4],
            may_vanish: &["a"],
            penalizer_setting: "BetaGeoParams::penalizer",
            max_iter_setting: "BetaGeoParams::max_iter",
            max_iter: self.max_iter,
            tolerance: self.tolerance,
        }
    }
}

/// The names of the starting values in errors.
const INITIAL_NAMES: [&str; 4] = [
    "BetaGeoParams::initial_params r",
    "BetaGeoParams::initial_params alpha",
    "BetaGeoParams::initial_params a",
    "BetaGeoParams::initial_params b",
];

/// exp of each log-parameter (missing ones count as 0, so as 1).
fn exp_params(log_params: &[f64]) -> [f64; 4] {
    std::array::from_fn(|i| log_params.get(i).copied().unwrap_or(0.0).exp())
}

/// Log-parameters in the fit's time unit to parameters in the data's: α is a time.
fn to_data_units(log_params: &[f64], scale: f64) -> [f64; 4] {
    let mut params = exp_params(log_params);
    params[1] /= scale;
    params
}

/// Parameters in the data's time unit to log-parameters in the fit's.
fn to_fit_units(params: &[f64], scale: f64) -> Vec<f64> {
    params
        .iter()
        .enumerate()
        .map(|(i, &p)| if i == 1 { (p * scale).ln() } else { p.ln() })
        .collect()
}

/// Σ ln L over the customers. The terms every customer shares are computed once.
fn log_likelihood_sum(params: &[f64; 4], frequency: &[f64], recency: &[f64], age: &[f64]) -> f64 {
    let shared = shared_terms(params);
    frequency
        .iter()
        .zip(recency)
        .zip(age)
        .map(|((&x, &t_x), &t)| shared + customer_terms(params, x, t_x, t))
        .sum()
}

/// The parts of A₁ + A₂ that do not depend on the customer: −ln Γ(r) + r ln α + ln Γ(a + b) −
/// ln Γ(b).
fn shared_terms(params: &[f64; 4]) -> f64 {
    let [r, alpha, a, b] = *params;
    -ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) - ln_gamma(b)
}

/// The rest of one customer's ln L: ln Γ(r + x) + ln Γ(b + x) − ln Γ(a + b + x) + ln(e^A₃ +
/// 1{x > 0} e^A₄), the sum taken with log-sum-exp so that neither term underflows.
fn customer_terms(params: &[f64; 4], x: f64, t_x: f64, t: f64) -> f64 {
    let [r, _, a, b] = *params;
    ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x) + times_terms(params, x, t_x, t)
}

/// Σ ln L over the histories (weighted) and its derivatives in r, α, a, b. The terms that depend
/// on the frequency alone are computed once per frequency, those of a time once per distinct
/// time; the sums run in parallel.
fn log_likelihood_and_gradient(params: &[f64; 4], data: &WeightedHistories) -> [f64; 5] {
    let alpha = params[1];
    let table = frequency_table(data.max_frequency, |x| FrequencyTerms::new(params, x));
    let time_terms = |t: f64| TimeTerms {
        ln: (alpha + t).ln(),
        inverse: 1.0 / (alpha + t),
    };
    let (ages, recencies) = (data.ages.map(time_terms), data.recencies.map(time_terms));
    let sums = data.weighted_sums(|i| {
        let x = data.frequency[i];
        let terms = match &table {
            Some(table) => table[x as usize],
            None => FrequencyTerms::new(params, x),
        };
        let t = &ages[data.ages.index[i]];
        let t_x = &recencies[data.recencies.index[i]];
        history_terms(params, &terms, x, t_x, t)
    });
    let shared = shared_terms_and_derivatives(params);
    std::array::from_fn(|k| sums[k] + data.customers * shared[k])
}

/// ln(α + t) and 1 / (α + t) for one time t.
#[derive(Debug, Clone, Copy)]
struct TimeTerms {
    ln: f64,
    inverse: f64,
}

/// ln L's terms shared by every customer, −ln Γ(r) + r ln α + ln Γ(a + b) − ln Γ(b), and their
/// derivatives in r, α, a, b.
fn shared_terms_and_derivatives(params: &[f64; 4]) -> [f64; 5] {
    let [r, alpha, a, b] = *params;
    let digamma_ab = digamma(a + b);
    [
        shared_terms(params),
        -digamma(r) + alpha.ln(),
        r / alpha,
        digamma_ab,
        digamma_ab - digamma(b),
    ]
}

/// The parts of a customer's ln L and of its derivatives that depend on the frequency x alone,
/// computed once per frequency in a fit.
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    /// ln Γ(r + x) + ln Γ(b + x) − ln Γ(a + b + x).
    gammas: f64,
    /// ψ(r + x): its derivative in r.
    d_r: f64,
    /// −ψ(a + b + x): in a.
    d_a: f64,
    /// ψ(b + x) − ψ(a + b + x): in b.
    d_b: f64,
    /// ln a − ln(b + x − 1), the constant of A₄ (x > 0).
    ln_odds: f64,
    /// 1 / (b + x − 1), A₄'s derivative in b with the sign turned (x > 0).
    inverse_b: f64,
}

impl FrequencyTerms {
    fn new(params: &[f64; 4], x: f64) -> Self {
        let [r, _, a, b] = *params;
        let digamma_abx = digamma(a + b + x);
        let (ln_odds, inverse_b) = if x > 0.0 {
            (a.ln() - (b + x - 1.0).ln(), 1.0 / (b + x - 1.0))
        } else {
            (f64::NEG_INFINITY, 0.0)
        };
        FrequencyTerms {
            gammas: ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x),
            d_r: digamma(r + x),
            d_a: -digamma_abx,
            d_b: digamma(b + x) - digamma_abx,
            ln_odds,
            inverse_b,
        }
    }
}

/// One history's share of ln L beyond the shared terms, and its derivatives in r, α, a, b.
/// With w₄ = e^A₄ / (e^A₃ + e^A₄), the share of the "dropped out after the last purchase" term
/// (0 without repeat purchases), and w₃ = 1 − w₄, the derivative of ln(e^A₃ + e^A₄) is
/// w₃ ∂A₃ + w₄ ∂A₄. One exponential gives both the log-sum and w₄.
fn history_terms(
    params: &[f64; 4],
    terms: &FrequencyTerms,
    x: f64,
    t_x: &TimeTerms,
    t: &TimeTerms,
) -> [f64; 5] {
    let [r, _, a, _] = *params;
    let rx = r + x;
    let a3 = -rx * t.ln;
    if x == 0.0 {
        return [
            terms.gammas + a3,
            terms.d_r - t.ln,
            -rx * t.inverse,
            terms.d_a,
            terms.d_b,
        ];
    }
    let a4 = terms.ln_odds - rx * t_x.ln;
    let d = a4 - a3;
    let (log_sum, w4) = if d <= 0.0 {
        let e = d.exp();
        (a3 + e.ln_1p(), e / (1.0 + e))
    } else {
        let e = (-d).exp();
        (a4 + e.ln_1p(), 1.0 / (1.0 + e))
    };
    let w3 = 1.0 - w4;
    [
        terms.gammas + log_sum,
        terms.d_r - w3 * t.ln - w4 * t_x.ln,
        -rx * (w3 * t.inverse + w4 * t_x.inverse),
        terms.d_a + w4 / a,
        terms.d_b - w4 * terms.inverse_b,
    ]
}

/// The part of one customer's ln L that depends on the times: ln(e^A₃ + 1{x > 0} e^A₄).
fn times_terms(params: &[f64; 4], x: f64, t_x: f64, t: f64) -> f64 {
    let [r, alpha, a, b] = *params;
    let a3 = -(r + x) * (alpha + t).ln();
    if x > 0.0 {
        let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
        log_add_exp(a3, a4)
    } else {
        a3
    }
}

/// A fitted (or given) BG/NBD model, times in the data's unit.
///
/// ```
/// use custseg::clv::BetaGeo;
///
/// // Fader, Hardie & Lee's CDNOW estimates, in weeks.
/// let model = BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259)?;
/// assert!((model.expected_purchases(32.0)? - 1.0437).abs() < 1e-4);
/// assert!((model.probability_alive(2.0, 30.43, 38.86)? - 0.7266).abs() < 1e-4);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BetaGeo {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Scale of the gamma distribution of purchase rates, in the data's time unit.
    pub alpha: f64,
    /// First shape of the beta distribution of the drop-out probability.
    pub a: f64,
    /// Second shape of the beta distribution of the drop-out probability.
    pub b: f64,
    /// Total log-likelihood of the data at these parameters (no penalty), with times in the
    /// data's unit; NaN for a model made by [`BetaGeo::from_params`].
    pub log_likelihood: f64,
    /// Standard errors of r, α, a, b from the inverse Hessian of the total objective; `None`
    /// when it is not positive definite (the likelihood is flat in some direction) or the model
    /// was not fitted.
    pub standard_errors: Option<[f64; 4]>,
    /// Customers fitted.
    pub n: usize,
    /// Iterations of the fit (BFGS; or Nelder-Mead's, when the fit fell back to it).
    pub iterations: u64,
}

impl BetaGeo {
    /// A model with the given parameters (times in the unit the predictions will use), e.g.
    /// published estimates; all must be finite and above 0.
    pub fn from_params(r: f64, alpha: f64, a: f64, b: f64) -> Result<BetaGeo> {
        check_positive(&NAMES, &[r, alpha, a, b])?;
        Ok(BetaGeo {
            r,
            alpha,
            a,
            b,
            log_likelihood: f64::NAN,
            standard_errors: None,
            n: 0,
            iterations: 0,
        })
    }

    /// r, α, a, b.
    pub fn params(&self) -> [f64; 4] {
        [self.r, self.alpha, self.a, self.b]
    }

    /// The total log-likelihood of a summary under this model (the paper's equation 6 summed).
    pub fn log_likelihood_of(
        &self,
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
    ) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        Ok(log_likelihood_sum(&self.params(), frequency, recency, age))
    }

    /// Expected repeat purchases in a period of length `t` of a customer drawn at random, E[X(t)]
    /// (the paper's equation 9; lifetimes' `expected_number_of_purchases_up_to_time`):
    /// (a + b − 1) / (a − 1) · [1 − (α / (α + t))^r ₂F₁(r, b; a + b − 1; t / (α + t))].
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        check_prediction(t, 0.0, 0.0, 0.0)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let [r, alpha, a, b] = self.params();
        let (ln_hyp, sign) = ln_hyp2f1_signed(r, b, a + b - 1.0, t / (alpha + t))?;
        let ln_term = ln_hyp + r * (alpha / (alpha + t)).ln();
        finite(
            (a + b - 1.0) / (a - 1.0) * one_minus(ln_term, sign),
            "expected_purchases",
        )
    }

    /// Expected repeat purchases in the next `t` of a customer with `frequency` repeat purchases,
    /// the last at `recency`, seen for `age` (the paper's equation 10; lifetimes'
    /// `conditional_expected_number_of_purchases_up_to_time`, also its `predict`): the purchases
    /// if alive ([`BetaGeo::expected_purchases_if_alive`]) times
    /// [`BetaGeo::probability_alive`].
    pub fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        check_prediction(t, frequency, recency, age)?;
        let if_alive = self.expected_purchases_if_alive(t, frequency, age)?;
        finite(
            if_alive / (1.0 + self.dropout_odds(frequency, recency, age)),
            "conditional_expected_purchases",
        )
    }

    /// Expected repeat purchases in the next `t` of a customer with `frequency` repeat purchases
    /// seen for `age`, if they are alive now (equation 10's numerator, which does not depend on
    /// recency): (a + b + x − 1) / (a − 1) · [1 − ((α + T) / (α + T + t))^(r + x) ₂F₁(r + x,
    /// b + x; a + b + x − 1; t / (α + T + t))].
    pub fn expected_purchases_if_alive(&self, t: f64, frequency: f64, age: f64) -> Result<f64> {
        check_prediction(t, frequency, 0.0, age)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let [r, alpha, a, b] = self.params();
        let x = frequency;
        let z = t / (alpha + age + t);
        let (ln_hyp, sign) = conditional_hyp2f1(r + x, b + x, a + b + x - 1.0, z)?;
        let ln_term = ln_hyp + (r + x) * ((alpha + age) / (alpha + t + age)).ln();
        finite(
            (a + b + x - 1.0) / (a - 1.0) * one_minus(ln_term, sign),
            "expected_purchases_if_alive",
        )
    }

    /// Probability that a customer with `frequency` repeat purchases, the last at `recency`,
    /// seen for `age`, is still alive (Fader, Hardie & Lee's note 021): 1 without repeat
    /// purchases, since in the BG/NBD a customer can only drop out right after one.
    pub fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_prediction(0.0, frequency, recency, age)?;
        Ok(1.0 / (1.0 + self.dropout_odds(frequency, recency, age)))
    }

    /// The odds that the customer dropped out after their last purchase rather than being alive:
    /// a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x), and 0 without repeat purchases.
    fn dropout_odds(&self, x: f64, recency: f64, age: f64) -> f64 {
        if x == 0.0 {
            return 0.0;
        }
        let [r, alpha, a, b] = self.params();
        ((a / (b + x - 1.0)).ln() + (r + x) * ((alpha + age) / (alpha + recency)).ln()).exp()
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
        model_html("BG/NBD", &rows, &facts)
    }

    /// Shows the model in an evcxr notebook.
    pub fn evcxr_display(&self) {
        show_html(&self.html());
    }
}

impl fmt::Display for BetaGeo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BG/NBD: r = {}, alpha = {}, a = {}, b = {} ({} customers, log-likelihood {})",
            significant(self.r),
            significant(self.alpha),
            significant(self.a),
            significant(self.b),
            self.n,
            significant(self.log_likelihood)
        )
    }
}

/// ₂F₁ for the conditional expectation: the series as it is, or, when that fails, after Euler's
/// transformation ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z), as lifetimes
/// falls back when its first value is infinite. Returns ln |₂F₁| and its sign.
fn conditional_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64)> {
    match ln_hyp2f1_signed(a, b, c, z) {
        Ok(value) => Ok(value),
        Err(first) => {
            let (ln_hyp, sign) = ln_hyp2f1_signed(c - a, c - b, c, z).map_err(|_| first)?;
            Ok((ln_hyp + (c - a - b) * (-z).ln_1p(), sign))
        }
    }
}

/// 1 − sign · e^ln_term, keeping the digits of a small difference.
fn one_minus(ln_term: f64, sign: f64) -> f64 {
    if sign > 0.0 {
        -ln_term.exp_m1()
    } else {
        1.0 + ln_term.exp()
    }
}

/// `value`, or an error naming the prediction when it is not a finite number.
fn finite(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(crate::error::Error::param(
            what,
            format!(
                "the BG/NBD prediction is {value}: the model's parameters are extreme (a = 1 \
                 exactly has no finite expectation)"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::toy;

    fn cdnow() -> BetaGeo {
        BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259).unwrap()
    }

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs()
    }

    #[test]
    fn likelihood_of_one_customer_by_hand() {
        let m = cdnow();
        let p = m.params();
        // No repeat purchase in T: L = (α / (α + T))^r (the Poisson process never fired).
        let t = 38.86;
        let want = m.r * (m.alpha / (m.alpha + t)).ln();
        let got = shared_terms(&p) + customer_terms(&p, 0.0, 0.0, t);
        assert!(close(got, want, 1e-13), "{got} vs {want}");
        // x = 2, t_x = 30.43, T = 38.86: −9.45967345011599... (mpmath, 40 digits).
        let got = m.log_likelihood_of(&[2.0], &[30.43], &[38.86]).unwrap();
        assert!(close(got, -9.459673450115992, 1e-13), "{got}");
    }

    #[test]
    fn predictions_at_the_published_cdnow_parameters() {
        let m = cdnow();
        // mpmath at these rounded parameters, and the paper's four digits.
        let expected = [
            (1.0, 0.05318554122653926, 0.0532),
            (3.0, 0.1506345012128646, 0.1506),
            (32.0, 1.0437639538152024, 1.0437),
            // Often quoted as 1.8576; these parameters give 1.8580, and lifetimes' own CDNOW
            // fit 1.85797.
            (78.0, 1.8580239048662915, 1.8580),
        ];
        for (t, exact, published) in expected {
            let got = m.expected_purchases(t).unwrap();
            assert!(
                close(got, exact, 1e-11),
                "E[X({t})] = {got}, mpmath {exact}"
            );
            assert!(
                (got - published).abs() < 1e-4,
                "E[X({t})] = {got}, published {published}"
            );
        }
        let got = m
            .conditional_expected_purchases(39.0, 2.0, 30.43, 38.86)
            .unwrap();
        assert!(close(got, 1.225922657987033, 1e-11), "{got}");
        assert!((got - 1.226).abs() < 5e-4);
        let got = m
            .conditional_expected_purchases(39.0, 0.0, 0.0, 38.86)
            .unwrap();
        assert!(close(got, 0.19478676916062002, 1e-11), "{got}");
        // lifetimes 0.11.3.
        let got = m
            .conditional_expected_purchases(39.0, 7.0, 35.0, 36.0)
            .unwrap();
        assert!(close(got, 4.939433118823396, 1e-10), "{got}");
        assert_eq!(
            m.conditional_expected_purchases(0.0, 2.0, 30.43, 38.86)
                .unwrap(),
            0.0
        );
        assert!(
            m.conditional_expected_purchases(-1.0, 2.0, 30.43, 38.86)
                .is_err()
        );
    }

    #[test]
    fn purchases_if_alive() {
        // (The product with P(alive) is checked for both models in value.rs.) Alive for sure
        // (x = 0): the purchases if alive are the conditional expectation, 0.19478676916062002
        // by mpmath (see above).
        let m = cdnow();
        let got = m.expected_purchases_if_alive(39.0, 0.0, 38.86).unwrap();
        assert!(close(got, 0.19478676916062002, 1e-11), "{got}");
    }

    #[test]
    fn probability_alive() {
        let m = cdnow();
        assert_eq!(m.probability_alive(0.0, 0.0, 38.86).unwrap(), 1.0);
        let got = m.probability_alive(2.0, 30.43, 38.86).unwrap();
        assert!(close(got, 0.7266140448542471, 1e-12), "{got}");
        // A purchase at the very end leaves only the chance of a drop-out right after it.
        let end = m.probability_alive(2.0, 38.86, 38.86).unwrap();
        assert!(close(end, 1.0 / (1.0 + m.a / (m.b + 1.0)), 1e-13), "{end}");
        assert!(
            m.probability_alive(2.0, 40.0, 38.86).is_err(),
            "recency after T"
        );
    }

    #[test]
    fn negative_third_hypergeometric_parameter() {
        // lifetimes' fit of the toy data has a + b < 1, so ₂F₁'s c = a + b − 1 + x is negative
        // for x = 0. Values from mpmath.
        let m = BetaGeo::from_params(0.268058, 3.798113, 0.236259, 0.650136).unwrap();
        let cases = [
            (m.expected_purchases(39.0), 1.7006972658229013),
            (m.expected_purchases(5.0), 0.3031206608444261),
            (
                m.conditional_expected_purchases(10.0, 0.0, 0.0, 30.0),
                0.07583706568607729,
            ),
            (
                m.conditional_expected_purchases(10.0, 1.0, 5.75, 29.53),
                0.13203554689945718,
            ),
            (
                m.conditional_expected_purchases(10.0, 20.0, 27.49, 27.52),
                6.175669220472057,
            ),
        ];
        for (got, want) in cases {
            let got = got.unwrap();
            assert!(close(got, want, 1e-10), "{got} vs {want}");
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        let data = ScaledSummary::new(&toy::FREQUENCY, &toy::RECENCY, &toy::AGE).unwrap();
        let histories = WeightedHistories::new(&data);
        let params = BetaGeoParams::new().penalizer(0.01);
        let point = [-1.2, 0.4, -0.9, 0.3];
        let (_, gradient) = params.objective(&histories, &point);
        for k in 0..4 {
            let (mut up, mut down) = (point, point);
            up[k] += 1e-6;
            down[k] -= 1e-6;
            let numerical = (params.objective(&histories, &up).0
                - params.objective(&histories, &down).0)
                / 2e-6;
            assert!(
                (gradient[k] - numerical).abs() < 1e-7,
                "d/d ln θ{k}: {} vs {numerical}",
                gradient[k]
            );
        }
    }

    #[test]
    fn fit_matches_lifetimes() {
        let m = BetaGeoParams::new()
            .fit(&toy::FREQUENCY, &toy::RECENCY, &toy::AGE)
            .unwrap();
        // lifetimes 0.11.3's BetaGeoFitter on the same data.
        let want = [
            0.2680585005566367,
            3.798112791201054,
            0.23625865283550945,
            0.650135727349621,
        ];
        for (got, want) in m.params().iter().zip(want) {
            assert!(close(*got, want, 1e-3), "{got} vs {want}");
        }
        assert!(
            (m.log_likelihood + 303.0106994224268).abs() < 1e-5,
            "{}",
            m.log_likelihood
        );
        let errors = m.standard_errors.unwrap();
        let want = [
            0.07463114861592438,
            1.6920304619096607,
            0.2112270158238427,
            0.6970717152232591,
        ];
        for (got, want) in errors.iter().zip(want) {
            assert!(close(*got, want, 1e-2), "standard error {got} vs {want}");
        }
        assert_eq!(m.n, 60);
        assert!(m.iterations > 0);
        let html = m.html();
        assert!(
            html.contains("alpha") && html.contains("0.2681") && html.contains("-303.0"),
            "{html}"
        );
    }

    #[test]
    fn penalizer_as_lifetimes_applies_it() {
        // lifetimes' BetaGeoFitter(penalizer_coef=0.01): the penalty is on the mean negative
        // log-likelihood, with α in rescaled time.
        let m = BetaGeoParams::new()
            .penalizer(0.01)
            .fit(&toy::FREQUENCY, &toy::RECENCY, &toy::AGE)
            .unwrap();
        let want = [
            0.2665418106209734,
            3.7736142098402823,
            0.184111562485617,
            0.46475945620427006,
        ];
        for (got, want) in m.params().iter().zip(want) {
            assert!(close(*got, want, 1e-3), "{got} vs {want}");
        }
    }

    #[test]
    fn bad_input_is_named() {
        let mut recency = toy::RECENCY;
        recency[7] = 99.0;
        let err = BetaGeoParams::new()
            .fit(&toy::FREQUENCY, &recency, &toy::AGE)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`recency`") && err.contains("customer 7"),
            "{err}"
        );
        assert!(BetaGeoParams::new().penalizer(-1.0).check().is_err());
        assert!(
            BetaGeoParams::new()
                .initial_params(1.0, 0.0, 1.0, 1.0)
                .check()
                .is_err()
        );
        assert!(BetaGeo::from_params(0.2, 4.0, f64::NAN, 2.0).is_err());
    }
}
