//! Maximum likelihood for the CLV models, over the logarithms of the parameters (all positive),
//! as lifetimes optimises its log-parameters.
//!
//! - Models with an analytic gradient (BG/NBD, Gamma-Gamma) use argmin's BFGS with a More-Thuente
//!   line search, as lifetimes uses scipy's BFGS: a few dozen likelihood-and-gradient passes
//!   over the data. Standard errors come from the Hessian taken by central differences of the
//!   gradient.
//! - The Pareto/NBD, whose gradient goes through ₂F₁, uses Nelder-Mead (argmin's), then a second
//!   run from the best point and a Newton polish on numerical derivatives: a single run often
//!   stops on a simplex that has collapsed in a flat direction (the Pareto/NBD's s and β), and
//!   the restart, with a fresh simplex around the best point, moves on from there. BFGS falls
//!   back to this search too when its line search fails (a step into a region where the
//!   likelihood cannot be computed).

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, IterState, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::BFGS;

use crate::error::{Error, Result};

/// Size of the first simplex around the starting point, in log-parameters (a factor e^0.5 ≈ 1.65
/// on each parameter): wide enough to leave a poor start quickly.
const FIRST_STEP: f64 = 0.5;

/// Size of the restart's simplex around the first run's best point.
const RESTART_STEP: f64 = 0.1;

/// Most Newton steps of the final polish.
const NEWTON_STEPS: usize = 20;

/// Step halvings tried before a Newton step is given up.
const HALVINGS: usize = 30;

/// A Newton step smaller than this in every log-parameter ends the polish.
const NEWTON_SETTLED: f64 = 1e-12;

/// Absolute step of the central-difference gradient in log-parameters.
const GRADIENT_STEP: f64 = 1e-5;

/// Absolute step of the central-difference Hessian in log-parameters.
const NEWTON_HESSIAN_STEP: f64 = 1e-4;

/// Absolute step, in log-parameters, of the central differences of the gradient for the
/// Hessian: the truncation error is of order step², rounding of order ε / step.
const GRADIENT_HESSIAN_STEP: f64 = 1e-5;

/// A BFGS run that stopped with a gradient norm above this stalled short of the optimum.
const STALLED_GRADIENT: f64 = 1e-5;

/// Most restarts after the first run.
const MAX_RESTARTS: usize = 1;

/// A restart that moves no log-parameter by more than this has found the optimum (a relative
/// change of 1e-9 in every parameter).
const SETTLED: f64 = 1e-9;

/// A parameter more than this many times larger or smaller than its ordinary size (1 for a pure
/// number; see [`Search::centre`]) ran towards 0 or infinity: the likelihood is flat that way.
const RUNAWAY: f64 = 1e6;

/// Relative step of the central differences for the Hessian: small enough for the curvature,
/// large enough that rounding in a likelihood of thousands stays below it.
const HESSIAN_STEP: f64 = 1e-4;

/// The state argmin's Nelder-Mead keeps: parameters, no gradient, Jacobian, Hessian or
/// residuals, `f64` costs.
type NelderMeadState = IterState<Vec<f64>, (), (), (), (), f64>;

/// How one model's fit runs and what its errors tell the user to change.
pub(crate) struct Search<'a> {
    /// The model's name in messages: `BG/NBD`.
    pub(crate) model: &'static str,
    /// The parameters' names, in the order of the parameter vector.
    pub(crate) names: &'a [&'static str],
    /// The log of each parameter's ordinary size in the optimised units: 0 for a pure number,
    /// ln(mean spend) for Gamma-Gamma's v. A parameter [`RUNAWAY`] times away ran off.
    pub(crate) centre: &'a [f64],
    /// Parameters whose limit at 0 is itself a model, so a fit may end there: the BG/NBD's `a`
    /// (no customer ever drops out). Others running to 0 are errors.
    pub(crate) may_vanish: &'a [&'static str],
    /// The penalizer's setting, named in the advice: `BetaGeoParams::penalizer`.
    pub(crate) penalizer_setting: &'static str,
    /// The iteration limit's setting: `BetaGeoParams::max_iter`.
    pub(crate) max_iter_setting: &'static str,
    /// Most iterations (BFGS; Nelder-Mead per run).
    pub(crate) max_iter: u64,
    /// BFGS stops when the gradient's norm is below this; a Nelder-Mead run when the standard
    /// deviation of the simplex's costs is below this times max(1, |cost|).
    pub(crate) tolerance: f64,
}

