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
    // Statistics: offer the chosen CSV's column names in the column fields (the server still checks them).
    document.querySelectorAll("input[type=file][data-csv-columns]").forEach(function (input) {
      input.addEventListener("change", function () {
        var list = document.getElementById(input.dataset.csvColumns);
        if (!list || !input.files || !input.files[0]) return;
        input.files[0].slice(0, 65536).text().then(function (text) {
          var header = text.replace(/^\ufeff/, "").split(/\r?\n/)[0];
          var sep = [",", ";", "\t"].reduce(function (a, b) { return header.split(b).length > header.split(a).length ? b : a; });
          list.replaceChildren.apply(list, header.split(sep).map(function (name) {
            var option = document.createElement("option");
            option.value = name.trim().replace(/^"|"$/g, "");
            return option;
          }));
        });
      });
    });
  });
})();
