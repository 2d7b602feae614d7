/**
 * The dashboard as one HTTP handler (what `functions.http` serves, or any
 * `node:http` server): the web app and its assets, the JSON API under `api/`,
 * and results files as downloads. Read-only: anything but GET and HEAD is 405.
 * In the cloud it sits behind IAM (run.invoker for named people or groups only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { isValidRunId } from '../../shared/ids.ts';
import type { RunResults } from '../../shared/documents.ts';
import { listRunSummaries, runDetail, runFailedParameters, MAX_FAILURES_LISTED, PART_NAME } from './api.ts';
import type { DashboardDependencies } from './deps.ts';
import { DashboardBundleMissingError, isWebPath, webAssets, type WebAsset } from './web/assets.ts';

/** An HTTP request handler. */
export type DashboardApp = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The page may load only its own scripts, styles and data. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const RUN_ROUTE = /^\/api\/runs\/([^/]+)(\/failed-parameters|\/results\.ndjson|\/parts\/[^/]+)?$/;

/** Creates the dashboard handler. */
export function createDashboard(deps: DashboardDependencies, readAssets: () => ReadonlyMap<string, WebAsset> = webAssets): DashboardApp {
  // Read on the first page request, not at creation: the API serves even before the bundle is built.
  let assets: ReadonlyMap<string, WebAsset> | undefined;
  return async (req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'the dashboard is read-only' });
    }
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    try {
      if (isWebPath(url.pathname)) {
        assets ??= readAssets();
        const asset = assets.get(url.pathname);
        return asset ? sendAsset(req, res, asset, CONTENT_SECURITY_POLICY) : sendJson(res, 404, { error: `no such page: ${url.pathname}` });
      }
      if (url.pathname === '/api/runs') {
        return sendJson(res, 200, { runs: await listRunSummaries(deps, intParam(url, 'limit', 50)) });
      }
      const match = RUN_ROUTE.exec(url.pathname);
      if (!match) return sendJson(res, 404, { error: `no such page: ${url.pathname}` });
      const runId = match[1]!;
      if (!isValidRunId(runId)) return sendJson(res, 400, { error: 'not a run id' });
      if (match[2] === undefined) {
        const detail = await runDetail(deps, runId);
        return detail ? sendJson(res, 200, detail) : sendJson(res, 404, { error: `no run ${runId}` });
      }
      const run = await deps.runs.getRun(runId);
      if (!run) return sendJson(res, 404, { error: `no run ${runId}` });
      if (match[2] === '/failed-parameters') {
        return sendJson(res, 200, await runFailedParameters(deps, run, intParam(url, 'limit', MAX_FAILURES_LISTED)));
      }
      if (!run.results || !deps.store.localPath) return sendJson(res, 404, { error: `run ${runId} has no results file to download here` });
      const download = resultsDownload(run.results, match[2]!, runId);
      if (!download) return sendJson(res, 404, { error: `run ${runId} has no such results file` });
      const info = await deps.store.stat(download.uri);
      if (!info) return sendJson(res, 404, { error: `the results file of ${runId} is gone` });
      res.writeHead(200, {
        'Content-Type': download.contentType,
        'Content-Length': String(info.size),
        'Content-Disposition': `attachment; filename="${download.filename}"`,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') return void res.end();
      await pipeline(deps.store.readStream(download.uri), res);
    } catch (error) {
      if (error instanceof DashboardBundleMissingError) {
        deps.log.error(error.message, { path: url.pathname });
        return sendJson(res, 503, { error: error.message });
      }
      deps.log.error('dashboard request failed', { path: url.pathname, error: (error as Error).message });
      if (!res.headersSent) sendJson(res, 500, { error: 'the dashboard could not read the run state; see its logs' });
      else res.destroy();
    }
  };
}

/** The object a download path names: the NDJSON results file, or one part of the Parquet dataset. */
function resultsDownload(results: RunResults, path: string, runId: string): { uri: string; contentType: string; filename: string } | undefined {
  const parquet = results.format === 'parquet';
  if (path === '/results.ndjson') return parquet ? undefined : { uri: results.uri, contentType: 'application/x-ndjson', filename: `${runId}-results.ndjson` };
  const name = path.slice('/parts/'.length);
  if (!parquet || !PART_NAME.test(name)) return undefined;
  return { uri: results.uri + name, contentType: 'application/vnd.apache.parquet', filename: `${runId}-${name}` };
}

function intParam(url: URL, name: string, fallback: number): number {
  const value = Number(url.searchParams.get(name) ?? fallback);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: WebAsset, csp: string): void {
  res.writeHead(200, {
    'Content-Type': asset.contentType,
    'Content-Length': String(asset.body.length),
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(asset.contentType.startsWith('text/html') ? { 'Content-Security-Policy': csp } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
