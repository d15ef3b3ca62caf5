// atmp: the little the pages need from JavaScript (no framework, nothing loaded from elsewhere).
"use strict";
(function () {
  function openDialog(dialog) {
    if (!dialog) return;
    if (dialog.open) dialog.close(); // rendered open for browsers without showModal; make it modal
    if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
    // After a refusal, the password is what to type again; otherwise start at the first field.
    var first = dialog.querySelector(".error-box") ? dialog.querySelector("input[type=password]")
      : dialog.querySelector("[aria-invalid], select, input:not([type=hidden])");
    if (first) first.focus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-open-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { openDialog(document.getElementById(button.dataset.openDialog)); });
    });
    document.querySelectorAll("[data-close-dialog]").forEach(function (button) {
      button.addEventListener("click", function () { var d = button.closest("dialog"); if (d) d.close(); });
    });
    document.querySelectorAll("dialog[data-autoopen]").forEach(openDialog);
  });
})();
