// The numbers list (/ops/numbers/): suggestions for the business filter, and selecting
// rows for a bulk action. The page works without it: a typed business name is looked
// up by the server, and rows can be ticked one by one.
(function () {
  "use strict";

  function businessPicker() {
    var input = document.getElementById("id_business");
    var hidden = document.getElementById("id_businessId");
    var list = document.getElementById("business-options");
    if (!input || !hidden || !list) return;
    var known = {}; // name → id, of the suggestions shown
    var timer = null;
    var asked = "";

    function pick() {
      // A suggestion chosen exactly: filter by its id (names need not be unique).
      hidden.value = known[input.value] || "";
    }

    function suggest() {
      var text = input.value.trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      fetch(input.dataset.lookup + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) {
          list.replaceChildren();
          known = {};
          body.results.forEach(function (business) {
            var option = document.createElement("option");
            option.value = business.name;
            known[business.name] = business.id;
            list.appendChild(option);
          });
          pick();
        })
        .catch(function () { /* suggestions are a convenience; typing still works */ });
    }

    input.addEventListener("input", function () {
      pick();
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    input.addEventListener("change", pick);
  }

  function rowSelection() {
    var form = document.getElementById("bulk");
    var all = document.getElementById("select-page");
    var button = document.getElementById("apply-selected");
    if (!form || !all) return;
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=ids]"));

    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      if (button) {
        button.disabled = ticked === 0;
        button.textContent = ticked ? "Apply to " + ticked + " selected" : "Apply to selected";
      }
    }

    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }

  businessPicker();
  rowSelection();
})();
