/* Problem block (Open edX choice problems): send the answers, show the hints and the score. */
function ProblemBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector(".cb-problem");
  var status = root.querySelector(".cb-status");
  var submit = root.querySelector(".cb-submit");

  function collect() {
    var answers = {};
    var complete = true;
    var fieldsets = form.querySelectorAll(".cb-question");
    for (var i = 0; i < fieldsets.length; i++) {
      var id = fieldsets[i].getAttribute("data-question");
      var chosen = [];
      var select = fieldsets[i].querySelector("select");
      if (select) { if (select.value) { chosen.push(select.value); } } else {
        var inputs = fieldsets[i].querySelectorAll("input:checked");
        for (var j = 0; j < inputs.length; j++) { chosen.push(inputs[j].value); }
      }
      if (!chosen.length) { complete = false; }
      answers[id] = chosen;
    }
    return complete ? answers : null;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var answers = collect();
    if (!answers) { status.textContent = status.getAttribute("data-error-choose"); return; }
    submit.disabled = true;
    window.CourseBlocks.postJSON(runtime.handlerUrl(root, "submit"), { answers: answers })
      .then(function (result) {
        submit.disabled = result.attempts_left === 0;
        var feedbacks = form.querySelectorAll(".cb-feedback");
        for (var i = 0; i < feedbacks.length; i++) { feedbacks[i].textContent = ""; }
        Object.keys(result.feedback).forEach(function (id) {
          var fieldset = form.querySelector('[data-question="' + id + '"]');
          var item = result.feedback[id];
          fieldset.classList.toggle("cb-right", item.correct);
          fieldset.classList.toggle("cb-wrong", !item.correct);
          Object.keys(item.options).forEach(function (optionId) {
            var p = fieldset.querySelector('.cb-feedback[data-option="' + optionId + '"]') ||
              fieldset.querySelector(".cb-feedback");
            if (p) { p.textContent = item.options[optionId]; }
          });
        });
        status.textContent = status.getAttribute("data-label-score") + ": " +
          Math.round(result.score * 100) + "% – " + result.message;
        root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
      })
      .catch(function (error) {
        submit.disabled = false;
        status.textContent = (error.body && error.body.error) || status.getAttribute("data-error-send");
      });
  });
  return {};
}
