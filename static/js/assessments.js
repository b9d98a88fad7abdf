/* The assessment pages: in-place saving with HTMX (no inline script: CSP, allowEval false).
 *
 * - Marks the page as scripted (<html class="js">), so buttons needed only without
 *   JavaScript (.save-nojs) can hide.
 * - HTMX 2 does not swap 4xx answers. The server marks the partials it means to be shown
 *   (a finalised year: 403) with the X-Portal-Partial header: those are swapped in, and
 *   are not errors.
 * - Any other failure (another error code, no connection) leaves what was typed in place
 *   and says so in the form's status line and to screen readers.
 * - When evidence is linked from elsewhere on the page (the upload widget), the list of
 *   linked evidence is fetched again.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function announce(text) {
    var announcer = document.getElementById("save-announcer");
    if (announcer) {
      announcer.textContent = text;
    }
  }

  function sayNotSaved(elt, text) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    var status = form ? form.querySelector("[data-save-status]") : null;
    if (status) {
      status.textContent = "";
      var span = document.createElement("span");
      span.className = "text-danger";
      span.textContent = text;
      status.appendChild(span);
    }
    announce(text);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("X-Portal-Partial")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    sayNotSaved(
      event.detail.elt,
      "Not saved: the server refused the change (" + status + "). What you typed is kept; " +
        "reload the page and try again."
    );
  });

  document.addEventListener("htmx:sendError", function (event) {
    sayNotSaved(
      event.detail.elt,
      "Not saved: the server could not be reached. What you typed is kept; try again."
    );
  });

  document.addEventListener("htmx:timeout", function (event) {
    sayNotSaved(event.detail.elt, "Not saved: the server took too long. Try again.");
  });

  document.body.addEventListener("evidence-linked", function (event) {
    var list = document.getElementById("linked-evidence");
    var source = event.target;
    var fromSearch = source && source.closest && source.closest("#evidence-search-results");
    if (list && !fromSearch && window.htmx) {
      window.htmx.ajax("GET", window.location.pathname, {
        target: "#linked-evidence",
        select: "#linked-evidence",
        swap: "outerHTML"
      });
    }
  });
})();
