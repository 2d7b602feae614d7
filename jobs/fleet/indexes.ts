/**
 * Index sets in the Kubernetes Job status format: sorted, comma-separated,
 * consecutive runs compressed as ranges ("1,3-5,7").
 */

/** Formats a set of indexes as Kubernetes writes `completedIndexes` / `failedIndexes`. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parses the Kubernetes index-set format back into indexes. */
export function parseIndexes(text: string | undefined): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = from; i <= (to ?? from); i++) out.push(i);
  }
  return out;
}
