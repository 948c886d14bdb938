// ScheduleZero portal behaviour. Everything works without it; this only adds live touches:
// countdowns, relative times, the mobile menu, and a connection notice for live pages.
(function () {
  'use strict';

  function format(ms) {
    var s = Math.round(Math.abs(ms) / 1000);
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60); s = s % 60;
    if (m < 60) return m + 'm ' + (s < 10 ? '0' : '') + s + 's';
    var h = Math.floor(m / 60); m = m % 60;
    if (h < 48) return h + 'h ' + (m < 10 ? '0' : '') + m + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }

  // <time data-countdown datetime="ISO">: "in 4m 05s", then "due".
  // <time data-ago datetime="ISO">: "12s ago".
  function tick() {
    var now = Date.now();
    document.querySelectorAll('time[data-countdown]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (isNaN(t)) return;
      el.textContent = t - now > 500 ? 'in ' + format(t - now) : 'due';
    });
    document.querySelectorAll('time[data-ago]').forEach(function (el) {
      var t = Date.parse(el.getAttribute('datetime'));
      if (isNaN(t)) return;
      el.textContent = now - t < 1500 ? 'just now' : format(now - t) + ' ago';
    });
  }
  setInterval(tick, 1000);
  document.addEventListener('DOMContentLoaded', function () {
    tick();
    // On a phone the menu starts closed; on a desktop it is always shown (its summary is hidden).
    var menu = document.querySelector('.sz-menu');
    if (menu && window.matchMedia('(max-width: 760px)').matches) menu.removeAttribute('open');
  });
  document.addEventListener('htmx:afterSwap', function () {
    tick();
    var menu = document.querySelector('.sz-menu');
    if (menu && window.matchMedia('(max-width: 760px)').matches) menu.removeAttribute('open');
  });

  // Live pages (server-sent events): show when the connection drops; the browser reconnects.
  document.addEventListener('htmx:sseError', function () {
    var el = document.getElementById('sz-conn');
    if (el) el.hidden = false;
  });
  document.addEventListener('htmx:sseOpen', function () {
    var el = document.getElementById('sz-conn');
    if (el) el.hidden = true;
  });
})();
