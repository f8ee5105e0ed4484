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

  // The device's voice for a language ("vi-VN": any vi, vi-VN or vi_VN voice), or null.
  function voiceFor(lang) {
    var wanted = String(lang || "vi").toLowerCase().split(/[-_]/)[0];
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (String(voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === wanted) {
        return voices[i];
      }
    }
    return null;
  }

  // Wire the block's "read aloud" button (if any): it speaks the text of the block's
  // .cb-speak elements, in page order, with the browser's own speech synthesis. The button
  // shows only once the device has a voice for the page's language: without one the browser
  // would read Vietnamese with an English voice, or stay silent. Voices load late
  // (voiceschanged), so the button may appear a moment after the page.
  function readAloud(root) {
    var button = root.querySelector(".cb-read-aloud");
    if (!button || !("speechSynthesis" in window)) { return; }
    var label = button.querySelector(".cb-label");
    var speaking = false;
    var voice = null;
    function findVoice() {
      voice = voiceFor(button.getAttribute("data-lang"));
      button.hidden = !voice;
    }
    findVoice();
    window.speechSynthesis.addEventListener("voiceschanged", findVoice);

    function stop() {
      window.speechSynthesis.cancel();
      speaking = false;
      label.textContent = button.getAttribute("data-label-play");
      button.setAttribute("aria-pressed", "false");
    }

    button.addEventListener("click", function () {
      if (speaking) { stop(); return; }
      var parts = [];
      var nodes = root.querySelectorAll(".cb-speak");
      for (var i = 0; i < nodes.length; i++) {
        var text = nodes[i].textContent.replace(/\s+/g, " ").trim();
        if (text) { parts.push(text); }
      }
      var utterance = new window.SpeechSynthesisUtterance(parts.join(". "));
      utterance.lang = button.getAttribute("data-lang") || "vi-VN";
      if (voice) { utterance.voice = voice; }
      utterance.rate = 0.9;
      utterance.onend = stop;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(utterance);
      speaking = true;
      label.textContent = button.getAttribute("data-label-stop");
      button.setAttribute("aria-pressed", "true");
    });
  }

  window.CourseBlocks = {
    csrfToken: csrfToken, postJSON: postJSON, setText: setText, readAloud: readAloud
  };
})();
