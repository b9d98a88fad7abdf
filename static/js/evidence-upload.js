/* The evidence uploader (templates/evidence/_uploader.html), progressively enhanced.
 *
 * Without this script the form posts all its files at once and the server answers with one
 * message per file. With it, the form's drop zone accepts dragged files, and each file is
 * sent by its own XMLHttpRequest (for upload progress) with "Accept: application/json"; the
 * server answers {status: created | duplicate | refused, message, …} for that file. Every
 * other field of the form (the link target, the evidence and review-by dates) goes with each
 * file, as in the plain post.
 *
 * No inline script or style (the Content Security Policy forbids both): widths are set
 * through element.style, which the policy allows.
 */
(function () {
  "use strict";

  var CONCURRENT = 3;
  var STORE_KEY = "evidence-upload-results";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function link(href, text) {
    var a = el("a", null, text);
    a.href = href;
    return a;
  }

  function humanSize(bytes) {
    if (bytes >= 1048576) return (Math.ceil(bytes / 104857.6) / 10) + " MB";
    if (bytes >= 1024) return (Math.ceil(bytes / 102.4) / 10) + " KB";
    return bytes + " bytes";
  }

  function sameSite(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function Uploader(form) {
    this.form = form;
    this.input = form.querySelector('input[type="file"][name="files"]');
    this.zone = form.querySelector("[data-drop-zone]") || form;
    this.list = form.querySelector("[data-upload-results]");
    this.maxBytes = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    this.maxSize = form.getAttribute("data-max-size") || "";
    this.linkUrl = form.getAttribute("data-link-url");
    this.evidenceDate = form.querySelector('input[name="evidence_date"]');
    this.reviewBy = form.querySelector('input[name="review_by"]');
    this.queue = [];
    this.running = 0;
    this.created = 0;
    this.pendingRows = [];
    this.counter = 0;
    if (!this.list) {
      this.list = el("ul", "upload-results list-unstyled mt-3 mb-0");
      this.list.setAttribute("aria-live", "polite");
      form.appendChild(this.list);
    }
    this.bind();
    this.restore();
  }

  Uploader.prototype.csrfToken = function () {
    var field = this.form.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  };

  Uploader.prototype.bind = function () {
    var self = this;
    var hint = this.form.querySelector(".drop-hint");
    if (hint) hint.hidden = false;
    this.zone.classList.add("drop-zone-ready");

    if (this.evidenceDate && this.reviewBy) {
      // The browser's picker offers no review-by date before the evidence date.
      var syncMin = function () {
        self.reviewBy.min = self.evidenceDate.value || "";
        self.reviewBy.setCustomValidity("");
      };
      this.evidenceDate.addEventListener("change", syncMin);
      this.reviewBy.addEventListener("change", syncMin);
      syncMin();
    }

    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!self.input || !self.input.files.length) {
        if (self.input) self.input.reportValidity();
        return;
      }
      if (!self.datesValid()) return;
      self.addFiles(self.input.files);
      self.input.value = "";
    });

    var depth = 0;
    this.zone.addEventListener("dragenter", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth += 1;
      self.zone.classList.add("is-dragover");
    });
    this.zone.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    this.zone.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (depth === 0) self.zone.classList.remove("is-dragover");
    });
    this.zone.addEventListener("drop", function (event) {
      event.preventDefault();
      depth = 0;
      self.zone.classList.remove("is-dragover");
      if (event.dataTransfer && event.dataTransfer.files.length && self.datesValid()) {
        self.addFiles(event.dataTransfer.files);
      }
    });
  };

  /* The server checks the dates again; this only spares sending files it would refuse. */
  Uploader.prototype.datesValid = function () {
    var review = this.reviewBy;
    var evidence = this.evidenceDate;
    if (!review || !evidence) return true;
    if (review.value && evidence.value && review.value < evidence.value) {
      review.setCustomValidity("The review-by date cannot be before the evidence date.");
    } else {
      review.setCustomValidity("");
    }
    return evidence.reportValidity() && review.reportValidity();
  };

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  Uploader.prototype.addFiles = function (fileList) {
    var self = this;
    Array.prototype.forEach.call(fileList, function (file) {
      var row = self.row(file.name, file.size);
      row.index = self.counter++;
      if (self.maxBytes && file.size > self.maxBytes) {
        // The server checks again; this only spares sending a file it would refuse.
        self.show(row, {
          status: "refused",
          message: "“" + file.name + "” is " + humanSize(file.size) +
            ": files may be at most " + (self.maxSize || humanSize(self.maxBytes)) + ".",
        }, file.name);
        return;
      }
      self.queue.push({ file: file, row: row });
    });
    this.pump();
  };

  Uploader.prototype.row = function (name, size) {
    var item = el("li", "upload-row");
    var head = el("div", "upload-row-head");
    head.appendChild(el("span", "upload-name", name));
    if (size !== undefined) head.appendChild(el("span", "upload-size text-muted small", humanSize(size)));
    item.appendChild(head);
    var bar = el("div", "progress");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", "Upload of " + name);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.setAttribute("aria-valuenow", "0");
    var fill = el("div", "progress-bar");
    fill.style.width = "0%";
    bar.appendChild(fill);
    item.appendChild(bar);
    var status = el("div", "upload-status small", "Waiting…");
    item.appendChild(status);
    this.list.appendChild(item);
    return { item: item, bar: bar, fill: fill, status: status };
  };

  Uploader.prototype.progress = function (row, fraction) {
    var percent = Math.round(fraction * 100);
    row.fill.style.width = percent + "%";
    row.bar.setAttribute("aria-valuenow", String(percent));
    row.status.textContent = percent < 100 ? "Uploading… " + percent + "%" : "Checking…";
  };

  Uploader.prototype.pump = function () {
    while (this.running < CONCURRENT && this.queue.length) {
      this.send(this.queue.shift());
    }
    if (!this.running && !this.queue.length) this.finished();
  };

  Uploader.prototype.send = function (job) {
    var self = this;
    var data = new FormData();
    Array.prototype.forEach.call(this.form.elements, function (field) {
      if (!field.name || field.disabled || field.type === "file") return;
      if (field.type === "submit" || field.type === "button") return;
      data.append(field.name, field.value);
    });
    data.append("files", job.file, job.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", this.form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", this.csrfToken());
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) self.progress(job.row, event.loaded / event.total);
    });
    xhr.addEventListener("load", function () {
      var result = null;
      try {
        result = JSON.parse(xhr.responseText);
      } catch (e) {
        result = null;
      }
      if (!result || !result.status) {
        result = {
          status: "refused",
          message: "“" + job.file.name + "” could not be uploaded (the server answered " +
            xhr.status + "). Reload the page and try again.",
        };
      }
      self.done(job, result);
    });
    xhr.addEventListener("error", function () {
      self.done(job, {
        status: "refused",
        message: "“" + job.file.name + "” could not be sent: check the connection and try again.",
      });
    });
    this.running += 1;
    job.row.status.textContent = "Uploading…";
    xhr.send(data);
  };

  Uploader.prototype.done = function (job, result) {
    this.running -= 1;
    this.show(job.row, result, job.file.name);
    this.pump();
  };

  Uploader.prototype.show = function (row, result, name) {
    var status = row.status;
    status.textContent = "";
    row.item.classList.add("upload-" + result.status);
    row.fill.style.width = "100%";
    row.bar.setAttribute("aria-valuenow", "100");
    if (result.status === "created") {
      this.created += 1;
      row.fill.classList.add("bg-success");
      status.appendChild(el("strong", null, "Added: "));
      if (result.url && sameSite(result.url)) status.appendChild(link(result.url, result.title));
      else status.appendChild(document.createTextNode(result.title || name));
    } else if (result.status === "duplicate") {
      row.fill.classList.add("bg-warning");
      status.appendChild(el("strong", null, "Duplicate: "));
      status.appendChild(document.createTextNode(result.message + " "));
      var existing = result.existing || {};
      if (existing.url && sameSite(existing.url)) {
        status.appendChild(link(existing.url, "Open “" + existing.title + "”"));
      }
      if (this.linkUrl && existing.id) status.appendChild(this.linkExistingForm(existing.id));
      this.pendingRows.push({ index: row.index, name: name, result: result });
    } else {
      row.fill.classList.add("bg-danger");
      status.classList.add("text-danger");
      status.appendChild(el("strong", null, "Refused: "));
      status.appendChild(document.createTextNode(result.message || "the file was refused."));
      this.pendingRows.push({ index: row.index, name: name, result: result });
    }
  };

  /* A duplicate on an element page: a real form that links the existing item instead. */
  Uploader.prototype.linkExistingForm = function (evidenceId) {
    var form = el("form", "mt-1");
    form.method = "post";
    form.action = this.linkUrl;
    var fields = { csrfmiddlewaretoken: this.csrfToken(), evidence_id: String(evidenceId) };
    var next = this.form.querySelector('input[name="next"]');
    if (next) fields.next = next.value;
    Object.keys(fields).forEach(function (name) {
      var input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    var button = el("button", "btn btn-sm btn-outline-primary", "Link the existing item to this element");
    button.type = "submit";
    form.appendChild(button);
    return form;
  };

  Uploader.prototype.finished = function () {
    if (this.created > 0 && this.form.hasAttribute("data-reload")) {
      // Keep what the reload would lose: the refusals and duplicates, shown again after it.
      try {
        if (this.pendingRows.length) {
          window.sessionStorage.setItem(STORE_KEY, JSON.stringify({
            path: window.location.pathname, form: this.form.id, rows: this.pendingRows,
          }));
        }
      } catch (e) { /* private browsing: the messages are lost, the files are not */ }
      window.location.reload();
    }
  };

  Uploader.prototype.restore = function () {
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
    } catch (e) {
      saved = null;
    }
    if (!saved || saved.path !== window.location.pathname || saved.form !== this.form.id) return;
    window.sessionStorage.removeItem(STORE_KEY);
    var self = this;
    saved.rows.sort(function (a, b) { return (a.index || 0) - (b.index || 0); });
    saved.rows.forEach(function (entry) {
      self.show(self.row(entry.name), entry.result, entry.name);
    });
    this.pendingRows = [];
  };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-evidence-uploader]"), function (form) {
      if (form.getAttribute("data-uploader-ready")) return;
      if (!window.FormData || !window.XMLHttpRequest) return;
      form.setAttribute("data-uploader-ready", "1");
      new Uploader(form);
    });
  }

  // A file dropped beside the drop zone would make the browser open it in place of the page.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (event) {
      if (hasFiles(event) && !(event.target.closest && event.target.closest("[data-drop-zone]"))) {
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "none";
      }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
