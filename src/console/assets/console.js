// fogbank console: live updates of the page's live region over server-sent events.
// The server renders the region again while the page is open and sends it only when it
// changed; this script swaps it in, keeping open disclosures open and never pulling the
// content out from under keyboard focus (an update waits until focus leaves the region).
(() => {
  'use strict';
  const live = document.getElementById('live');
  const status = document.getElementById('live-status');
  if (!live || !live.dataset.live || !window.EventSource) return;
  let pending = null;
  let updates = 0;

  function swap(html) {
    const open = new Set(
      Array.from(live.querySelectorAll('details[open][data-key]'), (d) => d.dataset.key),
    );
    live.innerHTML = html;
    for (const d of live.querySelectorAll('details[data-key]')) {
      if (open.has(d.dataset.key)) d.open = true;
    }
    updates += 1;
    document.body.dataset.liveUpdates = String(updates);
    if (status) status.textContent = 'Updated at ' + new Date().toLocaleTimeString();
  }

  live.addEventListener('focusout', (e) => {
    if (pending !== null && !live.contains(e.relatedTarget)) {
      const html = pending;
      pending = null;
      swap(html);
    }
  });

  const source = new EventSource(live.dataset.live);
  source.addEventListener('update', (e) => {
    if (live.contains(document.activeElement)) {
      pending = e.data;
    } else {
      swap(e.data);
    }
  });
  source.addEventListener('open', () => {
    document.body.dataset.live = 'open';
    if (status) status.textContent = 'Live';
  });
  source.addEventListener('error', () => {
    document.body.dataset.live = 'reconnecting';
    if (status) status.textContent = 'Live updates paused; reconnecting';
  });
})();
