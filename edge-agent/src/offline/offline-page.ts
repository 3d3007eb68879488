/**
 * The bookmobile's offline counter page, served by the agent on loopback only. Plain HTML and a
 * little script (no build step, nothing fetched from elsewhere): it must work with no network.
 * Keyboard-wedge readers type into the focused field and end with Enter.
 */
export const OFFLINE_PAGE = `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>移動図書館 オフライン貸出返却</title>
<style>
  body { font-family: "Noto Sans CJK JP", sans-serif; margin: 1rem; max-width: 52rem; color: #111; }
  h1 { font-size: 1.3rem; }
  .status { padding: .5rem .75rem; border-radius: .3rem; margin-bottom: 1rem; }
  .online { background: #e6f4ea; } .offline { background: #fde7e7; }
  fieldset { margin-bottom: 1rem; border: 1px solid #888; }
  label { display: block; margin: .4rem 0; }
  input, select, button { font-size: 1.1rem; padding: .3rem; }
  #message { font-size: 1.2rem; min-height: 1.6rem; margin: .5rem 0; }
  .refused { color: #a00000; font-weight: bold; } .ok { color: #0a5c1a; }
  table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ccc; padding: .2rem .4rem; text-align: left; }
</style>
</head>
<body>
<h1>移動図書館 オフライン貸出・返却 <span lang="en">(offline bookmobile counter)</span></h1>
<div id="status" class="status" role="status" aria-live="polite">…</div>
<label>巡回場所 (station) <select id="station"></select></label>
<fieldset><legend>貸出 (checkout)</legend>
  <label>利用者カード <input id="patron" autocomplete="off"></label>
  <label>資料バーコード <input id="item" autocomplete="off"></label>
  <label><input type="checkbox" id="allowOverdues"> 延滞の警告を確認して貸出する</label>
  <button id="checkout">貸出</button>
</fieldset>
<fieldset><legend>返却 (return)</legend>
  <label>資料バーコード <input id="returnItem" autocomplete="off"></label>
  <button id="return">返却</button>
</fieldset>
<div id="message" role="alert" aria-live="assertive"></div>
<h2>未送信の記録 <span lang="en">(waiting for replay)</span></h2>
<table><thead><tr><th>時刻</th><th>種別</th><th>資料</th><th>返却期限</th></tr></thead><tbody id="pending"></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
async function call(path, body) {
  const res = await fetch(path, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
  return res.json();
}
// One id per loan or return: if the answer is lost (the laptop busy, a hiccup), the same request is
// sent again with it, and the agent records and prints it once.
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : undefined);
async function record(path, body) {
  body.id = newId();
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status < 500 || attempt >= 3) return await res.json();
    } catch (err) {
      if (attempt >= 3) return { ok: false, messageJa: '記録できたか確認できません。未送信の記録を確かめてください' };
    }
    await new Promise((r) => setTimeout(r, 400 * attempt));
  }
}
const receiptNote = (r) => (r.receipt === 'printing' && !r.repeated ? '（レシートを印刷します）' : '');
function show(text, ok) { const m = $('message'); m.textContent = text; m.className = ok ? 'ok' : 'refused'; }
async function refresh() {
  const s = await call('/api/status');
  const st = $('status');
  st.className = 'status ' + (s.online ? 'online' : 'offline');
  st.textContent = (s.online ? '本館と接続中：未送信の記録は自動で送信されます' : '本館と接続できません：オフラインで記録しています')
    + ' ／ データ作成 ' + (s.package ? new Date(s.package.generatedAt).toLocaleString('ja-JP') : 'なし');
  const sel = $('station');
  if (!sel.options.length) for (const x of s.stations) sel.add(new Option(x.nameJa, x.locationId, false, x.locationId === s.station));
  const rows = $('pending'); rows.textContent = '';
  for (const op of s.pending) {
    const tr = rows.insertRow();
    for (const v of [new Date(op.at).toLocaleTimeString('ja-JP'), op.kind === 'checkout' ? '貸出' : '返却', op.itemBarcode, op.dueOn || '']) tr.insertCell().textContent = v;
  }
}
$('patron').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('item').focus(); });
$('item').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('checkout').click(); });
$('returnItem').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('return').click(); });
$('checkout').addEventListener('click', async () => {
  const r = await record('/api/checkout', { patronBarcode: $('patron').value, itemBarcode: $('item').value, locationId: $('station').value || undefined, allowOverdues: $('allowOverdues').checked });
  if (r.ok) { show('貸出しました：' + (r.title || '（資料名不明・要確認）') + (r.operation.dueOn ? '　返却期限 ' + r.operation.dueOn : '') + receiptNote(r), true); $('item').value = ''; $('item').focus(); }
  else show(r.messageJa || '記録できませんでした', false);
  $('allowOverdues').checked = false;
  refresh();
});
$('return').addEventListener('click', async () => {
  const r = await record('/api/return', { itemBarcode: $('returnItem').value, locationId: $('station').value || undefined });
  if (r.ok) { show('返却を記録しました：' + (r.title || r.operation.itemBarcode) + receiptNote(r), true); $('returnItem').value = ''; $('returnItem').focus(); }
  else show(r.messageJa || '記録できませんでした', false);
  refresh();
});
refresh(); setInterval(refresh, 5000);
</script>
</body>
</html>
`;