/// The best point found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Optimum {
    /// The log-parameters.
    pub(crate) log_params: Vec<f64>,
    /// Iterations: BFGS's, or Nelder-Mead's over both runs.
    pub(crate) iterations: u64,
    /// The objective's gradient and Hessian there, for smooth objectives.
    pub(crate) curvature: Option<Curvature>,
}

/// The objective's gradient and Hessian at a point, in the log-parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Curvature {
    gradient: Vec<f64>,
    hessian: Vec<Vec<f64>>,
}

impl Optimum {
    /// Standard errors of the parameters θ = c · exp(log-parameter) (c any fixed factor, such as
    /// a time rescaling) when the objective is a total negative log-likelihood divided by
    /// `customers`: the square roots of the diagonal of the inverse Hessian of the total in θ,
    /// H_θ = D⁻¹ (H − diag(g)) D⁻¹ with D = diag(θ) and H, g the total's Hessian and gradient in
    /// the log-parameters. `None` without curvature or when that Hessian is not positive definite.
    pub(crate) fn standard_errors(&self, params: &[f64], customers: f64) -> Option<Vec<f64>> {
        let curvature = self.curvature.as_ref()?;
        let n = params.len();
        let hessian = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let diagonal = if i == j { curvature.gradient[i] } else { 0.0 };
                        customers * (curvature.hessian[i][j] - diagonal) / (params[i] * params[j])
                    })
                    .collect()
            })
            .collect();
        errors_from_hessian(hessian)
    }
}

/// Minimises `objective` (a function of the log-parameters) from `start`: a first Nelder-Mead run,
/// a restart from its best point, and checks that the result is a real optimum.
pub(crate) fn minimise(
    objective: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    search: &Search,
) -> Result<Optimum> {
    let start_cost = objective(start);
    if !start_cost.is_finite() {
        return Err(not_converged(
            search.penalizer_setting,
            format!(
                "the {} likelihood cannot be computed at the starting point; give starting \
                 values closer to the data (`initial_params`)",
                search.model
            ),
        ));
    }
    let mut best = nelder_mead(objective, start, FIRST_STEP, search, start_cost)?;
    let mut iterations = best.iterations;
    // Restart from the best point until a restart no longer moves it: one run can stop on a
    // simplex that has collapsed along a flat ridge well short of the optimum.
    for _ in 0..MAX_RESTARTS {
        let next = nelder_mead(objective, &best.best, RESTART_STEP, search, best.cost)?;
        iterations += next.iterations;
        let moved = next
            .best
            .iter()
            .zip(&best.best)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        if next.cost <= best.cost {
            let settled = moved < SETTLED;
            best = Run {
                iterations: best.iterations + next.iterations,
                ..next
            };
            if settled {
                break;
            }
        } else {
            break;
        }
    }
    let (polished, cost) = newton_polish(objective, best.best.clone(), best.cost);
    best.best = polished;
    best.cost = cost;
    check_optimum(&best, search)?;
    Ok(Optimum {
        log_params: best.best,
        iterations,
        curvature: None,
    })
}

/// lifetimes' objective, the mean negative log-likelihood per customer plus `penalizer` · Σ θ²,
/// and its gradient in the log-parameters, from the total log-likelihood `sums[0]` and its
/// derivatives in the parameters θ, `sums[1..]` (d/d ln θ = θ · d/dθ).
pub(crate) fn penalised_mean(
    sums: &[f64],
    params: &[f64],
    customers: f64,
    penalizer: f64,
) -> (f64, Vec<f64>) {
    let penalty: f64 = params.iter().map(|p| p * p).sum();
    let value = -sums[0] / customers + penalizer * penalty;
    let gradient = params
        .iter()
        .zip(&sums[1..])
        .map(|(p, d)| -d / customers * p + 2.0 * penalizer * p * p)
        .collect();
    (value, gradient)
}

/// A likelihood with its gradient: the value and the gradient at a point of log-parameters,
/// computed together because they share the expensive terms.
pub(crate) type Smooth<'a> = &'a dyn Fn(&[f64]) -> (f64, Vec<f64>);

