import { describe, expect, it } from 'vitest';
import { fitCurves } from '../../../src/analyze/fit.js';
import { fitUslModel, uslPeak } from '../../../src/analyze/usl.js';
import type { ModelFit, ModelName } from '../../../src/results/types.js';
import { SETTINGS, noisyBands, pointsOf, signif } from '../../support/analyze-fit-helpers.js';

const fast = { ...SETTINGS, bootstrap_resamples: 50 };
const model = (models: ModelFit[], name: ModelName): ModelFit => models.find((m) => m.model === name)!;

describe('USL against published fits (R package usl by Stefan Möding)', () => {
  // SPEC SDM91 on a Sun SPARCcenter 2000: `data(specsdm91)` of the R package `usl`
  // (github.com/smoeding/usl, also Gunther, "Guerrilla Capacity Planning", 2007). The package's own
  // regression output, tests/summary.Rout.save and tests/usl-nlxb.Rout.save (R 3.6.2), fits
  // X(N) = γN/(1 + α(N−1) + βN(N−1)) by nonlinear least squares and prints
  //   alpha (σ) 0.0277285, beta (κ) 0.0001044, gamma (λ) 89.9952330,
  //   residual standard error 82.85 on 4 df, multiple R² 0.9896, peak.scalability ≈ 97.
  // The loads 1…216 are printed by tests/efficiency.Rout.save; the throughputs are the book's table.
  const loads = [1, 18, 36, 72, 108, 144, 216];
  const throughput = [64.9, 995.9, 1652.4, 1853.2, 1828.9, 1775.0, 1702.2];

  it('reproduces σ, κ, λ and R² of specsdm91 to 3 significant digits', () => {
    const fit = fitCurves(pointsOf(loads, throughput), fast);
    expect(signif(fit.usl.sigma!, 3)).toBe(0.0277);
    expect(signif(fit.usl.kappa!, 3)).toBe(0.000104);
    expect(signif(fit.usl.lambda!, 3)).toBe(90.0);
    expect(signif(fit.usl.r_squared!, 4)).toBe(0.9896);
    // Residual standard error √(SSR/(n−k)) = 82.85 ⇔ RMSE √(SSR/n) = 82.85·√(4/7).
    const usl = model(fit.models, 'usl');
    expect(usl.rmse! * Math.sqrt(7 / 4)).toBeCloseTo(82.85, 1);
    expect(Math.round(fit.usl.peak_concurrency!)).toBe(97);
    // Peak TPS is X(N*) of the published coefficients.
    const published = uslPeak({ lambda: 89.995233, sigma: 0.0277285, kappa: 0.0001044 });
    expect(signif(fit.usl.peak_tps!, 3)).toBe(signif(published.tps!, 3));
    expect(signif(fit.usl.peak_concurrency!, 3)).toBe(signif(published.concurrency!, 3));
  });

  it('matches the published estimates to 6 digits, so the optimum is the same one', () => {
    const result = fitUslModel(loads, throughput)!;
    expect(result.params.sigma).toBeCloseTo(0.0277285, 6);
    expect(result.params.kappa / 0.0001044).toBeCloseTo(1, 3);
    expect(result.params.lambda).toBeCloseTo(89.995233, 4);
  });

  // Ray tracer on an SGI Origin 2000 (`data(raytracer)`, Gunther 2007, table 5.1). The package's
  // tests/confint.Rout.save prints coef(u): alpha 0.0578, beta 0.0000, gamma 21.8488 — κ sits on
  // its lower bound, which exercises the bound handling.
  it('reproduces the raytracer fit, with κ held at its bound 0', () => {
    const processors = [1, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64];
    const rays = [20, 78, 130, 170, 190, 200, 210, 230, 260, 280, 310];
    const fit = fitCurves(pointsOf(processors, rays), fast);
    expect(signif(fit.usl.sigma!, 3)).toBe(0.0578);
    expect(fit.usl.kappa).toBe(0);
    expect(signif(fit.usl.lambda!, 6)).toBe(21.8488);
    expect(fit.usl.peak_concurrency).toBeNull();
    expect(fit.usl.reason).toMatch(/κ = 0/);
    expect(model(fit.models, 'usl').notes).toContain(
      'κ is at its lower bound 0: no coherency penalty is visible in the data',
    );
  });

  // tests/coef.Rout.save and tests/usl-nls.Rout.save: data generated from σ = κ = 0.02, γ = 1
  // (rounded to 4 decimals) give coef alpha 0.02, beta 0.02, gamma 1.00.
  it('recovers σ = κ = 0.02, λ = 1 from the package coef test data', () => {
    const fit = fitCurves(pointsOf([1, 2, 4, 6, 8, 10], [1, 1.8868, 3.0769, 3.5294, 3.5398, 3.3557]), fast);
    expect(signif(fit.usl.sigma!, 3)).toBe(0.02);
    expect(signif(fit.usl.kappa!, 3)).toBe(0.02);
    expect(signif(fit.usl.lambda!, 3)).toBe(1);
  });
});

