//! The Gamma-Gamma model of spend (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and
//! CLV"): a repeat buyer's purchases are worth z ~ Gamma(p, ν) each, and the rate ν varies
//! across customers as Gamma(q, v); the model predicts each customer's mean spend per purchase,
//! shrinking their observed mean towards the population's the fewer purchases it rests on.
//!
//! It assumes spend per purchase is independent of how often a customer buys: check with
//! [`frequency_monetary_correlation`] before using it.
//!
//! The log-likelihood is lifetimes 0.11.3's `GammaGammaFitter._negative_log_likelihood` (Fader &
//! Hardie's note 025, equation 1a): for a repeat buyer with `x` repeat purchases of mean value `m`,
//!
//! ```text
//! ln L = ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln v
//!        + (px − 1) ln m + px ln x − (px + q) ln(xm + v)
//! ```

use std::fmt;

use crate::clv::optimize::{Search, check_settings, minimise_smooth, penalised_mean};
use crate::clv::special::{digamma, ln_gamma};
use crate::clv::value::{ClvParams, PurchaseModel, customer_lifetime_value};
use crate::clv::{
    check_positive, frequency_table, model_html, parallel_sums, show_html, significant,
};
use crate::error::{Error, Result};

/// The parameters' names, in the order of [`GammaGamma::params`].
const NAMES: [&str; 3] = ["p", "q", "v"];

/// lifetimes' starting point: every log-parameter 0.1.
const START: [f64; 3] = [0.1; 3];

/// The names of the starting values in errors.
const INITIAL_NAMES: [&str; 3] = [
    "GammaGammaParams::initial_params p",
    "GammaGammaParams::initial_params q",
    "GammaGammaParams::initial_params v",
];

/// Settings of a Gamma-Gamma fit.
///
/// The objective is lifetimes': the mean negative log-likelihood per repeat buyer plus
/// `penalizer · (p² + q² + v²)`, v in the data's currency (lifetimes does not rescale spend, so
/// the penalty on v depends on the currency, as there).
///
/// ```
/// use custseg::clv::{GammaGammaParams, frequency_monetary_correlation};
///
/// let frequency = [0.0, 5.0, 4.0, 3.0, 1.0, 2.0, 6.0, 1.0];
/// let monetary = [0.0, 14.45, 26.0, 11.09, 9.38, 21.64, 12.23, 27.31];
/// // Spend should not depend on frequency for the model to apply.
/// let correlation = frequency_monetary_correlation(&frequency, &monetary)?;
/// assert!(correlation.abs() <= 1.0);
/// if let Ok(model) = GammaGammaParams::new().fit(&frequency, &monetary) {
///     assert_eq!((model.n, model.skipped), (7, 1));
/// }
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaParams {
    penalizer: f64,
    max_iter: u64,
    tolerance: f64,
    initial: Option<[f64; 3]>,
}

impl Default for GammaGammaParams {
    fn default() -> Self {
        Self::new()
    }
}

