/**
 * How numbers read to people, the same in the terminal (the `altus` CLI) and in
 * the browser (the dashboard's bundle imports this file): measured values,
 * counts, durations, money and prices. Pure, with no imports, so it bundles for
 * the browser as it is. Money and prices go through `toLocaleString`, which
 * never switches to scientific notation, unlike `toPrecision` and `String`.
 */

/** Non-zero amounts below this print as a bound: at Spot prices it is well under a vCPU-second. */
export const SMALLEST_USD_SHOWN = 0.000001;

/**
 * A measured value (an output, a mean, a quantile): up to six decimals, trailing
 * zeros dropped; scientific at a million and above and below a thousandth, where
 * six decimals would hide the value.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  if (magnitude >= 1e6 || (magnitude < 1e-3 && x !== 0)) return x.toExponential(4);
  return x.toFixed(6).replace(/\.?0+$/, '');
}

/** A count with thousands separators: "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds as "4.2 s", "42 s", "3 min 05 s", "2 h 07 min"; "?" when there is no telling. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${Math.max(0, seconds).toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * USD for people: cents from a dollar up ("$1,234.57"), four decimals from a cent
 * ("$0.0363"), three significant digits below ("$0.00000275"), a bound below
 * {@link SMALLEST_USD_SHOWN}. Never scientific, however small or large; "—" for
 * a value that is not a number.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return '—';
  if (usd < 0) return `-${formatUsd(-usd)}`;
  if (usd === 0) return '$0.00';
  if (usd >= 1) return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (usd >= 0.01) return `$${usd.toFixed(4)}`;
  if (usd < SMALLEST_USD_SHOWN) return `<$${plainNumber(SMALLEST_USD_SHOWN)}`;
  return `$${usd.toLocaleString('en-US', { minimumSignificantDigits: 3, maximumSignificantDigits: 3 })}`;
}

/** A configured price as it was written ("$0.0093"), never scientific ("$0.0000001", not "$1e-7"). */
export function formatPrice(usd: number): string {
  return Number.isFinite(usd) ? `${usd < 0 ? '-' : ''}$${plainNumber(Math.abs(usd))}` : '—';
}

/** A billed quantity (vCPU-seconds, GPU-seconds): whole from 100 up, three significant digits below, never scientific; none is "0". */
export function formatQuantity(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return x.toLocaleString('en-US', { maximumFractionDigits: 0, useGrouping: false });
  return x.toLocaleString('en-US', { minimumSignificantDigits: 3, maximumSignificantDigits: 3, useGrouping: false });
}

/** Shortest decimal digits of `x` (15 significant at most, so no floating-point noise), no grouping, no exponent. */
function plainNumber(x: number): string {
  return x.toLocaleString('en-US', { maximumSignificantDigits: 15, useGrouping: false });
}
