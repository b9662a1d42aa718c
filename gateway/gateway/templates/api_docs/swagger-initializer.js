// Starts Swagger UI on the merged document; settings come from data attributes of #swagger-ui.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  var ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The authorization server redirects the browser here; it must be registered on the client.
    oauth2RedirectUrl: window.location.origin + root.dataset.oauth2RedirectPath
  });
  // identity refuses authorization codes without PKCE (S256).
  ui.initOAuth({clientId: root.dataset.clientId, usePkceWithAuthorizationCodeGrant: true});
  window.ui = ui;
});
