/* A job's page: ask for the job's state every second and move the progress bar; when the job
   is done, show the download (or the result page's link); when it failed, show why. Without
   this script the page refreshes itself every 3 seconds (a <noscript> refresh). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  function q(name) { return box.querySelector("[" + name + "]"); }
  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    q("data-job-percent").textContent = state.percent + "%";
    box.setAttribute("data-status", state.status);
    if (state.status === "running" && state.stage) { q("data-job-stage").textContent = state.stage; }
    if (state.status === "failed") {
      q("data-job-error").textContent = state.error || "";
      q("data-job-failed").hidden = false;
      q("data-job-stage").textContent = "";
    }
    if (state.status === "done") {
      var file = q("data-job-file"), next = q("data-job-next");
      if (state.file_url) { file.href = state.file_url; file.hidden = false; }
      if (state.next_url) { next.href = state.next_url; next.hidden = false; }
      q("data-job-done").hidden = false;
      q("data-job-stage").textContent = "";
    }
    return state.status !== "done" && state.status !== "failed";
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state || show(state)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  var status = box.getAttribute("data-status");
  if (status !== "done" && status !== "failed") { window.setTimeout(poll, 500); }
})();
