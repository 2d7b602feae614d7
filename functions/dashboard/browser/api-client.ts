/**
 * The dashboard API as the page reads it: every answer decoded with its schema
 * (shared/dashboard-api.ts), so the views work on checked, typed data.
 */
import type * as z from 'zod';
import {
  failedParametersAnswerSchema,
  runDetailSchema,
  runsAnswerSchema,
  type FailedParametersAnswer,
  type RunDetail,
  type RunsAnswer,
} from '../../../shared/dashboard-api.ts';

/** The API answered with an error status, or with something that is not its answer. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    message: string,
    /** The HTTP status (0 when the request did not get one). */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The runs list, newest first (at most `limit`). */
export function fetchRuns(limit: number): Promise<RunsAnswer> {
  return getJson(`api/runs?limit=${limit}`, runsAnswerSchema);
}

/** One run's page. */
export function fetchRun(runId: string): Promise<RunDetail> {
  return getJson(`api/runs/${encodeURIComponent(runId)}`, runDetailSchema);
}

/** A run's first failed parameter sets. */
export function fetchFailedParameters(runId: string, limit: number): Promise<FailedParametersAnswer> {
  return getJson(`api/runs/${encodeURIComponent(runId)}/failed-parameters?limit=${limit}`, failedParametersAnswerSchema);
}

async function getJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (cause) {
    throw new ApiError('the dashboard did not answer', 0, { cause });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const said = typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string' ? body.error : undefined;
    throw new ApiError(said ?? `${res.status} ${res.statusText}`, res.status);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(`unexpected answer from ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, res.status, { cause: parsed.error });
  return parsed.data;
}
