//! Customer lifetime value exactly as lifetimes 0.11.3's `_customer_lifetime_value` computes it
//! (the function behind `GammaGammaFitter.customer_lifetime_value`).
//!
//! The convention, to the letter:
//!
//! - The horizon is `months` months, and a month is a fixed number of the summary's time units:
//!   30 days, 4.345 weeks, 720 hours (30 × 24), or 1 month ([`DurationUnit::per_month`]; lifetimes'
//!   `freq` factors "D", "W", "H", "M"). Calendar months are not used: a "month" of days is always
//!   30 days.
//! - For month k = 1 … `months`, with i = k × (units per month), the purchases in the month are
//!   the purchase model's conditional expectation up to i minus that up to i − (units per month)
//!   (the expectations are cumulative).
//! - Each month's purchases are worth the customer's expected profit per purchase (usually
//!   [`GammaGamma::conditional_expected_average_profit`]), discounted by
//!   (1 + `discount_rate`)^(i / units per month) = (1 + `discount_rate`)^k: the rate is monthly,
//!   and the whole month is discounted as if paid at its end.
//! - The value is the sum over the months, per customer.

#[cfg(doc)]
use crate::clv::GammaGamma;
use crate::clv::{BetaGeo, Groups, ParetoNbd, check_summary};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// A model of how many purchases a customer will make: what the value computation needs from
/// [`BetaGeo`] and [`ParetoNbd`].
///
/// Both split a customer's expected purchases as P(alive | x, t_x, T) times the purchases they
/// would make if alive, which depend on the frequency x and T but not on the recency t_x; the
/// value computation evaluates that second factor once per distinct (x, T).
pub trait PurchaseModel: Sync {
    /// Probability that a customer with `frequency` repeat purchases, the last at `recency`, seen
    /// for `age` (`T`), is still alive.
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64>;

    /// Expected repeat purchases in the next `t` (in the summary's time unit) of a customer with
    /// `frequency` repeat purchases seen for `age`, given that they are alive now.
    fn expected_purchases_if_alive(&self, t: f64, frequency: f64, age: f64) -> Result<f64>;

    /// Expected repeat purchases in the next `t` of a customer with `frequency` repeat purchases,
    /// the last at `recency`, seen for `age`: P(alive) times the purchases if alive.
    fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        Ok(self.probability_alive(frequency, recency, age)?
            * self.expected_purchases_if_alive(t, frequency, age)?)
    }
}

impl PurchaseModel for BetaGeo {
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        BetaGeo::probability_alive(self, frequency, recency, age)
    }

    fn expected_purchases_if_alive(&self, t: f64, frequency: f64, age: f64) -> Result<f64> {
        BetaGeo::expected_purchases_if_alive(self, t, frequency, age)
    }

    fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        BetaGeo::conditional_expected_purchases(self, t, frequency, recency, age)
    }
}

impl PurchaseModel for ParetoNbd {
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        ParetoNbd::probability_alive(self, frequency, recency, age)
    }

    fn expected_purchases_if_alive(&self, t: f64, frequency: f64, age: f64) -> Result<f64> {
        ParetoNbd::expected_purchases_if_alive(self, t, frequency, age)
    }

    fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        ParetoNbd::conditional_expected_purchases(self, t, frequency, recency, age)
    }
}

pub use crate::features::clv_summary::DurationUnit;

/// Settings of the value computation: horizon, monthly discount rate, and the summary's time
/// unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvParams {
    months: u32,
    discount_rate: f64,
    unit: DurationUnit,
}

impl Default for ClvParams {
    fn default() -> Self {
        Self::new()
    }
}

impl ClvParams {
    /// lifetimes' defaults: 12 months, 1% a month, a summary in days.
    pub fn new() -> Self {
        ClvParams {
            months: 12,
            discount_rate: 0.01,
            unit: DurationUnit::Days,
        }
    }

    /// The horizon in months (lifetimes' `time`).
    pub fn months(mut self, months: u32) -> Self {
        self.months = months;
        self
    }

    /// The discount rate per month (lifetimes' `discount_rate`): 0.01 is 1% a month, about 12.7%
    /// a year.
    pub fn discount_rate(mut self, discount_rate: f64) -> Self {
        self.discount_rate = discount_rate;
        self
    }

    /// The time unit of the summary (lifetimes' `freq`).
    pub fn unit(mut self, unit: DurationUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        if self.months == 0 {
            return Err(Error::param("ClvParams::months", "must be at least 1"));
        }
        if !(self.discount_rate.is_finite() && self.discount_rate > -1.0) {
            return Err(Error::param(
                "ClvParams::discount_rate",
                format!(
                    "must be finite and above -1 (it is a monthly rate: 0.01 is 1%), got {}",
                    self.discount_rate
                ),
            ));
        }
        Ok(())
    }
}

