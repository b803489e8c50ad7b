// Swagger UI (vendored swagger-ui-dist) over /v1/admin/openapi.json, which answers admins only:
// the spec and every "Try it out" call carry the token this tab holds.
(function () {
  "use strict";

  var TOKEN = "plaza.admin.token", DEVICE = "plaza.admin.device";

  function authorize(request) {
    request.headers.authorization = "Bearer " + sessionStorage.getItem(TOKEN);
    request.headers["x-device-id"] = sessionStorage.getItem(DEVICE) || "";
    return request;
  }

  function open() {
    var error = document.getElementById("sign-in-error");
    error.textContent = "";
    fetch("/v1/admin/openapi.json", { headers: authorize({ headers: {} }).headers })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || body.title || "HTTP " + response.status);
          document.getElementById("sign-in").hidden = true;
          window.SwaggerUIBundle({ spec: body, dom_id: "#swagger-ui", requestInterceptor: authorize,
                                   deepLinking: true });
          document.body.dataset.state = "ready";
        });
      })
      .catch(function (failure) {
        document.body.dataset.state = "signed-out";
        error.textContent = failure.message;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      sessionStorage.setItem(TOKEN, event.target.token.value.trim());
      sessionStorage.setItem(DEVICE, event.target.device.value.trim());
      open();
    });
    if (sessionStorage.getItem(TOKEN)) open();
  });
})();