impl GammaGammaParams {
    /// No penalty, at most 10,000 iterations, tolerance 1e-8, lifetimes' starting point.
    pub fn new() -> Self {
        GammaGammaParams {
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

    /// Where the search starts (lifetimes' default otherwise).
    pub fn initial_params(mut self, p: f64, q: f64, v: f64) -> Self {
        self.initial = Some([p, q, v]);
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        check_settings(
            (self.penalizer, "GammaGammaParams::penalizer"),
            (self.max_iter, "GammaGammaParams::max_iter"),
            (self.tolerance, "GammaGammaParams::tolerance"),
        )?;
        match self.initial {
            Some(initial) => check_positive(&INITIAL_NAMES, &initial),
            None => Ok(()),
        }
    }

    /// Fits the model to every customer's `frequency` (repeat purchases) and `monetary_value`
    /// (mean value of the repeat purchases). Customers without repeat purchases carry no
    /// information on spend per repeat purchase: they are skipped and counted in
    /// [`GammaGamma::skipped`]. Repeat buyers whose mean spend is 0 or less (free or refunded
    /// orders) are left out too, counted in [`GammaGamma::non_positive_spend`].
    pub fn fit(&self, frequency: &[f64], monetary_value: &[f64]) -> Result<GammaGamma> {
        self.check()?;
        let buyers = RepeatBuyers::new(frequency, monetary_value)?;
        let objective = |log_params: &[f64]| self.objective(&buyers, log_params);
        let optimum = minimise_smooth(&objective, &self.start(), &self.search(&buyers))?;
        let params = exp_params(&optimum.log_params);
        let mut model = GammaGamma::from_params(params[0], params[1], params[2])?;
        model.log_likelihood = log_likelihood_and_gradient(&params, &buyers)[0];
        model.standard_errors = optimum
            .standard_errors(&params, buyers.len() as f64)
            .and_then(|e| e.try_into().ok());
        model.n = buyers.len();
        model.non_positive_spend = buyers.non_positive_spend;
        model.skipped = frequency.len() - buyers.len() - buyers.non_positive_spend;
        model.iterations = optimum.iterations;
        Ok(model)
    }

    /// lifetimes' objective (mean negative log-likelihood plus the penalty) and its gradient in
    /// the log-parameters.
    fn objective(&self, buyers: &RepeatBuyers, log_params: &[f64]) -> (f64, Vec<f64>) {
        let params = exp_params(log_params);
        let sums = log_likelihood_and_gradient(&params, buyers);
        penalised_mean(&sums, &params, buyers.len() as f64, self.penalizer)
    }

    fn start(&self) -> Vec<f64> {
        match self.initial {
            Some(initial) => initial.iter().map(|p| p.ln()).collect(),
            None => START.to_vec(),
        }
    }

    /// The search; v's ordinary size is the mean spend, so that a fit in a currency of large
    /// numbers is not taken for a runaway.
    fn search<'a>(&self, buyers: &'a RepeatBuyers) -> Search<'a> {
        Search {
            model: "Gamma-Gamma",
            names: &NAMES,
            centre: &buyers.centre,
            may_vanish: &[],
            penalizer_setting: "GammaGammaParams::penalizer",
            max_iter_setting: "GammaGammaParams::max_iter",
            max_iter: self.max_iter,
            tolerance: self.tolerance,
        }
    }
}

/// The repeat buyers' frequencies and mean spends, checked.
struct RepeatBuyers {
    frequency: Vec<f64>,
    monetary: Vec<f64>,
    /// ln of each frequency and spend: they do not change during the fit.
    ln_frequency: Vec<f64>,
    ln_monetary: Vec<f64>,
    /// The largest frequency, for the per-frequency table of gamma functions.
    max_frequency: usize,
    /// The log-parameters' ordinary sizes: 0, 0, ln(mean spend).
    centre: [f64; 3],
    /// Repeat buyers left out for a mean spend of 0 or less.
    non_positive_spend: usize,
}

impl RepeatBuyers {
    fn new(frequency: &[f64], monetary_value: &[f64]) -> Result<RepeatBuyers> {
        check_lengths(frequency, monetary_value)?;
        let (mut kept_frequency, mut kept_monetary) = (Vec::new(), Vec::new());
        let mut non_positive_spend = 0;
        for (i, (&x, &m)) in frequency.iter().zip(monetary_value).enumerate() {
            check_spend(|| format!("customer {i}"), x, m)?;
            if x > 0.0 && m <= 0.0 {
                // Free or refunded repeat orders: the model's spend is positive by definition.
                non_positive_spend += 1;
            } else if x > 0.0 {
                kept_frequency.push(x);
                kept_monetary.push(m);
            }
        }
        if kept_frequency.is_empty() {
            return Err(Error::param(
                "frequency",
                "no customer has a repeat purchase: the Gamma-Gamma model is fitted on repeat \
                 buyers' spend",
            ));
        }
        let mean = kept_monetary.iter().sum::<f64>() / kept_monetary.len() as f64;
        Ok(RepeatBuyers {
            ln_frequency: kept_frequency.iter().map(|x| x.ln()).collect(),
            ln_monetary: kept_monetary.iter().map(|m| m.ln()).collect(),
            max_frequency: kept_frequency.iter().copied().fold(0.0, f64::max) as usize,
            frequency: kept_frequency,
            monetary: kept_monetary,
            centre: [0.0, 0.0, mean.ln()],
            non_positive_spend,
        })
    }

    fn len(&self) -> usize {
        self.frequency.len()
    }
}

/// Checks that the two columns have one value per customer, and at least one customer.
fn check_lengths(frequency: &[f64], monetary_value: &[f64]) -> Result<()> {
    if frequency.len() != monetary_value.len() {
        return Err(Error::param(
            "monetary_value",
            format!(
                "frequency and monetary_value must have one value per customer; they have {} \
                 and {}",
                frequency.len(),
                monetary_value.len()
            ),
        ));
    }
    if frequency.is_empty() {
        return Err(Error::param("frequency", "there are no customers"));
    }
    Ok(())
}