/// The discounted value of each customer's purchases over the horizon, as lifetimes 0.11.3's
/// `_customer_lifetime_value` (see the module's documentation for the exact convention).
///
/// `profit` is each customer's expected profit per purchase, usually
/// [`GammaGamma::conditional_expected_average_profit`] (or use
/// [`GammaGamma::customer_lifetime_value`], which computes it).
///
/// ```
/// use custseg::clv::{BetaGeo, ClvParams, DurationUnit, customer_lifetime_value};
///
/// let model = BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let params = ClvParams::new().months(12).discount_rate(0.01).unit(DurationUnit::Weeks);
/// let value = customer_lifetime_value(&model, &params, &[2.0], &[30.43], &[38.86], &[22.74])?;
/// assert!((value[0] - 33.457).abs() < 0.01);
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn customer_lifetime_value<M: PurchaseModel + ?Sized>(
    model: &M,
    params: &ClvParams,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
    profit: &[f64],
) -> Result<Vec<f64>> {
    params.check()?;
    check_summary(frequency, recency, age)?;
    check_profit(frequency.len(), profit)?;
    let horizon = horizon_purchases(model, params, frequency, recency, age)?;
    Ok(horizon
        .iter()
        .zip(profit)
        .map(|(h, profit)| profit * h.discounted)
        .collect())
}

/// A customer's expected purchases over the value's horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HorizonPurchases {
    /// Probability that the customer is alive now.
    pub(crate) p_alive: f64,
    /// Expected purchases up to the end of the horizon (`months` months).
    pub(crate) total: f64,
    /// Σ over the months k of the month's expected purchases / (1 + rate)^k: the customer's
    /// value per unit of profit per purchase.
    pub(crate) discounted: f64,
}

/// [`HorizonPurchases`] of every customer, in order, on rayon's threads. The purchases if alive
/// are computed once per distinct (frequency, T), then scaled by each customer's P(alive). The
/// caller has checked the summary and the parameters.
pub(crate) fn horizon_purchases<M: PurchaseModel + ?Sized>(
    model: &M,
    params: &ClvParams,
    frequency: &[f64],
    recency: &[f64],
    age: &[f64],
) -> Result<Vec<HorizonPurchases>> {
    let pairs = Groups::by(frequency.len(), |i| {
        (frequency[i].to_bits(), age[i].to_bits())
    });
    let if_alive: Vec<(f64, f64)> = pairs
        .first
        .par_iter()
        .map(|&i| horizon_if_alive(model, params, frequency[i], age[i]))
        .collect::<Result<_>>()?;
    (0..frequency.len())
        .into_par_iter()
        .map(|i| {
            let p_alive = model.probability_alive(frequency[i], recency[i], age[i])?;
            let (total, discounted) = if_alive[pairs.of_item[i]];
            Ok(HorizonPurchases {
                p_alive,
                total: p_alive * total,
                discounted: p_alive * discounted,
            })
        })
        .collect()
}

/// The purchases if alive over the horizon, total and discounted, month by month: as lifetimes,
/// the month ends i run in the summary's unit, a month's purchases are the difference of the
/// cumulative expectations, and the month is discounted by (1 + rate)^(i / units per month).
fn horizon_if_alive<M: PurchaseModel + ?Sized>(
    model: &M,
    params: &ClvParams,
    x: f64,
    t: f64,
) -> Result<(f64, f64)> {
    let per_month = params.unit.per_month();
    let (mut previous, mut discounted) = (0.0, 0.0);
    for month in 1..=params.months {
        let i = f64::from(month) * per_month;
        let cumulative = model.expected_purchases_if_alive(i, x, t)?;
        discounted += (cumulative - previous) / (1.0 + params.discount_rate).powf(i / per_month);
        previous = cumulative;
    }
    Ok((previous, discounted))
}

