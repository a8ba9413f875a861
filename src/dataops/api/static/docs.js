// Starts Swagger UI on the engine's own OpenAPI document (no inline script: the page's
// Content-Security-Policy allows scripts from this origin only). Addresses are relative, so the
// page works at the engine's /api/docs and through the portal at /work/api/docs alike.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
