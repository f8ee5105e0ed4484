/* Quiz block: send the chosen options, show the score and the feedback of each choice. */
function QuizBlock(runtime, element, args) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector(".cb-quiz");
  var status = root.querySelector(".cb-status");
  var submit = root.querySelector(".cb-submit");
  window.CourseBlocks.readAloud(root);

  function collect() {
    var answers = {};
    var complete = true;
    var fieldsets = form.querySelectorAll(".cb-question");
    for (var i = 0; i < fieldsets.length; i++) {
      var id = fieldsets[i].getAttribute("data-question");
      var chosen = [];
      var inputs = fieldsets[i].querySelectorAll("input:checked");
      for (var j = 0; j < inputs.length; j++) { chosen.push(inputs[j].value); }
      if (!chosen.length) { complete = false; }
      answers[id] = chosen;
    }
    return complete ? answers : null;
  }

  function show(result) {
    var feedbacks = form.querySelectorAll(".cb-feedback");
    for (var i = 0; i < feedbacks.length; i++) { feedbacks[i].textContent = ""; }
    Object.keys(result.feedback).forEach(function (questionId) {
      var fieldset = form.querySelector('[data-question="' + questionId + '"]');
      var item = result.feedback[questionId];
      fieldset.classList.toggle("cb-right", item.correct);
      fieldset.classList.toggle("cb-wrong", !item.correct);
      Object.keys(item.options).forEach(function (optionId) {
        var p = fieldset.querySelector('.cb-feedback[data-option="' + optionId + '"]');
        if (p) { p.textContent = item.options[optionId]; }
      });
      fieldset.querySelector(".cb-question-result").textContent = item.correct ? "✔" : "✘";
    });
    var text = status.getAttribute("data-label-score") + ": " + Math.round(result.score * 100) +
      "% – " + result.message;
    if (result.attempts_left !== null && result.attempts_left !== undefined) {
      text += " " + status.getAttribute("data-label-left") + ": " + result.attempts_left;
      if (result.attempts_left === 0) { submit.disabled = true; }
    }
    status.textContent = text;
    // The result is what the learner needs next: keyboard and screen reader users land on it.
    status.focus();
    root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var answers = collect();
    if (!answers) { status.textContent = status.getAttribute("data-error-choose"); return; }
    submit.disabled = true;
    window.CourseBlocks.postJSON(runtime.handlerUrl(root, "submit"), { answers: answers })
      .then(function (result) { submit.disabled = false; show(result); })
      .catch(function (error) {
        submit.disabled = false;
        status.textContent = (error.body && error.body.error) || status.getAttribute("data-error-send");
      });
  });
  return {};
}
