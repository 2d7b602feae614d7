/**
 * The dashboard's one HTML page and its style sheet. Every URL in the page is
 * relative, so the app works wherever the function is mounted (the Cloud Run
 * URL, `gcloud run services proxy`, the local stack).
 */

/** The page; the app script routes by the URL's hash (`#/runs/<runId>`). */
export function pageHtml(paths: { uplotScript: string; uplotStyle: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Altus runs</title>
<link rel="stylesheet" href="${paths.uplotStyle}">
<link rel="stylesheet" href="assets/app.css">
</head>
<body>
<header class="top">
  <a class="brand" href="#/">Altus</a>
  <nav><a href="#/">Runs</a></nav>
  <span id="live" class="live" aria-live="polite"></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<script src="${paths.uplotScript}"></script>
<script src="assets/charts.js"></script>
<script src="assets/app.js"></script>
</body>
</html>
`;
}

/** The page's style. */
export const PAGE_STYLE = `
:root {
  --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --panel: #ffffff; --bg: #f5f6f8;
  --ok: #2f9e44; --bad: #e03131; --run: #1c7ed6; --warn: #f08c00; --accent: #3b5bdb;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 18px; padding: 10px 24px; background: #1d2330; color: #fff; }
.top a { color: #dbe4ff; }
.brand { font-weight: 700; font-size: 17px; letter-spacing: .02em; color: #fff !important; }
.live { margin-left: auto; font-size: 12px; color: #c1c8d6; }
.live.on::before { content: ""; display: inline-block; width: 8px; height: 8px; margin-right: 6px; border-radius: 50%; background: #51cf66; animation: pulse 1.2s infinite; }
@keyframes pulse { 50% { opacity: .3; } }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 15px; margin: 0 0 10px; color: #344054; text-transform: uppercase; letter-spacing: .04em; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; }
.grid > .panel { margin: 0; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f8f9fb; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.status-succeeded { background: var(--ok); }
.status-partial { background: var(--warn); }
.status-failed, .status-rejected { background: var(--bad); }
.status-running, .status-accepted, .status-aggregating { background: var(--run); }
.status-cancelled { background: #868e96; }
.bar { position: relative; display: flex; height: 10px; min-width: 140px; border-radius: 5px; background: #e9ecef; overflow: hidden; }
.bar.big { height: 16px; border-radius: 8px; }
.bar .ok { background: var(--ok); }
.bar .bad { background: var(--bad); }
.progress-cell { display: flex; align-items: center; gap: 10px; }
.progress-cell .bar { flex: 1; }
.headline { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin-top: 10px; }
.fact { min-width: 110px; }
.fact .label { font-size: 12px; color: var(--muted); }
.fact .value { font-size: 16px; font-variant-numeric: tabular-nums; }
.error { border-left: 4px solid var(--bad); }
.error strong { color: var(--bad); }
.chart { min-height: 240px; }
.chart-note { margin-top: 6px; font-size: 12px; color: var(--muted); }
.chart-readout { height: 18px; margin-top: 2px; font-size: 12px; color: #344054; font-variant-numeric: tabular-nums; }
h2.metric { text-transform: none; letter-spacing: 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 14px; }
.q { color: #d9480f; font-weight: 600; }
.risk { color: #862e9c; font-weight: 600; }
.truncate { max-width: 520px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.empty { padding: 28px; text-align: center; color: var(--muted); }
`;
