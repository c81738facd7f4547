// Upload form on the call list. Each file goes up in its own request (with the manifest, if any), so a
// file that is too large or refused never takes the others down with it; each gets a line saying what
// happened (已接收 / 重复 / 已拒绝 and why) with a link to its call, and the calls' processing status
// is then polled from /api/call-status until each is done.
(() => {
  const form = document.getElementById('upload-form');
  const list = document.getElementById('upload-result');
  const summary = document.getElementById('upload-summary');
  if (!form || !list) return;
  const csrf = document.querySelector('meta[name=csrf-token]').content;
  const DONE = new Set(['clean', 'flagged', 'failed']);
  const POLL_MS = 3000;
  const POLL_FOR_MS = 60 * 60 * 1000;
  const watched = new Map(); // ref -> the <span> showing that call's status
  let polling = null;

  function reason(status, body) {
    if (body && typeof body.detail === 'string') return body.detail;
    if (status === 413) return '文件超过上传大小上限';
    if (status === 401) return '登录已过期，请重新登录';
    if (status === 403) return '无权上传，或页面已过期（请刷新页面）';
    return `服务器返回错误（${status}）`;
  }

  function showStatus(span, status, name, score, error) {
    span.className = `call-status ${status || ''}`;
    let text = name || '';
    if (status === 'flagged' || status === 'clean') text += score === null || score === undefined ? '' : ` · ${score} 分`;
    if (status === 'failed' && error) text += `：${error}`;
    if (status && !DONE.has(status)) text += '…';
    span.textContent = text;
  }

  function fileLine(name) {
    const li = document.createElement('li');
    const file = document.createElement('span');
    file.className = 'file';
    file.textContent = name;
    const verdict = document.createElement('span');
    verdict.className = 'outcome';
    verdict.textContent = '上传中…';
    li.append(file, '：', verdict);
    list.append(li);
    return li;
  }

  function fill(li, o) {
    const verdict = li.querySelector('.outcome');
    verdict.className = `outcome ${o.status}`;
    verdict.textContent = o.status_name;
    const message = document.createElement('span');
    message.className = 'message';
    message.textContent = `（${o.message}）`;
    li.append(message);
    if (o.ref) {
      const link = document.createElement('a');
      link.href = `/calls/${encodeURIComponent(o.ref)}`;
      link.textContent = `查看通话 ${o.call_id}`;
      const status = document.createElement('span');
      showStatus(status, o.call_status, o.call_status_name, null, null);
      li.append(' ', link, ' ', status);
      if (!DONE.has(o.call_status)) watched.set(o.ref, status);
    }
  }

  function refuse(li, text) {
    const verdict = li.querySelector('.outcome');
    verdict.className = 'outcome failed';
    verdict.textContent = `已拒绝（${text}）`;
  }

  async function poll(startedAt) {
    if (!watched.size || Date.now() - startedAt > POLL_FOR_MS) { polling = null; return; }
    const query = new URLSearchParams();
    for (const ref of watched.keys()) query.append('ref', ref);
    try {
      const response = await fetch(`/api/call-status?${query}`, {headers: {Accept: 'application/json'}});
      if (response.ok) {
        for (const item of (await response.json()).items) {
          const span = watched.get(item.ref);
          if (!span) continue;
          showStatus(span, item.status, item.status_name, item.score, item.error);
          if (DONE.has(item.status)) watched.delete(item.ref);
        }
      }
    } catch (_) { /* the server is busy or restarting: try again on the next tick */ }
    polling = setTimeout(() => poll(startedAt), POLL_MS);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const files = Array.from(form.elements.files.files);
    const manifest = form.elements.manifest.files[0];
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    list.replaceChildren();
    const counts = {added: 0, exists: 0, failed: 0};
    for (const file of files) {
      const li = fileLine(file.name);
      const body = new FormData();
      body.append('files', file);
      if (manifest && manifest.size) body.append('manifest', manifest);
      try {
        const response = await fetch('/api/calls', {method: 'POST', body, headers: {'X-CSRF-Token': csrf}});
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) { refuse(li, reason(response.status, answer)); counts.failed += 1; continue; }
        for (const o of answer.outcomes) { fill(li, o); counts[o.status] += 1; }
      } catch (_) {
        refuse(li, '网络错误，未能上传');
        counts.failed += 1;
      }
    }
    button.disabled = false;
    if (summary) {
      summary.textContent = `共 ${files.length} 个文件：已接收 ${counts.added}，重复 ${counts.exists}，已拒绝 ${counts.failed}`;
    }
    if (!polling) poll(Date.now());
  });
})();
