/* Lesson block: read the text aloud with the browser's own speech synthesis. */
function LessonBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var button = root.querySelector(".cb-read-aloud");
  if (!button || !("speechSynthesis" in window)) { return {}; }
  var label = button.querySelector(".cb-label");
  var speaking = false;
  button.hidden = false;

  function stop() {
    window.speechSynthesis.cancel();
    speaking = false;
    label.textContent = button.getAttribute("data-label-play");
    button.setAttribute("aria-pressed", "false");
  }

  button.addEventListener("click", function () {
    if (speaking) { stop(); return; }
    var text = root.querySelector(".cb-lesson-text").textContent.replace(/\s+/g, " ").trim();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = button.getAttribute("data-lang") || "vi-VN";
    utterance.rate = 0.9;
    utterance.onend = stop;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
    speaking = true;
    label.textContent = button.getAttribute("data-label-stop");
    button.setAttribute("aria-pressed", "true");
  });
  return {};
}
