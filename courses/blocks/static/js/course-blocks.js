/* Shared helpers of the course blocks: JSON posts to handlers (with the CSRF token), text. */
(function () {
  "use strict";
  if (window.CourseBlocks) { return; }

  function csrfToken() {
    // Our LMS puts the token in a <meta>; Django (the xblock-sdk workbench) in a cookie.
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { return meta.getAttribute("content"); }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function postJSON(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest"
      },
      body: JSON.stringify(data || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("HTTP " + response.status));
          error.status = response.status;
          error.body = body;
          throw error;
        }
        return body;
      });
    });
  }

  function setText(element, text) {
    if (element) { element.textContent = text == null ? "" : String(text); }
  }

  window.CourseBlocks = { csrfToken: csrfToken, postJSON: postJSON, setText: setText };
})();