/// Minimises a smooth `objective` from `start` with BFGS, falling back to [`minimise`]'s
/// derivative-free search when BFGS fails; checks that the result is a real optimum.
pub(crate) fn minimise_smooth(
    objective: Smooth,
    start: &[f64],
    search: &Search,
) -> Result<Optimum> {
    if let Some(run) = bfgs(objective, start, search).filter(|run| run.converged) {
        let curvature = curvature(objective, &run.best);
        // argmin also stops when the cost no longer changes: an optimum only if the gradient
        // vanishes there too.
        let gradient_norm = curvature.gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
        if gradient_norm <= STALLED_GRADIENT.max(search.tolerance) {
            check_optimum(&run, search)?;
            return Ok(Optimum {
                log_params: run.best,
                iterations: run.iterations,
                curvature: Some(curvature),
            });
        }
    }
    let mut optimum = minimise(&|x: &[f64]| objective(x).0, start, search)?;
    optimum.curvature = Some(curvature(objective, &optimum.log_params));
    Ok(optimum)
}

/// The gradient at `point` and the Hessian by central differences of the gradient (an absolute
/// step of [`GRADIENT_HESSIAN_STEP`] in each log-parameter), symmetrised.
fn curvature(objective: Smooth, point: &[f64]) -> Curvature {
    // Column i: the change of the gradient along log-parameter i.
    let columns: Vec<Vec<f64>> = (0..point.len())
        .map(|i| {
            let (mut up, mut down) = (point.to_vec(), point.to_vec());
            up[i] += GRADIENT_HESSIAN_STEP;
            down[i] -= GRADIENT_HESSIAN_STEP;
            let (g_up, g_down) = (objective(&up).1, objective(&down).1);
            g_up.iter()
                .zip(&g_down)
                .map(|(u, d)| (u - d) / (2.0 * GRADIENT_HESSIAN_STEP))
                .collect()
        })
        .collect();
    let hessian = (0..point.len())
        .map(|i| {
            (0..point.len())
                .map(|j| 0.5 * (columns[i][j] + columns[j][i]))
                .collect()
        })
        .collect();
    Curvature {
        gradient: objective(point).1,
        hessian,
    }
}

/// The smooth objective as argmin sees it. BFGS asks for the cost and then the gradient at the
/// same point (the line search's last trial), so the last evaluation is kept.
struct SmoothObjective<'a> {
    objective: Smooth<'a>,
    last: RefCell<Option<Evaluation>>,
}

/// A point, the objective's value there and its gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

impl SmoothObjective<'_> {
    fn evaluate(&self, x: &[f64]) -> std::result::Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((at, value, gradient)) = self.last.borrow().as_ref()
            && at.as_slice() == x
        {
            return Ok((*value, gradient.clone()));
        }
        let (value, gradient) = (self.objective)(x);
        if !value.is_finite() || !gradient.iter().all(|g| g.is_finite()) {
            // BFGS cannot step from a point where the likelihood is not finite: the caller falls
            // back to Nelder-Mead.
            return Err(argmin::core::Error::msg("likelihood not finite"));
        }
        *self.last.borrow_mut() = Some((x.to_vec(), value, gradient.clone()));
        Ok((value, gradient))
    }
}

impl CostFunction for SmoothObjective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(x)?.0)
    }
}

impl Gradient for SmoothObjective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(x)?.1)
    }
}

/// The state argmin's BFGS keeps: parameters, gradient and inverse Hessian as vectors.
type BfgsState = IterState<Vec<f64>, Vec<f64>, (), Vec<Vec<f64>>, (), f64>;

