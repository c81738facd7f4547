// API docs (/docs): the vendored Swagger UI over this server's OpenAPI document (no inline script: CSP).
// "Try it out" with a signed-in browser session sends the page's CSRF token, as every other form does.
const root = document.getElementById('swagger-ui');
const csrf = document.querySelector('meta[name=csrf-token]').content;
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  requestInterceptor: (request) => { request.headers['X-CSRF-Token'] = csrf; return request; },
});