/// Checks that there is a finite profit for every customer.
fn check_profit(customers: usize, profit: &[f64]) -> Result<()> {
    if profit.len() != customers {
        return Err(Error::param(
            "profit",
            format!(
                "profit must have one value per customer: the summary has {customers}, profit {}",
                profit.len()
            ),
        ));
    }
    match profit.iter().position(|p| !p.is_finite()) {
        Some(i) => Err(Error::param(
            "profit",
            format!("customer {i}: {} is not a finite number", profit[i]),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clv::GammaGamma;

    /// Buys `rate` times per unit of time, for ever.
    struct Steady {
        rate: f64,
    }

    impl PurchaseModel for Steady {
        fn probability_alive(&self, _: f64, _: f64, _: f64) -> Result<f64> {
            Ok(1.0)
        }

        fn expected_purchases_if_alive(&self, t: f64, _: f64, _: f64) -> Result<f64> {
            Ok(self.rate * t)
        }
    }

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs()
    }

    #[test]
    fn conditional_expectation_is_p_alive_times_purchases_if_alive() {
        // The published CDNOW fits (weeks): each model's own conditional expectation equals the
        // split the value computation uses.
        let bg = BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
        let pareto = ParetoNbd::from_params(0.553, 10.578, 0.606, 11.668).unwrap();
        let models: [&dyn PurchaseModel; 2] = [&bg, &pareto];
        for model in models {
            for (x, t_x, age) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (7.0, 35.0, 36.0)] {
                let product = model.probability_alive(x, t_x, age).unwrap()
                    * model.expected_purchases_if_alive(39.0, x, age).unwrap();
                let direct = model
                    .conditional_expected_purchases(39.0, x, t_x, age)
                    .unwrap();
                assert!(close(product, direct, 1e-12), "{product} vs {direct}");
            }
        }
    }

    #[test]
    fn constant_rate_by_hand() {
        // 0.1 purchases a day = 3 a month, worth 10 each: 30 a month.
        let model = Steady { rate: 0.1 };
        let undiscounted = ClvParams::new().discount_rate(0.0);
        let value =
            customer_lifetime_value(&model, &undiscounted, &[1.0], &[5.0], &[10.0], &[10.0])
                .unwrap();
        assert!(close(value[0], 360.0, 1e-14), "{}", value[0]);
        // 1% a month: 30 Σₖ 1.01^−k over 12 months = 30 (1 − 1.01^−12) / 0.01.
        let discounted = ClvParams::new();
        let value =
            customer_lifetime_value(&model, &discounted, &[1.0], &[5.0], &[10.0], &[10.0]).unwrap();
        let want = 30.0 * (1.0 - 1.01f64.powi(-12)) / 0.01;
        assert!(close(value[0], want, 1e-13), "{} vs {want}", value[0]);
        // Weeks: a month is 4.345 of them.
        let weekly = ClvParams::new()
            .discount_rate(0.0)
            .months(2)
            .unit(DurationUnit::Weeks);
        let value =
            customer_lifetime_value(&model, &weekly, &[0.0], &[0.0], &[3.0], &[1.0]).unwrap();
        assert!(close(value[0], 0.1 * 4.345 * 2.0, 1e-14), "{}", value[0]);
    }

    #[test]
    fn matches_lifetimes_gamma_gamma_customer_lifetime_value() {
        // lifetimes 0.11.3: GammaGammaFitter(p = 6.25, q = 3.74, v = 15.45)
        // .customer_lifetime_value(model, ..., time=12, discount_rate=0.01, freq=...) with the
        // CDNOW BG/NBD and Pareto/NBD estimates.
        let spend = GammaGamma::from_params(6.25, 3.74, 15.45).unwrap();
        let bg = BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
        let pareto = ParetoNbd::from_params(0.553, 10.578, 0.606, 11.668).unwrap();
        let (frequency, recency, age) = ([2.0, 0.0, 7.0], [30.43, 0.0, 35.0], [38.86, 38.86, 36.0]);
        let monetary = [20.0, 0.0, 41.5];
        let cases: [(&dyn PurchaseModel, DurationUnit, [f64; 3]); 4] = [
            (
                &bg,
                DurationUnit::Weeks,
                [33.45658463770271, 8.361145048454903, 240.98663956916369],
            ),
            (
                &pareto,
                DurationUnit::Weeks,
                [39.72930450880521, 4.530699130555572, 253.36060639231624],
            ),
            (
                &bg,
                DurationUnit::Days,
                [129.19883838405372, 38.25877294374886, 838.6870165731711],
            ),
            (
                &pareto,
                DurationUnit::Days,
                [159.3184955371555, 18.168557897902136, 1003.9616484290314],
            ),
        ];
        for (model, unit, want) in cases {
            let params = ClvParams::new().unit(unit);
            let got = spend
                .customer_lifetime_value(model, &params, &frequency, &recency, &age, &monetary)
                .unwrap();
            for (got, want) in got.iter().zip(want) {
                assert!(close(*got, want, 1e-10), "{unit:?}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn checks_its_inputs() {
        let model = Steady { rate: 0.1 };
        let params = ClvParams::new();
        assert!(customer_lifetime_value(&model, &params, &[1.0], &[5.0], &[10.0], &[]).is_err());
        let err = customer_lifetime_value(&model, &params, &[1.0], &[5.0], &[10.0], &[f64::NAN])
            .unwrap_err()
            .to_string();
        assert!(err.contains("customer 0"), "{err}");
        assert!(ClvParams::new().months(0).check().is_err());
        assert!(ClvParams::new().discount_rate(-1.0).check().is_err());
    }
}
