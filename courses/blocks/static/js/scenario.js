/* Scenario block: take a choice, show its consequence and feedback, go to the next step. */
function ScenarioBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var stepBox = root.querySelector(".cb-step");
  var status = root.querySelector(".cb-status");
  var setText = window.CourseBlocks.setText;
  window.CourseBlocks.readAloud(root);

  function renderStep(step) {
    stepBox.setAttribute("data-step", step.id);
    setText(stepBox.querySelector(".cb-situation"), step.situation);
    var box = stepBox.querySelector(".cb-choices");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    step.choices.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cb-button cb-choice cb-speak";
      button.setAttribute("data-choice", choice.id);
      button.textContent = choice.text;
      box.appendChild(button);
    });
  }

  function focusOn(element) {
    if (!element.hasAttribute("tabindex")) { element.setAttribute("tabindex", "-1"); }
    element.focus();
  }

  function finish(done) {
    root.querySelector(".cb-done").hidden = !done;
    root.querySelector(".cb-restart").hidden = !done;
  }

  function post(handler, data) {
    status.textContent = "";
    return window.CourseBlocks.postJSON(runtime.handlerUrl(root, handler), data)
      .catch(function (error) {
        status.textContent = (error.body && error.body.error) || status.getAttribute("data-error-send");
        throw error;
      });
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest(".cb-choice");
    if (button && root.contains(button)) {
      post("choose", { step: stepBox.getAttribute("data-step"), choice: button.getAttribute("data-choice") })
        .then(function (result) {
          var outcome = root.querySelector(".cb-outcome");
          outcome.classList.toggle("cb-right", result.good);
          outcome.classList.toggle("cb-wrong", !result.good);
          setText(root.querySelector(".cb-consequence"), result.consequence);
          setText(root.querySelector(".cb-feedback"), result.feedback);
          if (result.next) { renderStep(result.next); } else {
            var choices = stepBox.querySelectorAll(".cb-choice");
            for (var i = 0; i < choices.length; i++) { choices[i].disabled = true; }
          }
          finish(result.finished);
          // The clicked button is gone (or disabled): the learner reads on from the next
          // situation, or from what the last choice led to at an ending.
          if (result.next) {
            focusOn(stepBox.querySelector(".cb-situation"));
          } else {
            focusOn(outcome);
          }
          root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
        }, function () {});
      return;
    }
    if (event.target.closest(".cb-restart")) {
      post("restart", {}).then(function (result) {
        renderStep(result.next);
        setText(root.querySelector(".cb-consequence"), "");
        setText(root.querySelector(".cb-feedback"), "");
        focusOn(stepBox.querySelector(".cb-situation"));
      }, function () {});
    }
  });
  return {};
}