/// Checks one customer's frequency and mean spend; `who` names them in messages. Spend must be
/// above 0 for a repeat buyer (its logarithm enters the likelihood); without repeat purchases it
/// is not used.
fn check_spend(who: impl Fn() -> String, x: f64, m: f64) -> Result<()> {
    if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
        let who = who();
        return Err(Error::param(
            "frequency",
            format!("{who}: {x} is not a whole number of repeat purchases (0, 1, 2, ...)"),
        ));
    }
    if !m.is_finite() {
        let who = who();
        return Err(Error::param(
            "monetary_value",
            format!("{who}: {m} is not a finite number"),
        ));
    }
    Ok(())
}

/// exp of each log-parameter (missing ones count as 0, so as 1).
fn exp_params(log_params: &[f64]) -> [f64; 3] {
    std::array::from_fn(|i| log_params.get(i).copied().unwrap_or(0.0).exp())
}

/// Σ ln L over the repeat buyers and its derivatives in p, q, v: the gamma functions once per
/// frequency, the logarithms of the data once per fit ([`RepeatBuyers`]), the sums in parallel.
fn log_likelihood_and_gradient(params: &[f64; 3], buyers: &RepeatBuyers) -> [f64; 4] {
    let [p, q, v] = *params;
    let table = frequency_table(buyers.max_frequency, |x| FrequencyTerms::new(params, x));
    let sums = parallel_sums(buyers.len(), |i| {
        let x = buyers.frequency[i];
        let terms = match &table {
            Some(table) => table[x as usize],
            None => FrequencyTerms::new(params, x),
        };
        let (ln_m, ln_x) = (buyers.ln_monetary[i], buyers.ln_frequency[i]);
        let px = p * x;
        let denominator = x * buyers.monetary[i] + v;
        let ln_denominator = denominator.ln();
        [
            terms.gammas + (px - 1.0) * ln_m + px * ln_x - (px + q) * ln_denominator,
            x * (terms.d_p + ln_m + ln_x - ln_denominator),
            terms.d_q - ln_denominator,
            -(px + q) / denominator,
        ]
    });
    // The terms every buyer shares: −ln Γ(q) + q ln v.
    let n = buyers.len() as f64;
    let shared = [-ln_gamma(q) + q * v.ln(), 0.0, -digamma(q) + v.ln(), q / v];
    std::array::from_fn(|k| sums[k] + n * shared[k])
}

/// The parts of a repeat buyer's ln L and of its derivatives that depend on the frequency x
/// alone, computed once per frequency in a fit.
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    /// ln Γ(px + q) − ln Γ(px).
    gammas: f64,
    /// ψ(px + q) − ψ(px): with x, the derivative of `gammas` in p.
    d_p: f64,
    /// ψ(px + q): the derivative of `gammas` in q.
    d_q: f64,
}

impl FrequencyTerms {
    fn new(params: &[f64; 3], x: f64) -> Self {
        let [p, q, _] = *params;
        let px = p * x;
        let digamma_pxq = digamma(px + q);
        FrequencyTerms {
            gammas: ln_gamma(px + q) - ln_gamma(px),
            d_p: digamma_pxq - digamma(px),
            d_q: digamma_pxq,
        }
    }
}

/// The terms of one repeat buyer's ln L that depend on them (what the fit's sum computes, term
/// by term).
#[cfg(test)]
fn customer_terms(params: &[f64; 3], x: f64, m: f64) -> f64 {
    let [p, q, v] = *params;
    let px = p * x;
    ln_gamma(px + q) - ln_gamma(px) + (px - 1.0) * m.ln() + px * x.ln()
        - (px + q) * (x * m + v).ln()
}