/// One BFGS run from `start` with the identity as the first inverse Hessian; `None` when argmin
/// stops with an error (a failed line search, a likelihood that cannot be computed).
fn bfgs(objective: Smooth, start: &[f64], search: &Search) -> Option<Run> {
    let problem = SmoothObjective {
        objective,
        last: RefCell::new(None),
    };
    let solver = BFGS::new(MoreThuenteLineSearch::new())
        .with_tolerance_grad(search.tolerance)
        .ok()?;
    let identity: Vec<Vec<f64>> = (0..start.len())
        .map(|i| {
            (0..start.len())
                .map(|j| f64::from(u8::from(i == j)))
                .collect()
        })
        .collect();
    let max_iter = search.max_iter;
    let result = Executor::new(problem, solver)
        .configure(|state: BfgsState| {
            state
                .param(start.to_vec())
                .inv_hessian(identity)
                .max_iters(max_iter)
        })
        .run()
        .ok()?;
    let state = result.state();
    Some(Run {
        best: state.get_best_param()?.clone(),
        cost: state.get_best_cost(),
        iterations: state.get_iter(),
        converged: matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged)
        ),
    })
}

/// What one Nelder-Mead run ended with.
struct Run {
    best: Vec<f64>,
    cost: f64,
    iterations: u64,
    converged: bool,
}

/// The objective as argmin sees it.
struct LogObjective<'a> {
    objective: &'a dyn Fn(&[f64]) -> f64,
}

impl CostFunction for LogObjective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, log_params: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let cost = (self.objective)(log_params.as_slice());
        // Nelder-Mead only compares costs, so a point where the likelihood cannot be computed is
        // one to move away from: infinitely bad, not an error (argmin unwraps the first simplex's
        // costs, so an error there would panic).
        Ok(if cost.is_nan() { f64::INFINITY } else { cost })
    }
}

/// One argmin Nelder-Mead run from a simplex of size `step` around `start`; `scale` is the cost
/// that the relative tolerance is taken of.
fn nelder_mead(
    objective: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    search: &Search,
    scale: f64,
) -> Result<Run> {
    let tolerance = search.tolerance * scale.abs().max(1.0);
    let solver = NelderMead::new(initial_simplex(start, step))
        .with_sd_tolerance(tolerance)
        .map_err(|e| argmin_failed(search, &e))?;
    let max_iter = search.max_iter;
    let result = Executor::new(LogObjective { objective }, solver)
        .configure(|state: NelderMeadState| state.max_iters(max_iter))
        .run()
        .map_err(|e| argmin_failed(search, &e))?;
    let state = result.state();
    let best = state.get_best_param().cloned().ok_or_else(|| {
        not_converged(
            search.penalizer_setting,
            format!("the {} fit found no point at all", search.model),
        )
    })?;
    Ok(Run {
        best,
        cost: state.get_best_cost(),
        iterations: state.get_iter(),
        converged: matches!(
            state.get_termination_reason(),
            Some(TerminationReason::SolverConverged)
        ),
    })
}

/// The starting point and, for each parameter, the starting point moved by `step` along it.
fn initial_simplex(start: &[f64], step: f64) -> Vec<Vec<f64>> {
    let moved = (0..start.len()).map(|i| {
        let mut vertex = start.to_vec();
        vertex[i] += step;
        vertex
    });
    std::iter::once(start.to_vec()).chain(moved).collect()
}

/// Rejects an optimum that is not one: iterations ran out, the likelihood is not finite, or a
/// parameter ran towards 0 or infinity.
fn check_optimum(run: &Run, search: &Search) -> Result<()> {
    if !run.cost.is_finite() {
        return Err(not_converged(
            search.penalizer_setting,
            format!(
                "the {} fit ended where the likelihood is not finite; the data may have too few \
                 repeat buyers: set `{}` to 0.001 or more",
                search.model, search.penalizer_setting
            ),
        ));
    }
    if !run.converged {
        return Err(not_converged(
            search.max_iter_setting,
            format!(
                "the {} fit did not converge in {} Nelder-Mead iterations; raise `{}`, or set \
                 `{}` to 0.001 or more",
                search.model, search.max_iter, search.max_iter_setting, search.penalizer_setting
            ),
        ));
    }
    check_no_runaway(&run.best, search)
}

