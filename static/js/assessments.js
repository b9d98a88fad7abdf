/* The assessment pages: in-place saving with HTMX (no inline script: CSP, allowEval false).
 *
 * - Marks the page as scripted (<html class="js">), so buttons needed only without
 *   JavaScript (.save-nojs) can hide.
 * - HTMX 2 does not swap 4xx answers. The server marks the partials it means to be shown
 *   (a finalised year: 403) with the X-Portal-Partial header: those are swapped in, and
 *   are not errors.
 * - Any other failure (another error code, no connection) leaves what was typed in place
 *   and says so in the form's status line and to screen readers.
 * - A form that saves itself in place (hx-target="this", hx-sync="this:queue last") sends its
 *   saves one at a time: a change made while a save is in flight is sent when that save
 *   ends. The earlier save's answer would redraw the form with what was stored then, over
 *   the newer choice on screen, and the queued save would then be lost with the old form.
 *   So an answer is swapped in only if the form still holds what that save sent; otherwise
 *   the form stays as the user left it and says "Saving…", and the next save's answer (the
 *   stored values after it) redraws it. After "Saved", the form shows what is stored. (A grid
 *   row's notes form is swapped with the <details> around it: the same check applies.)
 * - Leaving the page while a notes field (textarea[data-unsaved-warning]) holds other text
 *   than it was drawn with (its defaultValue: the stored notes, redrawn after each save) asks
 *   the browser to warn first. A plain (script-less) post of that form is not warned about.
 * - An assessor's form (with a hidden version) takes the stored version from an answer it
 *   does not swap in, unless that answer reports someone else's change (see carryVersion).
 * - On an element's page, "[" and "]" follow its previous and next links (a[data-key-nav]),
 *   except while typing in a field or with Ctrl, Alt (AltGr is let through) or Meta held.
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

  // Changes and submits seen per form: a count that grew since a save was sent means HTMX
  // holds another save of that form, queued behind it.
  var triggers = new WeakMap();

  function countTrigger(event) {
    var form = event.target && event.target.closest ? event.target.closest("form") : null;
    if (form && form.hasAttribute("hx-post")) {
      triggers.set(form, (triggers.get(form) || 0) + 1);
    }
  }
  // Capture: counted before HTMX's own listener on the form sends (or queues) the save.
  document.addEventListener("change", countTrigger, true);
  document.addEventListener("submit", countTrigger, true);

  function fieldValues(formData) {
    var values = [];
    formData.forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        values.push(name + "=" + value);
      }
    });
    return values.sort().join("&");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.tagName === "FORM") {
      event.detail.portalTriggers = triggers.get(elt) || 0;
    }
  });

  function setStatus(form, text, className) {
    var status = form.querySelector("[data-save-status]");
    if (status) {
      status.textContent = "";
      var span = document.createElement("span");
      span.className = className;
      span.textContent = text;
      status.appendChild(span);
    }
  }

  // An assessor's form is sent with the version of the mark it was drawn from. When the
  // answer to its save is not swapped in (the form changed meanwhile), the form still takes
  // the stored version from a successful answer, so that the save queued behind it is not
  // refused as if someone else had saved; an answer reporting someone else's change
  // (data-stale) is not taken, so the queued save meets that change and shows it.
  function carryVersion(form, responseText) {
    var input = form.querySelector('input[name="version"]');
    if (!input || !form.id || typeof responseText !== "string") {
      return;
    }
    var answer = new DOMParser().parseFromString(responseText, "text/html").getElementById(form.id);
    if (!answer || answer.hasAttribute("data-stale")) {
      return;
    }
    var version = answer.querySelector('input[name="version"]');
    if (version) {
      input.value = version.value;
    }
  }

  // The answer to a save of a form that was changed again since it was sent: keep the form.
  function keepNewerChanges(event) {
    var config = event.detail.requestConfig;
    var form = config ? config.elt : null;
    var target = event.detail.target;
    if (!form || form.tagName !== "FORM" || !target || !(target === form || target.contains(form))) {
      return;
    }
    if (!document.body.contains(form)) {
      return;
    }
    if (fieldValues(new FormData(form)) === fieldValues(config.formData)) {
      return; // the form shows what this save sent: its answer is the stored state
    }
    event.detail.shouldSwap = false;
    carryVersion(form, event.detail.serverResponse);
    if ((triggers.get(form) || 0) > config.portalTriggers) {
      setStatus(form, "Saving…", "text-muted");
    } else {
      setStatus(form, "Changed since the last save: not saved yet.", "text-warning-emphasis");
    }
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("X-Portal-Partial")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    if (event.detail.shouldSwap) {
      keepNewerChanges(event);
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

  // --- unsaved notes ------------------------------------------------------------------------
  var submitting = null; // a form posted without HTMX: the page is leaving to save it

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.tagName === "FORM" && !(window.htmx && form.hasAttribute("hx-post"))) {
      submitting = form;
    }
  });

  function unsavedNotes() {
    var fields = document.querySelectorAll("textarea[data-unsaved-warning]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.value !== field.defaultValue && !(submitting && field.form === submitting)) {
        return field;
      }
    }
    return null;
  }

  window.addEventListener("beforeunload", function (event) {
    if (unsavedNotes()) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show their warning
    }
  });

  // --- previous and next element: "[" and "]" --------------------------------------------------
  function typingIn(element) {
    if (!element || element === document.body) {
      return false;
    }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    // Ctrl and Alt together are AltGr on Windows, which types "[" on many keyboards.
    if (event.defaultPrevented || event.metaKey || event.ctrlKey !== event.altKey) {
      return;
    }
    if (event.key !== "[" && event.key !== "]") {
      return;
    }
    if (typingIn(event.target) || typingIn(document.activeElement)) {
      return;
    }
    var link = document.querySelector('a[data-key-nav="' + event.key + '"]');
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
