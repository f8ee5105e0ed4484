/* Reflection block: save the learner's private answer. */
function ReflectionBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector(".cb-reflection");
  var status = root.querySelector(".cb-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var answer = form.querySelector("textarea").value;
    window.CourseBlocks.postJSON(runtime.handlerUrl(root, "save_answer"), { answer: answer })
      .then(function (result) {
        status.textContent = result.message;
        root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
      })
      .catch(function (error) {
        status.textContent = (error.body && error.body.error) || status.getAttribute("data-error-send");
      });
  });
  return {};
}
