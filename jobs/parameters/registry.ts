/**
 * The parameter sources, by kind (the key of a manifest's `parameters` block).
 * A new source is one file implementing {@link ParameterSource} and one line here.
 */
import { PermanentError } from '../../shared/errors.ts';
import { describeIssues, type ParametersBlock } from '../../shared/manifest.ts';
import type { FileIndex } from '../../shared/run-plan.ts';
import { fileSource } from './file.ts';
import { gridSource } from './grid.ts';
import { inlineSource } from './inline.ts';
import { randomSource } from './random.ts';
import { rangeSource } from './range.ts';
import type { IndexContext, ParameterSource, ShardInput, ShardSlice, SourceInspection } from './source.ts';

/** In the order the manifest reference lists them (and error messages name them). */
const BUILT_IN: readonly ParameterSource[] = [erased(inlineSource), erased(fileSource), erased(gridSource), erased(randomSource), erased(rangeSource)];

/** Sources by kind; resolution takes one (the built-ins by default), so tests can register their own. */
export type SourceRegistry = ReadonlyMap<string, ParameterSource>;

/** Every registered source, by kind. */
export const parameterSources: SourceRegistry = new Map(BUILT_IN.map((source) => [source.kind, source]));

/** A manifest's source with its decoded block: what validation, planning and the worker call. */
export interface ResolvedSource {
  readonly kind: string;
  /** The block after the source's schema (defaults applied): what the plan's manifest carries. */
  readonly block: unknown;
  inspect(): SourceInspection;
  /** Present when the source indexes an object at planning. */
  index?: (context: IndexContext) => Promise<FileIndex>;
  read(slice: ShardSlice): AsyncIterable<ShardInput[]>;
  /** A file `altus submit` uploads with the manifest, if the block names one. */
  localFile(): string | undefined;
}

/**
 * The source a `parameters` block names, its block decoded by the source's schema;
 * throws `MANIFEST_INVALID` naming the problem (no source, several, an unknown
 * kind, a block its schema refuses).
 */
export function resolveSource(parameters: ParametersBlock, registry: SourceRegistry = parameterSources): ResolvedSource {
  // A worker running several shards of one cached plan decodes its block once.
  const cached = registry === parameterSources ? resolvedBlocks.get(parameters) : undefined;
  if (cached) return cached;
  const resolved = resolve(parameters, registry);
  if (registry === parameterSources) resolvedBlocks.set(parameters, resolved);
  return resolved;
}

const resolvedBlocks = new WeakMap<ParametersBlock, ResolvedSource>();

function resolve(parameters: ParametersBlock, registry: SourceRegistry): ResolvedSource {
  const kinds = Object.keys(parameters);
  if (kinds.length !== 1) {
    const names = [...registry.keys()].join(', ');
    throw new PermanentError(
      'MANIFEST_INVALID',
      kinds.length === 0
        ? `parameters: give exactly one parameter source: ${names}`
        : `parameters: give exactly one parameter source, found ${kinds.length}: ${kinds.join(', ')}`,
    );
  }
  const kind = kinds[0]!;
  const source = registry.get(kind);
  if (!source)
    throw new PermanentError('MANIFEST_INVALID', `parameters: unknown parameter source "${kind}"; the sources are ${[...registry.keys()].join(', ')}`);
  const parsed = source.schema.safeParse(parameters[kind]);
  if (!parsed.success) throw new PermanentError('MANIFEST_INVALID', describeIssues(parsed.error.issues, `parameters.${kind}`));
  const block = parsed.data;
  const { index } = source;
  return {
    kind,
    block,
    inspect: () => source.inspect(block),
    ...(index ? { index: (context: IndexContext) => index.call(source, block, context) } : {}),
    read: (slice) => source.read(block, slice),
    localFile: () => source.localFile?.(block),
  };
}

/** Registered source kinds, in reference order (for error messages and the CLI). */
export function sourceKinds(registry: SourceRegistry = parameterSources): string[] {
  return [...registry.keys()];
}

/**
 * Forgets a source's block type so sources of different types share one map. Sound
 * because {@link resolveSource} decodes every block with that same source's schema
 * before calling any of its methods.
 */
function erased<B>(source: ParameterSource<B>): ParameterSource {
  return source as unknown as ParameterSource;
}
