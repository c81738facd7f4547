// Call page: player, timeline and transcript that follow each other, and decisions made in place.
// 确认 / 误报 / 全部确认 / 本规则全部误报 post to the JSON API (with the CSRF header) and update the page
// without loading it, so scroll and playback stay; 提交并下一条 submits, then opens the next case.
// Keys: Space play/pause, J/K next/previous hit, 1 confirm, 2 false positive, Enter submit and next,
// ? the keys. Without JavaScript the forms still post and the page reloads, as before.
(() => {
  'use strict';
  const root = document.getElementById('callpage');
  if (!root) return;
  const player = document.getElementById('player');
  const owner = root.dataset.owner === '1';
  const csrf = (document.querySelector('meta[name=csrf-token]') || {}).content || '';
  const cards = [...document.querySelectorAll('.violation[data-v]')];
  const lines = [...document.querySelectorAll('#transcript .seg')];
  const transcriptPane = document.getElementById('transcript-pane');
  const hitsPane = document.getElementById('hits-pane');
  const notice = document.getElementById('notice');
  const progress = document.getElementById('progress');
  const dialog = document.getElementById('keys-dialog');
  const NAMES = {confirmed: '确认', false_positive: '误报'};
  const TITLES = {401: '登录已失效，请重新登录', 403: '无权操作', 404: '未找到', 409: '无法执行', 422: '输入有误'};
  let selected = -1;
  let playing = -1;
  let userScrolledAt = 0;
  let work = Promise.resolve(); // decisions and the verdict run one after another, in key order

  const num = v => parseFloat(v);
  const total = () => num(root.dataset.duration) || (Number.isFinite(player.duration) ? player.duration : 0);
  function say(text, bad) {
    if (!notice) return;
    notice.textContent = text;
    notice.classList.toggle('error', !!bad);
  }
  function seek(t, play) {
    if (!Number.isFinite(t)) return;
    player.currentTime = t;
    if (play) player.play().catch(() => {});
    follow();
  }
  function scrollWithin(pane, el) { // scroll the pane only, never the page
    if (!pane || !el) return;
    const p = pane.getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.top < p.top || r.bottom > p.bottom) pane.scrollTop += r.top - p.top - pane.clientHeight / 3;
  }

  // --- the hit being reviewed ---------------------------------------------------------------------
  function select(i, opts = {}) {
    if (!cards.length) return;
    selected = Math.max(0, Math.min(cards.length - 1, i));
    const id = cards[selected].dataset.v;
    cards.forEach((c, k) => c.classList.toggle('selected', k === selected));
    document.querySelectorAll('.marker').forEach(m => m.classList.toggle('selected', m.dataset.v === id));
    scrollWithin(hitsPane, cards[selected]);
    if (opts.seek) seek(num(cards[selected].dataset.start), opts.play);
  }
  function nextUndecided(from) {
    for (let k = 1; k <= cards.length; k++) {
      const i = (from + k) % cards.length;
      if (!cards[i].dataset.decision) return i;
    }
    return -1;
  }

  // --- decisions ----------------------------------------------------------------------------------
  function show(card, decision) {
    card.dataset.decision = decision || '';
    card.classList.toggle('confirmed', decision === 'confirmed');
    card.classList.toggle('dismissed', decision === 'false_positive');
    let line = card.querySelector('.decision');
    if (decision) {
      if (!line) {
        line = document.createElement('div');
        line.className = 'decision';
        const form = card.querySelector('form.decide');
        card.insertBefore(line, form);
      }
      const note = (card.querySelector('input[name=comment]') || {}).value || '';
      line.textContent = '复核：';
      const b = document.createElement('b');
      b.textContent = NAMES[decision];
      line.append(b, note ? `：${note}` : '');
    } else if (line) {
      line.remove();
    }
    const id = card.dataset.v;
    document.querySelectorAll(`.marker[data-v="${id}"]`).forEach(m => {
      m.classList.toggle('confirmed', decision === 'confirmed');
      m.classList.toggle('dismissed', decision === 'false_positive');
    });
  }
  function refreshMarks() {
    const decision = Object.fromEntries(cards.map(c => [c.dataset.v, c.dataset.decision]));
    document.querySelectorAll('mark.words[data-hits]').forEach(m => {
      const ids = m.dataset.hits.split(' ');
      m.classList.toggle('dismissed', ids.every(id => decision[id] === 'false_positive'));
    });
    const done = cards.filter(c => c.dataset.decision).length;
    if (progress) progress.textContent = `已复核 ${done} / ${cards.length}`;
  }
  async function api(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      const detail = data && typeof data.detail === 'string' ? `：${data.detail}` : '';
      throw new Error(`${TITLES[response.status] || '操作失败'}${detail}`);
    }
    return data;
  }
  function queue(task) {
    work = work.then(task).catch(err => say(err.message, true));
    return work;
  }
  function decide(card, decision) {
    if (!owner) { say('只有本案负责人在复核中可以决定', true); return work; }
    const before = card.dataset.decision;
    show(card, decision); // at once; put back if the server refuses
    refreshMarks();
    const comment = (card.querySelector('input[name=comment]') || {}).value || null;
    return queue(async () => {
      try {
        const c = await api(`/api/violations/${card.dataset.v}/decision`, {decision, comment});
        cards.forEach(k => { if (k.dataset.v in c.decisions) show(k, c.decisions[k.dataset.v]); });
      } catch (err) {
        show(card, before);
        throw err;
      } finally {
        refreshMarks();
      }
    });
  }
  function decideSelected(decision) {
    if (selected < 0) select(0);
    if (selected < 0) return;
    const at = selected;
    decide(cards[at], decision);
    const next = nextUndecided(at);
    if (next >= 0) select(next, {seek: true, play: !player.paused});
    else say('全部命中已复核：按 Enter 提交并打开下一条');
  }
  function decideAll(filter, decision) {
    cards.filter(filter).forEach(c => decide(c, decision));
  }
  function submitNext() {
    if (!owner) return;
    queue(async () => {
      const open = cards.filter(c => !c.dataset.decision);
      if (open.length) {
        say(`还有 ${open.length} 条命中未复核`, true);
        select(cards.indexOf(open[0]), {seek: true});
        return;
      }
      await api(`/api/calls/${encodeURIComponent(root.dataset.ref)}/verdict`);
      say('已提交，正在打开下一条……');
      window.location.assign('/review/next');
    });
  }

  document.querySelectorAll('form.decide').forEach(form => {
    const card = form.closest('.violation');
    form.addEventListener('submit', e => {
      e.preventDefault();
      const value = e.submitter && e.submitter.value;
      if (value) decide(card, value);
      if (document.activeElement) document.activeElement.blur(); // keys act on the page again
      select(cards.indexOf(card));
    });
    const ruleFp = form.querySelector('.rule-fp');
    if (ruleFp) {
      ruleFp.hidden = false;
      ruleFp.addEventListener('click', () => {
        decideAll(c => c.dataset.rule === card.dataset.rule, 'false_positive');
        ruleFp.blur();
      });
    }
  });
  const confirmAll = document.getElementById('confirm-all');
  if (confirmAll) {
    confirmAll.hidden = false;
    confirmAll.addEventListener('click', () => {
      decideAll(c => !c.dataset.decision, 'confirmed');
      confirmAll.blur();
    });
  }
  const submitForm = document.getElementById('submit-next');
  if (submitForm) submitForm.addEventListener('submit', e => { e.preventDefault(); submitNext(); });

  // --- timeline -----------------------------------------------------------------------------------
  const bucket = num((document.getElementById('timeline') || {dataset: {}}).dataset.bucket) || 0;
  function draw(canvas) {
    const levels = JSON.parse(canvas.dataset.levels || '[]');
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = getComputedStyle(canvas).color;
    ctx.fillRect(0, h / 2 - 0.5, w, 1);
    const length = total();
    if (!levels.length || !bucket || !length || !w) return;
    const perPixel = length / bucket / w; // buckets per pixel column
    for (let x = 0; x < w; x++) {
      let v = 0;
      if (perPixel >= 1) { // several buckets in a column: the loudest
        const b0 = Math.floor(x * perPixel), b1 = Math.floor((x + 1) * perPixel);
        for (let b = b0; b < b1 && b < levels.length; b++) v = Math.max(v, levels[b]);
      } else { // a bucket over several columns: interpolate between bucket centres
        const at = Math.max(0, (x + 0.5) * perPixel - 0.5), b = Math.floor(at), f = at - b;
        if (b < levels.length) v = levels[b] * (1 - f) + (levels[Math.min(b + 1, levels.length - 1)]) * f;
      }
      const bar = Math.max(1, (v / 255) * (h - 4));
      ctx.fillRect(x, (h - bar) / 2, 1, bar);
    }
  }
  function layout() {
    const length = total();
    document.querySelectorAll('.timeline canvas').forEach(draw);
    if (!length) return;
    document.querySelectorAll('.marker').forEach(m => {
      const start = num(m.dataset.start), end = num(m.dataset.end);
      const width = Math.max(0, (100 * (end - start)) / length);
      m.style.left = `${(100 * start) / length}%`;
      m.style.width = `${width}%`;
      m.style.zIndex = String(1 + Math.round(100 - width)); // a short hit inside a long one stays clickable
    });
    follow();
  }
  document.querySelectorAll('.track').forEach(track => {
    track.addEventListener('click', e => {
      const marker = e.target.closest('.marker');
      if (marker) {
        const i = cards.findIndex(c => c.dataset.v === marker.dataset.v);
        if (i >= 0) select(i, {seek: true, play: true});
        else seek(num(marker.dataset.start), true);
        marker.blur();
        return;
      }
      const r = track.getBoundingClientRect();
      seek(((e.clientX - r.left) / r.width) * total(), true);
    });
  });
  let resizing = 0;
  window.addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(layout, 100); });

  // --- the line being played ----------------------------------------------------------------------
  const starts = lines.map(l => num(l.dataset.start));
  function lineAt(t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t <= num(lines[found].dataset.end) + 0.3 ? found : -1;
  }
  function follow() {
    const t = player.currentTime, length = total();
    if (length) {
      document.querySelectorAll('.playhead').forEach(p => { p.style.left = `${Math.min(100, (100 * t) / length)}%`; });
    }
    const i = lineAt(t);
    if (i === playing) return;
    if (playing >= 0) lines[playing].classList.remove('playing');
    playing = i;
    if (i < 0) return;
    lines[i].classList.add('playing');
    if (Date.now() - userScrolledAt > 4000) scrollWithin(transcriptPane, lines[i]);
  }
  function tick() {
    follow();
    if (!player.paused) requestAnimationFrame(tick);
  }
  player.addEventListener('play', () => requestAnimationFrame(tick));
  player.addEventListener('timeupdate', follow);
  player.addEventListener('seeked', follow);
  player.addEventListener('loadedmetadata', layout);
  if (transcriptPane) {
    ['wheel', 'touchmove'].forEach(kind =>
      transcriptPane.addEventListener(kind, () => { userScrolledAt = Date.now(); }, {passive: true}));
  }

  // --- clicks that seek ---------------------------------------------------------------------------
  lines.forEach(line => {
    line.addEventListener('click', () => { seek(num(line.dataset.start), true); line.blur(); });
    line.addEventListener('keydown', e => {
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); seek(num(line.dataset.start), true); }
    });
  });
  document.querySelectorAll('#ptp a[data-start]').forEach(link => {  // the promise: seek, stay on the page
    link.addEventListener('click', e => { e.preventDefault(); seek(num(link.dataset.start), true); });
  });
  document.querySelectorAll('.context li[data-start]').forEach(li => {
    li.addEventListener('click', e => { e.stopPropagation(); seek(num(li.dataset.start), true); });
  });
  cards.forEach((card, i) => {
    card.addEventListener('click', e => {
      if (e.target.closest('form, a, button, input, textarea, select, .context')) return;
      select(i, {seek: true, play: true});
    });
  });

  // --- keys ---------------------------------------------------------------------------------------
  function toggleHelp() {
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }
  const help = document.getElementById('keys-help');
  if (help) { help.hidden = false; help.addEventListener('click', () => { toggleHelp(); help.blur(); }); }
  document.addEventListener('keydown', e => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    const target = e.target instanceof Element ? e.target : document.body;
    if (target.closest('input, textarea, select, [contenteditable]')) return; // typing a note
    if (dialog && dialog.open && e.key !== '?') return;
    const onControl = target.closest('button, a, summary, audio, [role=button]');
    switch (e.key) {
      case ' ':
        if (onControl) return; // the focused control's own Space
        e.preventDefault();
        if (player.paused) player.play().catch(() => {}); else player.pause();
        break;
      case 'Enter':
        if (onControl) return;
        e.preventDefault();
        submitNext();
        break;
      case 'j': case 'J':
        e.preventDefault();
        select(selected + 1, {seek: true, play: true});
        break;
      case 'k': case 'K':
        e.preventDefault();
        select(selected - 1, {seek: true, play: true});
        break;
      case '1':
        e.preventDefault();
        decideSelected('confirmed');
        break;
      case '2':
        e.preventDefault();
        decideSelected('false_positive');
        break;
      case '?':
        e.preventDefault();
        toggleHelp();
        break;
      default:
    }
  });

  // --- start: at ?t= (the hit there selected), else the first hit not yet reviewed -----------------
  const start = num(player.dataset.t);
  if (Number.isFinite(start) && start > 0) {
    player.addEventListener('loadedmetadata', () => { player.currentTime = start; }, {once: true});
    const at = cards.findIndex(c => num(c.dataset.end) >= start);
    if (at >= 0) select(at);
  } else if (cards.length) {
    const first = cards.findIndex(c => !c.dataset.decision);
    select(first >= 0 ? first : 0);
  }
  refreshMarks();
  layout();
})();
