// Starts Swagger UI on the OpenAPI page. The page carries no inline script (it may be served
// under a Content-Security-Policy): the document's URL comes from a data attribute.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  var SwaggerUIBundle = window.SwaggerUIBundle;
  if (!root || typeof SwaggerUIBundle !== 'function') return;
  var specUrl = new URL(root.getAttribute('data-spec-url') || './openapi.json', document.baseURI).href;
  window.ui = SwaggerUIBundle({
    url: specUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    deepLinking: true,
    // Requests are sent only after the reader presses "Try it out" on an operation.
    tryItOutEnabled: false,
    // The default sends the document to validator.swagger.io and shows its badge: no external requests.
    validatorUrl: null,
    // A link such as ?url=https://elsewhere must not point this page at another document.
    queryConfigEnabled: false,
  });
})();
