// atmp trace: a barcode reader acting as a keyboard types the symbol and presses Enter. In a form
// with two scans, Enter in the first moves to the next field instead of sending the form half
// filled (the server refuses a missing scan anyway, naming it, and keeps what was read).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-scan-next]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        var next = document.getElementById(input.dataset.scanNext);
        if (!next) return;
        event.preventDefault();
        next.focus();
        if (next.select) next.select();
      });
    });
  });
})();
