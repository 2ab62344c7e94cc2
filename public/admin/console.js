// Herald console: small enhancements only. Every form works without this file.
(function () {
  'use strict';

  function readJson(el, name) {
    try {
      return JSON.parse(el.getAttribute(name) || '{}');
    } catch (e) {
      return {};
    }
  }

  // The "Email subscribers" box follows the runbook default for the chosen
  // impact or status, until the Comms Lead ticks or unticks it by hand.
  function followNotifyDefault(form, radioName, defaults) {
    var box = form.querySelector('input[name="notify"]');
    if (!box) return;
    var touched = false;
    box.addEventListener('change', function () {
      touched = true;
    });
    form.querySelectorAll('input[name="' + radioName + '"]').forEach(function (radio) {
      radio.addEventListener('change', function () {
        if (touched || !radio.checked || !(radio.value in defaults)) return;
        box.checked = !!defaults[radio.value];
        // Still "as shown": the server lets the runbook decide.
        var shown = form.querySelector('input[name="notify_shown"]');
        if (shown) shown.value = box.checked ? '1' : '0';
      });
    });
  }

  // On the update form, a body still equal to a status template follows the chosen status.
  function followTemplates(form, templates) {
    var body = form.querySelector('textarea[name="body"]');
    var tpl = form.querySelector('input[name="body_template"]');
    if (!body || !tpl) return;
    form.querySelectorAll('input[name="status"]').forEach(function (radio) {
      radio.addEventListener('change', function () {
        if (!radio.checked || !(radio.value in templates)) return;
        if (body.value.trim() === tpl.value.trim()) {
          body.value = templates[radio.value];
          tpl.value = templates[radio.value];
        }
      });
    });
  }

  // One click publishes: disable the button so a double click sends one request
  // (the server also consumes each draft once).
  function guardDoubleSubmit(form) {
    form.addEventListener('submit', function () {
      var btn = form.querySelector('button[type="submit"]');
      if (btn)
        setTimeout(function () {
          btn.disabled = true;
        }, 0);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('form[data-notify-defaults]').forEach(function (form) {
      var defaults = readJson(form, 'data-notify-defaults');
      followNotifyDefault(form, form.querySelector('input[name="impact"]') ? 'impact' : 'status', defaults);
      if (form.hasAttribute('data-templates')) followTemplates(form, readJson(form, 'data-templates'));
    });
    document.querySelectorAll('form[action="/admin/publish"]').forEach(guardDoubleSubmit);
  });
})();
