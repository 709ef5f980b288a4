// Vanguard team member picker (党员先锋队). The search box asks the server (htmx) for at
// most 20 members in the user's scope; picking a result adds a chip that carries the
// member id as a hidden input and a "队长" radio. The server checks every posted id again.
// No inline script or style (CSP).
(function () {
  "use strict";
  var picker = document.querySelector("[data-picker]");
  if (!picker) {
    return;
  }
  var chips = picker.querySelector("[data-chips]");
  var empty = picker.querySelector("[data-chips-empty]");
  var search = picker.querySelector("[data-picker-search]");
  var results = picker.querySelector("[data-picker-results]");

  function chipFor(id) {
    return chips.querySelector('[data-chip="' + id + '"]');
  }

  // The first member who may lead becomes the leader until someone else is chosen.
  function ensureLeader() {
    if (chips.querySelector("input[name=leader]:checked")) {
      return;
    }
    var first = chips.querySelector("input[name=leader]:not(:disabled)");
    if (first) {
      first.checked = true;
    }
  }

  function refresh() {
    empty.hidden = chips.querySelector("[data-chip]") !== null;
    results.querySelectorAll("[data-member-id]").forEach(function (button) {
      var chosen = chipFor(button.getAttribute("data-member-id")) !== null;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      button.classList.toggle("list-group-item-secondary", chosen);
      var label = button.querySelector("[data-pick-label]");
      if (label) {
        label.textContent = chosen ? "已选" : "选择";
        label.classList.toggle("text-bg-danger", !chosen);
        label.classList.toggle("text-bg-secondary", chosen);
      }
    });
    ensureLeader();
  }

  function toggle(button) {
    var id = button.getAttribute("data-member-id");
    var chip = chipFor(id);
    if (chip) {
      chip.remove();
    } else {
      var template = results.querySelector('template[data-chip-for="' + id + '"]');
      if (!template) {
        return;
      }
      chips.appendChild(template.content.cloneNode(true));
    }
    refresh();
  }

  picker.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-chip-remove]");
    if (remove) {
      remove.closest("[data-chip]").remove();
      refresh();
      search.focus();
      return;
    }
    var pick = event.target.closest("[data-member-id]");
    if (pick && results.contains(pick)) {
      toggle(pick);
    }
  });

  // Enter in the search box searches; it must not submit the team form.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === results) {
      refresh();
    }
  });

  refresh();
})();
