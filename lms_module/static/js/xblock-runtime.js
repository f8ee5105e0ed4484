/* Client-side XBlock runtime, as Open edX blocks expect it (Open edX's XBlock.initializeBlock
   and LmsRuntime.v1, xblock-sdk's workbench runtime):
   - blocks are initialised children first, each init function called as a constructor,
     `new initFn(runtime, element, jsonArgs)`, with the block's DOM element (not jQuery);
   - the runtime offers handlerUrl (suffix, query), children, childMap (by data-name), notify,
     listenTo, localResourceUrl; each block object gets element, name, type and runtime;
   - every handler call carries the CSRF token (fetch, XHR and, where a page loads jQuery for
     third-party blocks, $.ajax);
   - once the page is shown, the unit's view is recorded (data-viewed-url).
   No dependencies (our own blocks need none); jQuery, when the page loads it, comes first. */
(function () {
  "use strict";

  var USAGE = "__usage__";
  var HANDLER = "__handler__";
  var BLOCK_TYPE = "__block_type__";
  var URI = "__uri__";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function pageRoot() {
    return document.querySelector("[data-handler-template]");
  }

  function handlerPrefix() {
    var root = pageRoot();
    if (!root) { return null; }
    var template = root.getAttribute("data-handler-template");
    return template.slice(0, template.indexOf(USAGE));
  }

  function blockElement(element) {
    if (element && element.jquery) { element = element[0]; }
    return element.closest("[data-usage-id]");
  }

  function childElements(element) {
    // Direct child blocks: blocks inside element whose nearest enclosing block is element.
    var all = element.querySelectorAll("[data-usage-id]");
    var result = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].parentElement.closest("[data-usage-id]") === element) { result.push(all[i]); }
    }
    return result;
  }

  /* The runtime handed to every block (Open edX: window.LmsRuntime.v1, named by the element's
     data-runtime-class and data-runtime-version). */
  function Runtime() {
    // Open edX binds these two: blocks pass them around as plain functions.
    var self = this;
    this.children = function () { return Runtime.prototype.children.apply(self, arguments); };
    this.childMap = function () { return Runtime.prototype.childMap.apply(self, arguments); };
  }

  Runtime.prototype.handlerUrl = function (element, handlerName, suffix, query) {
    var block = blockElement(element);
    var template = block.closest("[data-handler-template]").getAttribute("data-handler-template");
    var url = template
      .replace(USAGE, encodeURIComponent(block.getAttribute("data-usage-id")))
      .replace(HANDLER, encodeURIComponent(handlerName));
    if (suffix) { url += "/" + String(suffix).replace(/^\/+/, ""); }
    if (query) { url += "?" + String(query).replace(/^\?/, ""); }
    return url;
  };

  Runtime.prototype.localResourceUrl = function (element, uri) {
    var block = blockElement(element);
    var template = block.closest("[data-resource-template]").getAttribute("data-resource-template");
    return template
      .replace(BLOCK_TYPE, encodeURIComponent(block.getAttribute("data-block-type")))
      .replace(URI, String(uri).split("/").map(encodeURIComponent).join("/"));
  };

  Runtime.prototype.children = function (element) {
    var block = blockElement(element);
    if (!block.xblockChildren) { block.xblockChildren = childElements(block).map(initBlock); }
    return block.xblockChildren;
  };

  Runtime.prototype.childMap = function (element, name) {
    var children = this.children(element);
    for (var i = 0; i < children.length; i++) {
      if (children[i].name === name) { return children[i]; }
    }
    return undefined;
  };

  /* A block tells the page something happened ("save", "error", ...): dispatched as the DOM
     event "xblock:<name>" on document, and to the listeners given to listenTo. */
  var listeners = {};
  Runtime.prototype.notify = function (name, data) {
    (listeners[name] || []).forEach(function (callback) { callback(data); });
    document.dispatchEvent(new CustomEvent("xblock:" + name, { detail: data }));
  };

  Runtime.prototype.listenTo = function (name, callback) {
    (listeners[name] = listeners[name] || []).push(callback);
  };

  function initArgs(element) {
    for (var i = 0; i < element.children.length; i++) {
      var child = element.children[i];
      if (child.classList.contains("xblock-json-init-args") ||
          child.classList.contains("xblock_json_init_args")) {
        try { return JSON.parse(child.textContent); } catch (e) { return {}; }
      }
    }
    return {};
  }

  function runtimeFor(element) {
    var runtimeClass = window[element.getAttribute("data-runtime-class") || "LmsRuntime"];
    var version = element.getAttribute("data-runtime-version") || "1";
    var Class = (runtimeClass && runtimeClass["v" + version]) || Runtime;
    return new Class();
  }

  function construct(InitFn, runtime, element, args) {
    // A constructor call, as Open edX and the workbench make it: `this` is the block object
    // (acid's prototype methods), or whatever object the function returns (our blocks).
    return new InitFn(runtime, element, args);
  }

  function initBlock(element) {
    if (element.xblock) { return element.xblock; }
    element.xblockChildren = childElements(element).map(initBlock);
    var initName = element.getAttribute("data-init");
    var InitFn = initName ? window[initName] : null;
    var block = null;
    var runtime = null;
    if (typeof InitFn === "function") {
      runtime = runtimeFor(element);
      try {
        block = construct(InitFn, runtime, element, initArgs(element));
      } catch (error) {
        if (window.console) { window.console.error("XBlock " + initName + " failed to start", error); }
      }
    } else if (initName && window.console) {
      window.console.error("XBlock init function " + initName + " is not on the page");
    }
    block = block || {};
    if (runtime) { block.runtime = runtime; }
    block.element = element;
    block.name = element.getAttribute("data-name") || undefined;
    block.type = element.getAttribute("data-block-type");
    element.xblock = block;
    element.classList.add("xblock-initialized");
    element.dispatchEvent(new CustomEvent("xblock-initialized", { bubbles: true }));
    return block;
  }

  function topLevelBlocks(root) {
    var blocks = root.querySelectorAll("[data-usage-id]");
    var result = [];
    for (var i = 0; i < blocks.length; i++) {
      var enclosing = blocks[i].parentElement.closest("[data-usage-id]");
      if (!enclosing || enclosing === root || !root.contains(enclosing)) { result.push(blocks[i]); }
    }
    return result;
  }

  function initAll(root) {
    return topLevelBlocks(root && root.nodeType ? root : document).map(initBlock);
  }

  // ------------------------------------------------------------------------ CSRF

  function isSameOrigin(url) {
    return new URL(url, window.location.href).origin === window.location.origin;
  }

  // Any call to a handler URL gets the CSRF header, whatever the block uses to send it.
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
  var originalSetHeader = XMLHttpRequest.prototype.setRequestHeader;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.xblockHandlerCall = isHandlerUrl(url);
    this.xblockCsrfSent = false;
    return originalOpen.apply(this, arguments);
  };
  XMLHttpRequest.prototype.setRequestHeader = function (name) {
    // Set twice, a header is sent as "a, a": the token would no longer match.
    if (String(name).toLowerCase() === "x-csrftoken") {
      if (this.xblockCsrfSent) { return undefined; }
      this.xblockCsrfSent = true;
    }
    return originalSetHeader.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.xblockHandlerCall) { this.setRequestHeader("X-CSRFToken", csrfToken()); }
    return originalSend.apply(this, arguments);
  };

  // jQuery's $.ajax (loaded before this file on pages with third-party blocks): the Open edX
  // way, every unsafe same-origin request sends X-CSRFToken. A prefilter, not ajaxSetup's
  // beforeSend, which a block's own beforeSend would replace.
  if (window.jQuery && window.jQuery.ajaxPrefilter) {
    window.jQuery.ajaxPrefilter(function (options, originalOptions, jqXHR) {
      if (!/^(GET|HEAD|OPTIONS|TRACE)$/i.test(options.type || "GET") && isSameOrigin(options.url)) {
        jqXHR.setRequestHeader("X-CSRFToken", csrfToken());
      }
    });
  }

  // ------------------------------------------------------------------------ view recording

  // The unit page (a GET) writes nothing: once it is shown, record the view (the learner's
  // place, the plain content completed on view). keepalive: the learner may leave at once.
  // What blocks stored while the page rendered (data-render-writes, signed by the server)
  // goes with it, to be kept as Open edX keeps what a render stores.
  function recordView() {
    var root = document.querySelector("[data-viewed-url]");
    if (!root || root.lmsViewRecorded || !window.fetch) { return Promise.resolve(); }
    root.lmsViewRecorded = true;
    var writes = root.getAttribute("data-render-writes");
    var body = new URLSearchParams();
    if (writes) { body.set("render_writes", writes); }
    return window.fetch(root.getAttribute("data-viewed-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: !writes,
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body
    }).catch(function () { /* offline: nothing recorded; opening the unit again records it */ });
  }

  function start() {
    var root = document.querySelector("[data-viewed-url]");
    if (root && root.hasAttribute("data-render-writes")) {
      // Blocks that stored something while rendering check it from their scripts: start
      // them once the view's POST has kept it.
      recordView().then(function () { initAll(document); });
    } else {
      initAll(document);
      recordView();
    }
  }

  window.LmsRuntime = window.LmsRuntime || {};
  window.LmsRuntime.v1 = Runtime;
  // Open edX's global, for blocks that initialise HTML they load later themselves.
  if (!window.XBlock) {
    window.XBlock = {
      Runtime: { v1: Runtime },
      initializeBlock: function (element) { return initBlock(blockRoot(element)); },
      initializeBlocks: function (element) { return initAll(blockRoot(element)); }
    };
  }
  function blockRoot(element) { return element && element.jquery ? element[0] : element; }
  window.LmsXBlockRuntime = { Runtime: Runtime, initBlock: initBlock, initAll: initAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