/// Rejects a parameter more than [`RUNAWAY`] times off its ordinary size.
fn check_no_runaway(log_params: &[f64], search: &Search) -> Result<()> {
    for (i, &log_param) in log_params.iter().enumerate() {
        let centre = search.centre.get(i).copied().unwrap_or(0.0);
        let off = log_param - centre;
        let name = search.names.get(i).copied().unwrap_or("?");
        let vanishing_is_a_model = off < 0.0 && search.may_vanish.contains(&name);
        if off.abs() > RUNAWAY.ln() && !vanishing_is_a_model {
            let towards = if off < 0.0 { "0" } else { "infinity" };
            return Err(not_converged(
                search.penalizer_setting,
                format!(
                    "the {} fit sent `{name}` towards {towards} ({:.3e} in the fit's units): the \
                     likelihood is flat that way, and the data may have too few repeat buyers to \
                     estimate it; set `{}` to 0.001 or more",
                    search.model,
                    log_param.exp(),
                    search.penalizer_setting
                ),
            ));
        }
    }
    Ok(())
}

/// A fit that did not reach an optimum. The setting named is the one the message tells the user
/// to change. (One place, so that a dedicated error variant can replace it.)
fn not_converged(setting: &'static str, message: String) -> Error {
    Error::NotConverged { setting, message }
}

fn argmin_failed(search: &Search, error: &argmin::core::Error) -> Error {
    not_converged(
        search.max_iter_setting,
        format!("the {} fit failed in argmin: {error}", search.model),
    )
}

/// Standard errors of the parameters: the square roots of the diagonal of the inverse Hessian of
/// `total` (the total negative log-likelihood, as a function of the natural parameters) at
/// `params`. `None` when the Hessian is not positive definite there (a saddle, or a direction in
/// which the likelihood is flat), or is not finite.
pub(crate) fn standard_errors(total: &dyn Fn(&[f64]) -> f64, params: &[f64]) -> Option<Vec<f64>> {
    errors_from_hessian(numerical_hessian(total, params))
}

/// The square roots of the diagonal of the inverse Hessian, when it is positive definite.
fn errors_from_hessian(hessian: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    if !hessian.iter().flatten().all(|h| h.is_finite()) || !is_positive_definite(&hessian) {
        return None;
    }
    let inverse = invert(hessian)?;
    let errors: Vec<f64> = inverse
        .iter()
        .enumerate()
        .map(|(i, row)| row[i].sqrt())
        .collect();
    errors
        .iter()
        .all(|e| e.is_finite() && *e > 0.0)
        .then_some(errors)
}

/// Newton steps on the log-parameters from Nelder-Mead's best point, with numerical derivatives
/// and step halving. Nelder-Mead stops once the simplex's costs agree, which along a flat ridge
/// (the BG/NBD's a and b) can leave the parameters 1e-4 from the optimum; a few Newton steps reach
/// the point where the gradient vanishes. A step is taken only if the cost does not rise.
fn newton_polish(objective: &dyn Fn(&[f64]) -> f64, start: Vec<f64>, cost: f64) -> (Vec<f64>, f64) {
    let (mut x, mut fx) = (start, cost);
    for _ in 0..NEWTON_STEPS {
        let gradient = numerical_gradient(objective, &x);
        let hessian = hessian_with_steps(objective, &x, &vec![NEWTON_HESSIAN_STEP; x.len()]);
        if !is_positive_definite(&hessian) {
            break;
        }
        let Some(inverse) = invert(hessian) else {
            break;
        };
        let step: Vec<f64> = inverse
            .iter()
            .map(|row| -row.iter().zip(&gradient).map(|(h, g)| h * g).sum::<f64>())
            .collect();
        let mut scale = 1.0;
        let mut taken = None;
        for _ in 0..HALVINGS {
            let candidate: Vec<f64> = x.iter().zip(&step).map(|(v, d)| v + scale * d).collect();
            let cost = objective(&candidate);
            if cost.is_finite() && cost <= fx {
                taken = Some((candidate, cost));
                break;
            }
            scale /= 2.0;
        }
        let Some((next, cost)) = taken else {
            break;
        };
        let moved = step.iter().map(|d| (scale * d).abs()).fold(0.0, f64::max);
        x = next;
        fx = cost;
        if moved < NEWTON_SETTLED {
            break;
        }
    }
    (x, fx)
}

/// The gradient by central differences with an absolute step of [`GRADIENT_STEP`].
fn numerical_gradient(f: &dyn Fn(&[f64]) -> f64, params: &[f64]) -> Vec<f64> {
    (0..params.len())
        .map(|i| {
            let mut up = params.to_vec();
            let mut down = params.to_vec();
            up[i] += GRADIENT_STEP;
            down[i] -= GRADIENT_STEP;
            (f(&up) - f(&down)) / (2.0 * GRADIENT_STEP)
        })
        .collect()
}

