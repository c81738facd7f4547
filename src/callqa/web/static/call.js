// Call page: click (or Enter on) a transcript line or a violation to play from there; ?t= starts there.
const player = document.getElementById('player');
function seek(el) {
  const t = parseFloat(el.dataset.start);
  if (Number.isFinite(t)) { player.currentTime = t; player.play(); }
}
document.querySelectorAll('[data-start]').forEach(el => {
  el.addEventListener('click', () => seek(el));
  el.addEventListener('keydown', e => { if (e.key === 'Enter') seek(el); });
});
const start = parseFloat(player.dataset.t);
if (Number.isFinite(start) && start > 0) {
  player.addEventListener('loadedmetadata', () => { player.currentTime = start; }, {once: true});
}
