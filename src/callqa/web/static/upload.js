// Upload form on the call list: posts the files to /api/calls with the page's CSRF token.
document.getElementById('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  if (!form.get('manifest') || !form.get('manifest').size) form.delete('manifest');
  const out = document.getElementById('upload-result');
  out.textContent = '上传中…';
  const response = await fetch('/api/calls', {method: 'POST', body: form,
    headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}});
  const body = await response.json().catch(() => ({}));
  out.textContent = '';
  const outcomes = body.outcomes || body.results || [];
  if (!response.ok) { const li = document.createElement('li'); li.className = 'error';
    li.textContent = `上传失败（${response.status}）：${typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)}`; out.append(li); }
  for (const o of outcomes) { const li = document.createElement('li');
    li.textContent = `${o.call_id || o.file || ''}：${o.status}${o.message ? '，' + o.message : ''}`; out.append(li); }
});
