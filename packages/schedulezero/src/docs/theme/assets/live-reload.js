// `schedulezero docs serve`: reload the page when the site has been rebuilt. The server sends a
// "reload" event over server-sent events after every build; EventSource reconnects by itself when
// the server restarts.
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute('data-events');
  if (!url || typeof EventSource === 'undefined') return;
  var source = new EventSource(url);
  source.addEventListener('reload', function () {
    window.location.reload();
  });
})();