/// A fitted (or given) Gamma-Gamma model of spend per purchase.
///
/// ```
/// use custseg::clv::GammaGamma;
///
/// // The CDNOW estimates (US dollars).
/// let model = GammaGamma::from_params(6.25, 3.74, 15.45)?;
/// // Two repeat purchases of $20 on average: pulled towards the population's $35.24.
/// let spend = model.conditional_expected_average_profit(2.0, 20.0)?;
/// assert!((spend - 22.74).abs() < 0.01);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGamma {
    /// Shape of the gamma distribution of each purchase's value.
    pub p: f64,
    /// Shape of the gamma distribution of the customers' rates ν.
    pub q: f64,
    /// Scale of the gamma distribution of the customers' rates ν, in the currency.
    pub v: f64,
    /// Total log-likelihood of the repeat buyers' spend at these parameters (no penalty); NaN for
    /// a model made by [`GammaGamma::from_params`].
    pub log_likelihood: f64,
    /// Standard errors of p, q, v from the inverse Hessian of the total objective; `None` when it
    /// is not positive definite or the model was not fitted.
    pub standard_errors: Option<[f64; 3]>,
    /// Repeat buyers fitted.
    pub n: usize,
    /// Customers left out because they have no repeat purchase.
    pub skipped: usize,
    /// Repeat buyers left out because their mean repeat spend is 0 or less: the model describes
    /// positive spend.
    pub non_positive_spend: usize,
    /// Iterations of the fit (BFGS; or Nelder-Mead's, when the fit fell back to it).
    pub iterations: u64,
}

impl GammaGamma {
    /// A model with the given parameters; all must be finite and above 0.
    pub fn from_params(p: f64, q: f64, v: f64) -> Result<GammaGamma> {
        check_positive(&NAMES, &[p, q, v])?;
        Ok(GammaGamma {
            p,
            q,
            v,
            log_likelihood: f64::NAN,
            standard_errors: None,
            n: 0,
            skipped: 0,
            non_positive_spend: 0,
            iterations: 0,
        })
    }

    /// p, q, v.
    pub fn params(&self) -> [f64; 3] {
        [self.p, self.q, self.v]
    }

    /// The expected spend per purchase of a customer with `frequency` repeat purchases of mean
    /// value `monetary_value` (note 025, equation 5; lifetimes'
    /// `conditional_expected_average_profit`): p (v + x m) / (p x + q − 1), a weighted mean of
    /// their own mean and the population's p v / (q − 1), which is the answer for a customer
    /// without repeat purchases.
    ///
    /// An error when p x + q ≤ 1: the expected spend is then infinite (lifetimes returns a
    /// negative number for the population mean when q < 1).
    pub fn conditional_expected_average_profit(
        &self,
        frequency: f64,
        monetary_value: f64,
    ) -> Result<f64> {
        check_spend(|| "the customer".to_string(), frequency, monetary_value)?;
        if frequency > 0.0 && monetary_value < 0.0 {
            // Refunds larger than the purchases: the model has no spend below 0 to predict.
            return Err(Error::param(
                "monetary_value",
                format!(
                    "the customer's mean repeat spend is {monetary_value}, below 0; leave \
                     returns out of the repeat purchases (drop non-positive rows when loading)"
                ),
            ));
        }
        let [p, q, v] = self.params();
        let x = frequency;
        let denominator = p * x + q - 1.0;
        if denominator <= 0.0 {
            return Err(Error::param(
                "GammaGamma::q",
                format!(
                    "q = {q} (with p x = {}) gives an infinite expected spend; refit with \
                     `GammaGammaParams::penalizer` above 0",
                    p * x
                ),
            ));
        }
        Ok(p * (v + x * monetary_value) / denominator)
    }

    /// Customer lifetime value with this model's expected spend per purchase: lifetimes'
    /// `GammaGammaFitter.customer_lifetime_value`, which is [`customer_lifetime_value`] given
    /// [`GammaGamma::conditional_expected_average_profit`] of each customer.
    pub fn customer_lifetime_value<M: PurchaseModel + ?Sized>(
        &self,
        model: &M,
        params: &ClvParams,
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        monetary_value: &[f64],
    ) -> Result<Vec<f64>> {
        check_lengths(frequency, monetary_value)?;
        let profit = frequency
            .iter()
            .zip(monetary_value)
            .map(|(&x, &m)| self.conditional_expected_average_profit(x, m))
            .collect::<Result<Vec<f64>>>()?;
        customer_lifetime_value(model, params, frequency, recency, age, &profit)
    }

    /// The model as an HTML table: parameters, standard errors, customers, log-likelihood.
    pub fn html(&self) -> String {
        let errors = self
            .standard_errors
            .map(|e| e.map(Some))
            .unwrap_or([None; 3]);
        let rows: Vec<(&str, f64, Option<f64>)> = NAMES
            .iter()
            .zip(self.params())
            .zip(errors)
            .map(|((&name, value), error)| (name, value, error))
            .collect();
        let facts = [
            ("repeat buyers", self.n.to_string()),
            ("skipped (no repeat purchase)", self.skipped.to_string()),
            (
                "skipped (repeat spend 0 or less)",
                self.non_positive_spend.to_string(),
            ),
            ("log-likelihood", significant(self.log_likelihood)),
            ("iterations", self.iterations.to_string()),
        ];
        model_html("Gamma-Gamma", &rows, &facts)
    }

