/* Open edX problem: send the answers, show hints, demand hints, the answer and reset.
   Plain JS; called as ``new ProblemBlock(runtime, element, args)`` (or without ``new``). */
function ProblemBlock(runtime, element) {
  "use strict";
  var root = element.jquery ? element[0] : element;
  var form = root.querySelector(".cb-problem");
  var status = form.querySelector(".cb-status");
  var submit = form.querySelector(".cb-submit");
  var hintButton = form.querySelector(".cb-hint-button");
  var showButton = form.querySelector(".cb-show-answer");
  var resetButton = form.querySelector(".cb-reset");
  var hintList = form.querySelector(".cb-demand-hints ol");
  var solution = form.querySelector(".cb-solution");
  var nextHint = 0;
  var post = window.CourseBlocks.postJSON;

  function say(text) { if (status) { status.textContent = text; } }
  function label(name) { return status ? status.getAttribute(name) : ""; }
  function fail(error) {
    var text = (error.body && error.body.error) || label("data-error-send") || String(error);
    say(text);
  }
  function questions() { return form.querySelectorAll(".cb-question[data-question]"); }

  function collect() {
    var answers = {};
    var complete = true;
    var list = questions();
    for (var i = 0; i < list.length; i++) {
      var id = list[i].getAttribute("data-question");
      var chosen = [];
      var field = list[i].querySelector("select, input[type=text]");
      if (field) {
        if (field.value.trim()) { chosen.push(field.value); }
      } else {
        var inputs = list[i].querySelectorAll("input:checked");
        for (var j = 0; j < inputs.length; j++) { chosen.push(inputs[j].value); }
      }
      if (!chosen.length) { complete = false; }
      answers[id] = chosen;
    }
    return complete ? answers : null;
  }

  function applyState(result) {
    if (submit) { submit.disabled = !result.submit_enabled; }
    if (showButton) { showButton.hidden = !result.answer_available; }
    if (resetButton) { resetButton.hidden = !result.reset_available; }
  }

  function clearMarks() {
    var list = questions();
    for (var i = 0; i < list.length; i++) {
      list[i].classList.remove("cb-right", "cb-wrong");
      var mark = list[i].querySelector(".cb-mark");
      var hint = list[i].querySelector(".cb-hint");
      if (mark) { mark.textContent = ""; }
      if (hint) { hint.innerHTML = ""; }
    }
  }

  if (submit) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = collect();
      if (!answers) { say(status.getAttribute("data-error-choose")); return; }
      submit.disabled = true;
      post(runtime.handlerUrl(root, "submit"), { answers: answers }).then(function (result) {
        clearMarks();
        Object.keys(result.feedback).forEach(function (id) {
          var question = form.querySelector('[data-question="' + id + '"]');
          if (!question) { return; }
          var item = result.feedback[id];
          question.classList.add(item.correct ? "cb-right" : "cb-wrong");
          question.querySelector(".cb-mark").textContent =
            form.getAttribute(item.correct ? "data-label-right" : "data-label-wrong");
          // The hint is the server's sanitised HTML (course text may hold images and links).
          question.querySelector(".cb-hint").innerHTML = item.hint_html;
        });
        var text = status.getAttribute("data-label-score") + ": " +
          Math.round(result.score * 100) + "% – " + result.message;
        if (result.attempts_left !== null) {
          text += " – " + status.getAttribute("data-label-left") + ": " + result.attempts_left;
        }
        say(text);
        applyState(result);
        root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
      }).catch(function (error) { submit.disabled = false; fail(error); });
    });
  }

  if (hintButton) {
    hintButton.addEventListener("click", function () {
      post(runtime.handlerUrl(root, "demand_hint"), { hint_index: nextHint }).then(function (result) {
        hintList.innerHTML = "";
        result.hints.forEach(function (hint) {
          var li = document.createElement("li");
          var strong = document.createElement("strong");
          strong.textContent = hint.label;
          var text = document.createElement("span");
          text.innerHTML = hint.html;  // sanitised on the server
          li.appendChild(strong);
          li.appendChild(text);
          hintList.appendChild(li);
        });
        nextHint = result.should_enable_next_hint ? result.hint_index + 1 : 0;
      }).catch(fail);
    });
  }

  if (showButton) {
    showButton.addEventListener("click", function () {
      post(runtime.handlerUrl(root, "show_answer"), {}).then(function (result) {
        Object.keys(result.answers).forEach(function (id) {
          var question = form.querySelector('[data-question="' + id + '"]');
          if (!question) { return; }
          var answer = result.answers[id];
          if (answer.choices) {
            answer.choices.forEach(function (choiceId) {
              var option = question.querySelector('[data-choice="' + choiceId + '"] .cb-answer-mark');
              if (option) {
                option.textContent = label("data-label-correct-choice");
                option.hidden = false;
              }
              var select = question.querySelector("select");
              var text = question.querySelector(".cb-answer-text");
              if (select && text) {
                var opt = select.querySelector('option[value="' + choiceId + '"]');
                text.textContent = result.label + ": " + (opt ? opt.textContent : "");
                text.hidden = false;
              }
            });
          } else {
            var p = question.querySelector(".cb-answer-text");
            p.textContent = result.label + ": " + answer.text;
            p.hidden = false;
          }
        });
        if (result.solutions.length) {
          solution.querySelector(".cb-solution-body").innerHTML = result.solutions.join("");
          solution.hidden = false;
          solution.focus();
        }
      }).catch(fail);
    });
  }

  if (resetButton) {
    resetButton.addEventListener("click", function () {
      post(runtime.handlerUrl(root, "reset"), {}).then(function (result) {
        var fields = form.querySelectorAll("input, select");
        for (var i = 0; i < fields.length; i++) {
          if (fields[i].type === "checkbox" || fields[i].type === "radio") {
            fields[i].checked = false;
          } else { fields[i].value = ""; }
        }
        clearMarks();
        var marks = form.querySelectorAll(".cb-answer-mark, .cb-answer-text");
        for (var j = 0; j < marks.length; j++) { marks[j].hidden = true; }
        say("");
        applyState(result);
        root.dispatchEvent(new CustomEvent("xblock:progress", { bubbles: true }));
      }).catch(fail);
    });
  }
  return {};
}
