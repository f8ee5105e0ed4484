/* Client-side XBlock runtime: initialise blocks (children first) from data-init, give them
   handlerUrl/children/childMap/notify, send the CSRF token on every handler call, and record
   the unit's view (data-viewed-url) once the page has loaded.
   No dependencies; works on the course player page (#course-unit[data-handler-template]). */
(function () {
  "use strict";

  var USAGE = "__usage__";
  var HANDLER = "__handler__";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function handlerTemplate(element) {
    var root = element.closest("[data-handler-template]");
    return root ? root.getAttribute("data-handler-template") : null;
  }

  function handlerPrefix() {
    var root = document.querySelector("[data-handler-template]");
    if (!root) { return null; }
    var template = root.getAttribute("data-handler-template");
    return template.slice(0, template.indexOf(USAGE));
  }

  function blockElement(element) {
    if (element && element.jquery) { element = element[0]; }
    return element.closest("[data-usage-id]");
  }

  function childBlocks(element) {
    // Direct child blocks: blocks inside element whose nearest enclosing block is element.
    var all = element.querySelectorAll("[data-usage-id]");
    var result = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].parentElement.closest("[data-usage-id]") === element) { result.push(all[i]); }
    }
    return result;
  }

  function Runtime() {}

  Runtime.prototype.handlerUrl = function (element, handlerName, suffix, query) {
    var block = blockElement(element);
    var url = handlerTemplate(block)
      .replace(USAGE, encodeURIComponent(block.getAttribute("data-usage-id")))
      .replace(HANDLER, encodeURIComponent(handlerName));
    if (suffix) { url += "/" + String(suffix).replace(/^\/+/, ""); }
    if (query) { url += "?" + query; }
    return url;
  };

  Runtime.prototype.children = function (element) {
    return childBlocks(blockElement(element)).map(function (child) { return child.xblock || null; });
  };

  Runtime.prototype.childMap = function (element, name) {
    var children = childBlocks(blockElement(element));
    for (var i = 0; i < children.length; i++) {
      if (children[i].getAttribute("data-name") === name) { return children[i].xblock || null; }
    }
    return null;
  };

  Runtime.prototype.notify = function (name, data) {
    document.dispatchEvent(new CustomEvent("xblock:" + name, { detail: data }));
  };

  function initArgs(element) {
    for (var i = 0; i < element.children.length; i++) {
      var child = element.children[i];
      if (child.classList.contains("xblock-json-init-args")) {
        try { return JSON.parse(child.textContent); } catch (e) { return {}; }
      }
    }
    return undefined;
  }

  function initBlock(element) {
    if (element.xblockInitialised) { return element.xblock; }
    element.xblockInitialised = true;
    childBlocks(element).forEach(initBlock);
    var name = element.getAttribute("data-init");
    var init = name ? window[name] : null;
    if (typeof init === "function") {
      try {
        element.xblock = init(new Runtime(), element, initArgs(element)) || {};
      } catch (error) {
        if (window.console) { window.console.error("XBlock " + name + " failed to start", error); }
      }
    }
    return element.xblock;
  }

  function initAll() {
    var blocks = document.querySelectorAll("[data-usage-id]");
    for (var i = 0; i < blocks.length; i++) {
      if (!blocks[i].parentElement.closest("[data-usage-id]")) { initBlock(blocks[i]); }
    }
  }

  // Any POST to a handler URL gets the CSRF header, whatever the block uses to send it.
  function isHandlerUrl(url) {
    var prefix = handlerPrefix();
    if (!prefix) { return false; }
    var absolute = new URL(url, window.location.href);
    return absolute.origin === window.location.origin && absolute.pathname.indexOf(prefix) === 0;
  }

  if (window.fetch) {
    var originalFetch = window.fetch;
    window.fetch = function (input, options) {
      var url = typeof input === "string" ? input : input.url;
      options = options || {};
      if (isHandlerUrl(url)) {
        var headers = new Headers(options.headers || (typeof input === "string" ? {} : input.headers));
        if (!headers.has("X-CSRFToken")) { headers.set("X-CSRFToken", csrfToken()); }
        options.headers = headers;
        options.credentials = options.credentials || "same-origin";
      }
      return originalFetch.call(window, input, options);
    };
  }
  var originalOpen = XMLHttpRequest.prototype.open;
  var originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.xblockHandlerCall = isHandlerUrl(url);
    return originalOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.xblockHandlerCall) { this.setRequestHeader("X-CSRFToken", csrfToken()); }
    return originalSend.apply(this, arguments);
  };

  // The unit page (a GET) writes nothing: once it is shown, record the view (the learner's
  // place, the plain content completed on view). keepalive: the learner may leave at once.
  function recordView() {
    var root = document.querySelector("[data-viewed-url]");
    if (!root || root.lmsViewRecorded || !window.fetch) { return; }
    root.lmsViewRecorded = true;
    window.fetch(root.getAttribute("data-viewed-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).catch(function () { /* offline: nothing recorded; opening the unit again records it */ });
  }

  function start() {
    initAll();
    recordView();
  }

  window.LmsXBlockRuntime = { Runtime: Runtime, initBlock: initBlock, initAll: initAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
