import { priceEuropeanMonteCarlo, createWorkspace } from './jobs/kernels/european-option-mc.ts';
import { Xoshiro256Plus } from './jobs/kernels/rng.ts';
const n = Number(process.argv[2] ?? 40_000_000);
const ws = createWorkspace();
const p = { type: 'call' as const, spot: 42, strike: 40, rate: 0.1, dividendYield: 0, volatility: 0.2, maturity: 0.5 };
for (let rep = 0; rep < 3; rep++) {
  const rng = new Xoshiro256Plus([0x9E3779B97F4A7C15n, 0xBF58476D1CE4E5B9n, 0x94D049BB133111EBn, 12345n]);
  const t = performance.now();
  const r = priceEuropeanMonteCarlo(rng, p, { paths: n, antithetic: true }, ws);
  const s = (performance.now() - t) / 1000;
  console.log(`price=${r.price.toFixed(5)} se=${r.stdError.toExponential(3)} paths=${n} secs=${s.toFixed(3)} Mpaths_per_s=${(n / s / 1e6).toFixed(2)}`);
}