    /// Shows the model in an evcxr notebook.
    pub fn evcxr_display(&self) {
        show_html(&self.html());
    }
}

impl fmt::Display for GammaGamma {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Gamma-Gamma: p = {}, q = {}, v = {} ({} repeat buyers, log-likelihood {})",
            significant(self.p),
            significant(self.q),
            significant(self.v),
            self.n,
            significant(self.log_likelihood)
        )
    }
}

/// Pearson correlation between frequency and mean spend among repeat buyers (frequency > 0), the
/// check lifetimes recommends before using the Gamma-Gamma model, which assumes the two are
/// independent. Near 0 is what the model needs; |correlation| above about 0.3 is a warning sign
/// that its spend predictions will be biased for frequent (or infrequent) buyers.
///
/// NaN when fewer than two customers have repeat purchases, or when either column is constant
/// among them. An error when the columns differ in length or hold a non-finite value.
pub fn frequency_monetary_correlation(frequency: &[f64], monetary_value: &[f64]) -> Result<f64> {
    check_lengths(frequency, monetary_value)?;
    let mut pairs = Vec::new();
    for (i, (&x, &m)) in frequency.iter().zip(monetary_value).enumerate() {
        if !(x.is_finite() && m.is_finite()) {
            let (name, value) = if x.is_finite() {
                ("monetary_value", m)
            } else {
                ("frequency", x)
            };
            return Err(Error::param(
                name,
                format!("customer {i}: {value} is not a finite number"),
            ));
        }
        if x > 0.0 {
            pairs.push((x, m));
        }
    }
    Ok(pearson(&pairs))
}

