/**
 * The dashboard's one HTML page: a static shell the browser bundle fills in.
 * Every URL in it is relative, so the app works wherever the function is
 * mounted (the Cloud Run URL, `gcloud run services proxy`, the local stack).
 */

/** The page, loading the bundle's style and script from their (content-named) paths. */
export function pageHtml(paths: { script: string; style: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Altus runs</title>
<link rel="stylesheet" href="${paths.style}">
</head>
<body>
<header class="top">
  <a class="brand" href="#/">Altus</a>
  <nav><a href="#/">Runs</a></nav>
  <span id="live" class="live" aria-live="polite"></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<script src="${paths.script}"></script>
</body>
</html>
`;
}