/// The Hessian by central differences, each parameter stepped by [`HESSIAN_STEP`] of itself.
fn numerical_hessian(f: &dyn Fn(&[f64]) -> f64, params: &[f64]) -> Vec<Vec<f64>> {
    let steps: Vec<f64> = params.iter().map(|p| HESSIAN_STEP * p.abs()).collect();
    hessian_with_steps(f, params, &steps)
}

/// The Hessian by central differences with the given step per parameter.
fn hessian_with_steps(f: &dyn Fn(&[f64]) -> f64, params: &[f64], steps: &[f64]) -> Vec<Vec<f64>> {
    let n = params.len();
    let at = |moves: &[(usize, f64)]| {
        let mut point = params.to_vec();
        for &(i, sign) in moves {
            point[i] += sign * steps[i];
        }
        f(point.as_slice())
    };
    let centre = f(params);
    let mut hessian = vec![vec![0.0; n]; n];
    for i in 0..n {
        hessian[i][i] = (at(&[(i, 1.0)]) - 2.0 * centre + at(&[(i, -1.0)])) / (steps[i] * steps[i]);
        for j in 0..i {
            let mixed =
                at(&[(i, 1.0), (j, 1.0)]) - at(&[(i, 1.0), (j, -1.0)]) - at(&[(i, -1.0), (j, 1.0)])
                    + at(&[(i, -1.0), (j, -1.0)]);
            hessian[i][j] = mixed / (4.0 * steps[i] * steps[j]);
            hessian[j][i] = hessian[i][j];
        }
    }
    hessian
}

/// Whether a symmetric matrix is positive definite: its Cholesky factorisation, row by row,
/// never meets a non-positive pivot.
fn is_positive_definite(matrix: &[Vec<f64>]) -> bool {
    let mut lower: Vec<Vec<f64>> = Vec::with_capacity(matrix.len());
    for (i, row) in matrix.iter().enumerate() {
        let mut current: Vec<f64> = Vec::with_capacity(i + 1);
        for (j, done) in lower.iter().enumerate() {
            let dot: f64 = current.iter().zip(done).map(|(a, b)| a * b).sum();
            current.push((row[j] - dot) / done[j]);
        }
        let pivot = row[i] - current.iter().map(|v| v * v).sum::<f64>();
        if pivot.is_nan() || pivot <= 0.0 {
            return false;
        }
        current.push(pivot.sqrt());
        lower.push(current);
    }
    true
}

/// The inverse by Gauss-Jordan elimination with partial pivoting; `None` for a singular matrix.
/// The matrices here are 3×3 or 4×4, so nothing cleverer is worth its code.
fn invert(mut matrix: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = matrix.len();
    let mut inverse: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for column in 0..n {
        let pivot = (column..n)
            .max_by(|&a, &b| matrix[a][column].abs().total_cmp(&matrix[b][column].abs()))?;
        if matrix[pivot][column].abs() < f64::MIN_POSITIVE {
            return None;
        }
        matrix.swap(column, pivot);
        inverse.swap(column, pivot);
        let divisor = matrix[column][column];
        matrix[column].iter_mut().for_each(|v| *v /= divisor);
        inverse[column].iter_mut().for_each(|v| *v /= divisor);
        let (pivot_row, pivot_inverse) = (matrix[column].clone(), inverse[column].clone());
        let rows = matrix.iter_mut().zip(inverse.iter_mut()).enumerate();
        for (row, (values, inverse_values)) in rows {
            if row == column {
                continue;
            }
            let factor = values[column];
            for (v, p) in values.iter_mut().zip(&pivot_row) {
                *v -= factor * p;
            }
            for (v, p) in inverse_values.iter_mut().zip(&pivot_inverse) {
                *v -= factor * p;
            }
        }
    }
    Some(inverse)
}