/// The Pearson correlation of the pairs; NaN for fewer than two, or a constant column.
fn pearson(pairs: &[(f64, f64)]) -> f64 {
    if pairs.len() < 2 {
        return f64::NAN;
    }
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        xy += (x - mean_x) * (y - mean_y);
        xx += (x - mean_x) * (x - mean_x);
        yy += (y - mean_y) * (y - mean_y);
    }
    if xx == 0.0 || yy == 0.0 {
        return f64::NAN;
    }
    xy / (xx * yy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 50 customers, every fifth without repeat purchases: repeat buyers' spend simulated from
    /// the model with p = 6, q = 3.7, v = 15 (Python's `random`, seed 5).
    const FREQUENCY: [f64; 50] = [
        0.0, 5.0, 4.0, 3.0, 1.0, 0.0, 5.0, 1.0, 8.0, 6.0, 0.0, 7.0, 3.0, 3.0, 6.0, 0.0, 5.0, 6.0,
        5.0, 3.0, 0.0, 6.0, 6.0, 7.0, 8.0, 0.0, 6.0, 8.0, 1.0, 1.0, 0.0, 8.0, 6.0, 4.0, 8.0, 0.0,
        6.0, 6.0, 5.0, 4.0, 0.0, 4.0, 8.0, 2.0, 8.0, 0.0, 2.0, 4.0, 1.0, 7.0,
    ];
    const MONETARY: [f64; 50] = [
        0.0, 14.45, 26.0, 11.09, 9.38, 0.0, 21.64, 12.23, 27.31, 31.34, 0.0, 51.3, 22.5, 21.94,
        20.9, 0.0, 30.94, 25.43, 38.6, 23.26, 0.0, 37.09, 21.76, 22.83, 34.87, 0.0, 18.17, 13.27,
        107.77, 14.59, 0.0, 61.37, 14.88, 11.77, 32.82, 0.0, 11.32, 7.55, 10.73, 26.24, 0.0, 21.4,
        59.68, 60.4, 21.1, 0.0, 15.68, 11.88, 12.17, 16.74,
    ];

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs()
    }

    #[test]
    fn expected_profit_by_the_formula() {
        let m = GammaGamma::from_params(6.25, 3.74, 15.45).unwrap();
        // lifetimes 0.11.3's conditional_expected_average_profit.
        let cases = [
            (2.0, 20.0, 22.74032152230971),
            (0.0, 0.0, 35.24178832116788),
            (7.0, 41.5, 41.13115723811572),
        ];
        for (x, spend, want) in cases {
            let got = m.conditional_expected_average_profit(x, spend).unwrap();
            assert!(close(got, want, 1e-14), "{got} vs {want}");
        }
        // By hand: the weight on the customer's own mean is p x / (p x + q − 1).
        let weight = 6.25 * 2.0 / (6.25 * 2.0 + 3.74 - 1.0);
        let by_hand = (1.0 - weight) * 6.25 * 15.45 / (3.74 - 1.0) + weight * 20.0;
        let got = m.conditional_expected_average_profit(2.0, 20.0).unwrap();
        assert!(close(got, by_hand, 1e-14));
        let heavy_tail = GammaGamma::from_params(6.25, 0.9, 15.45).unwrap();
        assert!(
            heavy_tail
                .conditional_expected_average_profit(0.0, 0.0)
                .is_err()
        );
        assert!(m.conditional_expected_average_profit(2.0, -5.0).is_err());
    }

    #[test]
    fn likelihood_of_one_buyer() {
        // mpmath: x = 2, m = 20 at the CDNOW estimates.
        let params = [6.25, 3.74, 15.45];
        let got = -ln_gamma(3.74) + 3.74 * 15.45f64.ln() + customer_terms(&params, 2.0, 20.0);
        assert!(close(got, -3.507894958804235, 1e-13), "{got}");
    }

    #[test]
    fn gradient_matches_central_differences() {
        let frequency = [1.0, 3.0, 2.0, 7.0, 1.0, 4.0];
        let monetary = [12.5, 30.0, 8.25, 19.0, 55.0, 21.5];
        let buyers = RepeatBuyers::new(&frequency, &monetary).unwrap();
        let params = GammaGammaParams::new().penalizer(0.01);
        let point = [1.5, 0.8, 2.9];
        let (_, gradient) = params.objective(&buyers, &point);
        for k in 0..3 {
            let (mut up, mut down) = (point, point);
            up[k] += 1e-6;
            down[k] -= 1e-6;
            let numerical =
                (params.objective(&buyers, &up).0 - params.objective(&buyers, &down).0) / 2e-6;
            assert!(
                (gradient[k] - numerical).abs() < 1e-7,
                "d/d ln θ{k}: {} vs {numerical}",
                gradient[k]
            );
        }
    }

    #[test]
    fn fit_matches_lifetimes() {
        let m = GammaGammaParams::new().fit(&FREQUENCY, &MONETARY).unwrap();
        assert_eq!((m.n, m.skipped), (40, 10));
        // lifetimes 0.11.3's GammaGammaFitter on the 40 repeat buyers.
        let want = [6.597340599079295, 4.129608525410677, 12.497978056706545];
        for (got, want) in m.params().iter().zip(want) {
            assert!(close(*got, want, 2e-3), "{got} vs {want}");
        }
        assert!(
            (m.log_likelihood + 156.9177414655024).abs() < 1e-5,
            "{}",
            m.log_likelihood
        );
        let errors = m.standard_errors.unwrap();
        let want = [13.21478681701004, 1.6297894625678762, 30.229119930260453];
        for (got, want) in errors.iter().zip(want) {
            assert!(close(*got, want, 5e-2), "standard error {got} vs {want}");
        }
    }

    #[test]
    fn bad_spend_is_named() {
        let mut monetary = MONETARY;
        monetary[3] = f64::NAN;
        let err = GammaGammaParams::new()
            .fit(&FREQUENCY, &monetary)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`monetary_value`") && err.contains("customer 3"),
            "{err}"
        );
        let err = GammaGammaParams::new()
            .fit(&[0.0, 0.0], &[0.0, 0.0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no customer has a repeat purchase"), "{err}");
        assert!(GammaGammaParams::new().fit(&[1.0], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn correlation_among_repeat_buyers() {
        // numpy's corrcoef on the 40 repeat buyers.
        let got = frequency_monetary_correlation(&FREQUENCY, &MONETARY).unwrap();
        assert!(close(got, 0.05437478833962302, 1e-10), "{got}");
        // Perfectly proportional spend: 1; customers without repeat purchases do not count.
        let got = frequency_monetary_correlation(&[0.0, 1.0, 2.0, 3.0], &[500.0, 10.0, 20.0, 30.0]);
        assert!((got.unwrap() - 1.0).abs() < 1e-15);
        assert!(
            frequency_monetary_correlation(&[1.0], &[5.0])
                .unwrap()
                .is_nan()
        );
        assert!(frequency_monetary_correlation(&[1.0, f64::NAN], &[5.0, 1.0]).is_err());
    }
}
