import type { HeaderVerdict } from './header-verdict.js';
import { html, type Html } from './html.js';

/** Short local form of a commit time (`2026-12-01 17:04`), as the committer's clock showed it. */
export function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** The search form (also in every page's header). */
export function searchForm(q: string): Html {
  return html`<form class="search" method="get" action="/search" role="search"><input type="search" name="q" value="${q}" placeholder="Invoice no., client" aria-label="Search" size="18"><button type="submit">Search</button></form>`;
}

/** A whole page: the verdict header, the navigation, the title and the body. No script: links and forms only. */
export function pageLayout(opts: { readonly title: string; readonly header: HeaderVerdict; readonly body: Html }): string {
  const { verdict, lastSnapshot } = opts.header;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} - git-dbsync</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header class="top">
<nav><a class="brand" href="/">git-dbsync history</a><a href="/">Timeline</a><a href="/asof">As of a date</a><a href="/record">A record</a><a href="/conflicts">Conflicts</a>${searchForm('')}</nav>
<p class="verdict ${verdict.level}" id="verdict">${verdict.line}${
    lastSnapshot ? html`<small>last snapshot ${shortTime(lastSnapshot.time)}: ${lastSnapshot.subject}</small>` : ''
  }</p>
</header>
<main>
<h1>${opts.title}</h1>
${opts.body}
</main>
</body>
</html>
`.text;
}