describe('spec models on exact data', () => {
  const ns = [1, 2, 4, 8, 12, 16, 24, 32, 48, 64];

  it('linear data: a and b to 1e-6, and AICc (exact fit) picks linear', () => {
    const fit = fitCurves(
      pointsOf(
        ns,
        ns.map((n) => 37.5 * n + 120),
      ),
      fast,
    );
    const linear = model(fit.models, 'linear');
    expect(linear.parameters.a).toBeCloseTo(37.5, 6);
    expect(linear.parameters.b).toBeCloseTo(120, 6);
    expect(linear.r_squared).toBe(1);
    expect(linear.aicc).toBeNull();
    expect(fit.best_model).toBe('linear');
    expect(fit.best_model_reason).toMatch(/linear fits every point exactly/);
  });

  it('logarithmic data: a and b to 1e-6, and logarithmic is chosen', () => {
    const fit = fitCurves(
      pointsOf(
        ns,
        ns.map((n) => 850 * Math.log(n) + 400),
      ),
      fast,
    );
    const log = model(fit.models, 'logarithmic');
    expect(log.parameters.a).toBeCloseTo(850, 6);
    expect(log.parameters.b).toBeCloseTo(400, 6);
    expect(fit.best_model).toBe('logarithmic');
  });

  it('exponential data: a and b to 1e-6 by nonlinear least squares, and exponential is chosen', () => {
    const fit = fitCurves(
      pointsOf(
        ns,
        ns.map((n) => 250 * Math.exp(0.045 * n)),
      ),
      fast,
    );
    const exp = model(fit.models, 'exponential');
    expect(Math.abs(exp.parameters.a! / 250 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(exp.parameters.b! / 0.045 - 1)).toBeLessThan(1e-6);
    expect(fit.best_model).toBe('exponential');
  });

  it('exact USL data: parameters to 1e-6 and N* = √((1−σ)/κ)', () => {
    const truth = { lambda: 1000, sigma: 0.05, kappa: 0.002 };
    const fit = fitCurves(
      pointsOf(
        ns,
        ns.map((n) => (truth.lambda * n) / (1 + truth.sigma * (n - 1) + truth.kappa * n * (n - 1))),
      ),
      fast,
    );
    expect(Math.abs(fit.usl.lambda! / 1000 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(fit.usl.sigma! / 0.05 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(fit.usl.kappa! / 0.002 - 1)).toBeLessThan(1e-6);
    expect(fit.usl.peak_concurrency).toBeCloseTo(Math.sqrt(0.95 / 0.002), 4);
    expect(fit.best_model).toBe('usl');
  });
});

describe('AICc picks the generating model on clean, lightly noisy data', () => {
  const ns = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64];
  const cases: [ModelName, (n: number) => number][] = [
    ['linear', (n) => 40 * n + 300],
    ['logarithmic', (n) => 900 * Math.log(n) + 500],
    ['exponential', (n) => 200 * Math.exp(0.04 * n)],
    ['usl', (n) => (1000 * n) / (1 + 0.05 * (n - 1) + 0.002 * n * (n - 1))],
  ];
  for (const [name, curve] of cases) {
    it(`${name}`, () => {
      const fit = fitCurves(noisyBands(7, ns, curve, { relativeNoise: 0.005 }), fast);
      expect(fit.best_model).toBe(name);
      expect(fit.best_model_reason).toMatch(new RegExp(`^${name} has the lowest AICc`));
      const chosen = model(fit.models, name);
      expect(chosen.r_squared!).toBeGreaterThan(0.999);
      for (const other of fit.models) if (other.aicc !== null) expect(other.aicc).toBeGreaterThanOrEqual(chosen.aicc!);
    });
  }
});

describe('AICc and R² follow their definitions', () => {
  it('computes R² = 1 − SSR/SST, RMSE = √(SSR/n) and AICc = n ln(SSR/n) + 2k + 2k(k+1)/(n−k−1)', () => {
    const ns = [1, 2, 3, 4, 5, 6];
    const tps = [10, 21, 29, 41, 50, 61];
    const fit = fitCurves(pointsOf(ns, tps), fast);
    const linear = model(fit.models, 'linear');
    const { a, b } = linear.parameters as { a: number; b: number };
    const ssr = ns.reduce((s, n, i) => s + (tps[i]! - (a * n + b)) ** 2, 0);
    const mean = tps.reduce((s, v) => s + v, 0) / tps.length;
    const sst = tps.reduce((s, v) => s + (v - mean) ** 2, 0);
    expect(linear.r_squared).toBeCloseTo(1 - ssr / sst, 12);
    expect(linear.rmse).toBeCloseTo(Math.sqrt(ssr / 6), 12);
    expect(linear.aicc).toBeCloseTo(6 * Math.log(ssr / 6) + 4 + 12 / 3, 10);
    // n − k − 1 = 6 − 3 − 1 = 2 > 0 for the USL; 0 would make AICc undefined.
    expect(model(fit.models, 'usl').aicc).not.toBeNull();
  });
});
