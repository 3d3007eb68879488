/** What the public service shows while no OPAC build (web/dist/opac.html) is there. */
export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>蔵書検索 — 文庫 Bunko</title>
<link rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml" title="蔵書検索">
</head>
<body>
<main>
<h1>蔵書検索(準備中)</h1>
<p>蔵書検索の画面は準備中です。図書館の窓口または館内の検索端末をご利用ください。</p>
<p lang="en">The online catalogue is being prepared. Please use the library's counter or its catalogue terminals.</p>
<h2>横断検索・外部サービス向け / For other services</h2>
<ul>
<li><a href="/sru?operation=explain">SRU 1.2</a></li>
<li><a href="/opensearch.xml">OpenSearch</a></li>
<li><a href="/api/openapi.json">API (OpenAPI)</a></li>
</ul>
</main>
</body>
</html>
`;
