// Hands the authorization server's answer back to the Swagger UI window that opened this one,
// as Swagger UI's own oauth2-redirect page does (Swagger UI sets window.swaggerUIRedirectOauth2).
(function () {
  "use strict";
  var oauth2 = window.opener && window.opener.swaggerUIRedirectOauth2;
  if (!oauth2) {
    document.body.textContent = "This page only completes a sign-in started from the API docs.";
    return;
  }
  var fromFragment = /code|token|error/.test(window.location.hash);
  var answer = new URLSearchParams(fromFragment ? window.location.hash.substring(1) : window.location.search);
  var params = Object.fromEntries(answer.entries());
  var stateMatches = params.state === oauth2.state;
  var flow = oauth2.auth.schema.get("flow");
  var isCodeFlow = flow === "accessCode" || flow === "authorizationCode" || flow === "authorization_code";

  if (isCodeFlow && !oauth2.auth.code) {
    if (!stateMatches) {
      oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "warning",
                    message: "The state returned by the authorization server does not match the one sent."});
    }
    if (params.code) {
      delete oauth2.state;
      oauth2.auth.code = params.code;
      oauth2.callback({auth: oauth2.auth, redirectUrl: oauth2.redirectUrl});
    } else {
      var message = params.error
        ? "[" + params.error + "]: " + (params.error_description || "no authorization code received.")
        : "[Authorization failed]: no authorization code received.";
      oauth2.errCb({authId: oauth2.auth.name, source: "auth", level: "error", message: message});
    }
  } else {
    oauth2.callback({auth: oauth2.auth, token: params, isValid: stateMatches, redirectUrl: oauth2.redirectUrl});
  }
  window.close();
})();
