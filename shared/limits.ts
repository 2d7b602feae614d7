/**
 * Caps that keep one manifest from exhausting a function or the fleet. Each is
 * reported with a clear error code when exceeded (docs/reliability.md, "Input limits").
 */
export const LIMITS = {
  /** Largest manifest object accepted, checked before download. */
  manifestBytes: 10 * 1024 * 1024,
  /** Most parameter sets in one run. */
  parameters: 100_000_000,
  /** Most shards in one run (messages, documents and Job indexes grow with shards). */
  shards: 100_000,
  /** Most inline parameter sets (bigger sets belong in a file). */
  inlineParameters: 100_000,
  /** Largest parameter file, checked before download. */
  parameterFileBytes: 20 * 1024 * 1024 * 1024,
  /** Longest line of an NDJSON or CSV parameter file. */
  parameterLineBytes: 64 * 1024,
  /** Deepest JSON nesting in a manifest. */
  jsonDepth: 32,
  /** Most keys in one JSON object of a manifest or parameter set. */
  objectKeys: 1000,
} as const;
