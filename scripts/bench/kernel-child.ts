/**
 * The TypeScript side of the kernel benchmark, in a process of its own (pinned to
 * the same core as the native reference): reads a path count per line on stdin,
 * prices the reference option with the project's `european-option-mc` kernel, and
 * answers one line in mc_ref's format plus the standard error mc_ref does not print
 * and the CPU seconds it took (`price=… stdError=… paths=… secs=… cpuSecs=… Mpaths_per_s=…`),
 * so the prices can be checked and the pipeline run sized in CPU time.
 */
import { createInterface } from 'node:readline';
import { createWorkspace, priceEuropeanMonteCarlo } from '../../jobs/kernels/european-option-mc.ts';
import { streamFor } from '../../jobs/kernels/rng.ts';
import { REFERENCE_OPTION } from './reference.ts';

const workspace = createWorkspace();
let round = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const paths = Number(line.trim());
  if (!Number.isInteger(paths) || paths <= 0) continue;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const { price, stdError } = priceEuropeanMonteCarlo(streamFor(12345, round++), REFERENCE_OPTION, { paths, antithetic: true }, workspace);
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `price=${price.toFixed(5)} stdError=${stdError.toExponential(4)} paths=${paths} secs=${secs.toFixed(3)} cpuSecs=${cpuSecs.toFixed(3)} Mpaths_per_s=${(paths / secs / 1e6).toFixed(2)}\n`,
  );
}
