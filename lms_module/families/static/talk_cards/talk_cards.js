/* "Cùng con trò chuyện": the "In" button prints the cards (talk_cards.css lays them out on A4).
   The button stays hidden without this script; the browser's own Print command still works. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
