/* Page-wide behaviour: quick exit, text size and contrast preferences. No dependencies. */
(function () {
  "use strict";
  var html = document.documentElement;
  var PREFS_KEY = "lms-display-prefs";

  function quickExit(event) {
    var link = document.getElementById("quick-exit");
    if (event) { event.preventDefault(); }
    document.body.innerHTML = "";
    // replace(): the visited page does not stay in the back-button history.
    window.location.replace(link ? link.getAttribute("data-exit-url") : "about:blank");
  }

  function loadPrefs() {
    try { return JSON.parse(window.localStorage.getItem(PREFS_KEY) || "[]"); }
    catch (e) { return []; }
  }

  function savePrefs(prefs) {
    try { window.localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)); } catch (e) { /* private mode */ }
  }

  function applyPrefs(prefs) {
    var buttons = document.querySelectorAll("[data-pref]");
    for (var i = 0; i < buttons.length; i++) {
      var name = buttons[i].getAttribute("data-pref");
      var on = prefs.indexOf(name) !== -1;
      html.classList.toggle(name, on);
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  var exitLink = document.getElementById("quick-exit");
  if (exitLink) { exitLink.addEventListener("click", quickExit); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { quickExit(event); }
  });

  var prefs = loadPrefs();
  applyPrefs(prefs);
  var prefButtons = document.querySelectorAll("[data-pref]");
  for (var i = 0; i < prefButtons.length; i++) {
    prefButtons[i].addEventListener("click", function () {
      var name = this.getAttribute("data-pref");
      var at = prefs.indexOf(name);
      if (at === -1) { prefs.push(name); } else { prefs.splice(at, 1); }
      savePrefs(prefs);
      applyPrefs(prefs);
    });
  }
})();
