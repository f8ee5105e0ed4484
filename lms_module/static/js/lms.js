/* Page-wide behaviour: quick exit, text size and contrast preferences, the header menu,
   confirmations, tables on phones. No dependencies. */
(function () {
  "use strict";
  var html = document.documentElement;
  var PREFS_KEY = "lms-display-prefs";
  // Longest wait for the sign-out before leaving anyway (the request still completes).
  var EXIT_WAIT_MS = 800;
  var leaving = false;
  html.classList.add("js");

  // Quick exit: blank the page at once, sign out (POST with the CSRF token, keepalive so it
  // survives the navigation), then replace() the page so Back does not return to it. Pages
  // are sent with Cache-Control: no-store, so Back to an earlier page asks the server again
  // and finds the session over. Without a script the same form posts and is redirected.
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    if (leaving) { return; }
    leaving = true;
    var form = document.querySelector(".quick-exit-form");
    var target = form ? form.getAttribute("data-exit-url") : "about:blank";
    if (form && !window.fetch) { form.submit(); return; }
    var body = form ? new FormData(form) : null;
    var gone = false;
    function leave() {
      if (gone) { return; }
      gone = true;
      window.location.replace(target);
    }
    document.title = "";
    document.body.innerHTML = "";
    if (!form) { leave(); return; }
    window.setTimeout(leave, EXIT_WAIT_MS);
    window.fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      redirect: "manual"
    }).then(leave, leave);
  }

  // Esc must not cost a child what they are typing (a reflection answer): in a text field the
  // first Esc only leaves the field, the next one exits.
  function isTyping(element) {
    if (!element || !element.tagName) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag !== "INPUT") { return false; }
    var notText = ["checkbox", "radio", "button", "submit", "reset", "image", "range", "color",
      "file", "hidden"];
    return notText.indexOf((element.type || "text").toLowerCase()) === -1;
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

  var exitForm = document.querySelector(".quick-exit-form");
  if (exitForm) { exitForm.addEventListener("submit", quickExit); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.isComposing) { return; }
    if (isTyping(event.target)) { event.target.blur(); return; }
    quickExit(event);
  });

  // A destructive form asks first, stating what happens (data-confirm); confirmed=yes tells
  // the server it was asked (a form the server sees without it gets a confirmation page).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (!message) { return; }
    if (!window.confirm(message)) { event.preventDefault(); return; }
    if (!form.querySelector('input[name="confirmed"]')) {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "yes";
      form.appendChild(confirmed);
    }
  });

  // The header's "Tùy chọn" menu: open (and its summary hidden by the CSS) on wide screens,
  // folded on phones; a tap elsewhere folds it.
  var menu = document.querySelector(".display-menu");
  if (menu && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 48rem)");
    var fit = function () { menu.open = wide.matches; };
    fit();
    if (wide.addEventListener) { wide.addEventListener("change", fit); }
    document.addEventListener("click", function (event) {
      if (!wide.matches && menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  }

  // Tables on phones: every cell gets its column's header as data-label, its content one
  // wrapper (a grid cell of the stacked layout), and the table .stacks (see lms.css). The
  // roles keep the table read as a table once the CSS changes its display.
  function stackTable(table) {
    var heads = table.tHead ? table.tHead.rows[0] : null;
    if (!heads || !table.tBodies.length) { return; }
    var names = [];
    for (var h = 0; h < heads.cells.length; h++) {
      for (var span = 0; span < heads.cells[h].colSpan; span++) {
        names.push(heads.cells[h].textContent.replace(/\s+/g, " ").trim());
      }
      heads.cells[h].setAttribute("role", "columnheader");
    }
    table.setAttribute("role", "table");
    table.tHead.setAttribute("role", "rowgroup");
    heads.setAttribute("role", "row");
    for (var b = 0; b < table.tBodies.length; b++) {
      var body = table.tBodies[b];
      body.setAttribute("role", "rowgroup");
      for (var r = 0; r < body.rows.length; r++) {
        var row = body.rows[r];
        row.setAttribute("role", "row");
        var column = 0;
        for (var c = 0; c < row.cells.length; c++) {
          var cell = row.cells[c];
          cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
          if (cell.colSpan === 1 && names[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column]);
            var value = document.createElement("div");
            while (cell.firstChild) { value.appendChild(cell.firstChild); }
            cell.appendChild(value);
          }
          column += cell.colSpan;
        }
      }
    }
    table.classList.add("stacks");
  }
  var tables = document.querySelectorAll(".table-wrap > table");
  for (var t = 0; t < tables.length; t++) { stackTable(tables[t]); }

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