/// Checks the settings every fit shares, naming them in the caller's words.
pub(crate) fn check_settings(
    penalizer: (f64, &'static str),
    max_iter: (u64, &'static str),
    tolerance: (f64, &'static str),
) -> Result<()> {
    if !(penalizer.0.is_finite() && penalizer.0 >= 0.0) {
        return Err(Error::param(
            penalizer.1,
            format!("must be finite and 0 or more, got {}", penalizer.0),
        ));
    }
    if max_iter.0 == 0 {
        return Err(Error::param(max_iter.1, "must be at least 1"));
    }
    if !(tolerance.0.is_finite() && tolerance.0 > 0.0) {
        return Err(Error::param(
            tolerance.1,
            format!("must be finite and above 0, got {}", tolerance.0),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search<'a>(names: &'a [&'static str], centre: &'a [f64], max_iter: u64) -> Search<'a> {
        Search {
            model: "test",
            names,
            centre,
            may_vanish: &[],
            penalizer_setting: "TestParams::penalizer",
            max_iter_setting: "TestParams::max_iter",
            max_iter,
            tolerance: 1e-12,
        }
    }

    #[test]
    fn finds_a_known_minimum_in_log_space() {
        // Minimum at parameters (2, 0.5): log-parameters (ln 2, ln 0.5).
        let objective = |x: &[f64]| (x[0].exp() - 2.0).powi(2) + 3.0 * (x[1].exp() - 0.5).powi(2);
        let optimum = minimise(
            &objective,
            &[0.1, 0.1],
            &search(&["u", "w"], &[0.0, 0.0], 5_000),
        )
        .unwrap();
        let (u, w) = (optimum.log_params[0].exp(), optimum.log_params[1].exp());
        assert!((u - 2.0).abs() < 1e-5 && (w - 0.5).abs() < 1e-5, "{u} {w}");
        assert!(objective(optimum.log_params.as_slice()) < 1e-10 && optimum.iterations > 0);
    }

    #[test]
    fn refuses_runaways_and_exhausted_iterations() {
        // The cost keeps falling as the parameter grows: it runs to infinity.
        let objective = |x: &[f64]| (-x[0]).exp();
        let err = minimise(&objective, &[0.0], &search(&["u"], &[0.0], 100_000))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`u` towards infinity") && err.contains("penalizer"),
            "{err}"
        );
        let bowl = |x: &[f64]| x[0] * x[0] + x[1] * x[1];
        let err = minimise(&bowl, &[3.0, -2.0], &search(&["u", "w"], &[0.0, 0.0], 3))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("did not converge in 3") && err.contains("max_iter"),
            "{err}"
        );
        let nowhere = |_: &[f64]| f64::NAN;
        assert!(minimise(&nowhere, &[0.0], &search(&["u"], &[0.0], 10)).is_err());
    }

    #[test]
    fn standard_errors_of_a_quadratic() {
        // f = ½ Σ (pᵢ − cᵢ)² / σᵢ² has Hessian diag(1/σᵢ²): standard errors σᵢ.
        let sigma = [0.5, 2.0, 0.1];
        let total = |p: &[f64]| {
            p.iter()
                .zip(&sigma)
                .enumerate()
                .map(|(i, (x, s))| 0.5 * (x - (i as f64 + 1.0)).powi(2) / (s * s))
                .sum::<f64>()
        };
        let errors = standard_errors(&total, &[1.0, 2.0, 3.0]).unwrap();
        for (e, s) in errors.iter().zip(&sigma) {
            assert!((e - s).abs() < 1e-5 * s, "{e} vs {s}");
        }
        // A saddle has no standard errors.
        let saddle = |p: &[f64]| p[0] * p[0] - p[1] * p[1];
        assert!(standard_errors(&saddle, &[1.0, 1.0]).is_none());
    }

    #[test]
    fn gauss_jordan_inverts_with_pivoting() {
        // A zero on the diagonal needs a row swap.
        let m = vec![vec![0.0, 2.0], vec![4.0, 1.0]];
        let inv = invert(m).unwrap();
        // [[0, 2], [4, 1]]⁻¹ = [[-1/8, 1/4], [1/2, 0]].
        let want = [[-0.125, 0.25], [0.5, 0.0]];
        for (got, want) in inv.iter().flatten().zip(want.iter().flatten()) {
            assert!((got - want).abs() < 1e-15, "{got} vs {want}");
        }
        assert!(invert(vec![vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }
}
